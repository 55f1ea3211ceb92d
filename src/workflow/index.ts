// The public API of the workflow layer. Each sub-layer's index names its exports explicitly.
export { WorkflowEngine, WorkflowEngineBuilder, EngineError, eventsOf, replayLog } from './engine/index.ts';
export type {
  ApplicationRecord,
  ReplayResult,
  StepMeta,
  EngineErrorCode,
  ExecutionFilter,
  ExecutionSnapshot,
  SnapshotOptions,
  StorageSpec,
  WaitOptions,
  WorkflowEngineOptions,
  WorkflowEvent,
  WorkflowEventType,
} from './engine/index.ts';
export { compileWorkflow, buildProgramGraph, buildRuleSet, CompileError, workflowKey, workflowNodeId } from './compiler/index.ts';
export type {
  CompiledWorkflow,
  CompileErrorCode,
  DataPatch,
  ExecutionStatus,
  FactRule,
  FailureData,
  Predicate,
  ProgramEdge,
  ProgramEdgeType,
  ProgramGraph,
  ProgramNode,
  RuleSet,
  RuleSetOptions,
  TokenPhase,
} from './compiler/index.ts';
export { loadWorkflowFile, loadWorkflowSource, validateWorkflow, validateWorkflowDocument, parseDuration, formatDuration } from './ir/index.ts';
export type { Strategy, WorkflowIR } from './ir/index.ts';
export { ActivityRegistry, ActivityBuilder, ActivityError, FunctionActivity, HttpActivity, SqlActivity, runAttempt } from './activities/index.ts';
export type { Activity, ActivityContext, ActivityFailure, AttemptResult, JsonObject } from './activities/index.ts';
export { SystemClock, VirtualClock } from './clock.ts';
export type { Clock } from './clock.ts';
export { DEFAULT_RETRY_POLICY, mergeRetryPolicy, nextRetryDelay } from './retry.ts';
export type { RetryPolicy } from './retry.ts';
export { DistributedEngine, DistributedEngineBuilder, WorkerNode, RoundRobinBalancer, LeastLoadedBalancer, ClusterError } from './cluster/index.ts';
export type { ClusterErrorCode, ClusterHealth, ClusterNodeHealth, DistributedEngineOptions, DistributedExecution, DistributedStatus, LoadBalancer, NodeLoad, Placement, WorkerNodeOptions } from './cluster/index.ts';
