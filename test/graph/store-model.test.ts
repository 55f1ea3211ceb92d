/**
 * Model-based tests of the store against a naive model: plain Maps copied
 * whole at every commit (exactly what the store must not do, which is why it
 * makes a good oracle).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GraphError, Store } from '../../src/graph/index.ts';
import type { GraphView, Json, Transaction } from '../../src/graph/index.ts';
import { forEachNodeWithProperty } from '../../src/graph/_internals/prop-index.ts';
import { applyChanges } from './fixtures/apply-changes.ts';

interface MNode {
  labels: string[];
  props: Record<string, Json>;
}
interface MEdge {
  type: string;
  src: string;
  dst: string;
  props: Record<string, Json>;
}
interface Model {
  nodes: Map<string, MNode>;
  edges: Map<string, MEdge>;
}

const NODE_IDS = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
const EDGE_IDS = ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7'];
const LABELS = ['A', 'B', 'C'];
const TYPES = ['T', 'U'];

type Op =
  | { k: 'addNode'; id: string; labels: string[]; v: number }
  | { k: 'updateNode'; id: string; labels: string[]; v: number }
  | { k: 'dropNode'; id: string }
  | { k: 'addEdge'; id: string; type: string; src: string; dst: string; v: number }
  | { k: 'updateEdge'; id: string; v: number }
  | { k: 'dropEdge'; id: string };

const labelsArb = fc.subarray(LABELS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('addNode' as const), id: fc.constantFrom(...NODE_IDS), labels: labelsArb, v: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ k: fc.constant('updateNode' as const), id: fc.constantFrom(...NODE_IDS), labels: labelsArb, v: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ k: fc.constant('dropNode' as const), id: fc.constantFrom(...NODE_IDS) }),
  fc.record({
    k: fc.constant('addEdge' as const),
    id: fc.constantFrom(...EDGE_IDS),
    type: fc.constantFrom(...TYPES),
    src: fc.constantFrom(...NODE_IDS),
    dst: fc.constantFrom(...NODE_IDS),
    v: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ k: fc.constant('updateEdge' as const), id: fc.constantFrom(...EDGE_IDS), v: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ k: fc.constant('dropEdge' as const), id: fc.constantFrom(...EDGE_IDS) }),
);

/** A commit attempt: some ops, then commit or abort. */
const commitArb = fc.record({ ops: fc.array(opArb, { minLength: 1, maxLength: 8 }), abort: fc.boolean() });

function clone(m: Model): Model {
  return { nodes: new Map(m.nodes), edges: new Map(m.edges) };
}

/** Applies an op to the model; returns false (model unchanged) when the op is invalid. */
function modelApply(m: Model, op: Op): boolean {
  switch (op.k) {
    case 'addNode':
      if (m.nodes.has(op.id)) return false;
      m.nodes.set(op.id, { labels: [...op.labels].sort(), props: { v: op.v } });
      return true;
    case 'updateNode':
      if (!m.nodes.has(op.id)) return false;
      m.nodes.set(op.id, { labels: [...op.labels].sort(), props: { v: op.v } });
      return true;
    case 'dropNode':
      if (!m.nodes.has(op.id)) return false;
      m.nodes.delete(op.id);
      return true;
    case 'addEdge':
      if (m.edges.has(op.id) || !m.nodes.has(op.src) || !m.nodes.has(op.dst)) return false;
      m.edges.set(op.id, { type: op.type, src: op.src, dst: op.dst, props: { v: op.v } });
      return true;
    case 'updateEdge': {
      const e = m.edges.get(op.id);
      if (!e) return false;
      m.edges.set(op.id, { ...e, props: { v: op.v } });
      return true;
    }
    case 'dropEdge':
      if (!m.edges.has(op.id)) return false;
      m.edges.delete(op.id);
      return true;
  }
}

function realApply(tx: Transaction, op: Op): void {
  switch (op.k) {
    case 'addNode':
      tx.addNode(op.id, op.labels, { v: op.v });
      break;
    case 'updateNode':
      tx.updateNode(op.id, { labels: op.labels, props: { v: op.v } });
      break;
    case 'dropNode':
      tx.dropNode(op.id);
      break;
    case 'addEdge':
      tx.addEdge(op.id, op.type, op.src, op.dst, { v: op.v });
      break;
    case 'updateEdge':
      tx.updateEdge(op.id, { props: { v: op.v } });
      break;
    case 'dropEdge':
      tx.dropEdge(op.id);
      break;
  }
}

