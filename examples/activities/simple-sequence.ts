/**
 * Example activities for ../shared/seed-workflows/simple_sequence.kotoba
 * (user registration). In-memory and deterministic: good for tests and demos.
 */
import { ActivityError, ActivityRegistry, FunctionActivity } from '../../src/workflow/activities/index.ts';
import type { JsonObject } from '../../src/workflow/activities/index.ts';

export interface SimpleSequenceOptions {
  /** Usernames that are already taken. */
  readonly taken?: readonly string[];
}

/** The activities, plus the ordered log of the calls they received. */
export function simpleSequenceActivities(options: SimpleSequenceOptions = {}): { registry: ActivityRegistry; calls: { name: string; input: JsonObject }[] } {
  const calls: { name: string; input: JsonObject }[] = [];
  const taken = new Set(options.taken ?? []);
  const fn = (name: string, handler: (input: JsonObject) => JsonObject) =>
    new FunctionActivity(name, (input) => {
      calls.push({ name, input });
      return handler(input);
    });
  const registry = new ActivityRegistry()
    .register(
      fn('validate_user_data', (i) => {
        const email = String(i.email ?? '');
        if (!email.includes('@')) throw new ActivityError('INVALID_EMAIL', `invalid email ${email}`, { retryable: false });
        if (String(i.password ?? '').length < 8) throw new ActivityError('WEAK_PASSWORD', 'password too short', { retryable: false });
        return { valid: true };
      }),
    )
    .register(
      fn('check_username_availability', (i) => {
        if (taken.has(String(i.username))) throw new ActivityError('USERNAME_TAKEN', `username ${String(i.username)} is taken`, { retryable: false });
        return { available: true };
      }),
    )
    .register(
      fn('create_user_account', (i) => {
        taken.add(String(i.username));
        return { userId: `user-${String(i.username)}`, createdAt: 0 };
      }),
    )
    .register(fn('send_welcome_email', (i) => ({ sent: true, to: i.email ?? null, registrationComplete: true })));
  return { registry, calls };
}
