/**
 * `npm run bench -- durable [--workflows N] [--concurrency C] [--rounds R]`: three-step
 * workflows per second on a durable SQLite store (synchronous=FULL, WAL: every
 * acknowledged commit on disk before any effect depends on it) and on memory,
 * in the same run, plus commit latency (time from a commit to the moment it is
 * durable) on SQLite. Contenders alternate for `rounds` rounds (default 3);
 * the figures are medians.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBackend } from '../src/graph/index.ts';
import type { CommitEntry } from '../src/graph/index.ts';
import { WorkflowEngine } from '../src/workflow/index.ts';
import { finish, gc, log, median, numberArg, round } from './_harness.ts';
import { SEQ3, activities } from './_seq3.ts';

/**
 * Records, per commit, the time from `append` to the moment a `sync()` that
 * covers it resolves (the writer thread has written it and said so).
 */
class TimedSqliteBackend extends SqliteBackend {
  private appended: number[] = [];
  readonly latencies: number[] = [];
  override append(entry: CommitEntry): void {
    this.appended.push(performance.now());
    super.append(entry);
  }
  override sync(): Promise<void> {
    const covered = this.appended;
    this.appended = [];
    return super.sync().then(() => {
      const t = performance.now();
      for (const a of covered) this.latencies.push(t - a);
    });
  }
}

/** Runs `total` workflows with at most `concurrency` in flight; returns workflows per second. */
async function run(engine: WorkflowEngine, total: number, concurrency: number): Promise<number> {
  engine.registerWorkflow(SEQ3);
  let started = 0;
  let wrong = 0;
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    while (started < total) {
      const n = started++;
      const id = engine.startWorkflow('seq3', { n });
      const done = await engine.waitForCompletion(id);
      if (done.status !== 'completed' || done.outputs.v !== (n + 1) * 2 + 1) wrong++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const ms = performance.now() - t0;
  if (wrong > 0) throw new Error(`durable bench: ${wrong} workflows ended wrong`);
  return (total / ms) * 1000;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export async function main(args: string[]): Promise<void> {
  const total = numberArg(args, '--workflows', 5000);
  const concurrency = numberArg(args, '--concurrency', 100);
  const rounds = numberArg(args, '--rounds', 3);
  const dir = mkdtempSync(join(tmpdir(), 'itonami-bench-durable-'));
  try {
    const durable: number[] = [];
    const memory: number[] = [];
    let latencies: number[] = [];
    let warmUps = 0;
    const memoryEngine = (): WorkflowEngine => WorkflowEngine.builder().withStorage('memory').withActivities(activities()).build();
    const sqliteEngine = (): WorkflowEngine => WorkflowEngine.builder().withStorage(`sqlite:${join(dir, `warm-up-${warmUps++}.db`)}`).withActivities(activities()).build();
    // Before each timed run: a full collection (the previous contender's garbage is not the next
    // one's cost), then an untimed run of the same contender on a throwaway engine. A forced full
    // collection leaves V8 slow for the next ~0.3 s (seq3 measured at ~60 % speed over its first
    // 1,000 workflows after gc(), full speed without the gc()): a cost of the harness, which no
    // running engine pays.
    // Returns the heap just after the collection: the baseline of what the timed engine will keep
    // (the throwaway engine is closed and collected by the time that is measured).
    const settle = async (make: () => WorkflowEngine, n: number): Promise<number> => {
      gc();
      const base = process.memoryUsage().heapUsed;
      const e = make();
      await run(e, n, concurrency);
      await e.close();
      return base;
    };
    // Warm-up of both contenders (each has code the other does not run), then they
    // alternate so machine noise falls on both alike.
    await settle(memoryEngine, 2000);
    await settle(sqliteEngine, 2000);
    for (let r = 0; r < rounds; r++) {
      await settle(sqliteEngine, 500);
      const backend = new TimedSqliteBackend(join(dir, `seq3-${r}.db`));
      const engine = WorkflowEngine.builder().withBackend(backend).withActivities(activities()).build();
      durable.push(await run(engine, total, concurrency));
      await engine.close();
      latencies = latencies.concat(backend.latencies);
      await settle(memoryEngine, 500);
      const mem = memoryEngine();
      memory.push(await run(mem, total, concurrency));
      await mem.close();
      log(`round ${r + 1}: sqlite ${round(durable[r], 0)} wf/s, memory ${round(memory[r], 0)} wf/s`);
    }
    // What a running engine keeps per workflow, untimed, after the timed rounds: the heap with the
    // engine still open after `total` workflows, less the heap before it was made (both collected).
    const retained = async (make: () => WorkflowEngine): Promise<number> => {
      gc();
      const base = process.memoryUsage().heapUsed;
      const e = make();
      await run(e, total, concurrency);
      gc();
      const kept = (process.memoryUsage().heapUsed - base) / total;
      await e.close();
      return kept;
    };
    const keptDurable = await retained(sqliteEngine);
    const keptMemory = await retained(memoryEngine);
    // Medians, as the workflow bench reports (single rounds vary by 20–40 % on the development VM).
    const d = median(durable);
    const m = median(memory);
    log(`seq3 x ${total}, ${concurrency} in flight: sqlite (synchronous=FULL) ${round(d, 0)} wf/s, memory ${round(m, 0)} wf/s`);
    log(`commit -> durable over ${latencies.length} commits: p50 ${round(percentile(latencies, 50))} ms, p99 ${round(percentile(latencies, 99))} ms`);
    log(`heap kept per workflow by the open engine after ${total}: sqlite ${round(keptDurable / 1024, 1)} KB (history since the latest snapshot), memory ${round(keptMemory / 1024, 1)} KB (all history)`);
    finish('durable', {
      workflows: total,
      concurrency,
      rounds,
      durable_seq3_workflows_per_s: round(d, 0),
      durable_seq3_workflows_per_s_min: round(Math.min(...durable), 0),
      durable_seq3_workflows_per_s_max: round(Math.max(...durable), 0),
      memory_seq3_workflows_per_s: round(m, 0),
      durable_vs_memory: round(d / m, 3),
      commit_p50_ms: round(percentile(latencies, 50)),
      commit_p99_ms: round(percentile(latencies, 99)),
      durable_retained_kb_per_workflow: round(keptDurable / 1024, 1),
      memory_retained_kb_per_workflow: round(keptMemory / 1024, 1),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
