import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import { postgresSpec } from '../store-option.ts';
import { ClusterError } from '../../workflow/cluster/errors.ts';
import { historyRows } from '../events-view.ts';
import { ExitCode } from '../exit-codes.ts';
import { parseJsonArg } from '../json-arg.ts';
import { render, toJson } from '../format.ts';
import { writeOut } from '../output.ts';
import type { Action } from './common.ts';
import { unreachable } from './worker.ts';

interface ClusterOptions {
  postgres?: string;
  json?: boolean;
}

function spec(opts: ClusterOptions): string {
  const url = opts.postgres ?? (process.env.ITONAMI_POSTGRES || undefined);
  if (url === undefined) throw new CliError('USAGE', 'itonami cluster: --postgres <url> is required (or set ITONAMI_POSTGRES)');
  return postgresSpec(url);
}

async function connect(opts: ClusterOptions) {
  const { DistributedEngine } = await import('../../workflow/cluster/index.ts');
  return DistributedEngine.connect(spec(opts)).catch((e: unknown) => {
    throw unreachable('itonami cluster', e);
  });
}

/** `itonami cluster submit|status|history|health`: the client side of the distributed mode. */
export function clusterCommand(program: Command, action: Action): void {
  const cluster = program.command('cluster').description('submit to and inspect a cluster of worker nodes on PostgreSQL (docs/distributed.md)');
  const pgOpt = (c: Command) => c.option('--postgres <url>', 'postgres://user:pass@host/db[?schema=<name>] (default $ITONAMI_POSTGRES)').option('--json', 'print JSON');

  pgOpt(
    cluster
      .command('submit')
      .description('queue executions of a workflow file for the worker nodes')
      .argument('<file>', 'a .kotoba workflow file')
      .option('-i, --input <json|@file>', 'workflow inputs: a JSON object, or @file', '{}')
      .option('-n, --count <n>', 'how many executions to queue with these inputs', '1')
      .option('--wait', 'wait for the executions to end and print their results'),
  ).action((file: string, opts: ClusterOptions & { input: string; count: string; wait?: boolean }) =>
    action(async () => {
      const inputs = parseJsonArg('--input', opts.input);
      if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) throw new CliError('USAGE', '--input: expected a JSON object of workflow inputs');
      const n = Number(opts.count);
      if (!Number.isInteger(n) || n < 1) throw new CliError('USAGE', `--count ${JSON.stringify(opts.count)}: expected a positive integer`);
      const { loadWorkflowFile } = await import('../../workflow/index.ts');
      const ir = await loadWorkflowFile(file);
      const engine = await connect(opts);
      try {
        const ids = await engine.submitDistributedWorkflows(ir, Array.from({ length: n }, () => inputs as Record<string, unknown>));
        if (opts.wait !== true) {
          await writeOut(opts.json === true ? `${toJson(ids)}\n` : `${ids.join('\n')}\n`);
          return ExitCode.OK;
        }
        const results = await Promise.all(ids.map((id) => engine.waitForDistributedResult(id)));
        if (opts.json === true) await writeOut(`${toJson(results, 2)}\n`);
        else await writeOut(render('table', ['execution', 'status', 'outputs / error'], results.map((r) => [r.id, r.status, toJson(r.status === 'completed' ? r.outputs : r.error)])));
        return results.every((r) => r.status === 'completed') ? ExitCode.OK : ExitCode.WORKFLOW_FAILED;
      } finally {
        await engine.close();
      }
    }),
  );

  pgOpt(cluster.command('status').description('one execution as the cluster records it').argument('<id>', 'cluster execution id')).action((id: string, opts: ClusterOptions) =>
    action(async () => {
      const engine = await connect(opts);
      try {
        const e = await engine.getDistributedExecution(id);
        if (e === undefined) throw new CliError('UNKNOWN_EXECUTION', `no execution "${id}" in the cluster`);
        if (opts.json === true) await writeOut(`${toJson(e, 2)}\n`);
        else {
          const lines = [`execution  ${e.id}`, `workflow   ${e.workflowKey}`, `status     ${e.status}`, `stream     ${e.streamId ?? '-'} (engine id ${e.engineExecutionId ?? '-'})`];
          if (e.status === 'completed') lines.push(`outputs    ${toJson(e.outputs)}`);
          else if (e.error !== null) lines.push(`error      ${toJson(e.error)}`);
          await writeOut(`${lines.join('\n')}\n`);
        }
        return ExitCode.OK;
      } finally {
        await engine.close();
      }
    }),
  );

  pgOpt(cluster.command('history').description("one execution's events, read from its stream's log, oldest first").argument('<id>', 'cluster execution id')).action((id: string, opts: ClusterOptions) =>
    action(async () => {
      const engine = await connect(opts);
      try {
        if ((await engine.getDistributedExecution(id)) === undefined) throw new CliError('UNKNOWN_EXECUTION', `no execution "${id}" in the cluster`);
        const events = await engine.getDistributedEventHistory(id);
        if (opts.json === true) await writeOut(`${toJson(events, 2)}\n`);
        else {
          const h = historyRows(events);
          await writeOut(render('table', h.columns, h.rows));
        }
        return ExitCode.OK;
      } finally {
        await engine.close();
      }
    }),
  );

  pgOpt(cluster.command('health').description('nodes (liveness, load, last heartbeat) and executions by state')).action((opts: ClusterOptions) =>
    action(async () => {
      const engine = await connect(opts);
      try {
        const h = await engine.getClusterHealth();
        if (opts.json === true) await writeOut(`${toJson(h, 2)}\n`);
        else {
          await writeOut(render('table', ['node', 'alive', 'load', 'capacity', 'last heartbeat'], h.nodes.map((n) => [n.id, n.alive ? 'yes' : 'no', String(n.load), String(n.capacity), n.lastHeartbeat.toISOString()])));
          await writeOut(`executions: ${h.activeExecutions} running, ${h.queuedExecutions} queued, ${h.completedExecutions} completed, ${h.failedExecutions} failed\n`);
        }
        return ExitCode.OK;
      } finally {
        await engine.close();
      }
    }),
  );
}
