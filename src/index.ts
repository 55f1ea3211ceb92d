// The public API of Itonami. Each layer's index names its exports explicitly.
export { Store, Transaction, MemoryBackend, ItonamiError, GraphError, ConflictError, toGraphology, importGraphology } from './graph/index.ts';
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
  StoreOptions,
  TransactionOptions,
  TxId,
} from './graph/index.ts';
