import { ItonamiError } from '../../graph/errors.ts';

/** Stable codes of the errors raised by the IR layer; tests and callers match on these. */
export type IrErrorCode =
  | 'IR_INVALID'
  | 'IR_JSONNET'
  | 'IR_NOT_FOUND'
  | 'IR_DURATION'
  | 'IR_EXPR_SYNTAX'
  | 'IR_EXPR_EVAL'
  | 'IR_MAPPING'
  | 'IR_INPUT'
  | 'IR_UNKNOWN_REF'
  | 'IR_REF_CYCLE';

/** Base of every error raised by `src/workflow/ir`. */
export class IrError extends ItonamiError {
  declare readonly code: IrErrorCode;
  constructor(code: IrErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** One problem found in a workflow document. `path` is relative to the `workflow` object. */
export interface IrIssue {
  /** Dotted document path, e.g. `strategy.main_flow.strategies[2].op` (`""` for the workflow object itself). */
  readonly path: string;
  readonly message: string;
}

const SHOWN_ISSUES = 5;

function describeIssues(file: string | undefined, issues: readonly IrIssue[]): string {
  const prefix = file === undefined ? '' : `${file}: `;
  const lines = issues
    .slice(0, SHOWN_ISSUES)
    .map((i) => `${prefix}${i.path === '' ? '' : `${i.path}: `}${i.message}`);
  if (issues.length > SHOWN_ISSUES) lines.push(`... and ${issues.length - SHOWN_ISSUES} more problem(s)`);
  return lines.join('\n');
}

/** The workflow document does not match the IR (shape, durations, expressions, references). */
export class IrValidationError extends IrError {
  declare readonly code: 'IR_INVALID';
  constructor(
    /** The file (or snippet name) that was validated, if known. */
    readonly file: string | undefined,
    /** Every problem found, in document order of discovery. */
    readonly issues: readonly IrIssue[],
  ) {
    super('IR_INVALID', describeIssues(file, issues));
  }
}

/** The `.kotoba` file could not be read or evaluated by Jsonnet. */
export class IrLoadError extends IrError {
  declare readonly code: 'IR_JSONNET' | 'IR_NOT_FOUND';
  constructor(
    code: 'IR_JSONNET' | 'IR_NOT_FOUND',
    message: string,
    readonly file: string,
    /** 1-based position of a Jsonnet error, when Jsonnet reported one. */
    readonly line?: number,
    readonly column?: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** A malformed or unsupported ISO 8601 duration. */
export class DurationError extends IrError {
  declare readonly code: 'IR_DURATION';
  constructor(
    /** The entry point that failed (`parseDuration`, `formatDuration`). */
    entry: string,
    readonly input: string,
    /** The problem, e.g. `has no components`. */
    readonly reason: string,
  ) {
    super('IR_DURATION', `${entry}: ${JSON.stringify(input)} ${reason}`);
  }
}

/** A syntax error in an expression or a `$.` path. `column` is 1-based. */
export class ExpressionSyntaxError extends IrError {
  declare readonly code: 'IR_EXPR_SYNTAX';
  constructor(
    /** The problem without position, e.g. `expected ")"`. */
    readonly reason: string,
    readonly source: string,
    readonly column: number,
  ) {
    super('IR_EXPR_SYNTAX', `compileExpression: column ${column}: ${reason} in ${JSON.stringify(source)}`);
  }
}

/** Why an expression failed at run time. */
export type ExpressionFailure = 'type' | 'division_by_zero' | 'not_finite';

/** An expression failed while being evaluated (wrong operand types, division by zero, ...). */
export class ExpressionEvaluationError extends IrError {
  declare readonly code: 'IR_EXPR_EVAL';
  constructor(
    readonly reason: ExpressionFailure,
    message: string,
    readonly source: string,
  ) {
    super('IR_EXPR_EVAL', `evaluate: ${message} in ${JSON.stringify(source)}`);
  }
}

/** A mapping entry could not be resolved (a required `$.` path is missing). */
export class MappingError extends IrError {
  declare readonly code: 'IR_MAPPING';
  constructor(
    message: string,
    /** The mapping key whose value failed. */
    readonly key: string,
  ) {
    super('IR_MAPPING', message);
  }
}

/** Workflow inputs (or outputs) do not match their declarations. */
export class InputValidationError extends IrError {
  declare readonly code: 'IR_INPUT';
  constructor(
    message: string,
    /** The input (or output) names concerned, in the order found. */
    readonly names: readonly string[],
  ) {
    super('IR_INPUT', message);
  }
}

/** A sub-workflow reference is unknown, or sub-workflows call each other in a cycle. */
export class WorkflowRefError extends IrError {
  declare readonly code: 'IR_UNKNOWN_REF' | 'IR_REF_CYCLE';
  constructor(
    code: 'IR_UNKNOWN_REF' | 'IR_REF_CYCLE',
    message: string,
    readonly issues: readonly IrIssue[],
    /** For `IR_REF_CYCLE`: each cycle as the list of workflow ids, first id repeated at the end. */
    readonly cycles: readonly (readonly string[])[] = [],
  ) {
    super(code, message);
  }
}
