import { ItonamiError } from '../../graph/errors.ts';

export type CompileErrorCode = 'UNSUPPORTED_STRATEGY';

/** A workflow the compiler cannot (yet) turn into a program graph and rules. */
export class CompileError extends ItonamiError {
  declare readonly code: CompileErrorCode;
  constructor(code: CompileErrorCode, message: string, readonly path: string) {
    super(code, message);
  }
}
