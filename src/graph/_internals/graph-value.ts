import * as champ from './champ.ts';
import type { ChampNode, Edit } from './champ.ts';
import type { EdgeRec, NodeRec } from './records.ts';
import { forEachBucket, putIncident, removeIncident } from './adjacency.ts';
import type { Adjacency } from './adjacency.ts';

export type { Adjacency };

/**
 * Sums over all nodes of products of one node's degrees in one group of edge
 * types (one type, or every type): with o, i, l a node's out-degree,
 * in-degree and self-loops in the group, `v` holds [Σo², Σi², Σl², Σo·i,
 * Σo·l, Σi·l, Σl]. Every 2-edge star count with an unconstrained centre whose
 * two edges have the same group is a linear combination of these (see
 * src/rules/match/count.ts), so kept at each write they make such a count
 * O(1): each write changes one node's terms, in O(its buckets).
 */
export interface DegreeSums {
  readonly v: number[];
  readonly edit: Edit | null;
}

/** An index entry: the elements with one label or type, and how many. */
export interface Counted<V> {
  size: number;
  set: ChampNode<V>;
  edit: Edit | null;
}

/**
 * One version of the graph as a persistent value: content tries plus the
 * indexes the matcher uses. Every field is shared with neighbouring versions
 * except the paths a commit touched.
 */
export interface GraphValue {
  readonly nodes: ChampNode<NodeRec>;
  readonly edges: ChampNode<EdgeRec>;
  readonly adj: ChampNode<Adjacency>;
  readonly byLabel: ChampNode<Counted<NodeRec>>;
  readonly byType: ChampNode<Counted<EdgeRec>>;
  /** Degree sums per edge type (derived, like the indexes; not in the root CID). */
  readonly degSums: ChampNode<DegreeSums>;
  /** Degree sums over every type taken as one group. */
  readonly anySums: DegreeSums;
  readonly nodeCount: number;
  readonly edgeCount: number;
}

/** Where each sum sits in `DegreeSums.v`. */
export const OO = 0, II = 1, LL = 2, OI = 3, OL = 4, IL = 5, L = 6;
const SUMS = 7;
/** The sums of a group no node has an edge of. */
export const NO_SUMS: DegreeSums = Object.freeze({ v: Object.freeze(new Array<number>(SUMS).fill(0)) as number[], edit: null });

export const EMPTY_VALUE: GraphValue = Object.freeze({
  nodes: champ.emptyNode<NodeRec>(),
  edges: champ.emptyNode<EdgeRec>(),
  adj: champ.emptyNode<Adjacency>(),
  byLabel: champ.emptyNode<Counted<NodeRec>>(),
  byType: champ.emptyNode<Counted<EdgeRec>>(),
  degSums: champ.emptyNode<DegreeSums>(),
  anySums: NO_SUMS,
  nodeCount: 0,
  edgeCount: 0,
});

/**
 * A mutable cursor over a GraphValue used by one transaction. It edits the
 * trie nodes it created in place (transient edit token) and path-copies
 * everything else, so the base version is never changed. `freeze()` returns
 * the new persistent value; the cursor must not be used after that.
 */
export class Draft implements GraphValue {
  nodes: ChampNode<NodeRec>;
  edges: ChampNode<EdgeRec>;
  adj: ChampNode<Adjacency>;
  byLabel: ChampNode<Counted<NodeRec>>;
  byType: ChampNode<Counted<EdgeRec>>;
  degSums: ChampNode<DegreeSums>;
  anySums: DegreeSums;
  nodeCount: number;
  edgeCount: number;
  private edit: Edit = {};
  private readonly change = champ.newChange();
  /** The Change of adjacency bucket writes (apart from `change`: a trie write may follow them). */
  private readonly bucketChange = champ.newChange();

  constructor(base: GraphValue) {
    this.nodes = base.nodes;
    this.edges = base.edges;
    this.adj = base.adj;
    this.byLabel = base.byLabel;
    this.byType = base.byType;
    this.degSums = base.degSums;
    this.anySums = base.anySums;
    this.nodeCount = base.nodeCount;
    this.edgeCount = base.edgeCount;
  }

  /** The token this draft edits in place with. */
  get token(): Edit {
    return this.edit;
  }

  /**
   * Edits in place what `edit` owns: the store hands a transaction the token
   * of a head no one else can see (Store.takeover). Only before the first write.
   */
  useToken(edit: Edit): void {
    this.edit = edit;
  }

  freeze(): GraphValue {
    // A fresh token: nodes made so far become immutable for everyone.
    this.edit = {};
    return {
      nodes: this.nodes,
      edges: this.edges,
      adj: this.adj,
      byLabel: this.byLabel,
      byType: this.byType,
      degSums: this.degSums,
      anySums: this.anySums,
      nodeCount: this.nodeCount,
      edgeCount: this.edgeCount,
    };
  }

