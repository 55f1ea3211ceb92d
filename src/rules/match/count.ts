import type { GraphView } from '../../graph/index.ts';
import { II, IL, L, LL, OI, OL, OO, degreeIn, degreeSums, degreesOf, fromCounts, isStoreView, selfLoops, sumDegrees } from '../../graph/_internals/degrees.ts';
import type { DegreeBuckets, TypeCount } from '../../graph/_internals/degrees.ts';
import type { CNode, CompiledPattern } from './compiled.ts';
import { nodeOk } from './search.ts';
import { rarestLabel } from './planner.ts';

/**
 * Counting matches without enumerating them (an aggregate pushed into the
 * pattern), for the shapes where the count is a function of degrees.
 *
 * A *star*: one centre node and k <= 2 edges, each to its own leaf node, in
 * 'cypher' mode (node-homomorphic, edge-injective), without guards, NACs,
 * variable lengths, edge properties or edge filters. The centre may carry any
 * node-local constraint (labels, label test, properties, `where`); a leaf may
 * only carry labels, and only labels every node has (read from the label
 * index: then the leaf is unconstrained). This covers `(a)`, `(a)-[r]-(b)` and
 * every 2-chain `(a)-[r1]-(b)-[r2]-(c)` in any directions and type sets.
 *
 * For a centre node b, an edge role r sees the incidences C_r(b): b's edges
 * of r's types in r's directions at b (an undirected role sees a self-loop
 * once). Every edge occurs at most once in C_r(b), so
 *
 *   matches(b) = |C_1(b)|                                   (k = 1)
 *   matches(b) = |C_1(b)| * |C_2(b)| - |E(C_1(b)) ∩ E(C_2(b))|   (k = 2)
 *
 * the subtracted term being the pairs that would use one edge twice (Cypher's
 * relationship uniqueness): with D the directions the roles share and T their
 * shared types, the shared edges are the non-loops in D plus the self-loops:
 * sum over d in D of deg_d(b, T), plus (1 - |D|) * loops(b, T).
 * Degrees come from the adjacency index's bucket sizes; a node's self-loops,
 * when a formula needs them, from its out and in sets walked side by side
 * (src/graph/_internals/degrees.ts: no edge record is read).
 */

const OUT = 1;
const IN = 2;

interface Role {
  /** Distinct types, or null for any type. */
  readonly types: readonly string[] | null;
  /** Directions at the centre: OUT (the centre is src), IN, or both. */
  readonly dirs: number;
}

interface Star {
  readonly center: number;
  readonly leaves: readonly number[];
  readonly roles: readonly Role[];
}

/** The star readings of a pattern (k = 1 can be read from either end), or none. */
const shapes = new WeakMap<CompiledPattern, readonly Star[]>();

function plain(n: CNode): boolean {
  return n.labelTest === undefined && n.propKeys.length === 0 && n.where === undefined && n.ref < 0;
}

function starsOf(cp: CompiledPattern): readonly Star[] {
  let s = shapes.get(cp);
  if (s === undefined) {
    s = findStars(cp);
    shapes.set(cp, s);
  }
  return s;
}

function findStars(cp: CompiledPattern): readonly Star[] {
  if (cp.mode !== 'cypher' || cp.isNac || cp.guards.length > 0 || cp.nacs.length > 0 || cp.hasVarLength) return [];
  if (cp.nodes.some((n) => n.ref >= 0)) return [];
  for (const e of cp.edges) if (e.max !== -1 || e.propKeys.length > 0 || e.where !== undefined || e.src === e.dst) return [];
  const role = (edge: number, center: number): Role => {
    const e = cp.edges[edge];
    return { types: e.types === null ? null : [...new Set(e.types)], dirs: e.either ? OUT | IN : e.src === center ? OUT : IN };
  };
  if (cp.edges.length === 0) return cp.nodes.length === 1 ? [{ center: 0, leaves: [], roles: [] }] : [];
  if (cp.edges.length === 1) {
    if (cp.nodes.length !== 2) return [];
    const { src, dst } = cp.edges[0];
    const out: Star[] = [];
    if (plain(cp.nodes[dst])) out.push({ center: src, leaves: [dst], roles: [role(0, src)] });
    if (plain(cp.nodes[src])) out.push({ center: dst, leaves: [src], roles: [role(0, dst)] });
    return out;
  }
  if (cp.edges.length === 2 && cp.nodes.length === 3) {
    const [e1, e2] = cp.edges;
    for (const m of [e1.src, e1.dst]) {
      if (m !== e2.src && m !== e2.dst) continue;
      const l1 = m === e1.src ? e1.dst : e1.src;
      const l2 = m === e2.src ? e2.dst : e2.src;
      if (l1 === l2 || !plain(cp.nodes[l1]) || !plain(cp.nodes[l2])) return [];
      return [{ center: m, leaves: [l1, l2], roles: [role(0, m), role(1, m)] }];
    }
  }
  return [];
}

