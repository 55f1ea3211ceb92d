import { describe, expect, it } from 'vitest';
import { ActivityError, FunctionActivity, runAttempt, type ActivityContext, type AttemptInfo } from '../../../src/workflow/activities/index.ts';
import { SystemClock, VirtualClock } from '../../../src/workflow/clock.ts';

const info: AttemptInfo = { executionId: 'exec-1', taskId: 'task-1', attempt: 1, idempotencyKey: 'exec-1/task-1' };

/** An activity that waits for its signal and reports what it saw. */
function waitsForAbort(seen: { reason?: unknown }): FunctionActivity {
  return new FunctionActivity('waits', (_input, ctx) => {
    return new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        seen.reason = ctx.signal.reason;
        reject(ctx.signal.reason);
      });
    });
  });
}

describe('runAttempt', () => {
  it('resolves ok with the output and hands the attempt its context', async () => {
    const clock = new VirtualClock();
    let ctxSeen: ActivityContext | undefined;
    const a = new FunctionActivity('echo', (input, ctx) => {
      ctxSeen = ctx;
      return { got: input.x ?? null };
    });
    const r = await runAttempt(a, { x: 1 }, { ...info, attempt: 2 }, { clock, timeoutMs: 1000 });
    expect(r).toEqual({ ok: true, output: { got: 1 } });
    expect(ctxSeen).toMatchObject({ executionId: 'exec-1', taskId: 'task-1', attempt: 2, idempotencyKey: 'exec-1/task-1', clock });
    expect(ctxSeen!.signal.aborted).toBe(false);
    expect(clock.pending).toBe(0); // the timeout timer was cleared
  });

  it('maps an ActivityError to its code, retryable flag and details', async () => {
    const a = new FunctionActivity('pay', () => {
      throw new ActivityError('INSUFFICIENT_FUNDS', 'balance 10 < 25', { retryable: false, details: { balance: 10 } });
    });
    const r = await runAttempt(a, {}, info, { clock: new VirtualClock() });
    expect(r).toEqual({ ok: false, error: { code: 'INSUFFICIENT_FUNDS', message: 'balance 10 < 25', retryable: false, details: { balance: 10 } } });
  });

  it('ActivityError is retryable unless it says otherwise', async () => {
    const a = new FunctionActivity('flaky', async () => {
      throw new ActivityError('RATE_LIMITED', 'slow down');
    });
    const r = await runAttempt(a, {}, info, { clock: new VirtualClock() });
    expect(r.ok === false && r.error).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
  });

  it('turns other errors, sync or async, into retryable ACTIVITY_ERROR', async () => {
    const clock = new VirtualClock();
    const sync = { name: 'sync', execute: (): Promise<never> => { throw new TypeError('bad'); } };
    const r1 = await runAttempt(sync, {}, info, { clock });
    expect(r1).toEqual({ ok: false, error: { code: 'ACTIVITY_ERROR', message: 'bad', retryable: true, details: { name: 'TypeError' } } });
    const r2 = await runAttempt(new FunctionActivity('s', async () => Promise.reject('just a string')), {}, info, { clock });
    expect(r2.ok === false && r2.error).toMatchObject({ code: 'ACTIVITY_ERROR', retryable: true });
    expect(r2.ok === false && r2.error.message).toContain('just a string');
  });

  it.each<[string, unknown]>([
    ['a Date', new Date(0)],
    ['a function', () => 1],
    ['NaN', Number.NaN],
    ['a nested Map', { m: new Map() }],
    ['a bigint', { n: 1n }],
    ['a nested undefined', { a: undefined }],
  ])('rejects %s as output with non-retryable INVALID_OUTPUT', async (_label, out) => {
    const r = await runAttempt(new FunctionActivity('bad', () => out), {}, info, { clock: new VirtualClock() });
    expect(r.ok === false && r.error).toMatchObject({ code: 'INVALID_OUTPUT', retryable: false });
  });

  it('returns null for undefined, and a frozen copy of the output', async () => {
    const clock = new VirtualClock();
    expect(await runAttempt(new FunctionActivity('void', () => {}), {}, info, { clock })).toEqual({ ok: true, output: null });
    const mine = { list: [1, 2] };
    const r = await runAttempt(new FunctionActivity('obj', () => mine), {}, info, { clock });
    mine.list.push(3);
    expect(r).toEqual({ ok: true, output: { list: [1, 2] } });
    expect(r.ok && Object.isFrozen(r.output)).toBe(true);
  });

  it('times out on a VirtualClock: aborts the signal and resolves ACTIVITY_TIMEOUT', async () => {
    const clock = new VirtualClock();
    const seen: { reason?: unknown } = {};
    const p = runAttempt(waitsForAbort(seen), {}, info, { clock, timeoutMs: 30_000 });
    await Promise.resolve();
    clock.advance(29_999);
    expect(seen.reason).toBeUndefined();
    clock.advance(1);
    const r = await p;
    expect(r.ok === false && r.error).toMatchObject({ code: 'ACTIVITY_TIMEOUT', retryable: true });
    expect(seen.reason).toBeInstanceOf(ActivityError);
    expect((seen.reason as ActivityError).code).toBe('ACTIVITY_TIMEOUT');
  });

  it('takes the timeout from the activity when the options give none', async () => {
    const clock = new VirtualClock();
    const a = new FunctionActivity('slow', (_i, ctx) => ctx.clock!.sleep(10_000, ctx.signal), { timeoutMs: 5_000 });
    const p = runAttempt(a, {}, info, { clock });
    clock.advance(5_000);
    expect((await p).ok).toBe(false);
    // options override the activity's default
    const q = runAttempt(a, {}, info, { clock, timeoutMs: 20_000 });
    clock.advance(10_000);
    expect(await q).toEqual({ ok: true, output: null });
  });

  it('settles on timeout even when the activity ignores its signal', async () => {
    const clock = new VirtualClock();
    const never = new FunctionActivity('deaf', () => new Promise(() => {}));
    const p = runAttempt(never, {}, info, { clock, timeoutMs: 10 });
    clock.advance(10);
    expect((await p).ok).toBe(false);
  });

  it('times out on the SystemClock (short real timeout)', async () => {
    const seen: { reason?: unknown } = {};
    const r = await runAttempt(waitsForAbort(seen), {}, info, { clock: new SystemClock(), timeoutMs: 20 });
    expect(r.ok === false && r.error.code).toBe('ACTIVITY_TIMEOUT');
    expect((seen.reason as ActivityError).code).toBe('ACTIVITY_TIMEOUT');
  });

  it('a late failure after the timeout is ignored', async () => {
    const clock = new VirtualClock();
    let fail!: (e: unknown) => void;
    const a = new FunctionActivity('late', () => new Promise((_r, rej) => (fail = rej)));
    const p = runAttempt(a, {}, info, { clock, timeoutMs: 10 });
    clock.advance(10);
    fail(new ActivityError('LATE', 'too late'));
    const r = await p;
    expect(r.ok === false && r.error.code).toBe('ACTIVITY_TIMEOUT');
  });

  it('cancels from outside with non-retryable ACTIVITY_CANCELLED', async () => {
    const clock = new VirtualClock();
    const seen: { reason?: unknown } = {};
    const ac = new AbortController();
    const p = runAttempt(waitsForAbort(seen), {}, info, { clock, signal: ac.signal, timeoutMs: 1000 });
    ac.abort();
    const r = await p;
    expect(r.ok === false && r.error).toMatchObject({ code: 'ACTIVITY_CANCELLED', retryable: false });
    expect((seen.reason as ActivityError).code).toBe('ACTIVITY_CANCELLED');
    expect(clock.pending).toBe(0);
  });

  it('does not start an attempt whose outside signal is already aborted', async () => {
    let ran = false;
    const a = new FunctionActivity('never', () => void (ran = true));
    const r = await runAttempt(a, {}, info, { clock: new VirtualClock(), signal: AbortSignal.abort() });
    expect(r.ok === false && r.error.code).toBe('ACTIVITY_CANCELLED');
    expect(ran).toBe(false);
  });
});