/** A commit is valid in the model when no edge is left at a missing node. */
function modelConsistent(m: Model): boolean {
  for (const e of m.edges.values()) if (!m.nodes.has(e.src) || !m.nodes.has(e.dst)) return false;
  return true;
}

/** Everything a view answers, compared with the model. */
function expectViewEquals(view: GraphView, m: Model): void {
  expect(view.nodeCount).toBe(m.nodes.size);
  expect(view.edgeCount).toBe(m.edges.size);
  const nodes = new Map<string, MNode>();
  view.forEachNode((n) => void nodes.set(n.id, { labels: [...n.labels], props: { ...n.props } }));
  expect(nodes).toEqual(m.nodes);
  const edges = new Map<string, MEdge>();
  view.forEachEdge((e) => void edges.set(e.id, { type: e.type, src: e.src, dst: e.dst, props: { ...e.props } }));
  expect(edges).toEqual(m.edges);
  for (const id of NODE_IDS) {
    expect(view.getNode(id)?.labels ?? null).toEqual(m.nodes.get(id)?.labels ?? null);
    for (const dir of ['out', 'in'] as const) {
      for (const type of [undefined, ...TYPES]) {
        const got: string[] = [];
        view.forEachIncident(id, dir, type, (e) => void got.push(e.id));
        const want = [...m.edges].filter(([, e]) => (dir === 'out' ? e.src : e.dst) === id && (type === undefined || e.type === type)).map(([k]) => k);
        expect(got.sort()).toEqual(want.sort());
        expect(view.degree(id, dir, type)).toBe(want.length);
      }
    }
  }
  for (const l of LABELS) {
    const got: string[] = [];
    view.forEachNodeWithLabel(l, (n) => void got.push(n.id));
    const want = [...m.nodes].filter(([, n]) => n.labels.includes(l)).map(([k]) => k);
    expect(got.sort()).toEqual(want.sort());
    expect(view.countLabel(l)).toBe(want.length);
  }
  for (const t of TYPES) {
    const got: string[] = [];
    view.forEachEdgeOfType(t, (e) => void got.push(e.id));
    const want = [...m.edges].filter(([, e]) => e.type === t).map(([k]) => k);
    expect(got.sort()).toEqual(want.sort());
    expect(view.countType(t)).toBe(want.length);
  }
}

function sameContent(a: Model, b: Model): boolean {
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}
function canon(m: Model): unknown {
  return [[...m.nodes].sort(([a], [b]) => (a < b ? -1 : 1)), [...m.edges].sort(([a], [b]) => (a < b ? -1 : 1))];
}

/** Applies ops to a transaction and to a model of it: an op fails in one exactly when it fails in the other. */
function applyBoth(tx: Transaction, m: Model, ops: readonly Op[]): void {
  for (const op of ops) {
    const valid = modelApply(m, op);
    let threw = false;
    try {
      realApply(tx, op);
    } catch (e) {
      if (!(e instanceof GraphError)) throw e;
      threw = true;
    }
    expect(threw).toBe(!valid);
  }
}

/** Runs commit attempts on a store and the model; returns the model state at each TxId. */
function runHistory(store: Store, attempts: { ops: Op[]; abort: boolean }[]): Model[] {
  const states: Model[] = [{ nodes: new Map(), edges: new Map() }];
  for (const attempt of attempts) {
    const m = clone(states[states.length - 1]);
    const tx = store.begin();
    applyBoth(tx, m, attempt.ops);
    expectViewEquals(tx, m);
    if (attempt.abort) {
      tx.abort();
      continue;
    }
    let committed = true;
    try {
      tx.commit({ n: states.length });
    } catch (e) {
      expect((e as GraphError).code).toBe('DANGLING_EDGE');
      committed = false;
    }
    expect(committed).toBe(modelConsistent(m));
    if (committed) states.push(m);
    expect(store.headTx).toBe(states.length - 1);
  }
  return states;
}

