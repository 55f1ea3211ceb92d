/**
 * Crash test with real processes: a child runs workflows against a SQLite
 * store and is killed with SIGKILL at random points, over and over. After
 * each restart, every end the child acknowledged is still there; at the end
 * every workflow has ended exactly as an uninterrupted in-memory run ends it,
 * no activity ran again once its completion was recorded, re-runs of an
 * interrupted attempt reused the idempotency key with a new attempt number.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { VirtualClock } from '../../../src/workflow/clock.ts';
import { WorkflowEngine } from '../../../src/workflow/engine/index.ts';
import type { ExecutionSnapshot, StepMeta } from '../../../src/workflow/engine/index.ts';
import { tempDir } from './_helpers.ts';
import { PLAIN, RETRYING, crashActivities, job } from './fixtures/crash-workflows.ts';

const childSource = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url));
const tmp = tempDir('itonami-engine-crash-');
// A failed run keeps its store and effects log for a post-mortem (the path is printed).
let failed = false;
afterAll(() => {
  if (failed) console.log(`engine crash test: kept ${tmp.dir} (engine.db, effects.log)`);
  else tmp.cleanup();
});

/**
 * The child is bundled once (esbuild, which tsx brings) so that each restart
 * costs a Node start, not a TypeScript load of the whole source tree (seconds
 * under tsx); it lives under node_modules/.cache so its imports resolve. Without
 * esbuild the child runs under tsx.
 */
let childArgs: string[] = ['--import', 'tsx', childSource];
beforeAll(async () => {
  try {
    const esbuild = await import('esbuild');
    const out = fileURLToPath(new URL('../../../node_modules/.cache/itonami-crash/crash-child.mjs', import.meta.url));
    await esbuild.build({ entryPoints: [childSource], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: out, logLevel: 'silent' });
    childArgs = [out];
  } catch {
    // keep tsx
  }
}, 60_000);

interface Ack {
  readonly status: string;
  readonly outputs: string;
}

function runChild(store: string, effects: string, mode: 'run' | 'finish', killAfterMs: number | null): Promise<{ acks: Map<string, Ack>; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...childArgs, store, effects, mode, '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks = new Map<string, Ack>();
    let buf = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^done (\S+) (\S+) (.*)$/.exec(line);
        if (m) acks.set(m[1], { status: m[2], outputs: m[3] });
        if (line.startsWith('ready') && killAfterMs !== null) setTimeout(() => p.kill('SIGKILL'), killAfterMs);
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ acks, killed: true });
      else if (code === 0 && killAfterMs === null) resolve({ acks, killed: false });
      else reject(new Error(`crash child ended with ${String(code ?? signal)}: ${err}`));
    });
  });
}

/** Opens the store with an engine (no workflow registered: nothing resumes) to read it. */
function open(store: string): WorkflowEngine {
  return WorkflowEngine.builder().withStorage(`sqlite:${store}`).withClock(new VirtualClock()).build();
}

