import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.ts';
import { toJson } from '../format.ts';
import { writeOut } from '../output.ts';
import { replayCheck, replayLine } from '../replay-check.ts';
import { openPersistent, requireExecution, storeOption } from './common.ts';
import type { Action, StoreOptions } from './common.ts';

export function replayCommand(program: Command, action: Action): void {
  storeOption(
    program
      .command('replay')
      .description("replay the rewrite log from tx 1 to the execution's last commit in a fresh store, re-deriving and checking every root CID")
      .argument('<id>', 'execution id')
      .option('--json', 'print the report as JSON')
      .addHelpText('after', '\nExit codes: 0 every root CID matches, 3 a mismatch (the message names the TxId), 2 unknown execution.'),
  ).action((id: string, opts: StoreOptions & { json?: boolean }) =>
    action(async () => {
      const engine = await openPersistent('replay', opts);
      const recorded = requireExecution(engine, id);
      let r;
      try {
        r = replayCheck(engine, id, recorded);
      } catch (e) {
        // With --json a mismatch is a report too (stderr still says it, with exit 3).
        if (opts.json !== true || (e as { code?: unknown }).code !== 'DETERMINISM') throw e;
        await writeOut(`${toJson({ executionId: id, sameState: false, mismatch: (e as Error).message })}\n`);
        throw e;
      }
      await writeOut(opts.json === true ? `${toJson(r)}\n` : `${replayLine(r)}\n`);
      await engine.close();
      return r.sameState ? ExitCode.OK : ExitCode.DETERMINISM;
    }),
  );
}
