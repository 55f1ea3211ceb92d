/**
 * Mutex benchmark, short transformation sequence (STS) of size n: a ring of
 * two processes; newRule n-2 times, mountRule once, requestRule n times, then
 * (takeRule, releaseRule, giveRule) n times. Rules as in
 * ../shared/benchmarks/ANCHORS.md (src/rules/examples/mutex.ts). Two modes:
 * 'step' (each control step one transaction; like-for-like with GrGen.NET,
 * which keeps no history) and 'each' (every application its own committed
 * version). In step mode each n also runs on graphology, written by hand
 * (benchmarks/_graphology-peers.ts: DESIGN.md §7's floor), in the same
 * process: `sts_<n>_vs_graphology` is ours over its time. Args: --max-n N (default 1000000), --versioned-n N (largest n run
 * in 'each' mode; default min(max-n, 100000): the history of 1M versions
 * does not fit in memory with the current store), --floor-n N (the STS whose
 * element writes are replayed without the rule engine, into a fresh Store and
 * into graphology; default min(max-n, 100000)).
 */
import { Store } from '../src/graph/index.ts';
import { once, repeat, run, seq } from '../src/rules/index.ts';
import { mutexRules } from '../src/rules/examples/mutex.ts';
import { finish, gc, heapUsed, log, median, numberArg, round, time, rerunWithLargerHeap } from './_harness.ts';
import { record, replayBoth } from './_write-floor.ts';
import { stsGraphology } from './_graphology-peers.ts';

/** Runs STS n; `then` sees the store before it is dropped (the result holds no reference: a kept 1M store would weigh on every later run). */
function sts(n: number, commit: 'each' | 'step', then?: (store: Store) => void): { s: number; apps: number; heap: number; nodes: number } {
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
  then?.(store);
  return { s: ms / 1000, apps: result.applications, heap, nodes: store.head().nodeCount };
}

/**
 * The element writes of STS n in step mode (everything after the starting
 * ring), done again without the rule engine: replayed into a fresh Store and
 * into a mutable graphology graph. Medians of three, in seconds.
 */
function writeFloor(n: number): { writes: number; store_s: number; graphology_s: number } {
  let rec: ReturnType<typeof record> | undefined;
  sts(n, 'step', (store) => void (rec = record(store, 1)));
  if (rec === undefined) throw new Error('mutex: no store to record');
  const ms = replayBoth(rec, 3);
  return { writes: rec.ops, store_s: median(ms.store) / 1000, graphology_s: median(ms.graphology) / 1000 };
}

export async function main(args: string[]): Promise<void> {
  const maxN = numberArg(args, '--max-n', 1_000_000);
  const versionedN = numberArg(args, '--versioned-n', Math.min(maxN, 100_000));
  if (maxN > 100_000 && rerunWithLargerHeap()) return;
  sts(1_000, 'step'); // warm-up: JIT
  stsGraphology(1_000);
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
    gc();
    const peer = stsGraphology(n);
    if (peer.apps !== r.apps || peer.nodes !== r.nodes) throw new Error(`mutex STS n=${n}: graphology made ${peer.apps} applications and ${peer.nodes} nodes, the rule engine ${r.apps} and ${r.nodes}`);
    log(`mutex STS n=${n} on graphology by hand: ${round(peer.ms / 1000)} s (ours / graphology ${round(r.s / (peer.ms / 1000), 2)})`);
    results[`sts_${n}_graphology_s`] = round(peer.ms / 1000);
    results[`sts_${n}_vs_graphology`] = round(r.s / (peer.ms / 1000), 2);
  }
  for (const n of [1_000, 10_000, 100_000, 1_000_000]) {
    if (n > versionedN) continue;
    const r = sts(n, 'each');
    log(`mutex STS n=${n} each: ${round(r.s)} s, ${r.apps} commits, ${Math.round(r.apps / r.s)} apps/s, heap ${Math.round(r.heap / 1e6)} MB`);
    results[`sts_${n}_versioned_s`] = round(r.s);
    results[`sts_${n}_versioned_heap_mb`] = Math.round(r.heap / 1e6);
  }
  // What the same element writes cost without the rule engine (DESIGN.md §7: graphology is the store's floor).
  const floorN = Math.min(maxN, numberArg(args, '--floor-n', 100_000));
  if (floorN >= 1_000) {
    const f = writeFloor(floorN);
    log(`mutex STS n=${floorN}: its ${f.writes} element writes replayed: store ${round(f.store_s)} s, graphology ${round(f.graphology_s)} s`);
    results[`sts_${floorN}_writes`] = f.writes;
    results[`sts_${floorN}_store_writes_s`] = round(f.store_s);
    results[`sts_${floorN}_graphology_writes_s`] = round(f.graphology_s);
  }
  results.sts_1000000_versioned_s ??= null;
  results.goal_sts_1000000_s = 5.18;
  finish('mutex', results);
}
