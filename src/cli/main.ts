/**
 * The `itonami` command (bin/itonami.js runs this file through tsx).
 * Every command returns an exit code (exit-codes.ts); errors become one
 * sentence on stderr, with the stack only under --debug.
 */
import { Command, CommanderError } from 'commander';
import { benchCommand } from './commands/bench.ts';
import { clusterCommand } from './commands/cluster.ts';
import { deliverCommands } from './commands/deliver.ts';
import { historyCommand } from './commands/history.ts';
import { queryCommand } from './commands/query.ts';
import { replayCommand } from './commands/replay.ts';
import { runCommand } from './commands/run.ts';
import { statusCommand } from './commands/status.ts';
import { workerCommand } from './commands/worker.ts';
import { describeError } from './errors.ts';
import { ExitCode } from './exit-codes.ts';
import { writeErr } from './output.ts';
import { DEFAULT_STORE } from './defaults.ts';

const debug = process.argv.includes('--debug');

async function fail(err: unknown): Promise<never> {
  const d = describeError(err);
  let text = `${d.message.startsWith('itonami ') ? '' : 'itonami: '}${d.message}\n`;
  if (debug && err instanceof Error && err.stack !== undefined) text += `${err.stack}\n`;
  else if (d.unexpected) text += 'run with --debug for the stack\n';
  await writeErr(text);
  process.exit(d.exit);
}

async function action(fn: () => Promise<number>): Promise<void> {
  let code: number;
  try {
    code = await fn();
  } catch (err) {
    return fail(err);
  }
  process.exit(code);
}

export function buildProgram(): Command {
  const program = new Command('itonami')
    .description('Itonami: a durable workflow engine where execution is graph transformation')
    .version('0.1.0')
    .option('--debug', 'print stacks with errors')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, 'itonami: ')) })
    .addHelpText(
      'after',
      `
Store: --store <file> (a SQLite file; default $ITONAMI_STORE or ./${DEFAULT_STORE}) or --store memory.
  With memory nothing outlives the command, so status/history/query/replay/signal/event/cancel
  need a store file; "run --query/--history/--replay" does the same in one process.

Exit codes:
  0  ok (run: the execution completed)
  1  run: the execution failed, was cancelled or timed out; signal/cancel: not running
  2  bad usage or input (file, Jsonnet, IR, activities, GQL, unknown id, store)
  3  replay: determinism mismatch (a root CID differs)
  4  run --wait: gave up waiting, the execution is still running
  5  internal error (--debug prints the stack)
  130 interrupted

Docs: docs/cli.md`,
    );
  runCommand(program, action);
  statusCommand(program, action);
  historyCommand(program, action);
  queryCommand(program, action);
  replayCommand(program, action);
  deliverCommands(program, action);
  workerCommand(program, action);
  clusterCommand(program, action);
  benchCommand(program, action);
  for (const c of program.commands) c.option('--debug', 'print stacks with errors');
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // help and version are displayed by commander itself
    const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
    process.exit(ok ? ExitCode.OK : ExitCode.USAGE);
  }
  await fail(err);
}
