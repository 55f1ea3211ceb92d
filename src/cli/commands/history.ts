import type { Command } from 'commander';
import { historyRows } from '../events-view.ts';
import { ExitCode } from '../exit-codes.ts';
import { render, toJson } from '../format.ts';
import { writeOut } from '../output.ts';
import { openPersistent, requireExecution, storeOption } from './common.ts';
import type { Action, StoreOptions } from './common.ts';

export function historyCommand(program: Command, action: Action): void {
  storeOption(
    program
      .command('history')
      .description("an execution's events (views of the commits of its rule applications), oldest first")
      .argument('<id>', 'execution id')
      .option('--json', 'print the events as a JSON array'),
  ).action((id: string, opts: StoreOptions & { json?: boolean }) =>
    action(async () => {
      const engine = await openPersistent('history', opts);
      requireExecution(engine, id);
      const events = engine.getEventHistory(id);
      if (opts.json === true) await writeOut(`${toJson(events, 2)}\n`);
      else {
        const h = historyRows(events);
        await writeOut(render('table', h.columns, h.rows));
      }
      await engine.close();
      return ExitCode.OK;
    }),
  );
}
