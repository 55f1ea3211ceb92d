/**
 * Adjacency buckets hold up to SMALL edges inline ([hash, record, far end])
 * and more in a trie. Random histories around one hub node cross that size
 * both ways, in one transaction or many; at every version each bucket must
 * hold exactly the model's edges with their far ends, be inline exactly when
 * it has at most SMALL edges, and list its edges in the same order as a store
 * built afresh from the same edges in another order (iteration order is a
 * function of the edge set: replay must match what the live run matched).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/graph/index.ts';
import type { GraphView } from '../../src/graph/index.ts';
import { degreesOf } from '../../src/graph/_internals/degrees.ts';
import { SMALL, forEachBucket, forEachIncidentIn } from '../../src/graph/_internals/adjacency.ts';
import type { Adjacency } from '../../src/graph/_internals/graph-value.ts';

const SPOKES = ['a', 'b', 'c'];
interface E {
  id: string;
  type: string;
  src: string;
  dst: string;
}

/** Ops on edges e0..e(3·SMALL+9) between the hub and a few spokes, self-loops included; most go into the hub's out-bucket of T, which grows past SMALL and shrinks back. */
const opArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('add' as const), n: fc.nat({ max: 3 * SMALL + 9 }), type: fc.constantFrom('T', 'T', 'T', 'T', 'U'), other: fc.constantFrom('hub', ...SPOKES), out: fc.constantFrom(true, true, true, false) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('drop' as const), n: fc.nat({ max: 3 * SMALL + 9 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('addMany' as const), from: fc.nat({ max: 3 * SMALL + 9 }), count: fc.integer({ min: 1, max: 2 * SMALL }), other: fc.constantFrom('hub', ...SPOKES) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('dropMany' as const), from: fc.nat({ max: 3 * SMALL + 9 }), count: fc.integer({ min: 1, max: SMALL }) }) },
);
const historyArb = fc.array(fc.array(opArb, { minLength: 1, maxLength: 3 * SMALL, size: 'max' }), { minLength: 1, maxLength: 6 });

function incident(view: GraphView, node: string): Map<string, { form: boolean; size: number; list: [string, string][] }> {
  const out = new Map<string, { form: boolean; size: number; list: [string, string][] }>();
  const a = degreesOf(view, node) as Adjacency;
  for (const dir of ['out', 'in'] as const)
    forEachBucket(a, dir === 'out', (type, size, _loops, inline) => {
      const list: [string, string][] = [];
      forEachIncidentIn(a, dir === 'out', type, (e, other) => void list.push([e.id, other]));
      out.set(`${dir}:${type}`, { form: inline, size, list });
    });
  return out;
}

function expected(model: Map<string, E>, node: string): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const e of model.values())
    for (const [dir, end, far] of [
      ['out', e.src, e.dst],
      ['in', e.dst, e.src],
    ] as const) {
      if (end !== node) continue;
      const k = `${dir}:${e.type}`;
      if (!m.has(k)) m.set(k, new Set());
      m.get(k)!.add(`${e.id}>${far}`);
    }
  return m;
}

describe('adjacency buckets', () => {
  it('hold the model edges, are inline exactly up to SMALL, and iterate in an order fixed by the edge set', () => {
    fc.assert(
      fc.property(historyArb, fc.integer(), (history, seed) => {
        const s = new Store();
        s.transact((tx) => {
          for (const n of ['hub', ...SPOKES]) tx.addNode(n, ['N']);
        });
        const model = new Map<string, E>();
        for (const batch of history) {
          s.transact((tx) => {
            for (const op of batch) {
              if (op.k === 'add' || op.k === 'addMany') {
                const adds = op.k === 'add' ? [{ ...op, id: `e${op.n}` }] : Array.from({ length: op.count }, (_, i) => ({ id: `e${op.from + i}`, type: 'T', other: op.other, out: true }));
                for (const a of adds) {
                  if (model.has(a.id)) continue;
                  const e = a.out ? { id: a.id, type: a.type, src: 'hub', dst: a.other } : { id: a.id, type: a.type, src: a.other, dst: 'hub' };
                  tx.addEdge(e.id, e.type, e.src, e.dst);
                  model.set(e.id, e);
                }
              } else {
                const ids = op.k === 'drop' ? [`e${op.n}`] : Array.from({ length: op.count }, (_, i) => `e${op.from + i}`);
                for (const id of ids)
                  if (model.has(id)) {
                    tx.dropEdge(id);
                    model.delete(id);
                  }
              }
            }
          });
          // The same edges, added in a shuffled order to a fresh store.
          const edges = [...model.values()];
          let r = seed;
          for (let i = edges.length - 1; i > 0; i--) {
            r = (Math.imul(r, 1103515245) + 12345) | 0;
            const j = (r >>> 0) % (i + 1);
            [edges[i], edges[j]] = [edges[j], edges[i]];
          }
          const fresh = new Store();
          fresh.transact((tx) => {
            for (const n of ['hub', ...SPOKES]) tx.addNode(n, ['N']);
            for (const e of edges) tx.addEdge(e.id, e.type, e.src, e.dst);
          });
          for (const node of ['hub', ...SPOKES]) {
            const got = incident(s.head(), node);
            const want = expected(model, node);
            expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
            for (const [k, b] of got) {
              expect(new Set(b.list.map(([id, far]) => `${id}>${far}`))).toEqual(want.get(k));
              expect(b.size).toBe(b.list.length);
              expect(b.form).toBe(b.size <= SMALL);
            }
            const again = incident(fresh.head(), node);
            for (const [k, b] of got) expect(again.get(k)!.list).toEqual(b.list);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
