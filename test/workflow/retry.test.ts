import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, mergeRetryPolicy, nextRetryDelay, RetryPolicyError, type RetryPolicy } from '../../src/workflow/retry.ts';

const policy = (p: Partial<RetryPolicy>): RetryPolicy => mergeRetryPolicy(p);

describe('DEFAULT_RETRY_POLICY', () => {
  it('is 1 s, ×2, capped at 100 s, 3 attempts, nothing non-retryable', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({
      initialIntervalMs: 1000,
      backoffCoefficient: 2,
      maximumIntervalMs: 100_000,
      maximumAttempts: 3,
      nonRetryableErrors: [],
    });
    expect(Object.isFrozen(DEFAULT_RETRY_POLICY)).toBe(true);
    expect(mergeRetryPolicy()).toEqual(DEFAULT_RETRY_POLICY);
  });
});

describe('nextRetryDelay', () => {
  it.each([
    // [initial, coefficient, maximum, attempt, expected]
    [1000, 2, 100_000, 1, 1000],
    [1000, 2, 100_000, 2, 2000],
    [1000, 2, 100_000, 3, 4000],
    [1000, 2, 100_000, 7, 64_000],
    [1000, 2, 100_000, 8, 100_000], // 128 s capped
    [1000, 2, 100_000, 60, 100_000], // far past the cap
    [1000, 1.5, 100_000, 1, 1000],
    [1000, 1.5, 100_000, 2, 1500],
    [1000, 1.5, 100_000, 3, 2250],
    [1000, 1.5, 100_000, 4, 3375],
    [1000, 1.2, 100_000, 2, 1200],
    [1000, 1.2, 100_000, 3, 1440], // 1440.0000000000002 rounded
    [1000, 1.2, 100_000, 4, 1728],
    [1000, 1.2, 2000, 5, 2000], // 2073.6 capped
    [500, 1, 500, 9, 500], // constant
    [0, 2, 0, 3, 0],
  ])('initial %i × %f^(n-1), cap %i: attempt %i → %i ms', (initialIntervalMs, backoffCoefficient, maximumIntervalMs, attempt, expected) => {
    const p = policy({ initialIntervalMs, backoffCoefficient, maximumIntervalMs, maximumAttempts: Infinity });
    expect(nextRetryDelay(p, attempt, 'ANY')).toBe(expected);
  });

  it('returns null once maximumAttempts is reached', () => {
    const p = policy({ maximumAttempts: 3 });
    expect(nextRetryDelay(p, 1, 'X')).toBe(1000);
    expect(nextRetryDelay(p, 2, 'X')).toBe(2000);
    expect(nextRetryDelay(p, 3, 'X')).toBeNull();
    expect(nextRetryDelay(policy({ maximumAttempts: 1 }), 1, 'X')).toBeNull();
  });

  it('retries forever with maximumAttempts Infinity', () => {
    expect(nextRetryDelay(policy({ maximumAttempts: Infinity }), 10_000, 'X')).toBe(100_000);
  });

  it('returns null for a non-retryable code, whatever the attempt', () => {
    const p = policy({ maximumAttempts: 10, nonRetryableErrors: ['INSUFFICIENT_FUNDS', 'HTTP_404'] });
    expect(nextRetryDelay(p, 1, 'INSUFFICIENT_FUNDS')).toBeNull();
    expect(nextRetryDelay(p, 1, 'HTTP_404')).toBeNull();
    expect(nextRetryDelay(p, 1, 'HTTP_500')).toBe(1000);
  });

  it('returns null when the failure says it is not retryable', () => {
    expect(nextRetryDelay(DEFAULT_RETRY_POLICY, 1, 'INVALID_OUTPUT', false)).toBeNull();
  });

  it('rejects attempt numbers below 1', () => {
    expect(() => nextRetryDelay(DEFAULT_RETRY_POLICY, 0, 'X')).toThrow(RetryPolicyError);
    expect(() => nextRetryDelay(DEFAULT_RETRY_POLICY, 1.5, 'X')).toThrow(expect.objectContaining({ code: 'INVALID_RETRY_POLICY' }));
  });

  it('delays never decrease and never pass the cap (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 200 }),
        (initial, coeff, extra, attempt) => {
          const p = policy({ initialIntervalMs: initial, backoffCoefficient: coeff, maximumIntervalMs: initial + extra, maximumAttempts: Infinity });
          const d1 = nextRetryDelay(p, attempt, 'E')!;
          const d2 = nextRetryDelay(p, attempt + 1, 'E')!;
          expect(d1).toBeGreaterThanOrEqual(initial);
          expect(d2).toBeGreaterThanOrEqual(d1);
          expect(d2).toBeLessThanOrEqual(Math.round(initial + extra));
        },
      ),
    );
  });
});

