import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/graph/index.ts';
import { hashKey, hashing } from '../../src/graph/_internals/champ.ts';
import { degreeSums } from '../../src/graph/_internals/degrees.ts';
import type { GraphView } from '../../src/graph/index.ts';
import { compilePattern } from '../../src/rules/match/compiled.ts';
import { pushedCount } from '../../src/rules/match/count.ts';
import { countMatches, forEachMatch } from '../../src/rules/match/index.ts';
import type { Pattern, PatternEdge, PatternNode } from '../../src/rules/match/index.ts';
import { bruteMatches } from './_brute.ts';

/** Small multigraphs with self-loops, parallel edges, labels (one of them, sometimes, on every node) and types. */
interface Spec {
  nodes: { labels: string[]; x: number }[];
  edges: { type: string; src: number; dst: number }[];
  everyNodeAll: boolean;
}

const specArb: fc.Arbitrary<Spec> = fc.integer({ min: 1, max: 6 }).chain((n) =>
  fc.record({
    nodes: fc.array(fc.record({ labels: fc.subarray(['A', 'B']), x: fc.integer({ min: 0, max: 1 }) }), { minLength: n, maxLength: n }),
    edges: fc.array(
      fc.oneof(
        fc.record({ type: fc.constantFrom('s', 't', 'u'), src: fc.nat(n - 1), dst: fc.nat(n - 1) }),
        // self-loops, often
        fc.record({ type: fc.constantFrom('s', 't'), src: fc.nat(n - 1) }).map((e) => ({ ...e, dst: e.src })),
      ),
      { maxLength: 16 },
    ),
    everyNodeAll: fc.boolean(),
  }),
);

function build(spec: Spec): Store {
  const store = new Store();
  store.transact((tx) => {
    spec.nodes.forEach((n, i) => tx.addNode(`n${i}`, spec.everyNodeAll ? [...n.labels, 'All'] : n.labels, { x: n.x }));
    // parallel edges: every edge is added once or twice
    spec.edges.forEach((e, i) => {
      tx.addEdge(`e${i}`, e.type, `n${e.src}`, `n${e.dst}`);
      if (i % 3 === 0) tx.addEdge(`p${i}`, e.type, `n${e.src}`, `n${e.dst}`);
    });
  });
  return store;
}

const typesArb = fc.option(fc.array(fc.constantFrom('s', 't', 'u'), { minLength: 0, maxLength: 3 }), { freq: 2 });
const dirArb = fc.constantFrom('out' as const, 'in' as const, 'either' as const);

/** Centre constraints: anything node-local. */
const centreArb = (v: string): fc.Arbitrary<PatternNode> =>
  fc
    .record({
      labels: fc.subarray(['A', 'B', 'All'], { maxLength: 2 }),
      x: fc.option(fc.integer({ min: 0, max: 1 }), { freq: 3 }),
      notB: fc.boolean(),
    })
    .map(({ labels, x, notB }) => ({
      var: v,
      labels,
      ...(x === null ? {} : { props: { x } }),
      ...(notB ? { labelTest: (ls: readonly string[]) => !ls.includes('B') } : {}),
    }));

/** Leaf constraints: labels (the pushdown applies when every node carries them). */
const leafArb = (v: string): fc.Arbitrary<PatternNode> =>
  fc.oneof(
    { arbitrary: fc.constant({ var: v }), weight: 3 },
    { arbitrary: fc.constant({ var: v, labels: ['All'] }), weight: 2 },
    { arbitrary: fc.subarray(['A', 'All'], { minLength: 1 }).map((labels) => ({ var: v, labels })), weight: 1 },
  );

const edgeArb = (v: string, src: string, dst: string): fc.Arbitrary<PatternEdge> =>
  fc.record({ direction: dirArb, types: typesArb }).map(({ direction, types }) => ({ var: v, src, dst, direction, ...(types === null ? {} : { types }) }));

/** Stars of 0, 1 or 2 edges, the centre anywhere, the edges written in either orientation. */
const starArb: fc.Arbitrary<Pattern> = fc.integer({ min: 0, max: 2 }).chain((k) =>
  fc
    .record({
      centre: centreArb('b'),
      leaves: fc.tuple(leafArb('a'), leafArb('c')),
      e1: fc.boolean().chain((flip) => (flip ? edgeArb('r1', 'b', 'a') : edgeArb('r1', 'a', 'b'))),
      e2: fc.boolean().chain((flip) => (flip ? edgeArb('r2', 'c', 'b') : edgeArb('r2', 'b', 'c'))),
      order: fc.boolean(),
    })
    .map(({ centre, leaves, e1, e2, order }) => {
      const nodes = k === 0 ? [centre] : k === 1 ? [leaves[0], centre] : [leaves[0], centre, leaves[1]];
      const edges = k === 0 ? [] : k === 1 ? [e1] : order ? [e1, e2] : [e2, e1];
      return { nodes, edges, homomorphism: 'cypher' } as Pattern;
    }),
);

