import { ItonamiError } from '../graph/errors.ts';

/**
 * A scheduled timer. Opaque apart from `at`, the clock time (ms) at which it
 * fires; pass it back to the clock that made it to clear it.
 */
export interface TimerHandle {
  readonly at: number;
}

/**
 * The one clock of the engine. Everything that waits (workflow timers,
 * activity timeouts, retry back-off, workflow timeouts) goes through it, so
 * tests and replays can run on virtual time.
 *
 * Both implementations share the same semantics:
 * - a timer never fires before `now() >= at`, and when it fires `now()` is at
 *   least `at` (exactly `at` on a {@link VirtualClock});
 * - due timers fire in order of `at`, ties in the order they were scheduled;
 * - a timer whose `at` is already past fires at the next opportunity, never
 *   synchronously inside `setTimer`.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (virtual or real). */
  now(): number;
  /** Calls `fn` once, when the clock reaches `atMs` (an absolute time). */
  setTimer(atMs: number, fn: () => void): TimerHandle;
  /** Cancels a timer. Idempotent; unknown or fired handles are ignored. */
  clearTimer(handle: TimerHandle): void;
  /**
   * Resolves after `ms` of clock time (a timer at `now() + ms`). When `signal`
   * aborts first, the timer is cleared and the promise rejects with
   * `signal.reason`.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Called by the engine when it has nothing to do but wait for timers. A
   * {@link VirtualClock} in `autoAdvance` mode jumps to the next timer and
   * fires it (returns true); real clocks do not implement it.
   */
  idle?(): boolean;
}

export type ClockErrorCode = 'INVALID_ARGUMENT';

/** Misuse of a clock (a non-finite time, moving virtual time backwards). */
export class ClockError extends ItonamiError {
  declare readonly code: ClockErrorCode;
  constructor(code: ClockErrorCode, message: string) {
    super(code, message);
  }
}

/** Largest delay `setTimeout` accepts (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/* ------------------------------------------------------------------------- */
/* Timer queue shared by both clocks: a binary min-heap on (at, seq).         */

interface Timer extends TimerHandle {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  /** Owner queue; cleared when the timer fires or is cancelled. */
  queue: TimerQueue | null;
}

class TimerQueue {
  private heap: Timer[] = [];
  private seq = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  add(at: number, fn: () => void): Timer {
    const t: Timer = { at, seq: this.seq++, fn, queue: this };
    this.heap.push(t);
    this.up(this.heap.length - 1);
    this.live++;
    return t;
  }

  /** Marks a timer cancelled; removed lazily when it reaches the top. */
  cancel(h: TimerHandle): boolean {
    const t = h as Timer;
    if (t.queue !== this) return false;
    t.queue = null;
    this.live--;
    return true;
  }

  peek(): Timer | undefined {
    this.prune();
    return this.heap[0];
  }

  /** Removes and returns the earliest timer if it is due at `now`. */
  popDue(now: number): Timer | undefined {
    const top = this.peek();
    if (top === undefined || top.at > now) return undefined;
    this.pop();
    top.queue = null;
    this.live--;
    return top;
  }

  private prune(): void {
    while (this.heap.length > 0 && this.heap[0].queue !== this) this.pop();
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l], h[m])) m = l;
      if (r < h.length && this.less(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}

function checkTime(where: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ClockError('INVALID_ARGUMENT', `${where}: ${name} must be a finite number of milliseconds, got ${String(v)}`);
  }
}