describe('mergeRetryPolicy', () => {
  it('takes each field from the most specific layer that sets it', () => {
    const workflow: Partial<RetryPolicy> = { initialIntervalMs: 200, maximumAttempts: 5, nonRetryableErrors: ['A'] };
    const activity: Partial<RetryPolicy> = { maximumAttempts: 2, backoffCoefficient: 1.5 };
    expect(mergeRetryPolicy(activity, workflow)).toEqual({
      initialIntervalMs: 200,
      backoffCoefficient: 1.5,
      maximumIntervalMs: 20_000, // 100 × the resolved initial interval
      maximumAttempts: 2,
      nonRetryableErrors: ['A'],
    });
  });

  it('replaces nonRetryableErrors instead of combining them', () => {
    expect(mergeRetryPolicy({ nonRetryableErrors: ['B'] }, { nonRetryableErrors: ['A'] }).nonRetryableErrors).toEqual(['B']);
    expect(mergeRetryPolicy({ nonRetryableErrors: [] }, { nonRetryableErrors: ['A'] }).nonRetryableErrors).toEqual([]);
  });

  it('accepts undefined and null layers, and more than two layers', () => {
    expect(mergeRetryPolicy(undefined, { maximumAttempts: 7 }).maximumAttempts).toBe(7);
    expect(mergeRetryPolicy(null, undefined)).toEqual(DEFAULT_RETRY_POLICY);
    expect(mergeRetryPolicy({ maximumAttempts: 1 }, { maximumAttempts: 2 }, { maximumAttempts: 3 }).maximumAttempts).toBe(1);
  });

  it('keeps an explicit maximumIntervalMs from a less specific layer', () => {
    expect(mergeRetryPolicy({ initialIntervalMs: 10 }, { maximumIntervalMs: 50 }).maximumIntervalMs).toBe(50);
  });

  it('returns a frozen policy that does not share the caller array', () => {
    const list = ['A'];
    const p = mergeRetryPolicy({ nonRetryableErrors: list });
    list.push('B');
    expect(p.nonRetryableErrors).toEqual(['A']);
    expect(Object.isFrozen(p)).toBe(true);
  });

  it.each<[string, Partial<RetryPolicy>]>([
    ['negative initial interval', { initialIntervalMs: -1 }],
    ['NaN initial interval', { initialIntervalMs: Number.NaN }],
    ['coefficient below 1', { backoffCoefficient: 0.5 }],
    ['maximum below initial', { initialIntervalMs: 1000, maximumIntervalMs: 10 }],
    ['zero attempts', { maximumAttempts: 0 }],
    ['fractional attempts', { maximumAttempts: 2.5 }],
    ['non-string codes', { nonRetryableErrors: [1 as unknown as string] }],
  ])('rejects %s with INVALID_RETRY_POLICY', (_label, layer) => {
    expect(() => mergeRetryPolicy(layer)).toThrow(expect.objectContaining({ code: 'INVALID_RETRY_POLICY' }));
  });
});
