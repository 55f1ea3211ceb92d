import type { EdgeRecord, Json, NodeRecord } from '../../graph/index.ts';
import { RuleError } from '../errors.ts';
import type { Guard, Homomorphism, MatchView, Nac, Pattern, PatternEdge, PatternNode } from './pattern.ts';
import type { Plan } from './planner.ts';

export interface CNode {
  readonly slot: number;
  readonly var: string;
  readonly labels: readonly string[];
  readonly labelTest: ((labels: readonly string[]) => boolean) | undefined;
  readonly propKeys: readonly string[];
  readonly propVals: readonly Json[];
  readonly where: ((n: NodeRecord) => boolean) | undefined;
  /** Bound from the enclosing pattern (a NAC's reference to a matched node). */
  readonly ref: number;
  /** No constraint at all: any node matches, so its record need not be read to match it. */
  readonly free: boolean;
  readonly lookup: { readonly key: string; readonly value: () => Json | undefined } | undefined;
}

export interface CEdge {
  readonly slot: number;
  readonly var: string;
  readonly src: number;
  readonly dst: number;
  readonly either: boolean;
  /** null: any type. */
  readonly types: readonly string[] | null;
  readonly propKeys: readonly string[];
  readonly propVals: readonly Json[];
  readonly where: ((e: EdgeRecord) => boolean) | undefined;
  readonly min: number;
  /** -1: fixed length (a single edge); Infinity: unbounded. */
  readonly max: number;
  readonly ref: number;
  /** Constrained by its types only (no properties, no filter). */
  readonly typeOnly: boolean;
}

export interface CGuard {
  readonly nodeSlots: readonly number[];
  readonly edgeSlots: readonly number[];
  readonly test: (m: MatchView) => boolean;
}

/** A pattern resolved to slots; shared by every search over it. */
export interface CompiledPattern {
  readonly mode: Homomorphism;
  readonly nodes: readonly CNode[];
  readonly edges: readonly CEdge[];
  readonly vars: ReadonlyMap<string, { readonly kind: 'node' | 'edge'; readonly slot: number }>;
  /** nodeCoincide[i * n + j]: nodes i and j may be the same graph node. */
  readonly nodeCoincide: Uint8Array;
  readonly edgeCoincide: Uint8Array;
  readonly guards: readonly CGuard[];
  readonly nacs: readonly CompiledPattern[];
  /** For a NAC: its new node slots that may coincide with outer node slots (pairs flattened). */
  readonly outerNodeAllow: readonly number[];
  readonly outerEdgeAllow: readonly number[];
  readonly isNac: boolean;
  readonly hasVarLength: boolean;
  /** Plans by statistics key. */
  readonly plans: Map<string, Map<number | string, Plan>>;
  /**
   * Plans that no statistic can change (every step had one candidate), by
   * bound key: returned without computing the statistics key.
   */
  readonly fixedPlans: Map<string, Plan>;
  /** searchSlots' bound-slot arrays and key, per list of bound variable names (a few, newest last). */
  readonly boundSets: unknown[];
  /** Reusable search states. */
  readonly pool: unknown[];
}

type VarMap = Map<string, { kind: 'node' | 'edge'; slot: number }>;

const compiledCache = new WeakMap<Pattern, CompiledPattern>();

/** Compiles (once per pattern object) a pattern to its slot form. */
export function compilePattern(p: Pattern): CompiledPattern {
  let c = compiledCache.get(p);
  if (c === undefined) {
    c = compile('match', p.nodes, p.edges ?? [], p.guards ?? [], p.mayCoincide ?? [], p.homomorphism ?? 'injective', undefined);
    const nacs = (p.nacs ?? []).map((n) => compileNac(n, c!));
    (c as unknown as { nacs: CompiledPattern[] }).nacs = nacs;
    compiledCache.set(p, c);
  }
  return c;
}

function compileNac(n: Nac, outer: CompiledPattern): CompiledPattern {
  const nodes: PatternNode[] = [...(n.nodes ?? [])];
  const edges: PatternEdge[] = [...(n.edges ?? [])];
  const have = new Set<string>([...nodes.map((x) => x.var), ...edges.map((x) => x.var)]);
  // Outer variables used by the NAC's edges or guards but not listed become plain references.
  const need = (v: string): void => {
    if (have.has(v)) return;
    const o = outer.vars.get(v);
    if (o === undefined) return;
    have.add(v);
    if (o.kind === 'node') {
      nodes.push({ var: v });
      return;
    }
    const oe = outer.edges[o.slot];
    need(outer.nodes[oe.src].var);
    need(outer.nodes[oe.dst].var);
    edges.push({ var: v, src: outer.nodes[oe.src].var, dst: outer.nodes[oe.dst].var, direction: 'either' });
  };
  for (const e of n.edges ?? []) {
    need(e.src);
    need(e.dst);
  }
  for (const g of n.guards ?? []) for (const v of g.vars) need(v);
  return compile('NAC', nodes, edges, n.guards ?? [], n.mayCoincide ?? [], outer.mode, outer);
}

