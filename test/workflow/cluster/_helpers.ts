import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { validateWorkflow } from '../../../src/workflow/index.ts';
import type { WorkflowIR } from '../../../src/workflow/index.ts';
import { DistributedEngine } from '../../../src/workflow/cluster/index.ts';

export const PG_URL = process.env.ITONAMI_TEST_PG_URL;
// Under CI the database must be there (.ci/run prepares it): a skip would hide a broken setup.
if (PG_URL === undefined && process.env.CI === 'true') throw new Error('ITONAMI_TEST_PG_URL is not set under CI=true: run scripts/pg-test-db.sh (.ci/run does)');
export const skipMessage = (what: string): void => {
  if (PG_URL === undefined) console.warn(`${what}: skipped (set ITONAMI_TEST_PG_URL, e.g. from scripts/pg-test-db.sh)`);
};

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '../../..');
export const ACTIVITIES = join(here, 'fixtures/activities.ts');

/** Three `sleepy` steps: v -> v + 3. */
export function seq3(ms: number): WorkflowIR {
  return validateWorkflow({
    id: 'sleepy3',
    name: 'sleepy3',
    version: '1',
    inputs: [{ name: 'v', type: 'number', required: true }],
    outputs: [{ name: 'v', type: 'number' }],
    strategy: {
      op: 'seq',
      strategies: [
        { op: 'activity', name: 'a', activity_ref: 'sleepy', input_mapping: { v: '$.inputs.v', ms } },
        { op: 'activity', name: 'b', activity_ref: 'sleepy', input_mapping: { v: '$.steps.a.output.v', ms } },
        { op: 'activity', name: 'c', activity_ref: 'sleepy', input_mapping: { v: '$.steps.b.output.v', ms }, output_mapping: { v: '$.output.v' } },
      ],
    },
  });
}

/** A fresh schema for one test (dropped by `dropSchema`). */
export function freshSchema(prefix: string): { schema: string; spec: string; url: string } {
  const schema = `t_${prefix}_${randomBytes(4).toString('hex')}`;
  const url = `${PG_URL!}${PG_URL!.includes('?') ? '&' : '?'}schema=${schema}`;
  return { schema, url, spec: `postgres:${url}` };
}

export async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client(PG_URL!);
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

/** A worker process: `node bin/itonami.js worker …`; its stderr log is kept. */
export interface WorkerProcess {
  readonly nodeId: string;
  readonly child: ChildProcess;
  readonly log: string[];
  readonly exited: Promise<number | null>;
}

/** `activities`: the module (default the fixture's), or null for the command's default (the examples'). */
export function startWorker(url: string, nodeId: string, extra: string[] = [], activities: string | null = ACTIVITIES): WorkerProcess {
  const child = spawn(process.execPath, [join(ROOT, 'bin/itonami.js'), 'worker', '--postgres', url, '--node-id', nodeId, ...(activities === null ? [] : ['--activities', activities]), ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
  child.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { nodeId, child, log, exited };
}

export async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function aliveNodes(engine: DistributedEngine): Promise<string[]> {
  return (await engine.getClusterHealth()).nodes.filter((n) => n.alive).map((n) => n.id);
}

interface CommitRow {
  stream_id: string;
  tx: number;
  epoch: number;
  entry: string;
}

/**
 * From the commit logs: per cluster execution, the activity completions
 * (`activity.complete` applications) by task, and how many times each task completed.
 */
export async function completionsByExecution(schema: string): Promise<Map<string, Map<string, number>>> {
  const commits = await sql<CommitRow>(`SELECT stream_id, tx, epoch, entry FROM ${schema}.itonami_commits ORDER BY stream_id, tx`);
  const execs = await sql<{ id: string; stream_id: string; internal_id: string }>(`SELECT id, stream_id, internal_id FROM ${schema}.itonami_executions`);
  const clusterId = new Map(execs.map((e) => [`${e.stream_id}/${e.internal_id}`, e.id]));
  const out = new Map<string, Map<string, number>>();
  for (const c of commits) {
    const entry = JSON.parse(c.entry) as { meta: { execution?: string; applications?: { rule: string; match: Record<string, string> }[] } };
    for (const a of entry.meta?.applications ?? []) {
      if (a.rule !== 'activity.complete') continue;
      const id = clusterId.get(`${c.stream_id}/${entry.meta.execution}`) ?? `?${c.stream_id}/${entry.meta.execution}`;
      const m = out.get(id) ?? new Map<string, number>();
      m.set(a.match.k, (m.get(a.match.k) ?? 0) + 1);
      out.set(id, m);
    }
  }
  return out;
}

/** Rules applied across all commit logs: name -> count. */
export async function ruleCounts(schema: string): Promise<Map<string, number>> {
  const rows = await sql<{ entry: string }>(`SELECT entry FROM ${schema}.itonami_commits`);
  const out = new Map<string, number>();
  for (const r of rows) {
    const e = JSON.parse(r.entry) as { meta: { applications?: { rule: string }[] } };
    for (const a of e.meta?.applications ?? []) out.set(a.rule, (out.get(a.rule) ?? 0) + 1);
  }
  return out;
}
