// The public API of Itonami. Each layer's index names its exports explicitly;
// this file picks what users need from each.

// graph: the persistent, hash-consed MVCC store
export { Store, Transaction, MemoryBackend, SqliteBackend, ItonamiError, GraphError, ConflictError, toGraphology, importGraphology } from './graph/index.ts';
export type {
  Backend,
  CommitEntry,
  CommitInfo,
  Diff,
  Direction,
  EdgeRecord,
  GraphErrorCode,
  GraphView,
  Isolation,
  Json,
  NodeRecord,
  Op,
  Props,
  Snapshot,
  SnapshotEntry,
  SqliteBackendOptions,
  StoreOptions,
  TransactionOptions,
  TxId,
} from './graph/index.ts';

// rules: DPO rewriting and the one pattern matcher
export { RuleError, RuleSyntaxError, defineRule, parseRule, parseRules, apply, applyInTx, matchesOf, match, firstMatch, forEachMatch, countMatches, run, once, alap, seq, priority, choice, repeat, all } from './rules/index.ts';
export type { Pattern, PatternNode, PatternEdge, MatchOptions, MatchView, RuleDef, RuleNode, RuleEdge, Program, RunResult, ApplyResult } from './rules/index.ts';

// gql: queries over any version (loading it enables `store.at(tx).query(...)`)
export { query, execute, queryAt, prepare, parse as parseGql, GqlError, GqlSyntaxError } from './gql/index.ts';
export type { QueryResult, ExecuteResult, GqlErrorCode } from './gql/index.ts';

// workflow: the .kotoba IR, the compiler to rules, the engine and activities
export {
  WorkflowEngine,
  WorkflowEngineBuilder,
  EngineError,
  loadWorkflowFile,
  loadWorkflowSource,
  validateWorkflow,
  parseDuration,
  ActivityRegistry,
  ActivityBuilder,
  ActivityError,
  FunctionActivity,
  HttpActivity,
  SqlActivity,
  SystemClock,
  VirtualClock,
  DEFAULT_RETRY_POLICY,
  DistributedEngine,
  RoundRobinBalancer,
  LeastLoadedBalancer,
  ClusterError,
} from './workflow/index.ts';
export type {
  Activity,
  ActivityContext,
  Clock,
  ExecutionFilter,
  ExecutionSnapshot,
  ExecutionStatus,
  RetryPolicy,
  SnapshotOptions,
  Strategy,
  WorkflowEvent,
  WorkflowEventType,
  WorkflowIR,
  ClusterHealth,
  DistributedExecution,
  LoadBalancer,
} from './workflow/index.ts';
