/**
 * Sierpinski triangles (AGTIVE 2007 tool contest): each generation applies the
 * triangle rule to every triangle at once (`all(rule)`: all independent
 * matches of one graph). Two modes, each on its own store: the generation as
 * one transaction (`genK_s`, the like-for-like mode: the published tools keep
 * no history), and every application its own committed version
 * (`genK_versioned_s`). Generations go up while one takes under the budget.
 * Args: --max-gen K (default 20), --budget-s S (default 60), --versioned-max-gen K
 * (default: as --max-gen).
 */
import { Store } from '../src/graph/index.ts';
import { all, run } from '../src/rules/index.ts';
import { sierpinskiRule, sierpinskiStart } from '../src/rules/examples/sierpinski.ts';
import { finish, gc, heapUsed, log, numberArg, round, time, rerunWithLargerHeap } from './_harness.ts';

export async function main(args: string[]): Promise<void> {
  const maxGen = numberArg(args, '--max-gen', 20);
  const budget = numberArg(args, '--budget-s', 60);
  if (maxGen > 11 && rerunWithLargerHeap()) return;
  const versionedMax = numberArg(args, '--versioned-max-gen', maxGen);
  const results: Record<string, unknown> = { gen13_s: null, gen14_s: null, gen13_versioned_s: null, gen14_versioned_s: null };
  for (const mode of ['step', 'each'] as const) {
    gc(); // the other mode's store goes before this one is timed
    const store = sierpinskiStart(new Store());
    const rule = sierpinskiRule();
    const suffix = mode === 'step' ? '' : '_versioned';
    for (let g = 1; g <= (mode === 'step' ? maxGen : versionedMax); g++) {
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
    }
    results[mode === 'step' ? 'heap_mb' : 'heap_versioned_mb'] = Math.round(heapUsed() / 1e6);
  }
  results.goal_gen13_s = 13.6;
  results.goal_gen14_s = 132;
  finish('sierpinski', results);
}
