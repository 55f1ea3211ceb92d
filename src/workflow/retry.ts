import { ItonamiError } from '../graph/errors.ts';

/**
 * How failed activity attempts are retried. Normalized: every field present,
 * durations in milliseconds (ISO 8601 parsing happens where the IR is read).
 */
export interface RetryPolicy {
  /** Delay before the second attempt. */
  readonly initialIntervalMs: number;
  /** Each further delay is the previous one times this (>= 1; 1 = constant). */
  readonly backoffCoefficient: number;
  /** Cap on any single delay. */
  readonly maximumIntervalMs: number;
  /**
   * Total attempts, the first included: 1 = never retry. `Infinity` = no
   * limit (what Temporal writes as 0; map it when reading the IR).
   */
  readonly maximumAttempts: number;
  /** Error codes that end the activity at once, whatever the attempt. */
  readonly nonRetryableErrors: readonly string[];
}

/**
 * The default, Temporal-like except for a finite attempt count:
 * 1 s initial interval, coefficient 2.0, cap 100 × initial interval (100 s),
 * 3 attempts in all, no non-retryable codes. Delays: 1 s, 2 s.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  initialIntervalMs: 1000,
  backoffCoefficient: 2,
  maximumIntervalMs: 100_000,
  maximumAttempts: 3,
  nonRetryableErrors: Object.freeze([]) as readonly string[],
});

/** When `maximumIntervalMs` is given nowhere, it is this many times the initial interval. */
export const DEFAULT_MAXIMUM_INTERVAL_FACTOR = 100;

export type RetryPolicyErrorCode = 'INVALID_RETRY_POLICY';

/** A retry policy field out of range. */
export class RetryPolicyError extends ItonamiError {
  declare readonly code: RetryPolicyErrorCode;
  constructor(message: string) {
    super('INVALID_RETRY_POLICY', message);
  }
}

/**
 * Resolves a policy from layers, most specific first (e.g. step-level,
 * activity-level, workflow-level): each field comes from the first layer that
 * sets it, else from {@link DEFAULT_RETRY_POLICY}. Fields are replaced, never
 * combined (`nonRetryableErrors` of a more specific layer replaces the list).
 * A `maximumIntervalMs` set by no layer is 100 × the resolved initial interval.
 * Throws {@link RetryPolicyError} if the result is out of range.
 */
export function mergeRetryPolicy(...layers: (Partial<RetryPolicy> | null | undefined)[]): RetryPolicy {
  const pick = <K extends keyof RetryPolicy>(k: K): RetryPolicy[K] | undefined => {
    for (const layer of layers) {
      const v = layer?.[k];
      if (v !== undefined) return v as RetryPolicy[K];
    }
    return undefined;
  };
  const initialIntervalMs = pick('initialIntervalMs') ?? DEFAULT_RETRY_POLICY.initialIntervalMs;
  const policy: RetryPolicy = {
    initialIntervalMs,
    backoffCoefficient: pick('backoffCoefficient') ?? DEFAULT_RETRY_POLICY.backoffCoefficient,
    maximumIntervalMs: pick('maximumIntervalMs') ?? initialIntervalMs * DEFAULT_MAXIMUM_INTERVAL_FACTOR,
    maximumAttempts: pick('maximumAttempts') ?? DEFAULT_RETRY_POLICY.maximumAttempts,
    nonRetryableErrors: Object.freeze([...(pick('nonRetryableErrors') ?? DEFAULT_RETRY_POLICY.nonRetryableErrors)]),
  };
  validateRetryPolicy('mergeRetryPolicy', policy);
  return Object.freeze(policy);
}

/** Throws {@link RetryPolicyError} unless every field of `policy` is in range. */
export function validateRetryPolicy(where: string, policy: RetryPolicy): void {
  const { initialIntervalMs: i, backoffCoefficient: c, maximumIntervalMs: m, maximumAttempts: a, nonRetryableErrors: n } = policy;
  const bad = (msg: string): never => {
    throw new RetryPolicyError(`${where}: ${msg}`);
  };
  if (typeof i !== 'number' || !Number.isFinite(i) || i < 0) bad(`initialIntervalMs must be a finite number >= 0, got ${String(i)}`);
  if (typeof c !== 'number' || !Number.isFinite(c) || c < 1) bad(`backoffCoefficient must be a finite number >= 1, got ${String(c)}`);
  if (typeof m !== 'number' || !Number.isFinite(m) || m < i) bad(`maximumIntervalMs must be a finite number >= initialIntervalMs (${i}), got ${String(m)}`);
  if (typeof a !== 'number' || !(a === Infinity || (Number.isInteger(a) && a >= 1))) {
    bad(`maximumAttempts must be an integer >= 1 or Infinity, got ${String(a)}`);
  }
  if (!Array.isArray(n) || n.some((x) => typeof x !== 'string')) bad('nonRetryableErrors must be an array of strings');
}

/**
 * Delay in ms before the attempt after `attempt` (1-based: the attempt that
 * just failed with `errorCode`), or null when there is none: attempts are
 * exhausted, the code is in `nonRetryableErrors`, or the failure itself says
 * it is not retryable (`retryable` false).
 *
 * delay = min(initialIntervalMs × backoffCoefficient^(attempt-1), maximumIntervalMs),
 * rounded to the nearest millisecond.
 */
export function nextRetryDelay(policy: RetryPolicy, attempt: number, errorCode: string, retryable = true): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RetryPolicyError(`nextRetryDelay: attempt must be an integer >= 1, got ${String(attempt)}`);
  }
  if (!retryable) return null;
  if (attempt >= policy.maximumAttempts) return null;
  if (policy.nonRetryableErrors.includes(errorCode)) return null;
  const raw = policy.initialIntervalMs * Math.pow(policy.backoffCoefficient, attempt - 1);
  return Math.round(Math.min(raw, policy.maximumIntervalMs));
}
