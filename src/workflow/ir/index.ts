export type {
  ActivityStrategy,
  CompletionCondition,
  DecisionCondition,
  DecisionStrategy,
  Duration,
  EventCondition,
  IOSpec,
  IOType,
  JsonValue,
  Mapping,
  ParallelStrategy,
  RetryPolicy,
  SagaStrategy,
  SeqStrategy,
  SignalCondition,
  Strategy,
  StrategyOf,
  StrategyOp,
  SubworkflowStrategy,
  TimerCondition,
  WaitCondition,
  WaitStrategy,
  WorkflowIR,
} from './types.ts';
export { IO_TYPES, STRATEGY_OPS } from './types.ts';
export {
  DurationError,
  ExpressionEvaluationError,
  ExpressionSyntaxError,
  InputValidationError,
  IrError,
  IrLoadError,
  IrValidationError,
  MappingError,
  WorkflowRefError,
} from './errors.ts';
export type { ExpressionFailure, IrErrorCode, IrIssue } from './errors.ts';
export { formatDuration, isDuration, parseDuration } from './duration.ts';
export { validateWorkflow, validateWorkflowDocument } from './schema.ts';
export type { ValidateOptions } from './schema.ts';
export { loadWorkflowFile, loadWorkflowSource } from './loader.ts';
export type { LoadOptions, LoadSourceOptions } from './loader.ts';
export { checkWorkflowRefs } from './registry-check.ts';
export { classifyCondition, compileExpression, printExpression, referencedPaths } from './expression.ts';
export type { CompiledExpression, ConditionKind, ExecutionData, ExprNode, PathNode } from './expression.ts';
export { applyOutputMapping, parseMappingValue, resolveMapping } from './mapping.ts';
export type { MappingValue } from './mapping.ts';
export { validateInputs, validateOutputs } from './inputs.ts';
export type { InputsOptions } from './inputs.ts';
export { childStrategies, stepName, walkStrategies } from './walk.ts';
export type { DocPath } from './walk.ts';
