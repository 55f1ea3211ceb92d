import type { GraphView } from '../../graph/index.ts';
import type { CEdge, CNode, CompiledPattern } from './compiled.ts';

export const CHECK_NODE = 0;
export const CHECK_EDGE = 1;
export const SCAN_NODE = 2;
export const SCAN_EDGE = 3;
export const EXPAND = 4;
export const VAR_EXPAND = 5;

/** One step of a search plan: it binds one pattern element (and the endpoints of an edge). */
export interface Step {
  readonly kind: number;
  readonly node: number;
  readonly edge: number;
  /** EXPAND / VAR_EXPAND: the bound node expanded from, and the node reached. */
  readonly from: number;
  readonly to: number;
  /** EXPAND: 'out' follows src -> dst, 'in' dst -> src, 'both' an undirected edge. */
  readonly dir: 'out' | 'in' | 'both';
  /** Types to iterate (one index scan each); `[undefined]` for any type. */
  readonly types: readonly (string | undefined)[];
  /** Guards and NACs that become checkable once this step has bound its elements. */
  readonly guards: readonly number[];
  readonly nacs: readonly number[];
}

export interface Plan {
  readonly steps: readonly Step[];
  /** Guards and NACs over no unbound variable: checked before the first step. */
  readonly preGuards: readonly number[];
  readonly preNacs: readonly number[];
}

interface Stats {
  labels: string[];
  types: string[];
}
const statsOf = new WeakMap<CompiledPattern, Stats>();

function statNames(cp: CompiledPattern): Stats {
  let s = statsOf.get(cp);
  if (s === undefined) {
    const labels = new Set<string>();
    const types = new Set<string>();
    for (const n of cp.nodes) for (const l of n.labels) labels.add(l);
    for (const e of cp.edges) if (e.types !== null) for (const t of e.types) types.add(t);
    s = { labels: [...labels], types: [...types] };
    statsOf.set(cp, s);
  }
  return s;
}

const log2 = (x: number): number => 31 - Math.clz32(x + 1);

/**
 * A count as the planner sees it: the least count of its log2 class (the
 * resolution of planFor's cache key). Plans read counts only through this,
 * so a plan is a function of its key: a plan cached on one graph is the plan
 * a fresh compilation makes on any graph with the same key, and matches come
 * in the same order whatever was searched before.
 */
const coarse = (x: number): number => Math.pow(2, log2(x)) - 1;

/**
 * The plan for `cp` on `view`, given which slots are bound before the search.
 * Plans are cached per pattern under a key of coarse statistics (log2 of the
 * counts the planner reads), so a growing graph re-plans only when a count
 * crosses a power of two. A plan no count can change (see makePlan's `made`)
 * is cached under the bound key alone and returned before any count is read.
 */
export function planFor(cp: CompiledPattern, view: GraphView, boundKey: string, boundNodes: ArrayLike<boolean>, boundEdges: ArrayLike<boolean>): Plan {
  const fixed = cp.fixedPlans.get(boundKey);
  if (fixed !== undefined) return fixed;
  const st = statNames(cp);
  // A numeric key (5 bits per count) while it fits; a string beyond.
  let key: number | string = log2(view.nodeCount) * 32 + log2(view.edgeCount);
  if (st.labels.length + st.types.length <= 8) {
    for (const l of st.labels) key = key * 32 + log2(view.countLabel(l));
    for (const t of st.types) key = key * 32 + log2(view.countType(t));
  } else {
    let k = String(key);
    for (const l of st.labels) k += ':' + log2(view.countLabel(l));
    for (const t of st.types) k += ';' + log2(view.countType(t));
    key = k;
  }
  let byStats = cp.plans.get(boundKey);
  if (byStats === undefined) {
    byStats = new Map();
    cp.plans.set(boundKey, byStats);
  }
  let plan = byStats.get(key);
  if (plan === undefined) {
    const made = { fixed: false };
    plan = makePlan(cp, view, boundNodes, boundEdges, made);
    if (made.fixed) {
      // The same plan under any statistics: skip them from now on.
      cp.fixedPlans.set(boundKey, plan);
      return plan;
    }
    if (byStats.size > 64) byStats.clear();
    byStats.set(key, plan);
  }
  return plan;
}

