import type { RetryPolicy } from '../retry.ts';
import { ActivityConfigError } from './errors.ts';
import { checkTimeout, FunctionActivity, type ActivityHandler } from './function-activity.ts';
import type { Activity } from './types.ts';

interface BuilderState {
  readonly name: string;
  readonly timeoutMs?: number;
  readonly retryPolicy?: Partial<RetryPolicy>;
  readonly handler?: ActivityHandler;
}

/**
 * Fluent definition of a function activity. Immutable: each call returns a
 * new builder, so a partly configured builder can be shared as a template.
 *
 * ```ts
 * const charge = ActivityBuilder.create('charge')
 *   .timeout(5_000)
 *   .retry({ maximumAttempts: 5, nonRetryableErrors: ['INSUFFICIENT_FUNDS'] })
 *   .handler(async (input, ctx) => ({ receipt: await pay(input, ctx.idempotencyKey) }))
 *   .build();
 * ```
 */
export class ActivityBuilder {
  private constructor(private readonly state: BuilderState) {}

  static create(name: string): ActivityBuilder {
    if (typeof name !== 'string' || name.trim().length === 0) {
      throw new ActivityConfigError('INVALID_ACTIVITY', `ActivityBuilder.create: name must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    return new ActivityBuilder({ name });
  }

  /** Default attempt timeout in ms (Infinity for none). */
  timeout(ms: number): ActivityBuilder {
    checkTimeout(`ActivityBuilder.timeout(${this.state.name})`, ms);
    return new ActivityBuilder({ ...this.state, timeoutMs: ms });
  }

  /** Default retry policy fields; merged field by field with later calls. */
  retry(policy: Partial<RetryPolicy>): ActivityBuilder {
    return new ActivityBuilder({ ...this.state, retryPolicy: { ...this.state.retryPolicy, ...policy } });
  }

  handler(fn: ActivityHandler): ActivityBuilder {
    return new ActivityBuilder({ ...this.state, handler: fn });
  }

  /** Throws ActivityConfigError (INVALID_ACTIVITY) when no handler was given. */
  build(): Activity {
    const { name, handler, timeoutMs, retryPolicy } = this.state;
    if (handler === undefined) {
      throw new ActivityConfigError('INVALID_ACTIVITY', `ActivityBuilder.build: activity "${name}" has no handler`);
    }
    return new FunctionActivity(name, handler, { timeoutMs, retryPolicy });
  }
}
