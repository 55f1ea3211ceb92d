/**
 * Sierpinski triangles (AGTIVE 2007 tool contest): each generation applies the
 * triangle rule to every triangle at once (`all(rule)`: all independent
 * matches in one transaction). Generations go up while one takes under 60 s.
 * Args: --max-gen K (default 20), --budget-s S (default 60).
 */
import { Store } from '../src/graph/index.ts';
import { all, run } from '../src/rules/index.ts';
import { sierpinskiRule } from '../src/rules/examples/sierpinski.ts';
import { finish, heapUsed, log, round, time, rerunWithLargerHeap } from './_harness.ts';

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

export async function main(args: string[]): Promise<void> {
  const maxGen = arg(args, '--max-gen', 20);
  const budget = arg(args, '--budget-s', 60);
  if (maxGen > 11 && rerunWithLargerHeap()) return;
  const store = new Store();
  store.transact((tx) => {
    for (const v of ['a', 'b', 'c']) tx.addNode(v, ['V']);
    tx.addEdge('x', 'A', 'a', 'b');
    tx.addEdge('y', 'B', 'b', 'c');
    tx.addEdge('z', 'C', 'c', 'a');
  });
  const rule = sierpinskiRule();
  const results: Record<string, unknown> = { gen13_s: null, gen14_s: null };
  for (let g = 1; g <= maxGen; g++) {
    const { ms, result } = time(() => run(store, all(rule), { commit: 'step', isolation: 'snapshot' }));
    const s = ms / 1000;
    const nodes = store.head().nodeCount;
    log(`sierpinski gen ${g}: ${round(s)} s, ${result.applications} applications, ${nodes} nodes, ${Math.round(result.applications / s)} apps/s`);
    results[`gen${g}_s`] = round(s);
    results[`gen${g}_nodes`] = nodes;
    results[`gen${g}_apps`] = result.applications;
    if (s > budget) break;
  }
  results.heap_mb = Math.round(heapUsed() / 1e6);
  results.goal_gen13_s = 13.6;
  results.goal_gen14_s = 132;
  finish('sierpinski', results);
}