function nodeCard(view: GraphView, n: CNode): number {
  let c = coarse(view.nodeCount);
  for (const l of n.labels) c = Math.min(c, coarse(view.countLabel(l)));
  return c * sel(n.propKeys.length + (n.lookup !== undefined ? 1 : 0), n.where !== undefined || n.labelTest !== undefined);
}

function edgeCard(view: GraphView, e: CEdge): number {
  let c = 0;
  if (e.types === null) c = coarse(view.edgeCount);
  else for (const t of e.types) c += coarse(view.countType(t));
  return c * sel(e.propKeys.length, e.where !== undefined);
}

function sel(props: number, filter: boolean): number {
  return Math.pow(0.1, props) * (filter ? 0.5 : 1);
}

/**
 * Builds a plan. `made.fixed` is set when no statistic influenced it: every
 * element is reached from the bound ones and each extension had exactly one
 * candidate (edge, endpoint), so the counts chose nothing.
 */
export function makePlan(cp: CompiledPattern, view: GraphView, boundNodes: ArrayLike<boolean>, boundEdges: ArrayLike<boolean>, made?: { fixed: boolean }): Plan {
  const nb = cp.nodes.map((_, i) => boundNodes[i] === true);
  const eb = cp.edges.map((_, i) => boundEdges[i] === true);
  const steps: Step[] = [];
  const mk = (kind: number, x: Partial<Step>): Step => ({
    kind,
    node: -1,
    edge: -1,
    from: -1,
    to: -1,
    dir: 'out',
    types: [undefined],
    guards: [],
    nacs: [],
    ...x,
  });
  const typesOf = (e: CEdge): (string | undefined)[] => (e.types === null ? [undefined] : [...e.types]);
  // Bound elements are checked first: nodes, then edges.
  for (let i = 0; i < nb.length; i++) if (nb[i]) steps.push(mk(CHECK_NODE, { node: i }));
  for (let i = 0; i < eb.length; i++) {
    if (!eb[i]) continue;
    steps.push(mk(CHECK_EDGE, { edge: i }));
    nb[cp.edges[i].src] = true;
    nb[cp.edges[i].dst] = true;
  }
  const nodeCount = Math.max(1, coarse(view.nodeCount));
  let fixed = true;
  for (;;) {
    // Extend along an edge with a bound endpoint, cheapest first.
    let best = -1;
    let bestCost = Infinity;
    let bestFrom = -1;
    let candidates = 0;
    for (const e of cp.edges) {
      if (eb[e.slot]) continue;
      for (const from of [e.src, e.dst]) {
        if (!nb[from]) continue;
        candidates++;
        const to = from === e.src ? e.dst : e.src;
        const fromCard = Math.max(1, nodeCard(view, cp.nodes[from]) / sel(cp.nodes[from].propKeys.length, false));
        let deg = (edgeCard(view, e) / fromCard) * (e.either ? 2 : 1);
        if (e.max !== -1) deg = Math.pow(Math.max(deg, 1.5), Math.min(e.max, 4)) * 4;
        const frac = nb[to] ? 0.01 : 0.5 + (0.5 * nodeCard(view, cp.nodes[to])) / nodeCount;
        const cost = deg * frac;
        if (cost < bestCost) {
          bestCost = cost;
          best = e.slot;
          bestFrom = from;
        }
      }
    }
    if (candidates > 1) fixed = false;
    if (best >= 0) {
      const e = cp.edges[best];
      const to = bestFrom === e.src ? e.dst : e.src;
      const dir = e.either ? 'both' : bestFrom === e.src ? 'out' : 'in';
      steps.push(mk(e.max === -1 ? EXPAND : VAR_EXPAND, { edge: best, from: bestFrom, to, dir, types: typesOf(e) }));
      eb[best] = true;
      nb[to] = true;
      continue;
    }
    // Start a new component: the most selective unbound node or fixed-length edge.
    let startNode = -1;
    let startEdge = -1;
    let startCost = Infinity;
    for (const e of cp.edges) {
      if (eb[e.slot] || e.max !== -1) continue;
      const c = edgeCard(view, e) * (e.either ? 2 : 1);
      if (c < startCost) {
        startCost = c;
        startEdge = e.slot;
      }
    }
    for (const n of cp.nodes) {
      if (nb[n.slot]) continue;
      const c = nodeCard(view, n);
      if (c < startCost) {
        startCost = c;
        startNode = n.slot;
        startEdge = -1;
      }
    }
    if (startEdge >= 0) {
      const e = cp.edges[startEdge];
      steps.push(mk(SCAN_EDGE, { edge: startEdge, from: e.src, to: e.dst, dir: e.either ? 'both' : 'out', types: typesOf(e) }));
      eb[startEdge] = true;
      nb[e.src] = true;
      nb[e.dst] = true;
    } else if (startNode >= 0) {
      steps.push(mk(SCAN_NODE, { node: startNode, types: [rarestLabel(view, cp.nodes[startNode].labels)] }));
      nb[startNode] = true;
    } else break;
    fixed = false; // a component was started: the counts chose it
  }
  if (made !== undefined) made.fixed = fixed;
  return schedule(cp, steps);
}

