import { ItonamiError } from '../../graph/errors.ts';

export type ClusterErrorCode =
  /** The connection URL or an option is malformed. */
  | 'INVALID_ARGUMENT'
  /** PostgreSQL could not be reached or a statement failed. */
  | 'DATABASE'
  /** The schema migrations could not be applied (or the database is newer than this build). */
  | 'MIGRATION'
  /** A write of a stream whose lease this node no longer holds (another node took it over). */
  | 'FENCED'
  /** No such workflow or execution in the cluster. */
  | 'UNKNOWN_WORKFLOW'
  | 'UNKNOWN_EXECUTION'
  /** A different definition under an `id@version` the cluster already stores (bump its version). */
  | 'WORKFLOW_CHANGED'
  /** The log an execution's history is read from was deleted by done-stream retention. */
  | 'HISTORY_PRUNED'
  /** `waitForDistributedResult` gave up. */
  | 'WAIT_TIMEOUT'
  /** The node or client was closed. */
  | 'CLOSED';

/** Errors of the distributed mode (src/workflow/cluster). */
export class ClusterError extends ItonamiError {
  declare readonly code: ClusterErrorCode;
  constructor(code: ClusterErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