describe('Store against a Map model', () => {
  it('every snapshot at every TxId equals the model at that TxId, also after later commits', () => {
    fc.assert(
      fc.property(fc.array(commitArb, { minLength: 1, maxLength: 12 }), (attempts) => {
        const store = new Store();
        const states = runHistory(store, attempts);
        for (let tx = 0; tx < states.length; tx++) expectViewEquals(store.at(tx), states[tx]);
      }),
      { numRuns: 150 },
    );
  });

  it('versions not kept in memory (keepEvery) read, hash and iterate as the kept ones do, in any read order', () => {
    fc.assert(
      fc.property(fc.array(commitArb, { minLength: 1, maxLength: 16 }), fc.integer({ min: 2, max: 5 }), fc.array(fc.nat(), { maxLength: 12 }), (attempts, keepEvery, reads) => {
        const all = new Store({ keepEvery: 1 });
        const some = new Store({ keepEvery });
        const states = runHistory(all, attempts);
        runHistory(some, attempts);
        const order = [...reads.map((r) => r % states.length), ...states.keys()];
        for (const tx of order) {
          expectViewEquals(some.at(tx), states[tx]);
          expect(some.cid(tx).equals(all.cid(tx))).toBe(true);
          // The same iteration order too (the matcher's order depends on it).
          const ids = (s: Store): string[] => {
            const out: string[] = [];
            for (const id of NODE_IDS) for (const dir of ['out', 'in'] as const) s.at(tx).forEachIncident(id, dir, undefined, (e) => void out.push(e.id));
            s.at(tx).forEachEdge((e) => void out.push(e.id));
            return out;
          };
          expect(ids(some)).toEqual(ids(all));
        }
        for (let tx = 1; tx < states.length; tx++) expect(some.changes(tx)).toEqual(all.changes(tx));
      }),
      { numRuns: 150 },
    );
  });

  it('a transaction that edits the head in place (takeover) never changes what a snapshot, a transaction read after it ended, an iteration or a CID shows', () => {
    // The store lets the next writer edit the head's own trie nodes in place when no one else
    // holds them. Everything that could be holding them is exercised here, interleaved with
    // commits, aborts and failed commits: held snapshots of the head, iterations of a head
    // snapshot with commits inside the callback, committed transactions read later, CIDs,
    // the property index; against a store that keeps every version (which never takes over).
    type Action =
      | { k: 'commit'; ops: Op[]; abort: boolean; self: boolean }
      | { k: 'snapshot' }
      | { k: 'iterate'; which: number; inner: { ops: Op[]; abort: boolean } }
      | { k: 'cid' }
      | { k: 'index'; which: number; v: number };
    let takeovers = 0;
    const actionArb: fc.Arbitrary<Action> = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(commitArb, fc.boolean()).map(([c, self]) => ({ k: 'commit' as const, ...c, self })) },
      { weight: 2, arbitrary: fc.constant({ k: 'snapshot' as const }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant('iterate' as const), which: fc.nat(), inner: commitArb }) },
      { weight: 1, arbitrary: fc.constant({ k: 'cid' as const }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('index' as const), which: fc.nat(), v: fc.integer({ min: 0, max: 3 }) }) },
    );
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 1, maxLength: 30 }), fc.integer({ min: 2, max: 64 }), (actions, keepEvery) => {
        const store = new Store({ keepEvery });
        const states: Model[] = [{ nodes: new Map(), edges: new Map() }];
        const held: { view: GraphView; tx: number }[] = [];
        const closed: { view: GraphView; tx: number }[] = [];
        // Transactions that did not commit, read later: they show their base plus their own writes.
        const ended: { view: GraphView; model: Model }[] = [];
        const attempt = (a: { ops: Op[]; abort: boolean }, selfIterate = false): void => {
          const base = states[states.length - 1];
          const m = clone(base);
          const tx = store.begin({ isolation: 'snapshot' });
          if (selfIterate) {
            // Writes inside an iteration over the transaction itself must not change what it goes on to see.
            const seen: string[] = [];
            let first = true;
            tx.forEachNode((n) => {
              seen.push(n.id);
              if (first) applyBoth(tx, m, a.ops);
              first = false;
            });
            if (first) applyBoth(tx, m, a.ops);
            expect(seen.sort()).toEqual([...base.nodes.keys()].sort());
          } else applyBoth(tx, m, a.ops);
          if (a.abort) {
            tx.abort();
            ended.push({ view: tx, model: m });
            return;
          }
          try {
            tx.commit();
          } catch (e) {
            expect((e as GraphError).code).toBe('DANGLING_EDGE');
            ended.push({ view: tx, model: m });
            return;
          }
          states.push(m);
          closed.push({ view: tx, tx: states.length - 1 });
        };
        for (const a of actions) {
          if (a.k === 'commit') attempt(a, a.self);
          else if (a.k === 'snapshot') held.push({ view: store.head(), tx: store.headTx });
          else if (a.k === 'cid') store.cid();
          else if (held.length + closed.length > 0) {
            // Mostly one of the latest: those are what a takeover may be editing.
            // (The property index serves committed versions only, not transactions.)
            const views = (a.k === 'index' && held.length > 0 ? held : [...held, ...closed]).sort((x, y) => x.tx - y.tx);
            const h = views[views.length - 1 - (a.which % Math.min(views.length, 3))];
            if (a.k === 'index' && held.includes(h as never)) {
              const got: string[] = [];
              expect(forEachNodeWithProperty(h.view, undefined, 'v', a.v, (n) => void got.push(n.id))).toBe(true);
              expect(got.sort()).toEqual([...states[h.tx].nodes].filter(([, n]) => n.props.v === a.v).map(([id]) => id).sort());
            } else if (a.k === 'iterate') {
              // A commit inside the iteration must not change what the iteration goes on to see.
              const seen: string[] = [];
              let first = true;
              h.view.forEachNode((n) => {
                seen.push(n.id);
                if (first) attempt(a.inner);
                first = false;
              });
              expect(seen.sort()).toEqual([...states[h.tx].nodes.keys()].sort());
            }
          }
        }
        const reference = new Store({ keepEvery: 1 });
        for (let tx = 1; tx < states.length; tx++) {
          reference.transact((t) => applyChanges(t, store.changes(tx)));
        }
        for (const h of [...held, ...closed]) expectViewEquals(h.view, states[h.tx]);
        for (const x of ended) expectViewEquals(x.view, x.model);
        for (let tx = 0; tx < states.length; tx++) {
          expectViewEquals(store.at(tx), states[tx]);
          expect(store.cid(tx).equals(reference.cid(tx))).toBe(true);
        }
        takeovers += store.takeovers;
      }),
      { numRuns: 200 },
    );
    // The runs did edit heads in place (else this tested nothing).
    expect(takeovers).toBeGreaterThan(20);
  });

  it('refuses a keepEvery that is not an integer >= 1', () => {
    for (const keepEvery of [0, -1, 1.5, NaN]) {
      expect(() => new Store({ keepEvery })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('root CIDs are equal exactly when contents are equal', () => {
    fc.assert(
      fc.property(fc.array(commitArb, { minLength: 1, maxLength: 12 }), (attempts) => {
        const store = new Store();
        const states = runHistory(store, attempts);
        for (let i = 0; i < states.length; i++) {
          for (let j = i; j < states.length; j++) {
            expect(store.cid(i).equals(store.cid(j))).toBe(sameContent(states[i], states[j]));
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('the same graph built in two random orders (with detours) has the same root CID', () => {
    fc.assert(
      fc.property(fc.array(commitArb, { minLength: 1, maxLength: 10 }), fc.integer(), fc.integer({ min: 1, max: 4 }), (attempts, seed, chunks) => {
        const store = new Store();
        const states = runHistory(store, attempts);
        const final = states[states.length - 1];
        const rand = fc.sample(fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })), { seed, numRuns: 1 })[0][Symbol.iterator]();
        const shuffle = <T>(xs: T[]) => xs.map((x) => [rand.next().value as number, x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
        const other = new Store();
        // A detour: a node and edge that exist for a while and are removed again.
        other.transact((tx) => {
          tx.addNode('tmp', ['Z'], { x: 1 });
          tx.addEdge('tmpe', 'T', 'tmp', 'tmp');
        });
        const nodes = shuffle([...final.nodes]);
        const edges = shuffle([...final.edges]);
        const per = Math.ceil(nodes.length / chunks) || 1;
        for (let i = 0; i < nodes.length; i += per) {
          other.transact((tx) => {
            for (const [id, n] of nodes.slice(i, i + per)) tx.addNode(id, n.labels, n.props);
          });
        }
        other.transact((tx) => {
          tx.dropEdge('tmpe');
          tx.dropNode('tmp');
          for (const [id, e] of edges) tx.addEdge(id, e.type, e.src, e.dst, e.props);
        });
        expect(other.cid().equals(store.cid())).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('any one-element difference changes the root CID', () => {
    fc.assert(
      fc.property(fc.array(commitArb, { minLength: 1, maxLength: 10 }), fc.nat(), (attempts, pick) => {
        const store = new Store();
        runHistory(store, attempts);
        const before = store.cid();
        const head = store.head();
        const nodes: string[] = [];
        head.forEachNode((n) => void nodes.push(n.id));
        const edges: string[] = [];
        head.forEachEdge((e) => void edges.push(e.id));
        const changes: ((tx: Transaction) => void)[] = [
          (tx) => void tx.addNode('fresh'),
          ...nodes.map((id) => (tx: Transaction) => void tx.mergeNodeProps(id, { v: 99 })),
          ...nodes.map((id) => (tx: Transaction) => void tx.updateNode(id, { labels: [...(head.getNode(id)?.labels ?? []), 'Extra'] })),
          ...edges.map((id) => (tx: Transaction) => void tx.dropEdge(id)),
          ...edges.map((id) => (tx: Transaction) => void tx.mergeEdgeProps(id, { w: 'x' })),
        ];
        store.transact(changes[pick % changes.length]);
        expect(store.cid().equals(before)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});

describe('Concurrent transactions against a first-committer-wins model', () => {
  // Ops on a fixed base graph: node reads, node prop writes, node additions and edge additions.
  type COp = { k: 'read'; id: string } | { k: 'write'; id: string; v: number } | { k: 'add'; id: string } | { k: 'edge'; id: string; src: string; dst: string };
  const base = ['a', 'b', 'c', 'd'];
  const cop: fc.Arbitrary<COp> = fc.oneof(
    fc.record({ k: fc.constant('read' as const), id: fc.constantFrom(...base) }),
    fc.record({ k: fc.constant('write' as const), id: fc.constantFrom(...base), v: fc.nat(9) }),
    fc.record({ k: fc.constant('add' as const), id: fc.constantFrom('x', 'y', 'z') }),
    fc.record({ k: fc.constant('edge' as const), id: fc.constantFrom('e1', 'e2', 'e3'), src: fc.constantFrom(...base), dst: fc.constantFrom(...base) }),
  );
  // A schedule: each of up to 4 transactions begins at some step and commits at a later one.
  const schedule = fc.array(fc.record({ ops: fc.array(cop, { minLength: 1, maxLength: 4 }), beginAt: fc.nat(6), length: fc.nat(6) }), { minLength: 2, maxLength: 4 });

  it('a commit fails exactly when a commit since its base wrote an element it read or wrote', () => {
    fc.assert(
      fc.property(schedule, (txs) => {
        const store = new Store();
        store.transact((tx) => {
          for (const id of base) tx.addNode(id, [], { v: 0 });
        });
        // Model: for each committed tx, the elements it wrote; the committed values of the base nodes,
        // and each open tx's view of them (a merge that sets the value the tx sees is no write).
        const committedWrites: { tx: number; elements: Set<string> }[] = [];
        const committed = new Map(base.map((id) => [id, 0]));
        const views = new Map<number, Map<string, number>>();
        const events: { at: number; order: number; kind: 'begin' | 'commit'; i: number }[] = [];
        txs.forEach((t, i) => {
          events.push({ at: t.beginAt, order: 0, kind: 'begin', i });
          events.push({ at: t.beginAt + t.length, order: 1, kind: 'commit', i });
        });
        events.sort((a, b) => a.at - b.at || a.order - b.order || a.i - b.i);
        const open = new Map<number, Transaction>();
        for (const ev of events) {
          const t = txs[ev.i];
          if (ev.kind === 'begin') {
            open.set(ev.i, store.begin());
            views.set(ev.i, new Map(committed));
            continue;
          }
          const view = views.get(ev.i)!;
          const tx = open.get(ev.i)!;
          const reads = new Set<string>();
          const writes = new Set<string>();
          for (const op of t.ops) {
            try {
              if (op.k === 'read') {
                tx.getNode(op.id);
                reads.add(op.id);
              } else if (op.k === 'write') {
                tx.mergeNodeProps(op.id, { v: op.v });
                reads.add(op.id); // merge reads the node it merges into
                if (view.get(op.id) !== op.v) writes.add(op.id);
                view.set(op.id, op.v);
              } else if (op.k === 'add') {
                tx.addNode(op.id);
                writes.add(op.id);
              } else {
                tx.addEdge(op.id, 'T', op.src, op.dst);
                reads.add(op.src);
                reads.add(op.dst);
                writes.add(op.id);
              }
            } catch (e) {
              expect((e as GraphError).code).toBe('DUPLICATE_ID');
            }
          }
          const baseTx = tx.base;
          const mustConflict = committedWrites.some((c) => c.tx > baseTx && [...reads, ...writes].some((k) => c.elements.has(k)));
          let conflicted = false;
          try {
            const info = tx.commit();
            const elements = new Set(writes);
            committedWrites.push({ tx: info.tx, elements });
            for (const id of writes) if (view.has(id)) committed.set(id, view.get(id)!);
          } catch (e) {
            expect((e as GraphError).code).toBe('CONFLICT');
            conflicted = true;
          }
          expect(conflicted).toBe(mustConflict);
        }
      }),
      { numRuns: 300 },
    );
  });
});
