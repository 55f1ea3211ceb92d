import { describe, expect, it } from 'vitest';
import { ActivityBuilder, ActivityRegistry, FunctionActivity, runAttempt, UnknownActivityError } from '../../../src/workflow/activities/index.ts';
import { VirtualClock } from '../../../src/workflow/clock.ts';

const info = { executionId: 'e', taskId: 't', attempt: 1, idempotencyKey: 'e/t' };

describe('FunctionActivity', () => {
  it('runs a sync or async function with input and context', async () => {
    const add = new FunctionActivity('add', (input) => ({ sum: (input.a as number) + (input.b as number) }));
    const keyed = new FunctionActivity('key', async (_input, ctx) => ctx.idempotencyKey);
    const ctx = { ...info, signal: new AbortController().signal };
    expect(await add.execute({ a: 2, b: 3 }, ctx)).toEqual({ sum: 5 });
    expect(await keyed.execute({}, ctx)).toBe('e/t');
  });

  it('carries default timeout and retry policy', () => {
    const a = new FunctionActivity('x', () => null, { timeoutMs: 500, retryPolicy: { maximumAttempts: 9 } });
    expect(a.timeoutMs).toBe(500);
    expect(a.retryPolicy).toEqual({ maximumAttempts: 9 });
  });

  it('refuses a missing name, handler or a bad timeout with INVALID_ACTIVITY', () => {
    expect(() => new FunctionActivity('', () => null)).toThrow(expect.objectContaining({ code: 'INVALID_ACTIVITY' }));
    expect(() => new FunctionActivity('x', 42 as never)).toThrow(expect.objectContaining({ code: 'INVALID_ACTIVITY' }));
    expect(() => new FunctionActivity('x', () => null, { timeoutMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ACTIVITY' }));
  });
});

describe('ActivityRegistry', () => {
  it('registers, gets, has and lists', () => {
    const r = new ActivityRegistry();
    const b = new FunctionActivity('b', () => null);
    const a = new FunctionActivity('a', () => null);
    expect(r.register(b).register(a)).toBe(r);
    expect(r.get('a')).toBe(a);
    expect(r.has('b')).toBe(true);
    expect(r.has('c')).toBe(false);
    expect(r.list()).toEqual(['a', 'b']);
  });

  it('get of an unknown name throws UnknownActivityError naming it', () => {
    const r = new ActivityRegistry();
    let err: unknown;
    try {
      r.get('charge-card');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownActivityError);
    expect(err).toMatchObject({ code: 'UNKNOWN_ACTIVITY', activityName: 'charge-card', retryable: false });
    expect((err as Error).message).toContain('charge-card');
    expect((err as Error).message.startsWith('ActivityRegistry.get:')).toBe(true);
  });

  it('refuses duplicates and things that are not activities', () => {
    const r = new ActivityRegistry().register(new FunctionActivity('a', () => null));
    expect(() => r.register(new FunctionActivity('a', () => 1))).toThrow(expect.objectContaining({ code: 'DUPLICATE_ACTIVITY' }));
    expect(() => r.register({ name: 'x' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_ACTIVITY' }));
    expect(() => r.register({ name: ' ', execute: async () => null })).toThrow(expect.objectContaining({ code: 'INVALID_ACTIVITY' }));
  });

  it('accepts an application class implementing Activity', async () => {
    class Greeter {
      readonly name = 'greet';
      async execute(input: { readonly [k: string]: unknown }): Promise<string> {
        return `hello ${String(input.who)}`;
      }
    }
    const r = new ActivityRegistry().register(new Greeter());
    const out = await runAttempt(r.get('greet'), { who: 'kotoba' }, info, { clock: new VirtualClock() });
    expect(out).toEqual({ ok: true, output: 'hello kotoba' });
  });
});

describe('ActivityBuilder', () => {
  it('builds an activity with timeout, retry and handler', async () => {
    const a = ActivityBuilder.create('charge')
      .timeout(5_000)
      .retry({ maximumAttempts: 5 })
      .retry({ nonRetryableErrors: ['INSUFFICIENT_FUNDS'] })
      .handler(async (input) => ({ charged: input.amount ?? 0 }))
      .build();
    expect(a.name).toBe('charge');
    expect(a.timeoutMs).toBe(5_000);
    expect(a.retryPolicy).toEqual({ maximumAttempts: 5, nonRetryableErrors: ['INSUFFICIENT_FUNDS'] });
    expect(await runAttempt(a, { amount: 3 }, info, { clock: new VirtualClock() })).toEqual({ ok: true, output: { charged: 3 } });
  });

  it('is immutable: a builder can serve as a template', () => {
    const base = ActivityBuilder.create('t').timeout(100);
    const one = base.handler(() => 1).build();
    const two = base.timeout(200).handler(() => 2).build();
    expect(one.timeoutMs).toBe(100);
    expect(two.timeoutMs).toBe(200);
  });

  it('refuses build without a handler, and bad names or timeouts', () => {
    expect(() => ActivityBuilder.create('x').build()).toThrow(expect.objectContaining({ code: 'INVALID_ACTIVITY' }));
    expect(() => ActivityBuilder.create('')).toThrow(expect.objectContaining({ code: 'INVALID_ACTIVITY' }));
    expect(() => ActivityBuilder.create('x').timeout(-5)).toThrow(expect.objectContaining({ code: 'INVALID_ACTIVITY' }));
  });
});
