import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClockError, MAX_TIMEOUT_MS, SystemClock, VirtualClock, type Clock } from '../../src/workflow/clock.ts';

const HOUR = 3_600_000;

/**
 * Behaviour every Clock must have. `drive` lets time pass until every timer
 * up to `untilMs` (clock time) has fired: virtual advance or a real wait.
 */
function clockSpecs(label: string, make: () => Clock, drive: (c: Clock, untilMs: number) => Promise<void>): void {
  describe(`${label} (Clock spec)`, () => {
    it('fires timers in time order, ties in scheduling order', async () => {
      const c = make();
      const t0 = c.now();
      const seen: string[] = [];
      c.setTimer(t0 + 30, () => seen.push('c'));
      c.setTimer(t0 + 10, () => seen.push('a1'));
      c.setTimer(t0 + 20, () => seen.push('b'));
      c.setTimer(t0 + 10, () => seen.push('a2'));
      c.setTimer(t0 + 10, () => seen.push('a3'));
      await drive(c, t0 + 30);
      expect(seen).toEqual(['a1', 'a2', 'a3', 'b', 'c']);
    });

    it('never fires a timer before its time', async () => {
      const c = make();
      const at = c.now() + 15;
      let firedAt = -1;
      c.setTimer(at, () => (firedAt = c.now()));
      await drive(c, at);
      expect(firedAt).toBeGreaterThanOrEqual(at);
    });

    it('a past timer fires later, not inside setTimer', async () => {
      const c = make();
      let fired = false;
      c.setTimer(c.now() - 1000, () => (fired = true));
      expect(fired).toBe(false);
      await drive(c, c.now());
      expect(fired).toBe(true);
    });

    it('clearTimer cancels, and is idempotent', async () => {
      const c = make();
      const seen: number[] = [];
      const h = c.setTimer(c.now() + 5, () => seen.push(1));
      c.setTimer(c.now() + 10, () => seen.push(2));
      c.clearTimer(h);
      c.clearTimer(h);
      await drive(c, c.now() + 10);
      expect(seen).toEqual([2]);
      expect(h.at).toBeTypeOf('number');
    });

    it('sleep resolves after its delay', async () => {
      const c = make();
      const start = c.now();
      const p = c.sleep(10);
      await drive(c, start + 10);
      await p;
      expect(c.now()).toBeGreaterThanOrEqual(start + 10);
    });

    it('sleep rejects with the signal reason on abort and clears its timer', async () => {
      const c = make();
      const ac = new AbortController();
      const p = c.sleep(HOUR, ac.signal);
      const reason = new Error('stop');
      ac.abort(reason);
      await expect(p).rejects.toBe(reason);
      if (c instanceof VirtualClock || c instanceof SystemClock) expect(c.pending).toBe(0);
    });

    it('sleep with an already aborted signal rejects at once', async () => {
      const c = make();
      await expect(c.sleep(10, AbortSignal.abort('gone'))).rejects.toBe('gone');
    });

    it('rejects non-finite times with INVALID_ARGUMENT', () => {
      const c = make();
      expect(() => c.setTimer(Number.NaN, () => {})).toThrow(ClockError);
      expect(() => c.setTimer(Infinity, () => {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(() => c.sleep(Number.NaN)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    });
  });
}

clockSpecs('VirtualClock', () => new VirtualClock({ start: 1_000 }), async (c, until) => {
  (c as VirtualClock).advanceTo(Math.max(until, c.now()));
});

clockSpecs('SystemClock', () => new SystemClock(), async (c, until) => {
  // Real time: wait until the clock has passed `until`, then one more turn.
  while (c.now() <= until) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
});

describe('VirtualClock', () => {
  it('starts at 0, a number or a Date', () => {
    expect(new VirtualClock().now()).toBe(0);
    expect(new VirtualClock({ start: 42 }).now()).toBe(42);
    expect(new VirtualClock({ start: new Date('2024-01-01T00:00:00Z') }).now()).toBe(Date.UTC(2024, 0, 1));
  });

  it('fires each timer with now() equal to its time', () => {
    const c = new VirtualClock();
    const at: number[] = [];
    for (const t of [5, 1, 3]) c.setTimer(t, () => at.push(c.now()));
    expect(c.advance(10)).toBe(3);
    expect(at).toEqual([1, 3, 5]);
    expect(c.now()).toBe(10);
  });

  it('fires timers scheduled by callbacks when they fall inside the window', () => {
    const c = new VirtualClock();
    const seen: string[] = [];
    c.setTimer(10, () => {
      seen.push('a@' + c.now());
      c.setTimer(15, () => seen.push('b@' + c.now()));
      c.setTimer(25, () => seen.push('late'));
    });
    c.advance(20);
    expect(seen).toEqual(['a@10', 'b@15']);
    expect(c.pending).toBe(1);
    expect(c.nextTimerAt()).toBe(25);
  });

  it('a PT72H wait completes in virtual time', async () => {
    const c = new VirtualClock({ start: Date.UTC(2024, 0, 1) });
    let done = false;
    const p = c.sleep(72 * HOUR).then(() => (done = true));
    c.advance(72 * HOUR - 1);
    await Promise.resolve();
    expect(done).toBe(false);
    c.advance(1);
    await p;
    expect(done).toBe(true);
    expect(c.now()).toBe(Date.UTC(2024, 0, 4));
  });

  it('advanceToNextTimer jumps to the earliest timer and fires every timer due then', () => {
    const c = new VirtualClock();
    const seen: string[] = [];
    c.setTimer(7 * HOUR, () => seen.push('x'));
    c.setTimer(7 * HOUR, () => seen.push('y'));
    c.setTimer(9 * HOUR, () => seen.push('z'));
    expect(c.advanceToNextTimer()).toBe(true);
    expect(seen).toEqual(['x', 'y']);
    expect(c.now()).toBe(7 * HOUR);
    expect(c.advanceToNextTimer()).toBe(true);
    expect(c.now()).toBe(9 * HOUR);
    expect(c.advanceToNextTimer()).toBe(false);
  });

  it('advanceToNextTimer never moves time back for a past timer', () => {
    const c = new VirtualClock({ start: 100 });
    let at = -1;
    c.setTimer(50, () => (at = c.now()));
    expect(c.advanceToNextTimer()).toBe(true);
    expect(at).toBe(100);
  });

  it('advanceTo refuses to go back; advance refuses negative ms', () => {
    const c = new VirtualClock({ start: 100 });
    expect(() => c.advanceTo(50)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => c.advance(-1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('runAll drains timers, including re-scheduled ones, and stops runaway loops', () => {
    const c = new VirtualClock();
    let n = 0;
    const tick = (): void => {
      if (++n < 5) c.setTimer(c.now() + HOUR, tick);
    };
    c.setTimer(HOUR, tick);
    expect(c.runAll()).toBe(5);
    expect(n).toBe(5);
    expect(c.now()).toBe(5 * HOUR);

    const forever = (): void => void c.setTimer(c.now() + 1, forever);
    c.setTimer(c.now() + 1, forever);
    expect(() => c.runAll(100)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('runAllAsync drives chains of awaited sleeps', async () => {
    const c = new VirtualClock();
    const log: number[] = [];
    const done = (async () => {
      for (let i = 0; i < 24; i++) {
        await c.sleep(HOUR);
        log.push(c.now());
      }
    })();
    await c.runAllAsync();
    await done;
    expect(log).toHaveLength(24);
    expect(c.now()).toBe(24 * HOUR);
  });

  it('idle() jumps only in autoAdvance mode', () => {
    const manual = new VirtualClock();
    manual.setTimer(HOUR, () => {});
    expect(manual.idle()).toBe(false);
    expect(manual.now()).toBe(0);

    const auto = new VirtualClock({ autoAdvance: true });
    let fired = false;
    auto.setTimer(72 * HOUR, () => (fired = true));
    expect(auto.idle()).toBe(true);
    expect(fired).toBe(true);
    expect(auto.now()).toBe(72 * HOUR);
    expect(auto.idle()).toBe(false);
  });

  it('a throwing callback does not stop the others; the error surfaces after', () => {
    const c = new VirtualClock();
    const seen: number[] = [];
    c.setTimer(1, () => {
      throw new Error('boom');
    });
    c.setTimer(2, () => seen.push(2));
    expect(() => c.advance(5)).toThrow('boom');
    expect(seen).toEqual([2]);
    expect(c.now()).toBe(5);

    c.setTimer(6, () => {
      throw new Error('one');
    });
    c.setTimer(6, () => {
      throw new Error('two');
    });
    expect(() => c.advance(1)).toThrow(AggregateError);
  });

  it('sleep(0) is a timer too: it resolves on the next advance', async () => {
    const c = new VirtualClock();
    let done = false;
    const p = c.sleep(0).then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    c.advance(0);
    await p;
    expect(done).toBe(true);
  });
});

describe('SystemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reaches delays longer than setTimeout allows by chaining', () => {
    vi.useFakeTimers({ now: 0 });
    const c = new SystemClock();
    let fired = false;
    const at = MAX_TIMEOUT_MS * 2 + 1000;
    c.setTimer(at, () => (fired = true));
    vi.advanceTimersByTime(MAX_TIMEOUT_MS);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(MAX_TIMEOUT_MS);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(999);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(true);
    expect(c.pending).toBe(0);
  });

  it('an earlier timer added later re-arms the Node timer', () => {
    vi.useFakeTimers({ now: 0 });
    const c = new SystemClock();
    const seen: string[] = [];
    c.setTimer(72 * HOUR, () => seen.push('late'));
    c.setTimer(HOUR, () => seen.push('early'));
    vi.advanceTimersByTime(HOUR);
    expect(seen).toEqual(['early']);
    vi.advanceTimersByTime(71 * HOUR);
    expect(seen).toEqual(['early', 'late']);
  });

  it('clearing the last timer leaves no Node timer behind', () => {
    vi.useFakeTimers({ now: 0 });
    const c = new SystemClock();
    const h = c.setTimer(HOUR, () => {});
    expect(vi.getTimerCount()).toBe(1);
    c.clearTimer(h);
    expect(vi.getTimerCount()).toBe(0);
  });
});
