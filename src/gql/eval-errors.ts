import type { SourcePosition } from './ast.ts';
import { GqlError } from './errors.ts';

/** Codes of errors raised after parsing (part of `GqlErrorCode`). */
export type GqlEvalErrorCode =
  | 'GQL_SEMANTIC'
  | 'GQL_TYPE'
  | 'GQL_ARGUMENT'
  | 'GQL_UNKNOWN_FUNCTION'
  | 'GQL_MISSING_PARAMETER'
  | 'GQL_ARITHMETIC'
  | 'GQL_UNSUPPORTED'
  | 'GQL_TX'
  | 'GQL_DELETED'
  | 'GQL_CONSTRAINT';

/** The openCypher TCK's error classes, for the TCK runner and for callers that mirror them. */
export type TckErrorType = 'SyntaxError' | 'TypeError' | 'ArgumentError' | 'ArithmeticError' | 'ParameterMissing' | 'SemanticError' | 'EntityNotFound' | 'ConstraintVerificationFailed';

/**
 * An error found while compiling or running a parsed query. `detail` is the
 * openCypher TCK's error detail (`UndefinedVariable`, `InvalidArgumentType`, …),
 * `phase` says whether it was found before reading the graph.
 */
export class GqlEvalError extends GqlError {
  readonly tckType: TckErrorType;
  readonly detail: string;
  readonly phase: 'compile' | 'runtime';
  /** Where in the query text the failing expression or clause starts (set once, by `atPos`). */
  line: number | undefined = undefined;
  column: number | undefined = undefined;

  constructor(code: GqlEvalErrorCode, tckType: TckErrorType, detail: string, phase: 'compile' | 'runtime', message: string) {
    super(code, message);
    this.name = 'GqlEvalError';
    this.tckType = tckType;
    this.detail = detail;
    this.phase = phase;
  }
}

/**
 * Gives `err` the position of the query part it came from, unless it has one (the innermost
 * part that knows wins): the message ends `(line L, column C)`. Other errors pass unchanged.
 */
export function atPos(err: unknown, pos: SourcePosition): unknown {
  if (err instanceof GqlEvalError && err.line === undefined) {
    err.line = pos.line;
    err.column = pos.column;
    err.message += ` (line ${pos.line}, column ${pos.column})`;
  }
  return err;
}

/** Runs `fn`; what it throws gets the position `pos` (see `atPos`). */
export function withPos<T>(pos: SourcePosition, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw atPos(err, pos);
  }
}

/** A query that parses but is not valid: undefined variables, conflicting variable kinds, misplaced aggregates… */
export class GqlSemanticError extends GqlEvalError {
  constructor(detail: string, message: string) {
    super('GQL_SEMANTIC', 'SyntaxError', detail, 'compile', `GQL: ${message}`);
    this.name = 'GqlSemanticError';
  }
}

/** A value of the wrong type for an operator or function. */
export class GqlTypeError extends GqlEvalError {
  constructor(message: string, detail = 'InvalidArgumentType', phase: 'compile' | 'runtime' = 'runtime') {
    super('GQL_TYPE', phase === 'compile' ? 'SyntaxError' : 'TypeError', detail, phase, `GQL: ${message}`);
    this.name = 'GqlTypeError';
  }
}

/** An argument out of its domain (negative LIMIT, bad range step, …). */
export class GqlArgumentError extends GqlEvalError {
  constructor(detail: string, message: string, phase: 'compile' | 'runtime' = 'runtime', tckType: TckErrorType = 'ArgumentError') {
    super('GQL_ARGUMENT', tckType, detail, phase, `GQL: ${message}`);
    this.name = 'GqlArgumentError';
  }
}

export class GqlUnknownFunctionError extends GqlEvalError {
  readonly function: string;
  constructor(name: string) {
    super('GQL_UNKNOWN_FUNCTION', 'SyntaxError', 'UnknownFunction', 'compile', `GQL: unknown function ${name}()`);
    this.name = 'GqlUnknownFunctionError';
    this.function = name;
  }
}

export class GqlMissingParameterError extends GqlEvalError {
  readonly parameter: string;
  constructor(name: string) {
    super('GQL_MISSING_PARAMETER', 'ParameterMissing', 'MissingParameter', 'runtime', `GQL: missing parameter $${name}`);
    this.name = 'GqlMissingParameterError';
    this.parameter = name;
  }
}

/** Integer overflow, division by zero on integers. */
export class GqlArithmeticError extends GqlEvalError {
  constructor(detail: string, message: string, phase: 'compile' | 'runtime' = 'runtime') {
    super('GQL_ARITHMETIC', phase === 'compile' ? 'SyntaxError' : 'ArithmeticError', detail, phase, `GQL: ${message}`);
    this.name = 'GqlArithmeticError';
  }
}

/** A construct the parser accepts but Itonami does not evaluate (MERGE, SET, DELETE…). */
export class GqlUnsupportedError extends GqlEvalError {
  constructor(what: string) {
    super('GQL_UNSUPPORTED', 'SyntaxError', 'Unsupported', 'compile', `GQL: ${what} is not supported`);
    this.name = 'GqlUnsupportedError';
  }
}

/** Reading the properties or labels of a node or relationship the same query deleted. */
export class GqlDeletedEntityError extends GqlEvalError {
  constructor(what: string) {
    super('GQL_DELETED', 'EntityNotFound', 'DeletedEntityAccess', 'runtime', `GQL: ${what} of a deleted element`);
    this.name = 'GqlDeletedEntityError';
  }
}

/** A write the graph refuses: deleting a node that still has relationships, … */
export class GqlConstraintError extends GqlEvalError {
  constructor(detail: string, message: string) {
    super('GQL_CONSTRAINT', 'ConstraintVerificationFailed', detail, 'runtime', `GQL: ${message}`);
    this.name = 'GqlConstraintError';
  }
}

/** `AT TX n` names a TxId the store does not have. */
export class GqlTxError extends GqlEvalError {
  constructor(message: string) {
    super('GQL_TX', 'ArgumentError', 'TxNotFound', 'runtime', `GQL: ${message}`);
    this.name = 'GqlTxError';
  }
}
