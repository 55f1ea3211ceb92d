import { ItonamiError } from '../graph/index.ts';
import type { GqlEvalErrorCode } from './eval-errors.ts';

/** Stable error codes of the GQL layer; tests and callers match on these, never on text. */
export type GqlErrorCode = 'GQL_SYNTAX' | GqlEvalErrorCode;

/** Base class of every error raised by the GQL layer. */
export class GqlError extends ItonamiError {
  declare readonly code: GqlErrorCode;

  constructor(code: GqlErrorCode, message: string) {
    super(code, message);
    this.name = 'GqlError';
  }
}

/** Where a syntax error was found and what the parser would have accepted there. */
export interface GqlSyntaxErrorDetails {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  /** Human-readable descriptions of what would have been accepted (e.g. `')'`, `an expression`). */
  readonly expected: readonly string[];
  /** The offending text, or `end of input`. */
  readonly found: string;
  /** What went wrong, without the position prefix (e.g. `expected ')' but found 'RETURN'`). */
  readonly reason: string;
}

/**
 * The query text is not valid GQL. The message reads
 * `GQL syntax error at line 2, column 7: expected ')' but found 'RETURN'`.
 */
export class GqlSyntaxError extends GqlError {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  readonly expected: readonly string[];
  readonly found: string;

  constructor(details: GqlSyntaxErrorDetails) {
    super('GQL_SYNTAX', `GQL syntax error at line ${details.line}, column ${details.column}: ${details.reason}`);
    this.name = 'GqlSyntaxError';
    this.line = details.line;
    this.column = details.column;
    this.offset = details.offset;
    this.expected = Object.freeze([...details.expected]);
    this.found = details.found;
  }
}
