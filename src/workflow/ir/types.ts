/**
 * The workflow IR: what a `.kotoba` file evaluates to, after validation and
 * normalization (DESIGN.md §4). All values are plain JSON and deeply frozen when
 * produced by the loader. Durations stay ISO 8601 strings (already validated);
 * convert them with `parseDuration`.
 */

/** An ISO 8601 duration string such as `PT30M`, `PT1.5S`, `P1D`. */
export type Duration = string;

/** JSON values as they appear in a workflow document and in execution data. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export const IO_TYPES = ['string', 'number', 'boolean', 'array', 'object', 'any'] as const;
export type IOType = (typeof IO_TYPES)[number];

/** A declared workflow input or output. */
export interface IOSpec {
  readonly name: string;
  readonly type: IOType;
  /** Normalized: `false` when the document omits it. */
  readonly required: boolean;
  /** Used when the value is absent (never together with `required: true`). */
  readonly default?: JsonValue;
}

export interface RetryPolicy {
  readonly initial_interval?: Duration;
  readonly backoff_coefficient?: number;
  readonly maximum_interval?: Duration;
  readonly maximum_attempts?: number;
  readonly non_retryable_errors?: readonly string[];
}

/**
 * Values are `$.`-paths (`"$.inputs.x"`, `"$.steps.<name>.output.y"`, `"$.vars.z"`,
 * `"$.inputs.x?"` for optional) or literals. See `resolveMapping`.
 */
export type Mapping = { readonly [key: string]: JsonValue };

export const STRATEGY_OPS = ['seq', 'parallel', 'decision', 'wait', 'saga', 'activity', 'subworkflow'] as const;
export type StrategyOp = (typeof STRATEGY_OPS)[number];

interface StrategyBase {
  /**
   * Step name, addressed as `$.steps.<name>`. Optional; an activity without a name is
   * addressed by its `activity_ref`, a sub-workflow by its `workflow_ref`.
   */
  readonly name?: string;
}

export interface SeqStrategy extends StrategyBase {
  readonly op: 'seq';
  readonly strategies: readonly Strategy[];
}

export type CompletionCondition = 'all' | 'any' | 'at_least';

export interface ParallelStrategy extends StrategyBase {
  readonly op: 'parallel';
  readonly branches: readonly Strategy[];
  /** Normalized: `"all"` when the document omits it. */
  readonly completion_condition: CompletionCondition;
  /** Required with, and only with, `at_least`; 1 <= count <= branches.length. */
  readonly count?: number;
}

export interface DecisionCondition {
  /** An expression over the execution data, or a bare identifier naming a registered predicate. */
  readonly condition: string;
  readonly branch: Strategy;
}

export interface DecisionStrategy extends StrategyBase {
  readonly op: 'decision';
  readonly conditions: readonly DecisionCondition[];
  readonly default_branch?: Strategy;
}

export interface TimerCondition {
  readonly type: 'timer';
  readonly duration: Duration;
}
export interface SignalCondition {
  readonly type: 'signal';
  readonly signal_name: string;
}
export interface EventCondition {
  readonly type: 'event';
  readonly event_type: string;
  /** Payload fields the event must carry; values are resolved like a mapping. */
  readonly filter?: Mapping;
}
export type WaitCondition = TimerCondition | SignalCondition | EventCondition;

export interface WaitStrategy extends StrategyBase {
  readonly op: 'wait';
  readonly condition: WaitCondition;
  readonly timeout?: Duration;
}

export interface SagaStrategy extends StrategyBase {
  readonly op: 'saga';
  readonly main_flow: Strategy;
  readonly compensation: Strategy;
}

export interface ActivityStrategy extends StrategyBase {
  readonly op: 'activity';
  readonly activity_ref: string;
  readonly input_mapping?: Mapping;
  /** Keys are variable names (written to `$.vars.<key>`); values are paths such as `$.output.total`. */
  readonly output_mapping?: Mapping;
  readonly timeout?: Duration;
  readonly retry_policy?: RetryPolicy;
  /** Activity that undoes this one; run in reverse order of completion when the saga compensates. */
  readonly compensate?: string;
}

export interface SubworkflowStrategy extends StrategyBase {
  readonly op: 'subworkflow';
  readonly workflow_ref: string;
  readonly input_mapping?: Mapping;
}

export type Strategy =
  | SeqStrategy
  | ParallelStrategy
  | DecisionStrategy
  | WaitStrategy
  | SagaStrategy
  | ActivityStrategy
  | SubworkflowStrategy;

/** A strategy of one given op. */
export type StrategyOf<Op extends StrategyOp> = Extract<Strategy, { op: Op }>;

export interface WorkflowIR {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly version: string;
  readonly inputs: readonly IOSpec[];
  readonly outputs: readonly IOSpec[];
  readonly strategy: Strategy;
  readonly timeout?: Duration;
  readonly retry_policy?: RetryPolicy;
  readonly metadata?: { readonly [key: string]: JsonValue };
}
