import type { Command } from 'commander';
import type { WorkflowEngine } from '../../workflow/index.ts';
import type { ExecutionSnapshot } from '../../workflow/index.ts';
import { CliError } from '../errors.ts';
import { defaultStore } from '../defaults.ts';

/** The action wrapper main.ts passes to every command: runs it, maps errors, exits. */
export type Action = (fn: () => Promise<number>) => Promise<void>;

export interface StoreOptions {
  store: string;
  activities?: string;
}

/** `--store` on a command that reads what earlier commands wrote. */
export function storeOption(cmd: Command): Command {
  return cmd.option('-s, --store <file|memory>', 'the SQLite store file (default: $ITONAMI_STORE or ./itonami.db)', defaultStore());
}

/** `--activities` on a command that may move executions forward. */
export function activitiesOption(cmd: Command): Command {
  return cmd.option('-a, --activities <module>', 'module exporting the activities (default: examples/activities)');
}

/** Opens the store of a command that needs earlier executions. */
export async function openPersistent(command: string, opts: StoreOptions, withActivities = false): Promise<WorkflowEngine> {
  // The engine's layers load on demand, so that --help and usage errors answer at once.
  const { exampleActivities, loadActivities } = await import('../activities-module.ts');
  const { openEngine } = await import('../store-option.ts');
  const activities = withActivities ? (opts.activities === undefined ? exampleActivities() : await loadActivities(opts.activities)) : undefined;
  return openEngine({ store: opts.store, command, persistent: true, activities });
}

export function requireExecution(engine: WorkflowEngine, id: string): ExecutionSnapshot {
  const s = engine.getExecution(id);
  if (s === undefined) throw new CliError('UNKNOWN_EXECUTION', `no execution "${id}" in the store (itonami status lists them)`);
  return s;
}