/** Whether every node carries the node's labels (so they constrain nothing). */
function universal(view: GraphView, n: CNode): boolean {
  for (const l of n.labels) if (view.countLabel(l) !== view.nodeCount) return false;
  return true;
}

function hasType(types: readonly string[] | null, t: string): boolean {
  return types === null || types.includes(t);
}

function degIn(d: DegreeBuckets, dirs: number, types: readonly string[] | null): number {
  return (dirs & OUT ? degreeIn(d, true, types) : 0) + (dirs & IN ? degreeIn(d, false, types) : 0);
}

function bits(dirs: number): number {
  return (dirs & OUT ? 1 : 0) + (dirs & IN ? 1 : 0);
}

function intersect(a: readonly string[] | null, b: readonly string[] | null): readonly string[] | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.filter((t) => b.includes(t));
}

function union(a: readonly string[] | null, b: readonly string[] | null): readonly string[] | null {
  if (a === null || b === null) return null;
  return [...new Set([...a, ...b])];
}

/** Self-loops of `types` by node (their types, one entry per loop). */
function loopsByNode(view: GraphView, types: readonly string[] | null): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const visit = (e: { src: string; dst: string; type: string }): void => {
    if (e.src !== e.dst) return;
    const l = m.get(e.src);
    if (l === undefined) m.set(e.src, [e.type]);
    else l.push(e.type);
  };
  if (types === null) view.forEachEdge(visit);
  else for (const t of types) view.forEachEdgeOfType(t, visit);
  return m;
}

function loopCount(loops: Map<string, string[]> | null, id: string, d: DegreeBuckets, types: readonly string[] | null): number {
  if (loops === null) return selfLoops(d, types);
  const l = loops.get(id);
  if (l === undefined) return 0;
  let n = 0;
  for (const t of l) if (hasType(types, t)) n++;
  return n;
}

/** Degree buckets from the public interface, for views that are not the store's. */
function slowDegrees(view: GraphView, id: string, types: readonly string[]): DegreeBuckets {
  const row = (dir: 'out' | 'in'): TypeCount[] => types.map((type) => ({ type, size: view.degree(id, dir, type) }));
  return fromCounts(row('out'), row('in'));
}

/**
 * The number of matches of `cp` in `view` (no start bindings), computed
 * without enumerating them, or undefined when the pattern is not a shape
 * this module can count (the caller then enumerates).
 */
export function pushedCount(view: GraphView, cp: CompiledPattern): number | undefined {
  const stars = starsOf(cp);
  let star: Star | undefined;
  for (const s of stars) if (s.leaves.every((l) => universal(view, cp.nodes[l]))) star = s;
  if (star === undefined) return undefined;
  const cn = cp.nodes[star.center];
  const free = plain(cn) && universal(view, cn);
  const roles = star.roles;
  const k = roles.length;
  if (k === 0) return free ? view.nodeCount : countNodes(view, cn);
  const r1 = roles[0];
  const r2 = k === 2 ? roles[1] : r1;
  const shared = k === 2 ? intersect(r1.types, r2.types) : null;
  const sharedDirs = r1.dirs & r2.dirs;
  if (r1.types !== null && r1.types.length === 0) return 0;
  if (r2.types !== null && r2.types.length === 0) return 0;
  // k = 1, directed, any centre: every edge of the types is one match.
  if (k === 1 && free && r1.dirs !== (OUT | IN)) return r1.types === null ? view.edgeCount : r1.types.reduce((n, t) => n + view.countType(t), 0);
  // A free centre with one type group: the degree sums the store keeps.
  if (free) {
    const kept = fromDegreeSums(view, r1, r2, k);
    if (kept !== undefined) return kept;
  }
  // Coefficients of the self-loop counts in the formulas (most are 0: no loop is looked for).
  const l1 = bits(r1.dirs) - 1;
  const l2 = k === 2 ? bits(r2.dirs) - 1 : 0;
  const overlap = k === 2 && (shared === null || shared.length > 0);
  const ls = overlap ? 1 - bits(sharedDirs) : 0;
  // Store views count a node's self-loops from its adjacency sets; other views need one scan.
  const loops = (l1 !== 0 || l2 !== 0 || ls !== 0) && !isStoreView(view) ? loopsByNode(view, union(r1.types, r2.types)) : null;
  /** The matches centred on one node. */
  const at = (id: string, d: DegreeBuckets): number => {
    let c1 = degIn(d, r1.dirs, r1.types);
    if (l1 !== 0) c1 -= l1 * loopCount(loops, id, d, r1.types);
    if (k === 1) return c1;
    let c2 = degIn(d, r2.dirs, r2.types);
    if (l2 !== 0) c2 -= l2 * loopCount(loops, id, d, r2.types);
    let same = 0;
    if (overlap) {
      same = degIn(d, sharedDirs, shared);
      if (ls !== 0 && c1 > 0 && c2 > 0) same += ls * loopCount(loops, id, d, shared);
    }
    return c1 * c2 - same;
  };
  let total = 0;
  const add = (id: string, d: DegreeBuckets): void => {
    total += at(id, d);
  };
  if (free) {
    // Per adjacency-trie node sums, memoised on committed versions (see sumDegrees).
    const memo = sumDegrees(view, keyOf(star), at);
    if (memo !== undefined) return memo;
    const all = [...view.typeCounts().keys()];
    view.forEachNode((n) => void add(n.id, slowDegrees(view, n.id, all)));
    return total;
  }
  let all: string[] | undefined;
  forEachCandidate(view, cn, (id) => add(id, degreesOf(view, id) ?? slowDegrees(view, id, (all ??= [...view.typeCounts().keys()]))));
  return total;
}

