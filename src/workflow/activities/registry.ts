import { ActivityConfigError, UnknownActivityError } from './errors.ts';
import type { Activity } from './types.ts';

/** The named activities a workflow's `activity_ref` can point at. */
export class ActivityRegistry {
  private readonly byName = new Map<string, Activity>();

  /** Adds an activity. Throws ActivityConfigError (DUPLICATE_ACTIVITY) if the name is taken. */
  register(activity: Activity): this {
    if (activity === null || typeof activity !== 'object' || typeof activity.execute !== 'function') {
      throw new ActivityConfigError('INVALID_ACTIVITY', 'ActivityRegistry.register: expected an object with name and execute(input, ctx)');
    }
    const { name } = activity;
    if (typeof name !== 'string' || name.trim().length === 0) {
      throw new ActivityConfigError('INVALID_ACTIVITY', `ActivityRegistry.register: activity name must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    if (this.byName.has(name)) {
      throw new ActivityConfigError('DUPLICATE_ACTIVITY', `ActivityRegistry.register: an activity named "${name}" is already registered`);
    }
    this.byName.set(name, activity);
    return this;
  }

  /** The activity named `name`. Throws UnknownActivityError (UNKNOWN_ACTIVITY) if none. */
  get(name: string): Activity {
    const a = this.byName.get(name);
    if (a === undefined) throw new UnknownActivityError('ActivityRegistry.get', name);
    return a;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Registered names, sorted. */
  list(): string[] {
    return [...this.byName.keys()].sort();
  }
}