/** A view that is not the store's (only the GraphView interface): the pushdown's portable path. */
function foreign(v: GraphView): GraphView {
  return {
    tx: v.tx,
    nodeCount: v.nodeCount,
    edgeCount: v.edgeCount,
    getNode: (id) => v.getNode(id),
    getEdge: (id) => v.getEdge(id),
    hasNode: (id) => v.hasNode(id),
    hasEdge: (id) => v.hasEdge(id),
    forEachNode: (fn) => v.forEachNode(fn),
    forEachEdge: (fn) => v.forEachEdge(fn),
    forEachNodeWithLabel: (l, fn) => v.forEachNodeWithLabel(l, fn),
    forEachEdgeOfType: (t, fn) => v.forEachEdgeOfType(t, fn),
    forEachIncident: (id, d, t, fn) => v.forEachIncident(id, d, t, fn),
    countLabel: (l) => v.countLabel(l),
    countType: (t) => v.countType(t),
    degree: (id, d, t) => v.degree(id, d, t),
    labelCounts: () => v.labelCounts(),
    typeCounts: () => v.typeCounts(),
  };
}

function edgeIds(view: GraphView): string[] {
  const ids: string[] = [];
  view.forEachEdge((r) => void ids.push(r.id));
  return ids;
}

function enumerated(view: GraphView, p: Pattern): number {
  let n = 0;
  forEachMatch(view, p, () => void n++);
  return n;
}