/**
 * The count of a star with a free centre whose roles have one group of types
 * (both any type, or both the same one type), from the degree sums the store
 * keeps (see degreeSums): `matches(b)` above, summed over all nodes, is a
 * linear combination of them. With a role's incidences c = a·o + b·i - l'·l
 * (a, b: whether it takes out and in edges; l' = 1 for an undirected role,
 * which sees a loop once), Σ c1·c2 expands into the kept products, and the
 * subtracted shared pairs sum to (shared directions)·|edges of the group| plus
 * the loop term times Σl. Undefined for other roles or non-store views.
 */
function fromDegreeSums(view: GraphView, r1: Role, r2: Role, k: number): number | undefined {
  const t1 = r1.types;
  const t2 = r2.types;
  let group: string | null;
  if (t1 === null && t2 === null) group = null;
  else if (t1 !== null && t2 !== null && t1.length === 1 && t2.length === 1 && t1[0] === t2[0]) group = t1[0];
  else return undefined;
  const s = degreeSums(view, group);
  if (s === undefined) return undefined;
  const edges = group === null ? view.edgeCount : view.countType(group);
  const a1 = r1.dirs & OUT ? 1 : 0;
  const b1 = r1.dirs & IN ? 1 : 0;
  const l1 = bits(r1.dirs) - 1;
  if (k === 1) return (a1 + b1) * edges - l1 * s[L];
  const a2 = r2.dirs & OUT ? 1 : 0;
  const b2 = r2.dirs & IN ? 1 : 0;
  const l2 = bits(r2.dirs) - 1;
  const products = a1 * a2 * s[OO] + b1 * b2 * s[II] + l1 * l2 * s[LL] + (a1 * b2 + b1 * a2) * s[OI] - (a1 * l2 + l1 * a2) * s[OL] - (b1 * l2 + l1 * b2) * s[IL];
  const shared = r1.dirs & r2.dirs;
  return products - bits(shared) * edges - (1 - bits(shared)) * s[L];
}

const keys = new WeakMap<Star, string>();
/** What the per-node count of a star depends on: the memo key of its sums. */
function keyOf(star: Star): string {
  let k = keys.get(star);
  if (k === undefined) {
    k = 'star:' + JSON.stringify(star.roles);
    keys.set(star, k);
  }
  return k;
}

function forEachCandidate(view: GraphView, cn: CNode, fn: (id: string) => void): void {
  const label = rarestLabel(view, cn.labels);
  const visit = (n: Parameters<typeof nodeOk>[1]): void => {
    if (nodeOk(cn, n)) fn(n.id);
  };
  if (label !== undefined) view.forEachNodeWithLabel(label, visit);
  else view.forEachNode(visit);
}

function countNodes(view: GraphView, cn: CNode): number {
  let n = 0;
  forEachCandidate(view, cn, () => void n++);
  return n;
}