  private ch(): champ.Change {
    const c = this.change;
    c.added = false;
    c.removed = false;
    c.old = undefined;
    return c;
  }

  // Each write hashes every key once (ids are long strings) and hands the
  // hash to every trie it touches; `hash` arguments are the caller's, if known.

  putNode(rec: NodeRec, before: NodeRec | undefined, hash: number = champ.hashing.hash(rec.id)): void {
    const c = this.ch();
    this.nodes = champ.set(this.nodes, rec.id, rec, this.edit, c, hash);
    if (c.added) this.nodeCount++;
    // Indexed loops: a for-of over a label list allocated an iterator per call here.
    if (before !== undefined) {
      const was = before.labels;
      for (let i = 0; i < was.length; i++) if (!rec.labels.includes(was[i])) this.byLabel = indexRemove(this.byLabel, was[i], rec.id, this.edit, this.ch(), hash);
    }
    const labels = rec.labels;
    for (let i = 0; i < labels.length; i++) this.byLabel = indexPut(this.byLabel, labels[i], rec.id, rec, this.edit, this.ch(), hash);
  }

  removeNode(rec: NodeRec, hash: number = champ.hashing.hash(rec.id)): void {
    const c = this.ch();
    this.nodes = champ.remove(this.nodes, rec.id, this.edit, c, hash);
    if (c.removed) this.nodeCount--;
    const labels = rec.labels;
    for (let i = 0; i < labels.length; i++) this.byLabel = indexRemove(this.byLabel, labels[i], rec.id, this.edit, this.ch(), hash);
  }

  putEdge(rec: EdgeRec, hash: number = champ.hashing.hash(rec.id), srcHash?: number, dstHash?: number): void {
    const c = this.ch();
    this.edges = champ.set(this.edges, rec.id, rec, this.edit, c, hash);
    if (c.added) this.edgeCount++;
    this.byType = indexPut(this.byType, rec.type, rec.id, rec, this.edit, this.ch(), hash);
    this.adjPut(rec.src, 'out', rec, hash, srcHash);
    this.adjPut(rec.dst, 'in', rec, hash, dstHash);
  }

  removeEdge(rec: EdgeRec, hash: number = champ.hashing.hash(rec.id)): void {
    const c = this.ch();
    this.edges = champ.remove(this.edges, rec.id, this.edit, c, hash);
    if (c.removed) this.edgeCount--;
    this.byType = indexRemove(this.byType, rec.type, rec.id, this.edit, this.ch(), hash);
    this.adjRemove(rec.src, 'out', rec, hash);
    this.adjRemove(rec.dst, 'in', rec, hash);
  }

  private adjPut(nodeId: string, dir: 'out' | 'in', rec: EdgeRec, hash: number, nodeHash: number = champ.hashing.hash(nodeId)): void {
    const a = champ.get(this.adj, nodeId, nodeHash);
    const c = this.bucketChange;
    const next = putIncident(a, rec, dir === 'out', hash, this.edit, c);
    if (next !== a) this.adj = champ.set(this.adj, nodeId, next, this.edit, this.ch(), nodeHash);
    if (c.added) this.addDegreeTerms(next, rec, dir === 'out', 1);
  }

  private adjRemove(nodeId: string, dir: 'out' | 'in', rec: EdgeRec, hash: number): void {
    const h = champ.hashing.hash(nodeId);
    const a = champ.get(this.adj, nodeId, h);
    if (a === undefined) return;
    const c = this.bucketChange;
    const next = removeIncident(a, rec, dir === 'out', hash, this.edit, c);
    if (!c.removed) return;
    if (next === undefined) this.adj = champ.remove(this.adj, nodeId, this.edit, this.ch(), h);
    else if (next !== a) this.adj = champ.set(this.adj, nodeId, next, this.edit, this.ch(), h);
    this.addDegreeTerms(next, rec, dir === 'out', -1);
  }

