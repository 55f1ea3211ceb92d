import type { EdgeRecord, Json, NodeRecord } from '../graph/index.ts';
import { RuleError } from './errors.ts';
import { compilePattern } from './match/compiled.ts';
import type { CompiledPattern } from './match/compiled.ts';
import type { Guard, MatchView, Nac, Pattern, PatternDirection } from './match/pattern.ts';

/** What the rule does with a pattern element: L\K, K or R\K. */
export type Action = 'delete' | 'preserve' | 'create';

export type Params = { readonly [name: string]: Json };

/** A value computed from the match (before the rule changes anything) and the parameters. */
export type ValueFn = (m: MatchView, params: Params) => Json;

/** A property assignment: a constant or a function of the match. */
export type Assignment = Json | ValueFn;

export interface RuleNode {
  readonly var: string;
  /** Default 'preserve'. */
  readonly action?: Action;
  /** Matched nodes: labels required. Created nodes: their labels. */
  readonly labels?: readonly string[];
  /** Matched nodes: properties required (JSON equality). Created nodes: their initial properties. */
  readonly props?: { readonly [key: string]: Json };
  /** Matched nodes: an extra filter. */
  readonly where?: (node: NodeRecord) => boolean;
  /** Preserved and created nodes: properties to set (`null` stores null; use `unset` to remove). */
  readonly set?: { readonly [key: string]: Assignment };
  /** Preserved nodes: property keys to remove. */
  readonly unset?: readonly string[];
}

export interface RuleEdge {
  readonly var: string;
  readonly action?: Action;
  readonly src: string;
  readonly dst: string;
  /** Matched edges only; default 'out'. */
  readonly direction?: PatternDirection;
  /** Created edges: their type (required). Matched edges: the one type required. */
  readonly type?: string;
  /** Matched edges: any of these types. */
  readonly types?: readonly string[];
  readonly props?: { readonly [key: string]: Json };
  readonly where?: (edge: EdgeRecord) => boolean;
  readonly set?: { readonly [key: string]: Assignment };
  readonly unset?: readonly string[];
}

export interface RuleGuard {
  readonly vars: readonly string[];
  readonly test: (m: MatchView, params: Params) => boolean;
}

/** A rule L <- K -> R written as one tagged pattern. */
export interface RuleDef {
  readonly name: string;
  readonly nodes: readonly RuleNode[];
  readonly edges?: readonly RuleEdge[];
  /** Negative application conditions over the left-hand side. */
  readonly nacs?: readonly Nac[];
  readonly guards?: readonly RuleGuard[];
  /** Declared parameters; every one must be supplied at application. */
  readonly params?: readonly string[];
  /** Pairs of left-hand-side variables that may match the same element. */
  readonly allow?: readonly (readonly [string, string])[];
  /** 'dpo' (default) refuses matches that violate the gluing condition; 'spo' deletes dangling edges. */
  readonly mode?: 'dpo' | 'spo';
  /**
   * What the ids of created elements start with: `<idPrefix>:<tx>.<k>:<pos>`.
   * Default: the rule's name. Any prefix keeps ids unique (the TxId and the
   * application's index in its transaction tell applications apart); a short
   * one makes ids, and every match and log entry that names them, shorter.
   */
  readonly idPrefix?: string;
}

interface CreatedNode {
  readonly var: string;
  readonly pos: number;
  readonly labels: readonly string[];
  readonly props: { readonly [key: string]: Json };
  readonly setKeys: readonly string[];
  readonly setVals: readonly Assignment[];
}

interface CreatedEdge {
  readonly var: string;
  readonly pos: number;
  readonly type: string;
  /** >= 0: a matched node slot; < 0: created node -1 - k. */
  readonly src: number;
  readonly dst: number;
  readonly props: { readonly [key: string]: Json };
  readonly setKeys: readonly string[];
  readonly setVals: readonly Assignment[];
}

interface Update {
  readonly slot: number;
  readonly setKeys: readonly string[];
  readonly setVals: readonly Assignment[];
  readonly unset: readonly string[];
}

/** A compiled rule. Build with `defineRule` (or `parseRule` for the textual form). */
export class Rule {
  readonly name: string;
  readonly mode: 'dpo' | 'spo';
  readonly params: readonly string[];
  /** What created elements' ids start with (`RuleDef.idPrefix`). */
  readonly idPrefix: string;
  /** The left-hand side L (deleted and preserved elements, guards, NACs) as a matcher pattern. */
  readonly lhs: Pattern;
  /** @internal */ readonly cp: CompiledPattern;
  /** @internal */ readonly delNodes: readonly number[];
  /** @internal */ readonly delEdges: readonly number[];
  /** @internal */ readonly nodeUpdates: readonly Update[];
  /** @internal */ readonly edgeUpdates: readonly Update[];
  /** @internal */ readonly newNodes: readonly CreatedNode[];
  /** @internal */ readonly newEdges: readonly CreatedEdge[];
  /** @internal Pairs of node slots (flattened) that may coincide. */
  readonly coincideNodes: readonly number[];
  /** @internal */ readonly coincideEdges: readonly number[];
  /** @internal Parameters of the application being matched (guards read them). */
  current: Params = {};
  /** @internal Whether guards or NACs could change when other matches are applied. */
  readonly hasNacs: boolean;
  /** @internal Slots written by the rule (deleted or updated): used for parallel independence. */
  readonly writesNodes: readonly number[];
  readonly writesEdges: readonly number[];

