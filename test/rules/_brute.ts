/** A brute-force enumerator: the model the matcher is checked against. */
import type { EdgeRecord, GraphView, NodeRecord } from '../../src/graph/index.ts';
import type { MatchView, Nac, Pattern, PatternEdge, PatternNode } from '../../src/rules/match/index.ts';

type Assign = Map<string, NodeRecord | EdgeRecord>;

function all(view: GraphView): { nodes: NodeRecord[]; edges: EdgeRecord[] } {
  const nodes: NodeRecord[] = [];
  const edges: EdgeRecord[] = [];
  view.forEachNode((n) => void nodes.push(n));
  view.forEachEdge((e) => void edges.push(e));
  return { nodes, edges };
}

const eq = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function nodeOk(p: PatternNode, n: NodeRecord): boolean {
  for (const l of p.labels ?? []) if (!n.labels.includes(l)) return false;
  if (p.labelTest && !p.labelTest(n.labels)) return false;
  for (const [k, v] of Object.entries(p.props ?? {})) if (!eq(n.props[k], v)) return false;
  return !p.where || p.where(n);
}

function edgeOk(p: PatternEdge, e: EdgeRecord, a: Assign): boolean {
  if (p.types && !p.types.includes(e.type)) return false;
  for (const [k, v] of Object.entries(p.props ?? {})) if (!eq(e.props[k], v)) return false;
  if (p.where && !p.where(e)) return false;
  const s = (a.get(p.src) as NodeRecord).id;
  const d = (a.get(p.dst) as NodeRecord).id;
  const dir = p.direction ?? 'out';
  if (dir === 'out') return e.src === s && e.dst === d;
  if (dir === 'in') return e.src === d && e.dst === s;
  return (e.src === s && e.dst === d) || (e.src === d && e.dst === s);
}

function view(a: Assign): MatchView {
  return {
    node: (v) => a.get(v) as NodeRecord,
    edge: (v) => a.get(v) as EdgeRecord,
    path: () => [],
    has: (v) => a.has(v),
  };
}

function pairAllowed(pairs: readonly (readonly [string, string])[] | undefined, x: string, y: string): boolean {
  return (pairs ?? []).some(([a, b]) => (a === x && b === y) || (a === y && b === x));
}

/**
 * Every assignment of the pattern's (new) variables extending `outer`, checked
 * by definition. Undirected self-loops are produced once per orientation pair.
 */
function extensions(
  g: { nodes: NodeRecord[]; edges: EdgeRecord[] },
  nodes: readonly PatternNode[],
  edges: readonly PatternEdge[],
  mode: 'injective' | 'cypher',
  pairs: readonly (readonly [string, string])[] | undefined,
  outer: Assign,
  outerVars: Set<string>,
  fn: (a: Assign) => void,
): void {
  const newNodes = nodes.filter((n) => !outerVars.has(n.var));
  const newEdges = edges.filter((e) => !outerVars.has(e.var));
  const a: Assign = new Map(outer);
  const recN = (i: number): void => {
    if (i === newNodes.length) return recE(0);
    for (const n of g.nodes) {
      a.set(newNodes[i].var, n);
      recN(i + 1);
    }
    a.delete(newNodes[i].var);
  };
  const recE = (i: number): void => {
    if (i === newEdges.length) return check();
    for (const e of g.edges) {
      a.set(newEdges[i].var, e);
      recE(i + 1);
    }
    a.delete(newEdges[i].var);
  };
  const check = (): void => {
    for (const n of nodes) if (!nodeOk(n, a.get(n.var) as NodeRecord)) return;
    for (const e of edges) if (!edgeOk(e, a.get(e.var) as EdgeRecord, a)) return;
    // injectivity: new elements vs everything (outer vars among themselves were checked by the outer level)
    const vars = [...a.keys()];
    const isNode = (v: string): boolean => 'labels' in (a.get(v) as object);
    for (let i = 0; i < vars.length; i++) {
      for (let j = i + 1; j < vars.length; j++) {
        const x = vars[i];
        const y = vars[j];
        if (outerVars.has(x) && outerVars.has(y)) continue;
        if (isNode(x) !== isNode(y)) continue;
        if ((a.get(x) as { id: string }).id !== (a.get(y) as { id: string }).id) continue;
        if (isNode(x)) {
          if (mode === 'cypher') continue;
        } else if (mode === 'cypher' && (outerVars.has(x) || outerVars.has(y)) && !localEdge(x, y)) continue;
        if (pairAllowed(pairs, x, y)) continue;
        return;
      }
    }
    fn(a);
  };
  // In cypher mode a NAC's edges are distinct only from the NAC's own edges.
  const nacEdgeVars = new Set(edges.map((e) => e.var));
  const localEdge = (x: string, y: string): boolean => nacEdgeVars.has(x) && nacEdgeVars.has(y);
  recN(0);
}

export function bruteMatches(view0: GraphView, p: Pattern): string[] {
  const g = all(view0);
  const mode = p.homomorphism ?? 'injective';
  const out: string[] = [];
  const vars = [...p.nodes.map((n) => n.var), ...(p.edges ?? []).map((e) => e.var)];
  const seen = new Set<string>();
  extensions(g, p.nodes, p.edges ?? [], mode, p.mayCoincide, new Map(), new Set(), (a) => {
    for (const gd of p.guards ?? []) if (!gd.test(view(a))) return;
    for (const nac of p.nacs ?? []) if (nacFound(g, nac, mode, a)) return;
    const key = JSON.stringify(vars.map((v) => (a.get(v) as { id: string }).id));
    // an undirected self-loop edge satisfies both orientations: one match
    if (seen.has(key)) return;
    seen.add(key);
    out.push(key);
  });
  return out.sort();
}

function nacFound(g: { nodes: NodeRecord[]; edges: EdgeRecord[] }, nac: Nac, mode: 'injective' | 'cypher', outer: Assign): boolean {
  let found = false;
  const outerVars = new Set(outer.keys());
  // NAC nodes that name outer variables add constraints to them.
  const nodes = [...(nac.nodes ?? [])];
  for (const n of nodes) if (outerVars.has(n.var) && !nodeOk(n, outer.get(n.var) as NodeRecord)) return false;
  for (const e of nac.edges ?? []) for (const v of [e.src, e.dst]) if (!nodes.some((n) => n.var === v)) nodes.push({ var: v });
  extensions(g, nodes, nac.edges ?? [], mode, nac.mayCoincide, outer, outerVars, (a) => {
    if (found) return;
    for (const gd of nac.guards ?? []) if (!gd.test(view(a))) return;
    found = true;
  });
  return found;
}