describe('the engine on SQLite under SIGKILL', () => {
  it('ends every workflow as an uninterrupted run would, runs no completed activity twice, loses no acknowledged end', async () => {
    onTestFailed(() => void (failed = true));
    const store = join(tmp.dir, 'engine.db');
    const effects = join(tmp.dir, 'effects.log');
    const acked = new Map<string, Ack>();
    let seed = 11;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const deadline = Date.now() + Number(process.env.ITONAMI_CRASH_MS ?? 45_000);
    let iterations = 0;
    while (Date.now() < deadline) {
      const t0 = Date.now();
      const { acks } = await runChild(store, effects, 'run', 50 + Math.floor(rand() * 1000));
      iterations++;
      for (const [id, a] of acks) acked.set(id, a);
      // No acknowledged end is missing after the crash.
      const e = open(store);
      for (const [id, a] of acked) {
        const s = e.getExecution(id);
        expect(s?.status, id).toBe(a.status);
        expect(JSON.stringify(s?.outputs), id).toBe(a.outputs);
      }
      await e.close();
      if (process.env.ITONAMI_CRASH_VERBOSE) console.log(`iteration ${iterations}: ${acks.size} ends acknowledged, ${Date.now() - t0} ms`);
    }
    const verbose = (what: string): void => void (process.env.ITONAMI_CRASH_VERBOSE && console.log(`${what} at ${Date.now() - deadline} ms`));
    verbose('finish');
    const { acks, killed } = await runChild(store, effects, 'finish', null);
    verbose('finished');
    expect(killed).toBe(false);
    for (const [id, a] of acks) acked.set(id, a);

    const e = open(store);
    const all = e.listExecutions();
    expect(all.filter((x) => x.status === 'running')).toEqual([]);
    for (const [id, a] of acked) expect(e.getExecution(id)?.status).toBe(a.status);

    verbose('reference');
    // Same ends as an uninterrupted run.
    const reference = WorkflowEngine.builder().withClock(new VirtualClock({ autoAdvance: true })).withActivities(crashActivities()).build();
    reference.registerWorkflow(PLAIN);
    reference.registerWorkflow(RETRYING);
    const byIndex = new Map<number, ExecutionSnapshot>();
    for (const x of all) {
      const i = (x.inputs as { i: number }).i;
      expect(byIndex.has(i), `execution number ${i} started twice`).toBe(false);
      byIndex.set(i, x);
      const { workflow, inputs } = job(i);
      expect(x.workflowId).toBe(workflow);
      const ref = await reference.waitForCompletion(reference.startWorkflow(workflow, inputs));
      expect([x.status, x.outputs, (x.error as { code?: string } | null)?.code ?? null], `execution ${i}`).toEqual([ref.status, ref.outputs, (ref.error as { code?: string } | null)?.code ?? null]);
    }
    // Executions are numbered without gaps (a start lost with its commit is started again).
    expect([...byIndex.keys()].sort((a, b) => a - b)).toEqual([...byIndex.keys()].map((_, i) => i));

    verbose('log');
    // Recorded outcomes of attempts, from the rewrite log: task -> completed attempt.
    const completed = new Map<string, number>();
    // Where each completion was recorded (named if a check below fails: a rare failure must explain itself).
    const completedAt = new Map<string, string>();
    for (const c of e.store.history(1)) {
      const meta = c.meta as unknown as StepMeta | null;
      if (meta === null || typeof meta !== 'object' || !Array.isArray(meta.applications)) continue;
      for (const app of meta.applications) {
        if (app.rule !== 'activity.complete') continue;
        const k = app.match.k;
        expect(completed.has(k), `task ${k} completed twice`).toBe(false);
        completed.set(k, app.params.attempt as number);
        completedAt.set(k, `tx ${c.tx}, execution ${String(app.match.e)}`);
      }
    }
    // The side effects: one line per attempt that ran.
    const lines = existsSync(effects) ? readFileSync(effects, 'utf8').split('\n').filter((l) => l !== '') : [];
    const groups = new Map<string, { attempt: number; key: string }[]>();
    for (const line of lines) {
      const [exec, step, attempt, key] = line.split(',');
      const g = groups.get(`${exec},${step}`) ?? [];
      g.push({ attempt: Number(attempt), key });
      groups.set(`${exec},${step}`, g);
    }
    let reruns = 0;
    for (const [where, g] of groups) {
      const key = g[0].key;
      // Every attempt of one step uses one idempotency key, and no attempt number runs twice.
      expect(g.every((x) => x.key === key), where).toBe(true);
      expect(new Set(g.map((x) => x.attempt)).size, `${where}: an attempt ran twice`).toBe(g.length);
      const task = key.slice(key.indexOf('/') + 1);
      const done = completed.get(task);
      if (done !== undefined) {
        // The completed effect is there once, and nothing ran after its completion was recorded.
        const detail = `${where}: completed as attempt ${done} at ${completedAt.get(task)}; attempts that ran: ${g.map((x) => x.attempt).join(' ')}; key ${key}; ${iterations} kills`;
        expect(g.filter((x) => x.attempt === done).length, detail).toBe(1);
        expect(Math.max(...g.map((x) => x.attempt)), detail).toBe(done);
      }
      reruns += g.length - 1;
    }
    for (const x of all) {
      if (x.status !== 'completed') continue;
      for (const step of ['a', 'b', 'c']) expect(groups.has(`${x.id},${step}`), `${x.id} ${step} left no effect`).toBe(true);
    }
    await e.close();
    expect(iterations).toBeGreaterThanOrEqual(5);
    console.log(`engine crash test: ${iterations} SIGKILL iterations, ${all.length} workflows, ${acked.size} acknowledged ends, ${lines.length} side effects (${reruns} re-run attempts)`);
  }, 180_000);
});
