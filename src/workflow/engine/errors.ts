import { ItonamiError } from '../../graph/errors.ts';

export type EngineErrorCode = 'UNKNOWN_WORKFLOW' | 'UNKNOWN_EXECUTION' | 'UNSUPPORTED_STORAGE' | 'WAIT_TIMEOUT' | 'INVALID_ARGUMENT'
  /** A replay of the rewrite log did not reproduce a recorded root CID. */
  | 'DETERMINISM';

/** Errors of the workflow engine's API. */
export class EngineError extends ItonamiError {
  declare readonly code: EngineErrorCode;
  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
