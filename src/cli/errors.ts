import { ItonamiError } from '../graph/index.ts';
import { ExitCode } from './exit-codes.ts';

export type CliErrorCode =
  /** Bad arguments or option values. */
  | 'USAGE'
  /** The command needs a store that outlives one process (`--store <file>`). */
  | 'STORE_REQUIRED'
  /** A feature this build does not have yet (durable storage, distributed mode). */
  | 'NOT_AVAILABLE'
  /** An activity the workflow refers to is not in the registry. */
  | 'UNKNOWN_ACTIVITY'
  /** The `--activities` module could not be loaded or exports no registry. */
  | 'BAD_ACTIVITIES_MODULE'
  /** No execution with that id in the store. */
  | 'UNKNOWN_EXECUTION';

/** Errors raised by the command itself; every one is a usage or input problem (exit 2). */
export class CliError extends ItonamiError {
  declare readonly code: CliErrorCode;
  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Codes (of any layer) that mean the user's input was wrong: exit 2, no stack. */
const INPUT_CODES: ReadonlySet<string> = new Set([
  'USAGE', 'STORE_REQUIRED', 'NOT_AVAILABLE', 'UNKNOWN_ACTIVITY', 'BAD_ACTIVITIES_MODULE', 'UNKNOWN_EXECUTION',
  'UNKNOWN_WORKFLOW', 'UNSUPPORTED_STORAGE', 'INVALID_ARGUMENT',
  'INVALID_ACTIVITY', 'DUPLICATE_ACTIVITY', 'WORKFLOW_CHANGED', 'INVALID_RETRY_POLICY',
]);

export interface DescribedError {
  /** What to print on stderr (no stack). */
  readonly message: string;
  readonly exit: ExitCode;
  /** Whether this is an unexpected error (a stack would help). */
  readonly unexpected: boolean;
}

/**
 * Maps an error to one clear message and an exit code, by its stable `code`.
 * API entry-point prefixes (`loadWorkflowFile: `) are dropped: the command
 * line already says what ran.
 */
export function describeError(err: unknown): DescribedError {
  const code = typeof (err as { code?: unknown } | null)?.code === 'string' ? (err as { code: string }).code : undefined;
  const raw = err instanceof Error ? err.message : String(err);
  const message = stripEntry(raw);
  if (code === 'DETERMINISM') return { message: `determinism mismatch: ${message}`, exit: ExitCode.DETERMINISM, unexpected: false };
  if (code === 'WAIT_TIMEOUT') return { message, exit: ExitCode.STILL_RUNNING, unexpected: false };
  if (code !== undefined && (INPUT_CODES.has(code) || code.startsWith('IR_') || code.startsWith('GQL_'))) {
    return { message, exit: ExitCode.USAGE, unexpected: false };
  }
  // A file that is not a store, or a damaged one: the store cannot serve the command.
  if (code === 'TX_NOT_FOUND' || code === 'CORRUPT_BLOCK') return { message, exit: ExitCode.USAGE, unexpected: false };
  return { message: `internal error${code === undefined ? '' : ` (${code})`}: ${message}`, exit: ExitCode.INTERNAL, unexpected: true };
}

/** `loadWorkflowFile: x.kotoba: ...` -> `x.kotoba: ...`; `GQL: query: ...` -> `...`. */
function stripEntry(message: string): string {
  let m = message;
  for (let i = 0; i < 2; i++) {
    const r = /^(?:GQL|[A-Za-z]+(?:\.[A-Za-z]+)?): (?=\S)/.exec(m);
    if (r === null || /\.(kotoba|jsonnet|json)$/.test(r[0].slice(0, -2))) break;
    const head = r[0].slice(0, -2);
    // keep file names and document paths; drop API entry points (camelCase or Class.method) and the "GQL" tag
    if (!(head === 'GQL' || /^[a-z][A-Za-z]*$/.test(head) || /^[A-Z][A-Za-z]*\.[a-z][A-Za-z]*$/.test(head) || head === 'WorkflowEngine')) break;
    m = m.slice(r[0].length);
  }
  return m;
}
