/**
 * Every adjacency bucket counts its self-loops (`Bucket.loops`), so the count
 * pushdown reads them instead of searching. Random adds, updates and drops of
 * edges (self-loops included), in one transaction or many, on stale bases
 * (rebased commits) and after a reload: every bucket's `loops` and `size` must
 * equal a brute-force count over its edge set and over a model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConflictError, MemoryBackend, Store } from '../../src/graph/index.ts';
import type { GraphView, Transaction } from '../../src/graph/index.ts';
import { forEachBucket, forEachIncidentIn } from '../../src/graph/_internals/adjacency.ts';
import { degreesOf, selfLoops } from '../../src/graph/_internals/degrees.ts';
import type { Adjacency } from '../../src/graph/_internals/graph-value.ts';

const NODE_IDS = ['n0', 'n1', 'n2', 'n3'];
const EDGE_IDS = ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9'];
const TYPES = ['T', 'U', 'V'];

type Op =
  | { k: 'add'; id: string; type: string; src: string; dst: string; v: number }
  | { k: 'update'; id: string; v: number; merge: boolean }
  | { k: 'drop'; id: string };

const node = fc.constantFrom(...NODE_IDS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  // Half of the added edges are self-loops.
  fc.record({ k: fc.constant('add' as const), id: fc.constantFrom(...EDGE_IDS), type: fc.constantFrom(...TYPES), src: node, dst: node, v: fc.integer() }),
  fc.record({ k: fc.constant('add' as const), id: fc.constantFrom(...EDGE_IDS), type: fc.constantFrom(...TYPES), src: node, dst: node, v: fc.integer() }).map((o) => ({ ...o, dst: o.src })),
  fc.record({ k: fc.constant('update' as const), id: fc.constantFrom(...EDGE_IDS), v: fc.integer(), merge: fc.boolean() }),
  fc.record({ k: fc.constant('drop' as const), id: fc.constantFrom(...EDGE_IDS) }),
);
/** A batch is one transaction; `stale` begins it before the previous batch commits (a rebase). */
const batchArb = fc.record({ ops: fc.array(opArb, { minLength: 1, maxLength: 8 }), stale: fc.boolean() });

function apply(tx: Transaction, op: Op): void {
  switch (op.k) {
    case 'add':
      if (!tx.hasEdge(op.id)) tx.addEdge(op.id, op.type, op.src, op.dst, { v: op.v });
      break;
    case 'update':
      if (!tx.hasEdge(op.id)) break;
      if (op.merge) tx.mergeEdgeProps(op.id, { v: op.v });
      else tx.updateEdge(op.id, { props: { v: op.v, w: op.v } });
      break;
    case 'drop':
      if (tx.hasEdge(op.id)) tx.dropEdge(op.id);
      break;
  }
}

function buckets(a: Adjacency, dir: 'out' | 'in'): { type: string; size: number; loops: number }[] {
  const out: { type: string; size: number; loops: number }[] = [];
  forEachBucket(a, dir === 'out', (type, size, loops) => void out.push({ type, size, loops }));
  return out;
}

function check(view: GraphView): void {
  const model = new Map<string, { type: string; src: string; dst: string }>();
  for (const id of EDGE_IDS) {
    const e = view.getEdge(id);
    if (e !== undefined) model.set(id, e);
  }
  for (const n of NODE_IDS) {
    const a = degreesOf(view, n) as Adjacency;
    expect(a).toBeDefined();
    for (const dir of ['out', 'in'] as const) {
      const types = new Set<string>();
      for (const b of buckets(a, dir)) {
        types.add(b.type);
        let size = 0;
        let loops = 0;
        forEachIncidentIn(a, dir === 'out', b.type, (e, other) => {
          size++;
          if (e.src === e.dst) loops++;
          expect(other).toBe(dir === 'out' ? e.dst : e.src);
        });
        expect(b.size).toBe(size);
        expect(b.loops).toBe(loops);
        let mLoops = 0;
        let mSize = 0;
        for (const e of model.values()) {
          if (e.type !== b.type || (dir === 'out' ? e.src : e.dst) !== n) continue;
          mSize++;
          if (e.src === e.dst) mLoops++;
        }
        expect(b.size).toBe(mSize);
        expect(b.loops).toBe(mLoops);
      }
      // No bucket is missing.
      for (const e of model.values()) if ((dir === 'out' ? e.src : e.dst) === n) expect(types.has(e.type)).toBe(true);
    }
    const all = [...model.values()].filter((e) => e.src === n && e.dst === n);
    expect(selfLoops(a, null)).toBe(all.length);
    expect(selfLoops(a, ['T', 'V'])).toBe(all.filter((e) => e.type === 'T' || e.type === 'V').length);
  }
}

function freshStore(backend = new MemoryBackend()): Store {
  const s = new Store({ backend });
  s.transact((tx) => {
    for (const n of NODE_IDS) tx.addNode(n, ['N']);
  });
  return s;
}

describe('Bucket.loops', () => {
  it('equals a brute-force count per bucket after random edge adds, updates and drops', () => {
    fc.assert(
      fc.property(fc.array(batchArb, { minLength: 1, maxLength: 12 }), (batches) => {
        const backend = new MemoryBackend();
        const s = freshStore(backend);
        let pending: Transaction | undefined;
        for (const b of batches) {
          const tx = s.begin({ isolation: 'snapshot' });
          for (const op of b.ops) apply(tx, op);
          // Inside the transaction (buckets edited in place).
          check(tx);
          if (b.stale && pending === undefined) {
            pending = tx;
            continue;
          }
          tx.commit();
          check(s.head());
          if (pending !== undefined) {
            try {
              pending.commit(); // rebased onto the new head
            } catch (err) {
              if (!(err instanceof ConflictError)) throw err;
            }
            pending = undefined;
            check(s.head());
          }
        }
        // Reloading rebuilds the adjacency from the log.
        check(new Store({ backend }).head());
      }),
      { numRuns: 300 },
    );
  });

  it('does not count a self-loop twice when it is updated', () => {
    const s = freshStore();
    s.transact((tx) => {
      tx.addEdge('l', 'T', 'n0', 'n0');
      tx.updateEdge('l', { props: { a: 1 } });
      tx.mergeEdgeProps('l', { b: 2 });
    });
    s.transact((tx) => tx.updateEdge('l', { props: { a: 3 } }));
    s.transact((tx) => tx.mergeEdgeProps('l', { c: 4 }));
    const a = degreesOf(s.head(), 'n0') as Adjacency;
    expect(buckets(a, 'out').map((b) => [b.type, b.size, b.loops])).toEqual([['T', 1, 1]]);
    expect(buckets(a, 'in').map((b) => [b.type, b.size, b.loops])).toEqual([['T', 1, 1]]);
    expect(selfLoops(a, null)).toBe(1);
    s.transact((tx) => tx.addEdge('m', 'T', 'n0', 'n1'));
    s.transact((tx) => tx.dropEdge('l'));
    const b = degreesOf(s.head(), 'n0') as Adjacency;
    expect(buckets(b, 'out').map((x) => [x.type, x.size, x.loops])).toEqual([['T', 1, 0]]);
    expect(buckets(b, 'in')).toEqual([]);
    expect(selfLoops(b, null)).toBe(0);
  });
});