function compile(
  what: string,
  pnodes: readonly PatternNode[],
  pedges: readonly PatternEdge[],
  guards: readonly Guard[],
  coincide: readonly (readonly [string, string])[],
  mode: Homomorphism,
  outer: CompiledPattern | undefined,
): CompiledPattern {
  const vars: VarMap = new Map();
  const bad = (msg: string): never => {
    throw new RuleError('INVALID_PATTERN', `compilePattern: ${what}: ${msg}`);
  };
  const nodes: CNode[] = pnodes.map((n, slot) => {
    if (typeof n.var !== 'string' || n.var === '') bad(`node ${slot} needs a variable`);
    if (vars.has(n.var)) bad(`variable "${n.var}" is declared twice`);
    vars.set(n.var, { kind: 'node', slot });
    const o = outer?.vars.get(n.var);
    if (o !== undefined && o.kind !== 'node') bad(`"${n.var}" is an edge in the enclosing pattern`);
    const keys = Object.keys(n.props ?? {});
    return {
      slot,
      var: n.var,
      labels: [...(n.labels ?? [])],
      labelTest: n.labelTest,
      propKeys: keys,
      propVals: keys.map((k) => n.props![k]),
      where: n.where,
      ref: o === undefined ? -1 : o.slot,
      free: o === undefined && keys.length === 0 && (n.labels ?? []).length === 0 && n.labelTest === undefined && n.where === undefined && n.lookup === undefined,
      lookup: n.lookup,
    };
  });
  let hasVarLength = false;
  const edges: CEdge[] = pedges.map((e, slot) => {
    if (typeof e.var !== 'string' || e.var === '') bad(`edge ${slot} needs a variable`);
    if (vars.has(e.var)) bad(`variable "${e.var}" is declared twice`);
    vars.set(e.var, { kind: 'edge', slot });
    const s = vars.get(e.src);
    const d = vars.get(e.dst);
    if (s === undefined || s.kind !== 'node') bad(`edge "${e.var}" starts at unknown node "${e.src}"`);
    if (d === undefined || d.kind !== 'node') bad(`edge "${e.var}" ends at unknown node "${e.dst}"`);
    const o = outer?.vars.get(e.var);
    if (o !== undefined && o.kind !== 'edge') bad(`"${e.var}" is a node in the enclosing pattern`);
    const dir = e.direction ?? 'out';
    const keys = Object.keys(e.props ?? {});
    let min = 1;
    let max = -1;
    if (e.length !== undefined) {
      if (o !== undefined) bad(`a NAC cannot re-declare "${e.var}" with a length`);
      min = e.length.min;
      max = e.length.max === null ? Infinity : e.length.max;
      if (!(Number.isInteger(min) && min >= 0 && max >= min)) bad(`edge "${e.var}" has invalid length bounds`);
      hasVarLength = true;
    }
    const [src, dst] = dir === 'in' ? [d!.slot, s!.slot] : [s!.slot, d!.slot];
    return {
      slot,
      var: e.var,
      src,
      dst,
      either: dir === 'either',
      types: e.types === undefined ? null : [...new Set(e.types)], // a repeated type is one type, not two scans
      propKeys: keys,
      propVals: keys.map((k) => e.props![k]),
      where: e.where,
      min,
      max,
      ref: o === undefined ? -1 : o.slot,
      typeOnly: keys.length === 0 && e.where === undefined,
    };
  });
  const n = nodes.length;
  const m = edges.length;
  const nodeCoincide = new Uint8Array(n * n);
  const edgeCoincide = new Uint8Array(m * m);
  if (mode === 'cypher') nodeCoincide.fill(1);
  const outerNodeAllow: number[] = [];
  const outerEdgeAllow: number[] = [];
  for (const [a, b] of coincide) {
    const va = vars.get(a) ?? outerOnly(outer, a);
    const vb = vars.get(b) ?? outerOnly(outer, b);
    if (va === undefined || vb === undefined) bad(`mayCoincide names unknown variable "${va === undefined ? a : b}"`);
    if (va!.kind !== vb!.kind) bad(`mayCoincide pairs "${a}" and "${b}" of different kinds`);
    const la = vars.has(a);
    const lb = vars.has(b);
    if (la && lb) {
      const arr = va!.kind === 'node' ? nodeCoincide : edgeCoincide;
      const k = va!.kind === 'node' ? n : m;
      arr[va!.slot * k + vb!.slot] = 1;
      arr[vb!.slot * k + va!.slot] = 1;
      // A NAC slot that names an outer variable is checked against the outer match, not the
      // NAC's own slots (search.ts nodeDistinct): a fresh one may coincide with it there.
      const refOf = (x: { kind: 'node' | 'edge'; slot: number }): number => (x.kind === 'node' ? nodes[x.slot].ref : edges[x.slot].ref);
      const ra = refOf(va!);
      const rb = refOf(vb!);
      if ((ra < 0) !== (rb < 0)) (va!.kind === 'node' ? outerNodeAllow : outerEdgeAllow).push(ra < 0 ? va!.slot : vb!.slot, ra < 0 ? rb : ra);
    } else {
      // One side is an outer variable (NAC only): [own slot, outer slot].
      const own = la ? va! : vb!;
      const out = la ? vb! : va!;
      (own.kind === 'node' ? outerNodeAllow : outerEdgeAllow).push(own.slot, out.slot);
    }
  }
  const cguards: CGuard[] = guards.map((g) => {
    const nodeSlots: number[] = [];
    const edgeSlots: number[] = [];
    for (const v of g.vars) {
      const x = vars.get(v);
      if (x === undefined) bad(`a guard reads unknown variable "${v}"`);
      (x!.kind === 'node' ? nodeSlots : edgeSlots).push(x!.slot);
    }
    return { nodeSlots, edgeSlots, test: g.test };
  });
  return {
    mode,
    nodes,
    edges,
    vars,
    nodeCoincide,
    edgeCoincide,
    guards: cguards,
    nacs: [],
    outerNodeAllow,
    outerEdgeAllow,
    isNac: outer !== undefined,
    hasVarLength,
    plans: new Map(),
    fixedPlans: new Map(),
    boundSets: [],
    pool: [],
  };
}

function outerOnly(outer: CompiledPattern | undefined, v: string): { kind: 'node' | 'edge'; slot: number } | undefined {
  return outer?.vars.get(v);
}
