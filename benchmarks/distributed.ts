/**
 * `npm run bench -- distributed [--workflows N] [--pg <url>]`: three-step
 * workflows per second on a cluster of 1, 2 and 4 worker *processes*
 * (`itonami worker`) sharing one PostgreSQL, and DBOS Transact 5.3 running the
 * same three-step workflow (each step a durable `DBOS.runStep`) on the same
 * PostgreSQL, in the same run. N workflows are started at once; the clock runs
 * from the first submission to the last durable result. One worker and DBOS
 * alternate for `--rounds` rounds (default 3; medians), so that the shared
 * machine's drift hits both alike; 2 and 4 workers run one round each.
 * Every cluster and DBOS first run an unmeasured warm-up round of 200 (per
 * worker process: a cold process spends most of its first round compiling).
 *
 * Both sides: every step's result durable in PostgreSQL before its successor
 * starts (Itonami: the node's group commit; DBOS: one write per step).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { DistributedEngine } from '../src/workflow/cluster/index.ts';
import { finish, log, median, round } from './_harness.ts';
import { SEQ3, activities, expected } from './_seq3.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function startWorker(url: string, nodeId: string): ChildProcess {
  const child = spawn(process.execPath, [join(root, 'bin/itonami.js'), 'worker', '--postgres', url, '--node-id', nodeId, '--activities', join(here, '_seq3.ts'), '--quiet', '--drain-ms', '2000'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function waitAlive(engine: DistributedEngine, n: number): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const h = await engine.getClusterHealth();
    if (h.nodes.filter((x) => x.alive).length >= n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`distributed bench: ${n} worker(s) did not join within 60 s`);
}

/** A cluster of `workers` processes in a fresh schema; `round(total)` runs one measured round. */
async function startCluster(url: string, workers: number): Promise<{ round(total: number): Promise<number>; stop(): Promise<void> }> {
  const schema = `bench_dist_${process.pid}_${workers}`;
  await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  const spec = `${url}${url.includes('?') ? '&' : '?'}schema=${schema}`;
  const engine = await DistributedEngine.builder().withStorage(`postgres:${spec}`).withWorkflow(SEQ3).build();
  const children = Array.from({ length: workers }, (_, i) => startWorker(spec, `bench-${i + 1}`));
  await waitAlive(engine, workers);
  let base = 0;
  return {
    async round(total: number): Promise<number> {
      const inputs = Array.from({ length: total }, (_, n) => ({ n: base + n }));
      const t0 = performance.now();
      const ids = await engine.submitDistributedWorkflows('seq3@1', inputs);
      const results = await Promise.all(ids.map((id) => engine.waitForDistributedResult(id)));
      const ms = performance.now() - t0;
      const wrong = results.filter((r, i) => r.status !== 'completed' || (r.outputs as { v?: number }).v !== expected(base + i)).length;
      if (wrong > 0) throw new Error(`distributed bench: ${wrong} of ${total} workflows ended wrong on ${workers} worker(s)`);
      base += total;
      const perS = (total / ms) * 1000;
      log(`itonami ${workers} worker(s): ${total} workflows in ${round(ms, 0)} ms = ${round(perS, 1)}/s`);
      return perS;
    },
    async stop(): Promise<void> {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
      const commits = await withClient(url, async (c) => Number((await c.query(`SELECT count(*) AS n FROM ${schema}.itonami_commits`)).rows[0].n));
      log(`  (${commits} commits in the log)`);
      await engine.close();
      await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    },
  };
}

/** DBOS Transact: the same three steps, each a checkpointed step; `round(total)` starts them all at once. */
async function startDbos(url: string): Promise<{ round(total: number): Promise<number>; stop(): Promise<void> }> {
  const schema = `bench_dbos_${process.pid}`;
  await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  const { DBOS } = await import('@dbos-inc/dbos-sdk');
  DBOS.setConfig({ name: 'itonami-bench', systemDatabaseUrl: url, systemDatabaseSchemaName: schema, logLevel: 'error' });
  const inc = async (v: number): Promise<number> => v + 1;
  const double = async (v: number): Promise<number> => v * 2;
  const seq3 = DBOS.registerWorkflow(
    async (n: number): Promise<number> => {
      const a = await DBOS.runStep(() => inc(n), { name: 'a' });
      const b = await DBOS.runStep(() => double(a), { name: 'b' });
      return DBOS.runStep(() => inc(b), { name: 'c' });
    },
    { name: 'seq3' },
  );
  await DBOS.launch();
  let base = 0;
  return {
    async round(total: number): Promise<number> {
      const t0 = performance.now();
      const handles = await Promise.all(Array.from({ length: total }, (_, n) => DBOS.startWorkflow(seq3)(base + n)));
      const results = await Promise.all(handles.map((h) => h.getResult()));
      const ms = performance.now() - t0;
      const wrong = results.filter((v, i) => v !== expected(base + i)).length;
      if (wrong > 0) throw new Error(`distributed bench: DBOS ended ${wrong} of ${total} workflows wrong`);
      base += total;
      const perS = (total / ms) * 1000;
      log(`DBOS Transact: ${total} workflows in ${round(ms, 0)} ms = ${round(perS, 1)}/s`);
      return perS;
    },
    async stop(): Promise<void> {
      await DBOS.shutdown();
      await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    },
  };
}

export async function main(args: string[]): Promise<void> {
  const url = arg(args, '--pg') ?? process.env.ITONAMI_TEST_PG_URL ?? 'postgres://itonami:itonami@127.0.0.1:5432/itonami_test';
  const total = Number(arg(args, '--workflows') ?? 1000);
  const rounds = Number(arg(args, '--rounds') ?? 3);
  log(`distributed: ${total} three-step workflows started at once, PostgreSQL ${url.replace(/:[^:@/]*@/, ':***@')}`);
  // One worker and DBOS alternate, round by round, so that the machine's drift hits both alike; medians.
  const one = await startCluster(url, 1);
  const dbos = await startDbos(url);
  const w1s: number[] = [];
  const ds: number[] = [];
  try {
    // Warm-up (not measured): JIT, connections, the workflow cached on the node.
    await one.round(200);
    await dbos.round(200);
    for (let r = 0; r < rounds; r++) {
      w1s.push(await one.round(total));
      ds.push(await dbos.round(total));
    }
  } finally {
    await one.stop();
    await dbos.stop();
  }
  const perWorkers: number[] = [];
  for (const w of [2, 4]) {
    const c = await startCluster(url, w);
    try {
      // Each worker process warms up as much as the single worker did (its JIT, its connections).
      await c.round(200 * w);
      perWorkers.push(await c.round(total));
    } finally {
      await c.stop();
    }
  }
  const w1 = median(w1s);
  const d = median(ds);
  finish('distributed', {
    workflows: total,
    rounds,
    workers_1_per_s: round(w1, 1),
    workers_2_per_s: round(perWorkers[0], 1),
    workers_4_per_s: round(perWorkers[1], 1),
    dbos_per_s: round(d, 1),
    vs_dbos: round(w1 / d, 2),
  });
}
