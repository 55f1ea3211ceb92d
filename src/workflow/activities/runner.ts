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
  const outer = options.signal;
  if (outer?.aborted) return Promise.resolve(cancelled(activity, info));
  const run = new AttemptRun(activity, info, options.clock, options.timeoutMs);
  if (outer !== undefined) run.listen(outer);
  run.start(input);
  return run.result;
}

/** An attempt in progress, as the engine holds it. */
export interface Attempt {
  readonly result: Promise<AttemptResult>;
  /** Cancels the attempt: unless it has settled, it settles as ACTIVITY_CANCELLED and its signal aborts. */
  cancel(reason?: unknown): void;
}

/**
 * `runAttempt` for a caller that cancels through a handle rather than an
 * AbortSignal (the engine): no outside signal to listen to, and the attempt's
 * own AbortController is made only if the activity reads `ctx.signal`.
 * @internal
 */
export function startAttempt(activity: Activity, input: JsonObject, info: AttemptInfo, options: Omit<RunAttemptOptions, 'signal'>): Attempt {
  const run = new AttemptRun(activity, info, options.clock, options.timeoutMs);
  run.start(input);
  return run;
}

function where(activity: Activity, info: AttemptInfo): string {
  return `runAttempt(${activity.name}#${info.attempt})`;
}

function cancelledError(activity: Activity, info: AttemptInfo, cause: unknown): ActivityError {
  return new ActivityError(ActivityErrorCode.CANCELLED, `${where(activity, info)}: cancelled`, { retryable: false, cause });
}

function cancelled(activity: Activity, info: AttemptInfo): AttemptResult {
  const err = cancelledError(activity, info, undefined);
  return { ok: false, error: { code: err.code, message: err.message, retryable: false } };
}

/** One attempt: settles once, to its outcome as data (see runAttempt). */
class AttemptRun implements Attempt {
  readonly result: Promise<AttemptResult>;
  private resolve!: (r: AttemptResult) => void;
  private settled = false;
  private timer: ReturnType<Clock['setTimer']> | undefined = undefined;
  /** The attempt's signal, made on first read (most activities never read it). */
  private controller: AbortController | undefined = undefined;
  private aborted = false;
  private abortReason: unknown = undefined;
  private outer: AbortSignal | undefined = undefined;
  private readonly onOuterAbort = (): void => this.cancel(this.outer?.reason);

  constructor(
    private readonly activity: Activity,
    private readonly info: AttemptInfo,
    private readonly clock: Clock,
    private readonly timeoutMs: number | undefined = activity.timeoutMs,
  ) {
    this.result = new Promise<AttemptResult>((resolve) => (this.resolve = resolve));
  }

  listen(outer: AbortSignal): void {
    this.outer = outer;
    outer.addEventListener('abort', this.onOuterAbort, { once: true });
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  cancel(reason: unknown = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.settled) return;
    const err = cancelledError(this.activity, this.info, reason);
    this.fail(err.code, err.message, false);
    this.abort(err);
  }

  start(input: JsonObject): void {
    const { clock, timeoutMs } = this;
    if (timeoutMs !== undefined && timeoutMs !== Infinity) {
      if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
        this.fail(ActivityErrorCode.ERROR, `${where(this.activity, this.info)}: timeoutMs must be a number > 0, got ${String(timeoutMs)}`, false);
        return;
      }
      this.timer = clock.setTimer(clock.now() + timeoutMs, () => {
        this.timer = undefined;
        const err = new ActivityError(ActivityErrorCode.TIMEOUT, `${where(this.activity, this.info)}: timed out after ${timeoutMs} ms`, { retryable: true });
        // Settle first: abort listeners inside the activity must not race the result.
        this.fail(err.code, err.message, true);
        this.abort(err);
      });
    }
    const run = this;
    const ctx: ActivityContext = {
      ...this.info,
      get signal(): AbortSignal {
        return run.signal;
      },
      clock,
    };
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(this.activity.execute(input, ctx));
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (out) => this.succeed(out),
      (err: unknown) => this.reject(err),
    );
  }

  private abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  private settle(r: AttemptResult): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.outer?.removeEventListener('abort', this.onOuterAbort);
    this.resolve(r);
  }

  private fail(code: string, message: string, retryable: boolean, details?: ActivityFailure['details']): void {
    this.settle({ ok: false, error: details === undefined ? { code, message, retryable } : { code, message, retryable, details } });
  }

  private succeed(out: unknown): void {
    if (this.settled) return;
    const j = toJson(out === undefined ? null : out);
    if (j.ok) this.settle({ ok: true, output: j.value });
    else this.fail(ActivityErrorCode.INVALID_OUTPUT, `${where(this.activity, this.info)}: output is not JSON: ${j.problem}`, false);
  }

  private reject(err: unknown): void {
    if (this.settled) return;
    if (err instanceof ActivityError) {
      const details = err.details === undefined ? undefined : toJson(err.details);
      this.fail(err.code, err.message, err.retryable, details?.ok === true ? details.value : undefined);
    } else if (err instanceof Error) {
      this.fail(ActivityErrorCode.ERROR, err.message || err.name, true, { name: err.name });
    } else {
      this.fail(ActivityErrorCode.ERROR, `${where(this.activity, this.info)}: threw a non-error value: ${safeString(err)}`, true);
    }
  }
}

function safeString(v: unknown): string {
  try {
    return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  } catch {
    return String(v);
  }
}
