import type { EdgeRecord, GraphView, NodeRecord } from '../../graph/index.ts';
import { RuleError } from '../errors.ts';
import type { CEdge, CNode, CompiledPattern } from './compiled.ts';
import { jsonEqual } from '../../graph/index.ts';
import { LazyNode } from './lazy-node.ts';
import { forEachNodeWithProperty } from '../../graph/_internals/prop-index.ts';
import { isStoreView } from '../../graph/_internals/view-kind.ts';
import type { MatchView } from './pattern.ts';
import { CHECK_EDGE, CHECK_NODE, EXPAND, SCAN_EDGE, SCAN_NODE, VAR_EXPAND, planFor } from './planner.ts';
import type { Plan, Step } from './planner.ts';

// A node or an edge, by step kind; for an expansion, `other` is the edge's far end (read from the adjacency, not the record).
type Visitor = (rec: any, other?: string) => boolean; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The state of one search over one compiled pattern: the slots bound so far
 * and one prebuilt visitor per plan step, so the hot loop allocates nothing
 * but what the store's iteration does. Instances are pooled per pattern.
 *
 * A lazy search (a read of a committed version, which may be large) gets
 * new slot arrays, though. Its loop stores pointers to records and id
 * strings all over the heap into them, and V8's write barrier, for a store
 * into an array that has been promoted to the old generation, reads the page
 * header of the object stored: one more likely TLB and cache miss per
 * binding on a large graph (a quarter of a 2-hop query's time on 1M edges).
 * Stores into young arrays skip that check. Rule searches, many and small,
 * keep their pooled arrays (allocating them per search cost more).
 */
export class Search implements MatchView {
  nodeIds!: (string | undefined)[];
  nodeRecs!: (NodeRecord | undefined)[];
  edgeRecs!: (EdgeRecord | undefined)[];
  /** Pre-bound edge ids (checked by CHECK_EDGE). */
  edgeIds!: (string | undefined)[];
  paths!: (EdgeRecord[] | undefined)[];
  view!: GraphView;
  plan!: Plan;
  outer: Search | null = null;
  /**
   * Bind unconstrained nodes reached through edges by id only (their record
   * slot holds PENDING until read): set by callers reading a committed version.
   */
  lazy = false;
  /**
   * Take scan candidates from the property index (committed versions only).
   * It changes the order matches come in, so only callers that promise no
   * order (GQL, counting) set it; rules keep the scan order.
   */
  indexed = false;
  /** The view is one of the store's: one record object per edge id (see edgeDistinct). */
  private sameRecs = false;
  onMatch: (s: Search) => boolean = () => true;
  stopped = false;
  private readonly visitors: Visitor[] = [];
  /** The LazyNode last handed out per node slot (see nodeValue). */
  private lazies!: (LazyNode | undefined)[];
  private readonly nodeCount: number;
  private readonly edgeCount: number;

  constructor(readonly cp: CompiledPattern) {
    this.nodeCount = cp.nodes.length;
    this.edgeCount = cp.edges.length;
    this.slots();
  }

  /** Fresh, young slot arrays (see the class comment). */
  slots(): void {
    this.nodeIds = new Array(this.nodeCount).fill(undefined);
    this.nodeRecs = new Array(this.nodeCount).fill(undefined);
    this.edgeRecs = new Array(this.edgeCount).fill(undefined);
    this.edgeIds = new Array(this.edgeCount).fill(undefined);
    this.paths = new Array(this.edgeCount).fill(undefined);
    this.lazies = new Array(this.nodeCount).fill(undefined);
  }

  static acquire(cp: CompiledPattern): Search {
    return (cp.pool.pop() as Search | undefined) ?? new Search(cp);
  }

  release(): void {
    this.nodeIds.fill(undefined);
    this.nodeRecs.fill(undefined);
    this.edgeRecs.fill(undefined);
    this.edgeIds.fill(undefined);
    this.paths.fill(undefined);
    this.lazies.fill(undefined);
    this.outer = null;
    this.lazy = false;
    this.indexed = false;
    this.stopped = false;
    this.onMatch = noop;
    this.view = undefined as unknown as GraphView;
    this.cp.pool.push(this);
  }

  /** Runs the search; pre-bound ids must already be in nodeIds / edgeIds. */
  run(view: GraphView, boundKey: string, boundNodes: ArrayLike<boolean>, boundEdges: ArrayLike<boolean>, onMatch: (s: Search) => boolean): void {
    this.view = view;
    this.sameRecs = isStoreView(view);
    this.onMatch = onMatch;
    this.stopped = false;
    this.plan = planFor(this.cp, view, boundKey, boundNodes, boundEdges);
    const p = this.plan;
    for (let k = 0; k < p.preGuards.length; k++) if (!this.cp.guards[p.preGuards[k]].test(this)) return;
    for (let k = 0; k < p.preNacs.length; k++) if (!this.nacHolds(p.preNacs[k])) return;
    this.step(0);
  }

  // ---- MatchView ----

  node(v: string): NodeRecord {
    const x = this.cp.vars.get(v);
    const r = x !== undefined && x.kind === 'node' ? this.nodeRecs[x.slot] : undefined;
    if (r === undefined) throw new RuleError('INVALID_BINDING', `MatchView.node: "${v}" is not a bound node variable`);
    return r === PENDING ? this.recAt(x!.slot) : r;
  }

  /** The record bound at a node slot, read now if it was bound lazily. */
  recAt(slot: number): NodeRecord {
    let r = this.nodeRecs[slot]!;
    if (r === PENDING) {
      r = this.view.getNode(this.nodeIds[slot]!)!;
      this.nodeRecs[slot] = r;
    }
    return r;
  }

  /** The node bound at a slot: its record, or a LazyNode when it has not been read. */
  nodeValue(slot: number): NodeRecord {
    const r = this.nodeRecs[slot]!;
    if (r !== PENDING) return r;
    // One stand-in per binding: a start node bound once serves every match of the search.
    const id = this.nodeIds[slot]!;
    const l = this.lazies[slot];
    if (l !== undefined && l.id === id) return l;
    return (this.lazies[slot] = new LazyNode(id, this.view));
  }

  /** Reads every lazily bound record (before the slots are copied out). */
  resolve(): void {
    for (let i = 0; i < this.nodeCount; i++) if (this.nodeRecs[i] === PENDING) this.recAt(i);
  }
  edge(v: string): EdgeRecord {
    const x = this.cp.vars.get(v);
    const r = x !== undefined && x.kind === 'edge' && this.cp.edges[x.slot].max === -1 ? this.edgeRecs[x.slot] : undefined;
    if (r === undefined) throw new RuleError('INVALID_BINDING', `MatchView.edge: "${v}" is not a bound edge variable`);
    return r;
  }
  path(v: string): readonly EdgeRecord[] {
    const x = this.cp.vars.get(v);
    const r = x !== undefined && x.kind === 'edge' ? this.paths[x.slot] : undefined;
    if (r === undefined) throw new RuleError('INVALID_BINDING', `MatchView.path: "${v}" is not a bound variable-length edge`);
    return r;
  }
  has(v: string): boolean {
    const x = this.cp.vars.get(v);
    if (x === undefined) return false;
    return x.kind === 'node' ? this.nodeRecs[x.slot] !== undefined : this.edgeRecs[x.slot] !== undefined || this.paths[x.slot] !== undefined;
  }

  // ---- the search ----

  /** Visitor i + IN_PASS serves the incoming pass of an undirected expansion at step i. */
  private visitor(i: number): Visitor {
    const k = i >= IN_PASS ? 2 * (i - IN_PASS) + 1 : 2 * i;
    let v = this.visitors[k];
    if (v === undefined) {
      v = (rec, other) => this.visit(i, rec, other);
      this.visitors[k] = v;
    }
    return v;
  }

  private step(i: number): void {
    const steps = this.plan.steps;
    if (i === steps.length) {
      if (this.onMatch(this) === false) this.stopped = true;
      return;
    }
    const s = steps[i];
    switch (s.kind) {
      case CHECK_NODE: {
        const cn = this.cp.nodes[s.node];
        const id = this.nodeIds[s.node]!;
        let rec: NodeRecord | undefined;
        if (cn.ref >= 0 && this.outer !== null) rec = this.outer.recAt(cn.ref);
        // A free node expanded from next is not read: an edge found there proves it exists, and none leaves no match.
        else if (this.lazy && cn.free && i + 1 < steps.length && steps[i + 1].kind === EXPAND && steps[i + 1].from === s.node) rec = PENDING;
        else rec = this.view.getNode(id);
        if (rec === undefined || (rec !== PENDING && !nodeOk(cn, rec)) || (cn.ref < 0 && !this.nodeDistinct(s.node, id))) return;
        this.nodeRecs[s.node] = rec;
        this.next(i);
        this.nodeRecs[s.node] = undefined;
        return;
      }
      case CHECK_EDGE: {
        const ce = this.cp.edges[s.edge];
        const rec = ce.ref >= 0 && this.outer !== null ? this.outer.edgeRecs[ce.ref] : this.view.getEdge(this.edgeIds[s.edge]!);
        if (rec === undefined) return;
        this.tryEdge(i, ce, rec, ce.ref < 0);
        return;
      }
      case SCAN_NODE: {
        const label = s.types[0];
        const cn = this.cp.nodes[s.node];
        // A property equality: the property index of a committed version (the visitor re-checks everything).
        if (this.indexed && cn.propKeys.length > 0 && forEachNodeWithProperty(this.view, label, cn.propKeys[0], cn.propVals[0], this.visitor(i))) return;
        if (this.indexed && cn.lookup !== undefined) {
          const v = cn.lookup.value();
          if (v !== undefined && forEachNodeWithProperty(this.view, label, cn.lookup.key, v, this.visitor(i))) return;
        }
        if (label !== undefined) this.view.forEachNodeWithLabel(label, this.visitor(i));
        else this.view.forEachNode(this.visitor(i));
        return;
      }
      case SCAN_EDGE: {
        const v = this.visitor(i);
        for (let k = 0; k < s.types.length && !this.stopped; k++) {
          const t = s.types[k];
          if (t === undefined) this.view.forEachEdge(v);
          else this.view.forEachEdgeOfType(t, v);
        }
        return;
      }
      case EXPAND: {
        const v = this.visitor(i);
        const from = this.nodeIds[s.from]!;
        const dir = s.dir === 'in' ? 'in' : 'out';
        for (let k = 0; k < s.types.length && !this.stopped; k++) this.view.forEachIncident(from, dir, s.types[k], v);
        if (s.dir === 'both') {
          const w = this.visitor(i + IN_PASS);
          for (let k = 0; k < s.types.length && !this.stopped; k++) this.view.forEachIncident(from, 'in', s.types[k], w);
        }
        return;
      }
      case VAR_EXPAND:
        this.varExpand(i, s);
        return;
    }
  }

  private visit(i: number, rec: NodeRecord & EdgeRecord, other: string | undefined): boolean {
    const inPass = i >= IN_PASS;
    if (inPass) i -= IN_PASS;
    const s = this.plan.steps[i];
    switch (s.kind) {
      case SCAN_NODE: {
        const cn = this.cp.nodes[s.node];
        if (!nodeOk(cn, rec) || !this.nodeDistinct(s.node, rec.id)) return true;
        this.nodeIds[s.node] = rec.id;
        this.nodeRecs[s.node] = rec;
        this.next(i);
        this.nodeIds[s.node] = undefined;
        this.nodeRecs[s.node] = undefined;
        return !this.stopped;
      }
      case SCAN_EDGE: {
        const ce = this.cp.edges[s.edge];
        this.tryEdge(i, ce, rec, true);
        return !this.stopped;
      }
      case EXPAND: {
        const ce = this.cp.edges[s.edge];
        // The far end, from the adjacency (a view of another kind may not give it).
        const far = other ?? (s.dir === 'in' || inPass ? rec.src : rec.dst);
        // A self-loop was seen in the out pass already.
        if (inPass && far === this.nodeIds[s.from]) return true;
        this.tryOriented(i, ce, rec, far);
        return !this.stopped;
      }
    }
    return true;
  }

  /** An edge found by expansion from the bound `s.from`: `otherId` is its other end. */
  private tryOriented(i: number, ce: CEdge, rec: EdgeRecord, otherId: string): void {
    // Expansion reads only the adjacency buckets of the edge's types: only properties and filters are left to check.
    if ((!ce.typeOnly && !edgeOk(ce, rec)) || !this.edgeDistinct(ce.slot, rec)) return;
    const to = this.plan.steps[i].to;
    const toBound = this.nodeIds[to] !== undefined;
    if (toBound) {
      if (this.nodeIds[to] !== otherId) return;
      this.edgeRecs[ce.slot] = rec;
      this.next(i);
      this.edgeRecs[ce.slot] = undefined;
      return;
    }
    const cn = this.cp.nodes[to];
    const other = this.lazy && cn.free ? PENDING : this.view.getNode(otherId);
    if (other === undefined || (other !== PENDING && !nodeOk(cn, other)) || !this.nodeDistinct(to, otherId)) return;
    this.edgeRecs[ce.slot] = rec;
    this.nodeIds[to] = otherId;
    this.nodeRecs[to] = other;
    this.next(i);
    this.nodeIds[to] = undefined;
    this.nodeRecs[to] = undefined;
    this.edgeRecs[ce.slot] = undefined;
  }

  /** Binds an edge found by a scan or a check, with both endpoints, in each allowed orientation. */
  private tryEdge(i: number, ce: CEdge, rec: EdgeRecord, distinct: boolean): void {
    if (!edgeOk(ce, rec) || (distinct && !this.edgeDistinct(ce.slot, rec))) return;
    this.edgeRecs[ce.slot] = rec;
    this.bindEnds(i, ce.src, rec.src, ce.dst, rec.dst);
    if (ce.either && rec.src !== rec.dst && !this.stopped) this.bindEnds(i, ce.src, rec.dst, ce.dst, rec.src);
    this.edgeRecs[ce.slot] = undefined;
  }

  private bindEnds(i: number, a: number, aId: string, b: number, bId: string): void {
    const aWas = this.nodeRecs[a] !== undefined;
    if (aWas) {
      if (this.nodeIds[a] !== aId) return;
    } else if (!this.bindNode(a, aId)) return;
    const bWas = this.nodeRecs[b] !== undefined;
    if (bWas) {
      if (this.nodeIds[b] === bId) this.next(i);
    } else if (this.bindNode(b, bId)) {
      this.next(i);
      this.nodeIds[b] = undefined;
      this.nodeRecs[b] = undefined;
    }
    if (!aWas) {
      this.nodeIds[a] = undefined;
      this.nodeRecs[a] = undefined;
    }
  }

  private bindNode(slot: number, id: string): boolean {
    const cn = this.cp.nodes[slot];
    const rec = this.lazy && cn.free ? PENDING : this.view.getNode(id);
    if (rec === undefined || (rec !== PENDING && !nodeOk(cn, rec)) || !this.nodeDistinct(slot, id)) return false;
    this.nodeIds[slot] = id;
    this.nodeRecs[slot] = rec;
    return true;
  }

  /** After step i bound its elements: its guards and NACs, then the next step. */
  private next(i: number): void {
    const s = this.plan.steps[i];
    const g = s.guards;
    for (let k = 0; k < g.length; k++) if (!this.cp.guards[g[k]].test(this)) return;
    const n = s.nacs;
    for (let k = 0; k < n.length; k++) if (!this.nacHolds(n[k])) return;
    this.step(i + 1);
  }

  private nodeDistinct(slot: number, id: string): boolean {
    const cp = this.cp;
    const n = this.nodeCount;
    if (cp.mode === 'injective') {
      const ids = this.nodeIds;
      const o = this.outer;
      const fresh = o !== null && cp.nodes[slot].ref < 0;
      for (let j = 0; j < n; j++) {
        if (j === slot || ids[j] !== id || this.nodeRecs[j] === undefined || cp.nodeCoincide[slot * n + j] === 1) continue;
        if (fresh && cp.nodes[j].ref >= 0) continue; // checked against the outer match below
        return false;
      }
      if (fresh) {
        const oids = o!.nodeIds;
        for (let j = 0; j < oids.length; j++) if (oids[j] === id && !allowed(cp.outerNodeAllow, slot, j)) return false;
      }
    }
    return true;
  }

  /**
   * Whether no other slot holds this edge. A store view keeps one record per
   * edge id (adjacency buckets hold the edges trie's own records), so there
   * records are compared by identity: comparing ids would read two id strings
   * that are likely cache misses on a large graph (17% of a 2-hop query on 1M
   * edges in a profile, before this).
   */
  private edgeDistinct(slot: number, rec: EdgeRecord): boolean {
    const cp = this.cp;
    const m = this.edgeCount;
    const recs = this.edgeRecs;
    const o = this.outer;
    const byRef = this.sameRecs;
    const fresh = o !== null && cp.mode === 'injective' && cp.edges[slot].ref < 0;
    for (let j = 0; j < m; j++) {
      if (j === slot || cp.edgeCoincide[slot * m + j] === 1) continue;
      if (fresh && cp.edges[j].ref >= 0) continue;
      const r = recs[j];
      if (r !== undefined && (byRef ? r === rec : r.id === rec.id)) return false;
      const p = this.paths[j];
      if (p !== undefined) for (let k = 0; k < p.length; k++) if (byRef ? p[k] === rec : p[k].id === rec.id) return false;
    }
    if (fresh) {
      for (let j = 0; j < o!.edgeRecs.length; j++) {
        const r = o!.edgeRecs[j];
        if (r !== undefined && (byRef ? r === rec : r.id === rec.id) && !allowed(cp.outerEdgeAllow, slot, j)) return false;
        const p = o!.paths[j];
        if (p !== undefined) for (let k = 0; k < p.length; k++) if (byRef ? p[k] === rec : p[k].id === rec.id) return false;
      }
    }
    return true;
  }

  private nacHolds(k: number): boolean {
    const nac = this.cp.nacs[k];
    const s = Search.acquire(nac);
    s.outer = this;
    const bn = nacBound(nac);
    for (const n of nac.nodes) if (n.ref >= 0) s.nodeIds[n.slot] = this.nodeIds[n.ref];
    for (const e of nac.edges) if (e.ref >= 0) s.edgeIds[e.slot] = this.edgeRecs[e.ref]?.id;
    let found = false;
    s.run(this.view, 'nac', bn.nodes, bn.edges, () => {
      found = true;
      return false;
    });
    s.release();
    return !found;
  }

  /** Variable-length expansion: depth-first over simple edge paths from the bound `from`. */
  private varExpand(i: number, s: Step): void {
    const ce = this.cp.edges[s.edge];
    const path: EdgeRecord[] = [];
    this.paths[ce.slot] = path;
    const seen = new Set<string>();
    const dfs = (at: string): void => {
      if (path.length >= ce.min) this.reach(i, s.to, at);
      if (this.stopped || path.length >= ce.max) return;
      const cand: [EdgeRecord, string][] = [];
      const collect = (dir: 'out' | 'in') => (e: EdgeRecord) => {
        if (dir === 'in' && s.dir === 'both' && e.src === e.dst) return;
        if (seen.has(e.id) || !edgeOk(ce, e) || !this.edgeDistinct(ce.slot, e)) return;
        cand.push([e, dir === 'out' ? e.dst : e.src]);
      };
      const dirs: ('out' | 'in')[] = s.dir === 'both' ? ['out', 'in'] : [s.dir === 'in' ? 'in' : 'out'];
      for (const d of dirs) for (const t of s.types) this.view.forEachIncident(at, d, t, collect(d));
      for (const [e, nxt] of cand) {
        if (this.stopped) return;
        path.push(e);
        seen.add(e.id);
        dfs(nxt);
        seen.delete(e.id);
        path.pop();
      }
    };
    dfs(this.nodeIds[s.from]!);
    this.paths[ce.slot] = undefined;
  }

  private reach(i: number, to: number, id: string): void {
    if (this.nodeRecs[to] !== undefined) {
      if (this.nodeIds[to] === id) this.next(i);
      return;
    }
    if (!this.bindNode(to, id)) return;
    this.next(i);
    this.nodeIds[to] = undefined;
    this.nodeRecs[to] = undefined;
  }
}

const noop = (): boolean => true;

/** The record slot of a node bound by id only (Search.lazy); read on demand. */
const PENDING: NodeRecord = Object.freeze({ id: '', labels: Object.freeze([]), props: Object.freeze({}) });
const IN_PASS = 1 << 16;

function allowed(pairs: readonly number[], own: number, outer: number): boolean {
  for (let k = 0; k < pairs.length; k += 2) if (pairs[k] === own && pairs[k + 1] === outer) return true;
  return false;
}

const nacBounds = new WeakMap<CompiledPattern, { nodes: boolean[]; edges: boolean[] }>();
function nacBound(cp: CompiledPattern): { nodes: boolean[]; edges: boolean[] } {
  let b = nacBounds.get(cp);
  if (b === undefined) {
    b = { nodes: cp.nodes.map((n) => n.ref >= 0), edges: cp.edges.map((e) => e.ref >= 0) };
    nacBounds.set(cp, b);
  }
  return b;
}

export function nodeOk(cn: CNode, rec: NodeRecord): boolean {
  const ls = cn.labels;
  for (let k = 0; k < ls.length; k++) if (!rec.labels.includes(ls[k])) return false;
  if (cn.labelTest !== undefined && !cn.labelTest(rec.labels)) return false;
  const keys = cn.propKeys;
  for (let k = 0; k < keys.length; k++) if (!jsonEqual(rec.props[keys[k]], cn.propVals[k])) return false;
  return cn.where === undefined || cn.where(rec);
}

export function edgeOk(ce: CEdge, rec: EdgeRecord): boolean {
  const ts = ce.types;
  if (ts !== null) {
    let ok = false;
    for (let k = 0; k < ts.length; k++) if (ts[k] === rec.type) ok = true;
    if (!ok) return false;
  }
  const keys = ce.propKeys;
  for (let k = 0; k < keys.length; k++) if (!jsonEqual(rec.props[keys[k]], ce.propVals[k])) return false;
  return ce.where === undefined || ce.where(rec);
}
