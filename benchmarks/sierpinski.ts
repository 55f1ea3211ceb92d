/**
 * Sierpinski triangles (AGTIVE 2007 tool contest): each generation applies the
 * triangle rule to every triangle at once (`all(rule)`: all independent
 * matches of one graph). Two modes, each on its own store: the generation as
 * one transaction (`genK_s`, the like-for-like mode: the published tools keep
 * no history), and every application its own committed version
 * (`genK_versioned_s`). Generations go up while one takes under the budget.
 * The generations the step mode ran are run again on graphology, written by
 * hand (benchmarks/_graphology-peers.ts: DESIGN.md §7's floor), in the same
 * process: `genK_vs_graphology` is ours over its time. A generation whose
 * expected weight (3.5× the heap after the one before) exceeds the heap limit
 * is not run: `genK_s` / `genK_versioned_s` null.
 * Args: --max-gen K (default 20), --budget-s S (default 60), --versioned-max-gen K
 * (default: as --max-gen), --floor-gen K (the generation whose element writes are
 * replayed without the rule engine, into a fresh Store and into graphology;
 * default min(max-gen, 10)).
 */
import { getHeapStatistics } from 'node:v8';
import { Store } from '../src/graph/index.ts';
import { all, run } from '../src/rules/index.ts';
import { sierpinskiRule, sierpinskiStart } from '../src/rules/examples/sierpinski.ts';
import { finish, gc, heapUsed, log, median, numberArg, round, time, rerunWithLargerHeap } from './_harness.ts';
import { record, replayBoth } from './_write-floor.ts';
import { sierpinskiGraphology } from './_graphology-peers.ts';

/** Generations 1.. of one mode on a fresh store, while a generation takes under `budget` seconds. */
function runMode(mode: 'step' | 'each', maxGen: number, budget: number, results: Record<string, unknown>): void {
  gc(); // the other mode's store goes before this one is timed
  const store = sierpinskiStart(new Store());
  const rule = sierpinskiRule();
  const suffix = mode === 'step' ? '' : '_versioned';
  for (let g = 1; g <= maxGen; g++) {
    const { ms, result } = time(() => run(store, all(rule), { commit: mode, isolation: 'snapshot' }));
    const s = ms / 1000;
    const nodes = store.head().nodeCount;
    log(`sierpinski${suffix} gen ${g}: ${round(s)} s, ${result.applications} applications, ${result.commits.length} commits, ${nodes} nodes, ${Math.round(result.applications / s)} apps/s`);
    results[`gen${g}${suffix}_s`] = round(s);
    if (mode === 'step') {
      results[`gen${g}_nodes`] = nodes;
      results[`gen${g}_apps`] = result.applications;
    }
    if (s > budget) break;
    // A generation has three times the nodes of the one before, and in memory about three
    // times the weight: one that cannot fit in the heap is not started (it would end the
    // process, and every figure with it).
    const used = heapUsed();
    if (g < maxGen && used * GROWTH > getHeapStatistics().heap_size_limit) {
      log(`sierpinski${suffix}: gen ${g + 1} not run: ~${Math.round((used * GROWTH) / 1e6)} MB expected, the heap holds ${Math.round(getHeapStatistics().heap_size_limit / 1e6)} MB`);
      results[`gen${g + 1}${suffix}_s`] = null;
      break;
    }
  }
  results[mode === 'step' ? 'heap_mb' : 'heap_versioned_mb'] = Math.round(heapUsed() / 1e6);
}

/** How much more a generation weighs than the one before (3× the nodes and edges, with some slack). */
const GROWTH = 3.5;

export async function main(args: string[]): Promise<void> {
  const maxGen = numberArg(args, '--max-gen', 20);
  const budget = numberArg(args, '--budget-s', 60);
  if (maxGen > 11 && rerunWithLargerHeap()) return;
  const versionedMax = numberArg(args, '--versioned-max-gen', maxGen);
  const results: Record<string, unknown> = { gen13_s: null, gen14_s: null, gen13_versioned_s: null, gen14_versioned_s: null };
  // Each mode in a function of its own: its store must be gone (not kept by a variable
  // of this frame) before the next contender runs.
  runMode('step', maxGen, budget, results);
  runMode('each', versionedMax, budget, results);
  // The same generations on graphology, by hand (DESIGN.md §7's floor), up to the last one the step mode ran.
  gc();
  let last = 0;
  for (let g = 1; results[`gen${g}_s`] !== undefined && results[`gen${g}_s`] !== null; g++) last = g;
  sierpinskiGraphology(last, (g, ms, apps, nodes) => {
    if (apps !== results[`gen${g}_apps`] || nodes !== results[`gen${g}_nodes`]) throw new Error(`sierpinski gen ${g}: graphology made ${apps} applications and ${nodes} nodes, the rule engine ${String(results[`gen${g}_apps`])} and ${String(results[`gen${g}_nodes`])}`);
    results[`gen${g}_graphology_s`] = round(ms / 1000);
    results[`gen${g}_vs_graphology`] = round((results[`gen${g}_s`] as number) / (ms / 1000), 2);
    log(`sierpinski gen ${g} on graphology by hand: ${round(ms / 1000)} s (ours / graphology ${results[`gen${g}_vs_graphology`]})`);
    return true;
  });

  // Generation K's element writes without the rule engine: into a fresh Store holding
  // generation K-1, and into graphology (DESIGN.md §7: the store's floor). Medians of three.
  const floorGen = Math.min(maxGen, numberArg(args, '--floor-gen', 10));
  if (floorGen >= 2) {
    gc();
    const store = sierpinskiStart(new Store());
    const rule = sierpinskiRule();
    for (let g = 1; g < floorGen; g++) run(store, all(rule), { commit: 'step', isolation: 'snapshot' });
    const before = store.headTx;
    run(store, all(rule), { commit: 'step', isolation: 'snapshot' });
    const rec = record(store, before);
    const ms = replayBoth(rec, 3);
    const storeS = round(median(ms.store) / 1000);
    const graphologyS = round(median(ms.graphology) / 1000);
    log(`sierpinski gen ${floorGen}: its ${rec.ops} element writes replayed: store ${storeS} s, graphology ${graphologyS} s`);
    results[`gen${floorGen}_writes`] = rec.ops;
    results[`gen${floorGen}_store_writes_s`] = storeS;
    results[`gen${floorGen}_graphology_writes_s`] = graphologyS;
  }
  results.goal_gen13_s = 13.6;
  results.goal_gen14_s = 132;
  finish('sierpinski', results);
}