function sleepOn(clock: Clock, where: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
  checkTime(where, 'ms', ms);
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimer(handle);
      reject(signal!.reason);
    };
    const handle = clock.setTimer(clock.now() + Math.max(0, ms), () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/* ------------------------------------------------------------------------- */

export interface SystemClockOptions {
  /**
   * When false, the pending Node timer does not keep the process alive.
   * Default true: an engine waiting on a timer is work in progress.
   */
  readonly ref?: boolean;
}

/**
 * Real time: `Date.now()` and one Node timer armed for the earliest pending
 * timer. Delays longer than `setTimeout` allows (2^31 - 1 ms) are reached by
 * re-arming in hops, and a Node timer that wakes early (its clock is
 * monotonic, `Date.now()` is not) is simply re-armed.
 */
export class SystemClock implements Clock {
  private readonly queue = new TimerQueue();
  private readonly ref: boolean;
  private node: ReturnType<typeof setTimeout> | undefined;
  private armedAt = Number.NaN;

  constructor(options: SystemClockOptions = {}) {
    this.ref = options.ref ?? true;
  }

  now(): number {
    return Date.now();
  }

  setTimer(atMs: number, fn: () => void): TimerHandle {
    checkTime('SystemClock.setTimer', 'atMs', atMs);
    const t = this.queue.add(atMs, fn);
    this.arm();
    return t;
  }

  clearTimer(handle: TimerHandle): void {
    if (this.queue.cancel(handle)) this.arm();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, 'SystemClock.sleep', ms, signal);
  }

  /** Number of timers not yet fired or cleared. */
  get pending(): number {
    return this.queue.size;
  }

  private arm(): void {
    const next = this.queue.peek();
    if (next === undefined) {
      this.disarm();
      return;
    }
    if (this.node !== undefined && this.armedAt === next.at) return;
    this.disarm();
    const delay = Math.min(Math.max(0, next.at - Date.now()), MAX_TIMEOUT_MS);
    this.armedAt = next.at;
    this.node = setTimeout(() => this.fire(), delay);
    if (!this.ref) this.node.unref();
  }

  private disarm(): void {
    if (this.node !== undefined) clearTimeout(this.node);
    this.node = undefined;
    this.armedAt = Number.NaN;
  }

  private fire(): void {
    this.node = undefined;
    this.armedAt = Number.NaN;
    const now = Date.now();
    for (let t = this.queue.popDue(now); t !== undefined; t = this.queue.popDue(now)) {
      try {
        t.fn();
      } catch (err) {
        // Same fate as an exception thrown from a setTimeout callback, without
        // starving the other due timers.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    this.arm();
  }
}

/* ------------------------------------------------------------------------- */

export interface VirtualClockOptions {
  /** Initial `now()`: epoch milliseconds or a Date. Default 0. */
  readonly start?: number | Date;
  /**
   * When true, {@link VirtualClock.idle} jumps to the next timer. The engine
   * calls `clock.idle()` whenever it has no runnable work and no activity in
   * flight, so a workflow waiting `PT72H` completes at once. Default false.
   */
  readonly autoAdvance?: boolean;
}

/**
 * Manual time for tests and replays. Time moves only when told
 * (`advance`, `advanceTo`, `advanceToNextTimer`, `runAll`, or `idle` in
 * `autoAdvance` mode); each timer fires with `now()` equal to its `at`.
 *
 * Timer callbacks run synchronously inside those calls; promise continuations
 * they trigger (e.g. code after `await clock.sleep(...)`) run afterwards. Use
 * {@link VirtualClock.runAllAsync} to drive chains of sleeps.
 *
 * An exception thrown by a timer callback does not stop the others: time
 * still reaches its target, then the error (or an AggregateError) is thrown.
 */
export class VirtualClock implements Clock {
  private readonly queue = new TimerQueue();
  private current: number;
  readonly autoAdvance: boolean;

  constructor(options: VirtualClockOptions = {}) {
    const start = options.start instanceof Date ? options.start.getTime() : (options.start ?? 0);
    checkTime('VirtualClock', 'start', start);
    this.current = start;
    this.autoAdvance = options.autoAdvance ?? false;
  }

  now(): number {
    return this.current;
  }

  setTimer(atMs: number, fn: () => void): TimerHandle {
    checkTime('VirtualClock.setTimer', 'atMs', atMs);
    return this.queue.add(atMs, fn);
  }

  clearTimer(handle: TimerHandle): void {
    this.queue.cancel(handle);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, 'VirtualClock.sleep', ms, signal);
  }

  /** Number of timers not yet fired or cleared. */
  get pending(): number {
    return this.queue.size;
  }

  /** `at` of the earliest pending timer, if any. */
  nextTimerAt(): number | undefined {
    return this.queue.peek()?.at;
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way (including
   * timers scheduled by those callbacks, if due within the window). Returns
   * the number of timers fired.
   */
  advance(ms: number): number {
    checkTime('VirtualClock.advance', 'ms', ms);
    if (ms < 0) throw new ClockError('INVALID_ARGUMENT', `VirtualClock.advance: ms must not be negative, got ${ms}`);
    return this.runTo('VirtualClock.advance', this.current + ms);
  }

  /** Moves time forward to `t` (not backwards), firing due timers. */
  advanceTo(t: number): number {
    checkTime('VirtualClock.advanceTo', 't', t);
    if (t < this.current) {
      throw new ClockError('INVALID_ARGUMENT', `VirtualClock.advanceTo: cannot move time back from ${this.current} to ${t}`);
    }
    return this.runTo('VirtualClock.advanceTo', t);
  }

  /**
   * Jumps to the earliest pending timer (time never moves back: a timer
   * already due fires at the current time) and fires every timer due at that
   * instant. Returns false when no timer is pending.
   */
  advanceToNextTimer(): boolean {
    const next = this.queue.peek();
    if (next === undefined) return false;
    this.runTo('VirtualClock.advanceToNextTimer', Math.max(this.current, next.at));
    return true;
  }

  /** In `autoAdvance` mode, same as {@link advanceToNextTimer}; otherwise a no-op returning false. */
  idle(): boolean {
    return this.autoAdvance ? this.advanceToNextTimer() : false;
  }

  /**
   * Fires timers until none is pending, moving time as needed. Throws if more
   * than `limit` rounds are needed (a timer that always re-schedules itself).
   * Returns the number of rounds.
   */
  runAll(limit = 10_000): number {
    let rounds = 0;
    while (this.advanceToNextTimer()) {
      if (++rounds >= limit) {
        throw new ClockError('INVALID_ARGUMENT', `VirtualClock.runAll: still ${this.pending} timer(s) pending after ${limit} rounds`);
      }
    }
    return rounds;
  }

  /**
   * Like {@link runAll}, but lets pending promise continuations and I/O
   * callbacks run (one macrotask turn) before each jump, so code that awaits
   * a sleep and then schedules the next one is driven to the end.
   */
  async runAllAsync(limit = 10_000): Promise<number> {
    let rounds = 0;
    for (;;) {
      await new Promise<void>((r) => setImmediate(r));
      if (!this.advanceToNextTimer()) return rounds;
      if (++rounds >= limit) {
        throw new ClockError('INVALID_ARGUMENT', `VirtualClock.runAllAsync: still ${this.pending} timer(s) pending after ${limit} rounds`);
      }
    }
  }

  private runTo(where: string, target: number): number {
    let fired = 0;
    const errors: unknown[] = [];
    for (;;) {
      const next = this.queue.peek();
      if (next === undefined || next.at > target) break;
      if (next.at > this.current) this.current = next.at;
      const t = this.queue.popDue(this.current)!;
      fired++;
      try {
        t.fn();
      } catch (err) {
        errors.push(err);
      }
    }
    this.current = target;
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${where}: ${errors.length} timer callbacks threw`);
    return fired;
  }
}
