import { ItonamiError } from '../../graph/errors.ts';
import type { Json } from '../../graph/types.ts';

/** Codes the activity layer itself produces. Applications add their own. */
export const ActivityErrorCode = Object.freeze({
  /** The attempt ran past its timeout and was aborted. Retryable. */
  TIMEOUT: 'ACTIVITY_TIMEOUT',
  /** The activity threw something other than an ActivityError. Retryable. */
  ERROR: 'ACTIVITY_ERROR',
  /** The attempt was cancelled from outside (workflow cancelled). Not retryable. */
  CANCELLED: 'ACTIVITY_CANCELLED',
  /** The activity resolved to something that is not JSON. Not retryable. */
  INVALID_OUTPUT: 'INVALID_OUTPUT',
  /** No activity of that name is registered. Not retryable. */
  UNKNOWN: 'UNKNOWN_ACTIVITY',
  /** fetch failed before any response (DNS, refused connection, reset). Retryable. */
  HTTP_NETWORK_ERROR: 'HTTP_NETWORK_ERROR',
  /** The URL computed from the input is not an absolute URL. Not retryable. */
  HTTP_INVALID_URL: 'HTTP_INVALID_URL',
  /** A response announced JSON but its body did not parse. Not retryable. */
  HTTP_INVALID_JSON: 'HTTP_INVALID_JSON',
  /** SQL parameters were not an array or object of scalars. Not retryable. */
  INVALID_SQL_PARAMS: 'INVALID_SQL_PARAMS',
  /** The database rejected or failed the statement. Retryable. */
  SQL_ERROR: 'SQL_ERROR',
} as const);

/** One of the codes the activity layer itself produces (plus `HTTP_<status>`). */
export type ActivityErrorCode = (typeof ActivityErrorCode)[keyof typeof ActivityErrorCode];

export interface ActivityErrorOptions {
  /**
   * False ends the activity whatever the retry policy says. Default true:
   * the policy's `nonRetryableErrors` and attempt count decide.
   */
  readonly retryable?: boolean;
  /** JSON detail recorded with the failure (e.g. an HTTP status and body). */
  readonly details?: Json;
  readonly cause?: unknown;
}

/**
 * A typed activity failure. Application code throws
 * `new ActivityError('INSUFFICIENT_FUNDS', 'balance 10 < 25')`; the code is
 * what a retry policy's `non_retryable_errors` names and what the workflow
 * records.
 */
export class ActivityError extends ItonamiError {
  readonly retryable: boolean;
  readonly details: Json | undefined;
  constructor(code: string, message: string, options: ActivityErrorOptions = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    if (typeof code !== 'string' || code.length === 0) {
      throw new TypeError(`ActivityError: code must be a non-empty string, got ${String(code)}`);
    }
    this.retryable = options.retryable ?? true;
    this.details = options.details;
  }
}

/** `ActivityRegistry.get` of a name nobody registered. */
export class UnknownActivityError extends ActivityError {
  constructor(
    where: string,
    /** The name that was looked up. */
    readonly activityName: string,
  ) {
    super(ActivityErrorCode.UNKNOWN, `${where}: no activity named "${activityName}" is registered`, { retryable: false });
  }
}

export type ActivityConfigErrorCode = 'INVALID_ACTIVITY' | 'DUPLICATE_ACTIVITY' | 'UNSAFE_SQL' | 'INVALID_CONNECTION';

/**
 * A mistake in how an activity is defined or registered, found before any
 * attempt runs (missing handler, duplicate name, SQL that is not a constant
 * parameterised statement, ...).
 */
export class ActivityConfigError extends ItonamiError {
  declare readonly code: ActivityConfigErrorCode;
  constructor(code: ActivityConfigErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
