/**
 * Mutex benchmark, short transformation sequence (STS) of size n: a ring of
 * two processes; newRule n-2 times, mountRule once, requestRule n times, then
 * (takeRule, releaseRule, giveRule) n times. Rules as in
 * ../shared/benchmarks/ANCHORS.md (src/rules/examples/mutex.ts). Two modes:
 * 'step' (each control step one transaction; like-for-like with GrGen.NET,
 * which keeps no history) and 'each' (every application its own committed
 * version). Args: --max-n N (default 1000000), --versioned-n N (largest n run
 * in 'each' mode; default min(max-n, 100000): the history of 1M versions
 * does not fit in memory with the current store).
 */
import { Store } from '../src/graph/index.ts';
import { once, repeat, run, seq } from '../src/rules/index.ts';
import { mutexRules } from '../src/rules/examples/mutex.ts';
import { finish, gc, heapUsed, log, numberArg, round, time, rerunWithLargerHeap } from './_harness.ts';

function sts(n: number, commit: 'each' | 'step'): { s: number; apps: number; heap: number; nodes: number } {
  const store = new Store();
  store.transact((tx) => {
    tx.addNode('p0', ['Process']);
    tx.addNode('p1', ['Process']);
    tx.addEdge('n0', 'next', 'p0', 'p1');
    tx.addEdge('n1', 'next', 'p1', 'p0');
  });
  const m = mutexRules();
  const program = seq(repeat(m.newRule, n - 2), once(m.mountRule), repeat(m.requestRule, n), repeat(seq(m.takeRule, m.releaseRule, m.giveRule), n));
  gc();
  const { ms, result } = time(() => run(store, program, { commit, isolation: 'snapshot' }));
  if (!result.success) throw new Error(`mutex STS ${n} (${commit}) did not complete`);
  const heap = heapUsed();
  return { s: ms / 1000, apps: result.applications, heap, nodes: store.head().nodeCount };
}

export async function main(args: string[]): Promise<void> {
  const maxN = numberArg(args, '--max-n', 1_000_000);
  const versionedN = numberArg(args, '--versioned-n', Math.min(maxN, 100_000));
  if (maxN > 100_000 && rerunWithLargerHeap()) return;
  sts(1_000, 'step'); // warm-up: JIT
  const results: Record<string, unknown> = {};
  for (const n of [1_000, 10_000, 100_000, 1_000_000]) {
    if (n > maxN) {
      results[`sts_${n}_s`] = null;
      continue;
    }
    const r = sts(n, 'step');
    log(`mutex STS n=${n} step: ${round(r.s)} s, ${r.apps} applications, ${Math.round(r.apps / r.s)} apps/s, heap ${Math.round(r.heap / 1e6)} MB`);
    results[`sts_${n}_s`] = round(r.s);
    results[`sts_${n}_apps_per_s`] = Math.round(r.apps / r.s);
    results[`sts_${n}_heap_mb`] = Math.round(r.heap / 1e6);
  }
  for (const n of [1_000, 10_000, 100_000, 1_000_000]) {
    if (n > versionedN) continue;
    const r = sts(n, 'each');
    log(`mutex STS n=${n} each: ${round(r.s)} s, ${r.apps} commits, ${Math.round(r.apps / r.s)} apps/s, heap ${Math.round(r.heap / 1e6)} MB`);
    results[`sts_${n}_versioned_s`] = round(r.s);
    results[`sts_${n}_versioned_heap_mb`] = Math.round(r.heap / 1e6);
  }
  results.sts_1000000_versioned_s ??= null;
  results.goal_sts_1000000_s = 5.18;
  finish('mutex', results);
}
