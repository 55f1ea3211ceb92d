import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import { activitySummary, describeSteps, errorText } from '../events-view.ts';
import { ExitCode } from '../exit-codes.ts';
import { render, toJson } from '../format.ts';
import { writeOut } from '../output.ts';
import { openPersistent, requireExecution, storeOption } from './common.ts';
import type { Action, StoreOptions } from './common.ts';

const STATUSES = ['running', 'completed', 'failed', 'cancelled', 'timed_out'];

export function statusCommand(program: Command, action: Action): void {
  storeOption(
    program
      .command('status')
      .description('one execution in detail, or (without an id) every execution in the store')
      .argument('[id]', 'execution id')
      .option('--json', 'print JSON')
      .option('--status <status>', `only executions with this status (${STATUSES.join(', ')})`)
      .option('--workflow <id>', 'only executions of this workflow id'),
  ).action((id: string | undefined, opts: StoreOptions & { json?: boolean; status?: string; workflow?: string }) =>
    action(async () => {
      if (opts.status !== undefined && !STATUSES.includes(opts.status)) throw new CliError('USAGE', `--status ${JSON.stringify(opts.status)}: expected one of ${STATUSES.join(', ')}`);
      const engine = await openPersistent('status', opts);
      if (id === undefined) {
        const list = engine.listExecutions({ ...(opts.status === undefined ? {} : { status: opts.status as 'running' }), ...(opts.workflow === undefined ? {} : { workflowId: opts.workflow }) });
        if (opts.json === true) await writeOut(`${toJson(list, 2)}\n`);
        else await writeOut(render('table', ['execution', 'workflow', 'status', 'started', 'ended'], list.map((s) => [s.id, s.workflowKey, s.status, new Date(s.startedAt).toISOString(), s.endedAt === null ? '' : new Date(s.endedAt).toISOString()])));
        await engine.close();
        return ExitCode.OK;
      }
      const s = requireExecution(engine, id);
      if (opts.json === true) {
        await writeOut(`${toJson(s, 2)}\n`);
        await engine.close();
        return ExitCode.OK;
      }
      const head = engine.store.head();
      const a = activitySummary(engine.getEventHistory(id), (task) => head.hasNode(task));
      const lines = [
        `execution  ${s.id}`,
        `workflow   ${s.workflowKey}`,
        `status     ${s.status}`,
        `started    ${new Date(s.startedAt).toISOString()}${s.endedAt === null ? '' : `   ended ${new Date(s.endedAt).toISOString()}`}`,
        `steps      ${describeSteps(engine.store.head(), s)}`,
        `activities ${a.done} done, ${a.running.length} running${a.running.length > 0 ? ` (${a.running.join(', ')})` : ''}, ${a.retries} retries, ${a.failed} failed${a.cancelled > 0 ? `, ${a.cancelled} cancelled` : ''}`,
        s.status === 'completed' ? `outputs    ${toJson(s.outputs)}` : s.error !== null ? `error      ${errorText(s.error)}` : '',
        `tx         ${s.tx}`,
      ].filter((l) => l !== '');
      await writeOut(`${lines.join('\n')}\n`);
      await engine.close();
      return ExitCode.OK;
    }),
  );
}
