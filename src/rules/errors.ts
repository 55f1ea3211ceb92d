import { ItonamiError } from '../graph/index.ts';

export type RuleErrorCode =
  /** A pattern or rule definition is malformed (unknown variable, missing type on a created edge, ...). */
  | 'INVALID_PATTERN'
  | 'INVALID_RULE'
  /** A binding names a variable the pattern does not have, or an element that is not there. */
  | 'INVALID_BINDING'
  /** A declared rule parameter was not supplied, or an undeclared one was. */
  | 'PARAM_MISSING'
  | 'UNKNOWN_PARAM'
  /** The given match is not a match of the rule's left-hand side in the current graph. */
  | 'NOT_A_MATCH'
  /** The match violates the DPO gluing condition (dangling edge or identification). */
  | 'GLUING_DANGLING'
  | 'GLUING_IDENTIFICATION'
  /** An expression failed while evaluating a guard or an assignment. */
  | 'EVAL'
  /** The textual rule syntax could not be parsed. */
  | 'SYNTAX';

/** Errors of the rule engine and the matcher. */
export class RuleError extends ItonamiError {
  declare readonly code: RuleErrorCode;
  constructor(code: RuleErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A textual rule that does not parse; `line` and `column` are 1-based. */
export class RuleSyntaxError extends RuleError {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
    options?: { cause?: unknown },
  ) {
    super('SYNTAX', message, options);
  }
}
