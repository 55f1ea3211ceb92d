import type { Json } from '../../graph/types.ts';
import type { RetryPolicy } from '../retry.ts';
import { ActivityConfigError } from './errors.ts';
import type { Activity, ActivityContext, JsonObject } from './types.ts';

/**
 * The body of a function activity. It may be sync or async; its result must
 * be JSON (the runner checks, and treats `undefined` as null).
 */
export type ActivityHandler = (input: JsonObject, ctx: ActivityContext) => unknown;

export interface FunctionActivityOptions {
  readonly timeoutMs?: number;
  readonly retryPolicy?: Partial<RetryPolicy>;
}

/** An activity whose body is a function: `new FunctionActivity('charge', async (input, ctx) => ...)`. */
export class FunctionActivity implements Activity {
  readonly timeoutMs: number | undefined;
  readonly retryPolicy: Partial<RetryPolicy> | undefined;

  constructor(
    readonly name: string,
    private readonly fn: ActivityHandler,
    options: FunctionActivityOptions = {},
  ) {
    if (typeof name !== 'string' || name.trim().length === 0) {
      throw new ActivityConfigError('INVALID_ACTIVITY', `FunctionActivity: name must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    if (typeof fn !== 'function') {
      throw new ActivityConfigError('INVALID_ACTIVITY', `FunctionActivity: handler of "${name}" must be a function`);
    }
    checkTimeout(`FunctionActivity(${name})`, options.timeoutMs);
    this.timeoutMs = options.timeoutMs;
    this.retryPolicy = options.retryPolicy;
  }

  async execute(input: JsonObject, ctx: ActivityContext): Promise<Json> {
    // Validated as JSON by the runner.
    return (await this.fn(input, ctx)) as Json;
  }
}

export function checkTimeout(where: string, ms: number | undefined): void {
  if (ms === undefined) return;
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms <= 0) {
    throw new ActivityConfigError('INVALID_ACTIVITY', `${where}: timeoutMs must be a number > 0 (Infinity for none), got ${String(ms)}`);
  }
}
