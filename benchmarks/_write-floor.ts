/**
 * The element writes of an engine run, done again without the engine: the
 * same commits' operations replayed into a fresh Store (one transaction per
 * commit, the same meta) and into a mutable graphology graph (DESIGN.md §7:
 * the floor for the store). Inputs are fresh copies, as the engine's rules
 * hand the store new values. It says how much of an execution's cost is the
 * store's writes, and what a mutable graph would pay for the same writes.
 */
import { MultiDirectedGraph } from 'graphology';
import { gc } from './_harness.ts';
import { Store } from '../src/graph/index.ts';
import type { Json, Op as Change, Props } from '../src/graph/index.ts';

type Op =
  | { op: 'addNode'; id: string; labels: readonly string[]; props: Props }
  | { op: 'addEdge'; id: string; type: string; src: string; dst: string; props: Props }
  | { op: 'mergeNode'; id: string; patch: { [k: string]: Json | undefined } }
  | { op: 'mergeEdge'; id: string; patch: { [k: string]: Json | undefined } }
  | { op: 'dropNode'; id: string }
  | { op: 'dropEdge'; id: string };

interface Recorded {
  readonly base: { nodes: { id: string; labels: readonly string[]; props: Props }[]; edges: { id: string; type: string; src: string; dst: string; props: Props }[] };
  readonly commits: { meta: Json; ops: Op[] }[];
  readonly ops: number;
}

const fresh = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

/** What changed between two prop maps, as the patch a rule would pass (`undefined`: removed). */
function patchOf(before: Props, after: Props): { [k: string]: Json | undefined } {
  const p: { [k: string]: Json | undefined } = {};
  for (const k of Object.keys(after)) if (before[k] !== after[k]) p[k] = after[k];
  for (const k of Object.keys(before)) if (!(k in after)) p[k] = undefined;
  return p;
}

function toOp(c: Change): Op {
  switch (c.op) {
    case 'addNode':
      return { op: 'addNode', id: c.node.id, labels: c.node.labels, props: c.node.props };
    case 'addEdge':
      return { op: 'addEdge', id: c.edge.id, type: c.edge.type, src: c.edge.src, dst: c.edge.dst, props: c.edge.props };
    case 'updateNode':
      return { op: 'mergeNode', id: c.node.id, patch: patchOf(c.before.props, c.node.props) };
    case 'updateEdge':
      return { op: 'mergeEdge', id: c.edge.id, patch: patchOf(c.before.props, c.edge.props) };
    case 'dropNode':
      return { op: 'dropNode', id: c.node.id };
    case 'dropEdge':
      return { op: 'dropEdge', id: c.edge.id };
  }
}

/** The commits from `fromTx` + 1 to the head, and the graph at `fromTx`. */
export function record(store: Store, fromTx: number): Recorded {
  const base: Recorded['base'] = { nodes: [], edges: [] };
  const at = store.at(fromTx);
  at.forEachNode((n) => void base.nodes.push(n));
  at.forEachEdge((e) => void base.edges.push(e));
  let ops = 0;
  const commits = store.history(fromTx + 1, store.headTx).map((c) => {
    const list = store.changes(c.tx).map(toOp);
    ops += list.length;
    return { meta: c.meta, ops: list };
  });
  return { base, commits, ops };
}

/** Fresh copies of every input, made before the clock starts. */
function inputs(r: Recorded): { meta: Json; ops: Op[] }[] {
  return r.commits.map((c) => ({
    meta: fresh(c.meta),
    ops: c.ops.map((o) => (o.op === 'addNode' || o.op === 'addEdge' ? { ...o, props: fresh(o.props) } : o.op === 'mergeNode' || o.op === 'mergeEdge' ? { ...o, patch: fresh(o.patch) } : o)),
  }));
}

/** Milliseconds to replay `r`'s commits into a fresh Store holding its base graph. */
export function replayStore(r: Recorded): number {
  const store = new Store();
  store.transact((tx) => {
    for (const n of r.base.nodes) tx.addNode(n.id, n.labels, n.props);
    for (const e of r.base.edges) tx.addEdge(e.id, e.type, e.src, e.dst, e.props);
  });
  const commits = inputs(r);
  const t0 = process.hrtime.bigint();
  for (const c of commits) {
    const tx = store.begin({ isolation: 'snapshot', adoptMeta: true });
    for (const o of c.ops) {
      switch (o.op) {
        case 'addNode':
          tx.addNode(o.id, o.labels, o.props);
          break;
        case 'addEdge':
          tx.addEdge(o.id, o.type, o.src, o.dst, o.props);
          break;
        case 'mergeNode':
          tx.mergeNodeProps(o.id, o.patch);
          break;
        case 'mergeEdge':
          tx.mergeEdgeProps(o.id, o.patch);
          break;
        case 'dropNode':
          tx.dropNode(o.id);
          break;
        case 'dropEdge':
          tx.dropEdge(o.id);
          break;
      }
    }
    tx.commit(c.meta);
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Milliseconds to do the same writes on a mutable graphology graph (no versions, no log). */
export function replayGraphology(r: Recorded): number {
  const g = new MultiDirectedGraph();
  for (const n of r.base.nodes) g.addNode(n.id, { labels: n.labels, ...n.props });
  for (const e of r.base.edges) g.addDirectedEdgeWithKey(e.id, e.src, e.dst, { type: e.type, ...e.props });
  const commits = inputs(r);
  const t0 = process.hrtime.bigint();
  for (const c of commits) {
    for (const o of c.ops) {
      switch (o.op) {
        case 'addNode':
          g.addNode(o.id, { labels: o.labels, ...o.props });
          break;
        case 'addEdge':
          g.addDirectedEdgeWithKey(o.id, o.src, o.dst, { type: o.type, ...o.props });
          break;
        case 'mergeNode':
          g.mergeNodeAttributes(o.id, o.patch);
          break;
        case 'mergeEdge':
          g.mergeEdgeAttributes(o.id, o.patch);
          break;
        case 'dropNode':
          g.dropNode(o.id);
          break;
        case 'dropEdge':
          g.dropEdge(o.id);
          break;
      }
    }
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * `rounds` replays of each, alternating: milliseconds per replay. Each timed
 * replay follows a full collection and then an untimed replay of the same
 * contender: V8 runs slow for a few hundred milliseconds after a forced full
 * collection (see durable.ts), which a replay this short would otherwise
 * measure, and the contender that allocates more (the store) most.
 */
export function replayBoth(r: Recorded, rounds: number): { store: number[]; graphology: number[] } {
  const store: number[] = [];
  const graphology: number[] = [];
  for (let i = 0; i < rounds; i++) {
    gc();
    replayStore(r);
    store.push(replayStore(r));
    gc();
    replayGraphology(r);
    graphology.push(replayGraphology(r));
  }
  return { store, graphology };
}