  /** @internal */
  constructor(readonly def: RuleDef) {
    const bad = (msg: string): never => {
      throw new RuleError('INVALID_RULE', `defineRule: rule "${def.name}": ${msg}`);
    };
    if (typeof def.name !== 'string' || def.name === '') bad('a rule needs a name');
    this.name = def.name;
    if (def.idPrefix !== undefined && (typeof def.idPrefix !== 'string' || def.idPrefix === '')) bad('idPrefix must be a non-empty string');
    this.idPrefix = def.idPrefix ?? def.name;
    this.mode = def.mode ?? 'dpo';
    this.params = [...(def.params ?? [])];
    const edges = def.edges ?? [];
    const action = new Map<string, Action>();
    for (const n of def.nodes) {
      if (action.has(n.var)) bad(`variable "${n.var}" is declared twice`);
      action.set(n.var, n.action ?? 'preserve');
    }
    for (const e of edges) {
      if (action.has(e.var)) bad(`variable "${e.var}" is declared twice`);
      action.set(e.var, e.action ?? 'preserve');
    }
    const lhsNodes = def.nodes.filter((n) => (n.action ?? 'preserve') !== 'create');
    const lhsEdges = edges.filter((e) => (e.action ?? 'preserve') !== 'create');
    for (const e of lhsEdges) {
      for (const v of [e.src, e.dst]) {
        if (action.get(v) === 'create') bad(`matched edge "${e.var}" cannot touch created node "${v}"`);
        if (action.get(v) === undefined) bad(`edge "${e.var}" names unknown node "${v}"`);
        if (action.get(v) === 'delete' && (e.action ?? 'preserve') === 'preserve') bad(`preserved edge "${e.var}" cannot touch deleted node "${v}"`);
      }
    }
    const self = this;
    const guards: Guard[] = (def.guards ?? []).map((g) => ({ vars: g.vars, test: (m: MatchView) => g.test(m, self.current) }));
    this.lhs = {
      nodes: lhsNodes.map((n) => ({ var: n.var, labels: n.labels, props: n.props, where: n.where })),
      edges: lhsEdges.map((e) => ({
        var: e.var,
        src: e.src,
        dst: e.dst,
        direction: e.direction,
        types: e.types ?? (e.type === undefined ? undefined : [e.type]),
        props: e.props,
        where: e.where,
      })),
      homomorphism: 'injective',
      mayCoincide: def.allow,
      guards,
      nacs: def.nacs,
    };
    this.cp = compilePattern(this.lhs);
    const cp = this.cp;
    const slot = (v: string): number => cp.vars.get(v)!.slot;
    this.delNodes = lhsNodes.filter((n) => n.action === 'delete').map((n) => slot(n.var));
    this.delEdges = lhsEdges.filter((e) => e.action === 'delete').map((e) => slot(e.var));
    const upd = (x: RuleNode | RuleEdge): Update => {
      const keys = Object.keys(x.set ?? {});
      return { slot: slot(x.var), setKeys: keys, setVals: keys.map((k) => x.set![k]), unset: x.unset ?? [] };
    };
    for (const x of [...lhsNodes, ...lhsEdges]) if (x.action === 'delete' && (x.set !== undefined || x.unset !== undefined)) bad(`deleted element "${x.var}" cannot be assigned`);
    this.nodeUpdates = lhsNodes.filter((n) => (n.action ?? 'preserve') === 'preserve' && (n.set !== undefined || n.unset !== undefined)).map(upd);
    this.edgeUpdates = lhsEdges.filter((e) => (e.action ?? 'preserve') === 'preserve' && (e.set !== undefined || e.unset !== undefined)).map(upd);
    const created = def.nodes.filter((n) => n.action === 'create');
    const createdIndex = new Map(created.map((n, k) => [n.var, k]));
    const setOf = (x: RuleNode | RuleEdge): { setKeys: string[]; setVals: Assignment[] } => {
      const keys = Object.keys(x.set ?? {});
      return { setKeys: keys, setVals: keys.map((k) => x.set![k]) };
    };
    this.newNodes = created.map((n) => ({ var: n.var, pos: def.nodes.indexOf(n), labels: Object.freeze([...new Set(n.labels ?? [])].sort()), props: n.props ?? {}, ...setOf(n) }));
    const end = (e: RuleEdge, v: string): number => {
      const a = action.get(v);
      if (a === undefined) bad(`edge "${e.var}" names unknown node "${v}"`);
      if (a === 'create') return -1 - createdIndex.get(v)!;
      if (a === 'delete') bad(`created edge "${e.var}" cannot touch deleted node "${v}"`);
      return slot(v);
    };
    this.newEdges = edges
      .filter((e) => e.action === 'create')
      .map((e) => {
        if (typeof e.type !== 'string' || e.type === '') bad(`created edge "${e.var}" needs a type`);
        if (e.direction !== undefined && e.direction !== 'out') bad(`created edge "${e.var}" must be directed src -> dst`);
        return { var: e.var, pos: def.nodes.length + edges.indexOf(e), type: e.type!, src: end(e, e.src), dst: end(e, e.dst), props: e.props ?? {}, ...setOf(e) };
      });
    const cn: number[] = [];
    const ce: number[] = [];
    for (const [a, b] of def.allow ?? []) {
      const x = cp.vars.get(a)!;
      const y = cp.vars.get(b)!;
      (x.kind === 'node' ? cn : ce).push(x.slot, y.slot);
    }
    this.coincideNodes = cn;
    this.coincideEdges = ce;
    this.hasNacs = (def.nacs ?? []).length > 0;
    this.writesNodes = [...this.delNodes, ...this.nodeUpdates.map((u) => u.slot)];
    this.writesEdges = [...this.delEdges, ...this.edgeUpdates.map((u) => u.slot)];
  }
}

/** Compiles a rule written as a TypeScript object. */
export function defineRule(def: RuleDef): Rule {
  return new Rule(def);
}
