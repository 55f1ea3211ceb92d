import type { Json } from '../../graph/types.ts';
import type { Clock } from '../clock.ts';
import type { RetryPolicy } from '../retry.ts';

export { ActivityError } from './errors.ts';

/** An activity's input: the JSON object the step's input mapping produced. */
export type JsonObject = { readonly [key: string]: Json };

/** Who is asking for an attempt: what the engine knows before it runs one. */
export interface AttemptInfo {
  readonly executionId: string;
  /** The Task node of this activity invocation; the same for every attempt. */
  readonly taskId: string;
  /** 1 for the first attempt, then 2, 3, ... */
  readonly attempt: number;
  /**
   * Stable across the attempts of one task (and across engine restarts), so
   * an activity with side effects can make them happen once.
   */
  readonly idempotencyKey: string;
}

/** What each attempt receives. */
export interface ActivityContext extends AttemptInfo {
  /** Aborts when the attempt times out or is cancelled; pass it to I/O. */
  readonly signal: AbortSignal;
  /** The engine's clock, for activities that wait (use `clock.sleep(ms, signal)`). */
  readonly clock?: Clock;
}

/**
 * A named unit of work with side effects. Implement it directly (an
 * application class), or use FunctionActivity, HttpActivity, SqlActivity or
 * ActivityBuilder.
 *
 * `execute` must resolve to JSON (the runner rejects anything else as
 * INVALID_OUTPUT) and signal typed failures with ActivityError. It may run
 * more than once for one task (at-least-once), so use `ctx.idempotencyKey`
 * for effects that must not repeat.
 */
export interface Activity {
  readonly name: string;
  /** Default attempt timeout; a workflow step may override it. */
  readonly timeoutMs?: number;
  /** Default retry policy fields; a workflow step may override them. */
  readonly retryPolicy?: Partial<RetryPolicy>;
  execute(input: JsonObject, ctx: ActivityContext): Promise<Json>;
}

/** A failed attempt, as data (what the engine records). */
export interface ActivityFailure {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly details?: Json;
}

/** The outcome of one attempt. */
export type AttemptResult =
  | { readonly ok: true; readonly output: Json }
  | { readonly ok: false; readonly error: ActivityFailure };