describe('count pushdown == enumeration', () => {
  it('stars of up to two edges on random multigraphs (self-loops, parallel edges, labels, types)', () => {
    let pushed = 0;
    let runs = 0;
    fc.assert(
      fc.property(specArb, starArb, (spec, p) => {
        runs++;
        const store = build(spec);
        const view = store.head();
        const want = bruteMatches(view, p).length;
        expect(enumerated(view, p)).toBe(want);
        const got = pushedCount(view, compilePattern(p));
        if (got !== undefined) {
          pushed++;
          expect(got).toBe(want);
        }
        expect(countMatches(view, p)).toBe(want);
        expect(countMatches(foreign(view), p)).toBe(want);
        // An open transaction is a view too (its draft value is read as it is).
        const tx = store.begin();
        expect(countMatches(tx, p)).toBe(want);
        tx.abort();
      }),
      { numRuns: 1500 },
    );
    // The property must exercise the pushdown, not only the fallback.
    expect(pushed).toBeGreaterThan(runs / 2);
  });

  it('counts self-loops right when keys collide in the adjacency tries (degenerate hashes)', () => {
    for (const h of [(k: string) => hashKey(k) & 0x0303, () => 7]) {
      const saved = hashing.hash;
      hashing.hash = h;
      try {
        fc.assert(
          fc.property(specArb, starArb, (spec, p) => {
            const view = build(spec).head();
            expect(countMatches(view, p)).toBe(bruteMatches(view, p).length);
          }),
          { numRuns: 300 },
        );
      } finally {
        hashing.hash = saved;
      }
    }
  });

  it('memoised sums stay exact across commits (shared subtrees reused, changed ones re-read)', () => {
    const edit = fc.record({ add: fc.boolean(), src: fc.nat(5), dst: fc.nat(5), type: fc.constantFrom('s', 't'), pick: fc.nat(30) });
    fc.assert(
      fc.property(specArb, fc.array(starArb, { minLength: 1, maxLength: 3 }), fc.array(fc.array(edit, { maxLength: 4 }), { minLength: 1, maxLength: 4 }), (spec, ps, commits) => {
        const store = build(spec);
        const n = spec.nodes.length;
        for (const p of ps) expect(countMatches(store.head(), p)).toBe(bruteMatches(store.head(), p).length);
        let k = 0;
        for (const c of commits) {
          store.transact((tx) => {
            for (const e of c) {
              const edges = edgeIds(tx);
              if (e.add || edges.length === 0) tx.addEdge(`x${k++}`, e.type, `n${e.src % n}`, `n${(e.pick % 2 === 0 ? e.src : e.dst) % n}`);
              else tx.dropEdge(edges[e.pick % edges.length]);
            }
          });
          for (const p of ps) {
            expect(countMatches(store.head(), p)).toBe(bruteMatches(store.head(), p).length);
            const first = store.at(1);
            expect(countMatches(first, p)).toBe(bruteMatches(first, p).length);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the degree sums kept at each write equal a recount over all nodes, at every version and in an open transaction', () => {
    /** [Σo², Σi², Σl², Σo·i, Σo·l, Σi·l, Σl] of one group (null: every type), counted from the edges. */
    const recount = (view: GraphView, type: string | null): number[] => {
      const deg = new Map<string, [number, number, number]>();
      const at = (id: string) => deg.get(id) ?? (deg.set(id, [0, 0, 0]), deg.get(id)!);
      view.forEachEdge((e) => {
        if (type !== null && e.type !== type) return;
        at(e.src)[0]++;
        at(e.dst)[1]++;
        if (e.src === e.dst) at(e.src)[2]++;
      });
      const s = [0, 0, 0, 0, 0, 0, 0];
      for (const [o, i, l] of deg.values()) {
        s[0] += o * o;
        s[1] += i * i;
        s[2] += l * l;
        s[3] += o * i;
        s[4] += o * l;
        s[5] += i * l;
        s[6] += l;
      }
      return s;
    };
    const check = (view: GraphView): void => {
      for (const t of [null, 's', 't', 'u']) expect([...degreeSums(view, t)!]).toEqual(recount(view, t));
    };
    const edit = fc.record({ op: fc.constantFrom('add', 'add', 'drop', 'dropNode', 'props'), src: fc.nat(5), dst: fc.nat(5), loop: fc.boolean(), type: fc.constantFrom('s', 't', 'u'), pick: fc.nat(30) });
    fc.assert(
      fc.property(specArb, fc.array(fc.array(edit, { maxLength: 6 }), { minLength: 1, maxLength: 5 }), (spec, commits) => {
        const store = build(spec);
        const n = spec.nodes.length;
        let k = 0;
        for (const c of commits) {
          store.transact((tx) => {
            for (const e of c) {
              const edges = edgeIds(tx);
              const src = `n${e.src % n}`;
              if (e.op === 'dropNode') {
                // A node goes with its edges, and comes back bare.
                const incident = new Set<string>();
                for (const d of ['out', 'in'] as const) tx.forEachIncident(src, d, undefined, (r) => void incident.add(r.id));
                for (const id of incident) tx.dropEdge(id);
                tx.dropNode(src);
                tx.addNode(src, [], { x: 0 });
              } else if (e.op === 'add' || edges.length === 0) tx.addEdge(`x${k++}`, e.type, src, e.loop ? src : `n${e.dst % n}`);
              else if (e.op === 'drop') tx.dropEdge(edges[e.pick % edges.length]);
              else tx.updateEdge(edges[e.pick % edges.length], { props: { w: e.pick } });
            }
            check(tx);
          });
        }
        for (let t = 1; t <= store.headTx; t++) check(store.at(t));
      }),
      { numRuns: 300 },
    );
  });

  it('falls back to enumeration for shapes it cannot count (guards, cycles, constrained leaves, injective mode)', () => {
    const store = build({ nodes: [{ labels: ['A'], x: 0 }, { labels: [], x: 1 }], edges: [{ type: 's', src: 0, dst: 1 }, { type: 's', src: 1, dst: 1 }], everyNodeAll: false });
    const view = store.head();
    const shapes: Pattern[] = [
      { nodes: [{ var: 'a', labels: ['A'] }, { var: 'b' }, { var: 'c', labels: ['A'] }], edges: [{ var: 'r', src: 'a', dst: 'b' }, { var: 'q', src: 'b', dst: 'c' }], homomorphism: 'cypher' },
      { nodes: [{ var: 'a' }, { var: 'b' }], edges: [{ var: 'r', src: 'a', dst: 'b' }, { var: 'q', src: 'b', dst: 'a' }], homomorphism: 'cypher' },
      { nodes: [{ var: 'a' }, { var: 'b' }], edges: [{ var: 'r', src: 'a', dst: 'b' }], homomorphism: 'injective' },
      { nodes: [{ var: 'a' }, { var: 'b' }], edges: [{ var: 'r', src: 'a', dst: 'b' }], homomorphism: 'cypher', guards: [{ vars: ['a'], test: () => true }] },
    ];
    for (const p of shapes) {
      expect(pushedCount(view, compilePattern(p))).toBeUndefined();
      expect(countMatches(view, p)).toBe(bruteMatches(view, p).length);
    }
  });
});
