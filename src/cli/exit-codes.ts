/** Exit codes of the `itonami` command (documented in docs/cli.md). */
export const ExitCode = Object.freeze({
  /** Success; for `run`, the execution completed. */
  OK: 0,
  /** `run`: the execution ended failed, cancelled or timed out. */
  WORKFLOW_FAILED: 1,
  /** Bad usage or bad input: arguments, file, Jsonnet, IR, activities, GQL, unknown id, a store that cannot serve the command. */
  USAGE: 2,
  /** `replay`: the log did not reproduce a recorded root CID. */
  DETERMINISM: 3,
  /** `run --wait <duration>`: gave up waiting; the execution is still running. */
  STILL_RUNNING: 4,
  /** An unexpected error (a bug, or storage I/O); `--debug` prints the stack. */
  INTERNAL: 5,
  /** Interrupted (Ctrl-C). */
  INTERRUPTED: 130,
} as const);

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
