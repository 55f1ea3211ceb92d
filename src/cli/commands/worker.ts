import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import { postgresSpec } from '../store-option.ts';
import { ClusterError } from '../../workflow/cluster/errors.ts';
import { ExitCode } from '../exit-codes.ts';
import { writeErr, writeOut } from '../output.ts';
import type { Action } from './common.ts';

interface WorkerOptions {
  postgres?: string;
  db?: string;
  nodeId?: string;
  activities?: string;
  workflow?: string[];
  balancer?: string;
  capacity?: string;
  leaseMs?: string;
  drainMs?: string;
  streamSize?: string;
  retainDoneMs?: string;
  quiet?: boolean;
}

function positiveInt(what: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new CliError('USAGE', `${what} ${JSON.stringify(v)}: expected a positive integer`);
  return n;
}

function nonNegativeInt(what: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CliError('USAGE', `${what} ${JSON.stringify(v)}: expected an integer >= 0`);
  return n;
}

export function workerCommand(program: Command, action: Action): void {
  program
    .command('worker')
    .description('run a worker node of a cluster sharing one PostgreSQL database, until SIGTERM/SIGINT (docs/distributed.md)')
    .option('--postgres <url>', 'postgres://user:pass@host/db (a ?schema=<name> parameter selects the schema; default $ITONAMI_POSTGRES)')
    .option('--db <url>', 'same as --postgres')
    .option('--node-id <id>', 'this node\'s id; a restarted node keeps its id (default: the host name and pid)')
    .option('-a, --activities <module>', 'module exporting the activities (default: examples/activities)')
    .option('-w, --workflow <files...>', '.kotoba files to register in the cluster at start')
    .option('--balancer <name>', 'round-robin or least-loaded (for submissions from this process)', 'round-robin')
    .option('--capacity <n>', 'most executions running on this node at once', '2000')
    .option('--lease-ms <ms>', 'lease time; a node silent this long loses its executions', '5000')
    .option('--stream-size <n>', 'executions started in one stream (one store, the unit of failover) before a new one opens', '100')
    .option('--drain-ms <ms>', 'on SIGTERM: how long running executions may finish before their leases are released', '10000')
    .option('--retain-done-ms <ms>', "delete the log of streams whose executions all ended this long ago (their results stay; default: keep)")
    .option('-q, --quiet', 'no log lines on stderr')
    .action((opts: WorkerOptions) =>
      action(async () => {
        const url = opts.postgres ?? opts.db ?? (process.env.ITONAMI_POSTGRES || undefined);
        if (url === undefined) throw new CliError('USAGE', 'itonami worker: --postgres <url> is required (or set ITONAMI_POSTGRES)');
        const capacity = positiveInt('--capacity', opts.capacity, 2000);
        const leaseMs = positiveInt('--lease-ms', opts.leaseMs, 5000);
        const drainMs = positiveInt('--drain-ms', opts.drainMs, 10000);
        const streamSize = positiveInt('--stream-size', opts.streamSize, 100);
        const retainDoneStreamsMs = opts.retainDoneMs === undefined ? Infinity : nonNegativeInt('--retain-done-ms', opts.retainDoneMs);
        const [{ DistributedEngine, balancerNamed }, { exampleActivities, loadActivities }, { loadWorkflowFile }, { hostname }] = await Promise.all([
          import('../../workflow/cluster/index.ts'),
          import('../activities-module.ts'),
          import('../../workflow/index.ts'),
          import('node:os'),
        ]);
        const balancer = balancerNamed(opts.balancer ?? 'round-robin');
        if (balancer === undefined) throw new CliError('USAGE', `--balancer ${JSON.stringify(opts.balancer)}: expected round-robin or least-loaded`);
        const nodeId = opts.nodeId ?? `${hostname()}-${process.pid}`;
        const acts = opts.activities === undefined ? exampleActivities() : await loadActivities(opts.activities);
        const irs = await Promise.all((opts.workflow ?? []).map((f) => loadWorkflowFile(f)));
        const log = opts.quiet === true ? undefined : (line: string) => void writeErr(`${new Date().toISOString()} ${line}\n`);
        let builder = DistributedEngine.builder().withStorage(postgresSpec(url)).withActivities(acts.registry).withBalancer(balancer);
        for (const [name, fn] of Object.entries(acts.predicates)) builder = builder.withPredicate(name, fn);
        for (const ir of irs) builder = builder.withWorkflow(ir);
        const engine = await builder.build().catch((e: unknown) => {
          throw unreachable('itonami worker', e);
        });
        let stopping: Promise<void> | undefined;
        const stopped = new Promise<void>((resolve) => {
          const stop = (sig: string): void => {
            if (stopping !== undefined) return;
            log?.(`node ${nodeId}: ${sig}: draining`);
            stopping = engine.close({ drainMs }).then(resolve, resolve);
          };
          process.on('SIGTERM', () => stop('SIGTERM'));
          process.on('SIGINT', () => stop('SIGINT'));
        });
        await engine.enableDistributedExecution(nodeId, balancer, { capacity, leaseMs, streamSize, retainDoneStreamsMs, log });
        await writeOut(`node ${nodeId} running (activities: ${acts.source})\n`);
        await stopped;
        return ExitCode.OK;
      }),
    );
}

/** A database that cannot be reached is bad input (exit 2), named without its password. */
export function unreachable(command: string, e: unknown): unknown {
  if (e instanceof ClusterError && e.code === 'DATABASE') return new CliError('USAGE', `${command}: ${e.message.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')}`, { cause: e });
  return e;
}
