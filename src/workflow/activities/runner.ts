import type { Clock } from '../clock.ts';
import { toJson } from './_internals/json.ts';
import { ActivityError, ActivityErrorCode } from './errors.ts';
import type { Activity, ActivityContext, ActivityFailure, AttemptInfo, AttemptResult, JsonObject } from './types.ts';

export interface RunAttemptOptions {
  /**
   * Attempt timeout in ms; defaults to `activity.timeoutMs`. Undefined or
   * Infinity: no timeout.
   */
  readonly timeoutMs?: number;
  /** The clock that times the attempt; also handed to the activity as `ctx.clock`. */
  readonly clock: Clock;
  /** Cancels the attempt from outside (e.g. the workflow is cancelled). */
  readonly signal?: AbortSignal;
}

/**
 * Runs one attempt of `activity` and settles to its outcome as data; never
 * throws, never rejects.
 *
 * - The attempt gets its own AbortSignal (`ctx.signal`), aborted when the
 *   timeout timer (on `options.clock`) fires or `options.signal` aborts. The
 *   result is settled at that moment — an activity that ignores the signal is
 *   abandoned and whatever it does later is ignored.
 * - Timeout → ACTIVITY_TIMEOUT (retryable); outside cancellation →
 *   ACTIVITY_CANCELLED (not retryable).
 * - ActivityError → its code, message, `retryable` and `details`.
 * - Anything else thrown → ACTIVITY_ERROR (retryable).
 * - Output that is not JSON → INVALID_OUTPUT (not retryable). `undefined`
 *   becomes null; the output is returned as a deep-frozen copy.
 */
export function runAttempt(activity: Activity, input: JsonObject, info: AttemptInfo, options: RunAttemptOptions): Promise<AttemptResult> {
  const { clock, signal: outer } = options;
  const timeoutMs = options.timeoutMs ?? activity.timeoutMs;
  const where = `runAttempt(${activity.name}#${info.attempt})`;

  return new Promise<AttemptResult>((resolve) => {
    const controller = new AbortController();
    let settled = false;
    let timer: ReturnType<Clock['setTimer']> | undefined;

    const settle = (r: AttemptResult): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clock.clearTimer(timer);
      outer?.removeEventListener('abort', onOuterAbort);
      resolve(r);
    };
    const fail = (code: string, message: string, retryable: boolean, details?: ActivityFailure['details']): void => {
      settle({ ok: false, error: details === undefined ? { code, message, retryable } : { code, message, retryable, details } });
    };
    const onOuterAbort = (): void => {
      const err = new ActivityError(ActivityErrorCode.CANCELLED, `${where}: cancelled`, { retryable: false, cause: outer?.reason });
      fail(err.code, err.message, false);
      controller.abort(err);
    };

    if (outer?.aborted) {
      onOuterAbort();
      return;
    }
    outer?.addEventListener('abort', onOuterAbort, { once: true });

    if (timeoutMs !== undefined && timeoutMs !== Infinity) {
      if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
        fail(ActivityErrorCode.ERROR, `${where}: timeoutMs must be a number > 0, got ${String(timeoutMs)}`, false);
        return;
      }
      timer = clock.setTimer(clock.now() + timeoutMs, () => {
        timer = undefined;
        const err = new ActivityError(ActivityErrorCode.TIMEOUT, `${where}: timed out after ${timeoutMs} ms`, { retryable: true });
        // Settle first: abort listeners inside the activity must not race the result.
        fail(err.code, err.message, true);
        controller.abort(err);
      });
    }

    const ctx: ActivityContext = { ...info, signal: controller.signal, clock };
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(activity.execute(input, ctx));
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (out) => {
        if (settled) return;
        const j = toJson(out === undefined ? null : out);
        if (j.ok) settle({ ok: true, output: j.value });
        else fail(ActivityErrorCode.INVALID_OUTPUT, `${where}: output is not JSON: ${j.problem}`, false);
      },
      (err: unknown) => {
        if (settled) return;
        if (err instanceof ActivityError) {
          const details = err.details === undefined ? undefined : toJson(err.details);
          fail(err.code, err.message, err.retryable, details?.ok === true ? details.value : undefined);
        } else if (err instanceof Error) {
          fail(ActivityErrorCode.ERROR, err.message || err.name, true, { name: err.name });
        } else {
          fail(ActivityErrorCode.ERROR, `${where}: threw a non-error value: ${safeString(err)}`, true);
        }
      },
    );
  });
}

function safeString(v: unknown): string {
  try {
    return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  } catch {
    return String(v);
  }
}
