import { ItonamiError } from '../../graph/errors.ts';

export type EngineErrorCode = 'UNKNOWN_WORKFLOW' | 'UNKNOWN_EXECUTION' | 'UNSUPPORTED_STORAGE' | 'WAIT_TIMEOUT' | 'INVALID_ARGUMENT'
  /** A replay of the rewrite log did not reproduce a recorded root CID. */
  | 'DETERMINISM'
  /** A workflow registered under an `id@version` whose stored program graph differs: bump the version. */
  | 'WORKFLOW_CHANGED'
  /** An activity step's retry layers (step, activity, workflow) merge into an invalid policy (registerWorkflow). */
  | 'INVALID_RETRY_POLICY'
  /** The engine closed before the execution waited for ended, or before its end could be reported. */
  | 'ENGINE_CLOSED';

/** Errors of the workflow engine's API. */
export class EngineError extends ItonamiError {
  declare readonly code: EngineErrorCode;
  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