/** Attaches each guard and NAC to the first step after which everything it reads is bound. */
function schedule(cp: CompiledPattern, steps: Step[]): Plan {
  const nodeAt = new Array<number>(cp.nodes.length).fill(-1);
  const edgeAt = new Array<number>(cp.edges.length).fill(-1);
  steps.forEach((s, i) => {
    if (s.node >= 0 && nodeAt[s.node] < 0) nodeAt[s.node] = i;
    if (s.edge >= 0) {
      edgeAt[s.edge] = i;
      const e = cp.edges[s.edge];
      if (nodeAt[e.src] < 0) nodeAt[e.src] = i;
      if (nodeAt[e.dst] < 0) nodeAt[e.dst] = i;
    }
  });
  const guards: number[][] = steps.map(() => []);
  const nacs: number[][] = steps.map(() => []);
  const preGuards: number[] = [];
  const preNacs: number[] = [];
  const last = steps.length - 1;
  cp.guards.forEach((g, k) => {
    let at = -1;
    for (const s of g.nodeSlots) at = Math.max(at, nodeAt[s]);
    for (const s of g.edgeSlots) at = Math.max(at, edgeAt[s]);
    (at < 0 ? preGuards : guards[at]).push(k);
  });
  cp.nacs.forEach((nac, k) => {
    let at = -1;
    if (cp.mode === 'injective') at = last; // new NAC elements must differ from every matched element
    else {
      for (const n of nac.nodes) if (n.ref >= 0) at = Math.max(at, nodeAt[n.ref]);
      for (const e of nac.edges) if (e.ref >= 0) at = Math.max(at, edgeAt[e.ref]);
    }
    (at < 0 ? preNacs : nacs[at]).push(k);
  });
  return { steps: steps.map((s, i) => ({ ...s, guards: guards[i], nacs: nacs[i] })), preGuards, preNacs };
}

/** Of `labels`, the one fewest nodes carry in `view` (by coarse count; the first of equals), or undefined when there is none. */
export function rarestLabel(view: GraphView, labels: readonly string[]): string | undefined {
  let label: string | undefined;
  let best = Infinity;
  for (const l of labels) {
    const c = coarse(view.countLabel(l));
    if (c < best) {
      best = c;
      label = l;
    }
  }
  return label;
}