  /**
   * Adds the change of a node's terms to the sums of the edge's type and of
   * every type, after `rec` was added (`sign` 1) to or removed (-1) from the
   * node's adjacency, now `a`, in direction `out`. The degrees are read once,
   * after the write; those before it differ by the one edge (a self-loop
   * counts in its out bucket's loops), so they need no second scan (the
   * write may have changed the array in place).
   */
  private addDegreeTerms(a: Adjacency | undefined, rec: EdgeRec, out: boolean, sign: 1 | -1): void {
    const type = rec.type;
    readDegrees(a, type, AFTER);
    for (let k = 0; k < 6; k++) D[BEFORE + k] = D[AFTER + k];
    if (out) {
      D[BEFORE] -= sign;
      D[BEFORE + 3] -= sign;
      if (rec.src === rec.dst) {
        D[BEFORE + 2] -= sign;
        D[BEFORE + 5] -= sign;
      }
    } else {
      D[BEFORE + 1] -= sign;
      D[BEFORE + 4] -= sign;
    }
    let e = champ.get(this.degSums, type);
    if (e === undefined || e.edit !== this.edit) {
      const v = e === undefined ? new Array<number>(SUMS).fill(0) : e.v.slice();
      e = { v, edit: this.edit };
      this.degSums = champ.set(this.degSums, type, e, this.edit, this.ch());
    }
    addTerms(e.v, 0);
    // A type no node has any more leaves no entry (its sums are all 0).
    if (e.v[OO] === 0 && e.v[II] === 0) this.degSums = champ.remove(this.degSums, type, this.edit, this.ch());
    if (this.anySums.edit !== this.edit) this.anySums = { v: this.anySums.v.slice(), edit: this.edit };
    addTerms(this.anySums.v, 3);
  }
}

/** One node's degrees before and after a write: [o, i, l] of the type, then [o, i, l] of every type. */
const BEFORE = 0;
const AFTER = 6;
const D = new Float64Array(12);

/** [o, i, l, O, I, L] summed by readDegrees, and the type whose o, i, l it reads. */
const DEG = new Float64Array(6);
let degType = '';

function readOut(type: string, size: number, loops: number): void {
  DEG[3] += size;
  DEG[5] += loops;
  if (type === degType) {
    DEG[0] = size;
    DEG[2] = loops;
  }
}

function readIn(type: string, size: number): void {
  DEG[4] += size;
  if (type === degType) DEG[1] = size;
}

function readDegrees(a: Adjacency | undefined, type: string, at: number): void {
  DEG.fill(0);
  degType = type;
  if (a !== undefined) {
    forEachBucket(a, true, readOut);
    forEachBucket(a, false, readIn);
  }
  for (let k = 0; k < 6; k++) D[at + k] = DEG[k];
}

/** v += terms(after) - terms(before), for the degrees at offset `k` of each half of D. */
function addTerms(v: number[], k: number): void {
  const o0 = D[BEFORE + k], i0 = D[BEFORE + k + 1], l0 = D[BEFORE + k + 2];
  const o1 = D[AFTER + k], i1 = D[AFTER + k + 1], l1 = D[AFTER + k + 2];
  v[OO] += o1 * o1 - o0 * o0;
  v[II] += i1 * i1 - i0 * i0;
  v[LL] += l1 * l1 - l0 * l0;
  v[OI] += o1 * i1 - o0 * i0;
  v[OL] += o1 * l1 - o0 * l0;
  v[IL] += i1 * l1 - i0 * l0;
  v[L] += l1 - l0;
}

/** The Change of an index's inner set (indexes are written one at a time: one object serves). */
const innerChange = champ.newChange();
function resetInner(): champ.Change {
  innerChange.added = false;
  innerChange.removed = false;
  innerChange.old = undefined;
  return innerChange;
}

function indexPut<V>(index: ChampNode<Counted<V>>, key: string, id: string, value: V, edit: Edit, c: champ.Change, idHash: number): ChampNode<Counted<V>> {
  const entry = champ.get(index, key);
  const inner = resetInner();
  if (entry === undefined) {
    const set = champ.set(champ.emptyNode<V>(), id, value, edit, inner, idHash);
    return champ.set(index, key, { size: 1, set, edit }, edit, c);
  }
  const set = champ.set(entry.set, id, value, edit, inner, idHash);
  if (set === entry.set && !inner.added) return index;
  const size = entry.size + (inner.added ? 1 : 0);
  if (entry.edit === edit) {
    entry.set = set;
    entry.size = size;
    return index;
  }
  return champ.set(index, key, { size, set, edit }, edit, c);
}

function indexRemove<V>(index: ChampNode<Counted<V>>, key: string, id: string, edit: Edit, c: champ.Change, idHash: number): ChampNode<Counted<V>> {
  const entry = champ.get(index, key);
  if (entry === undefined) return index;
  const inner = resetInner();
  const set = champ.remove(entry.set, id, edit, inner, idHash);
  if (!inner.removed) return index;
  if (entry.size === 1) return champ.remove(index, key, edit, c);
  if (entry.edit === edit) {
    entry.set = set;
    entry.size--;
    return index;
  }
  return champ.set(index, key, { size: entry.size - 1, set, edit }, edit, c);
}
