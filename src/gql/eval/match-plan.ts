import type { EdgeRecord, Json, NodeRecord } from '../../graph/index.ts';
import { countMatches } from '../../rules/match/index.ts';
import { searchBound } from '../../rules/match/match.ts';
import { compilePattern } from '../../rules/match/compiled.ts';
import type { CompiledPattern } from '../../rules/match/compiled.ts';
import { isCommittedView } from '../../graph/_internals/view-kind.ts';
import type { Guard, MatchView, Pattern, PatternEdge, PatternNode } from '../../rules/match/index.ts';
import type { EdgePattern, Expression, GraphPattern, LabelExpression, NodePattern, PathPattern } from '../ast.ts';
import { GqlSemanticError, atPos, withPos } from '../eval-errors.ts';
import type { Ctx, Eval, Row, VarKind } from './context.ts';
import { Scope } from './context.ts';
import { compileExpr, freeVars } from './expr.ts';
import { labelTest } from '../label-test.ts';
import type { ExprEnv } from './expr.ts';
import { PathValue, isEdge, isNode, toJson } from './values.ts';

/** Names the planner gives anonymous elements; a NUL cannot appear in a user's name. */
const ANON = '\u0000';
export const isAnonymous = (name: string): boolean => name.startsWith(ANON);

interface Binding {
  readonly name: string;
  readonly slot: number;
  readonly kind: 'node' | 'edge' | 'edges';
}

interface PathSpec {
  readonly slot: number;
  /** Pattern variables along the path: node, edge, node, … */
  readonly nodes: readonly string[];
  readonly edges: readonly { readonly name: string; readonly varLength: boolean }[];
}

interface Slots {
  readonly cp: CompiledPattern;
  readonly bn: boolean[];
  readonly be: boolean[];
  readonly key: string;
  /** Pattern slots of `bound`, of `idBindings` (node or edge), of the named fresh variables. */
  readonly bound: readonly number[];
  readonly ids: readonly { readonly slot: number; readonly node: boolean }[];
  readonly named: readonly { readonly row: number; readonly slot: number; readonly kind: 'node' | 'edge' | 'edges' }[];
}

/**
 * One MATCH (or pattern predicate) compiled to the matcher's Pattern. The
 * Pattern object is built once, so the matcher caches its compiled form and
 * its plans; per-execution values (the row, parameters) reach the pattern's
 * guards through `holder`.
 */
export class MatchPlan {
  constructor(
    /** What the pattern's guards read: the row being extended and the context. */
    readonly holder: { row: Row; ctx: Ctx },
    readonly pattern: Pattern,
    /** Variables of the input row the pattern refers to (start bindings). */
    readonly bound: readonly Binding[],
    /** Variables the match introduces. */
    readonly fresh: readonly Binding[],
    readonly paths: readonly PathSpec[],
    readonly post: readonly Eval[],
    /** `id(v) = expr` conjuncts turned into start bindings. */
    readonly idBindings: readonly { readonly name: string; readonly value: Eval }[],
    /** Statically unsatisfiable (an edge variable used twice). */
    readonly empty: boolean,
    readonly width: number,
  ) {
    this.named = fresh.filter((f) => !isAnonymous(f.name));
  }

  /** Fresh variables a later clause can read (anonymous elements are never read). */
  private readonly named: readonly Binding[];

  /** Slot positions in the matcher's compiled pattern, resolved on first run. */
  private slots: Slots | undefined = undefined;

  private slotsOf(): Slots {
    if (this.slots !== undefined) return this.slots;
    const cp = compilePattern(this.pattern);
    const at = (name: string): number => cp.vars.get(name)!.slot;
    const bn = new Array<boolean>(cp.nodes.length).fill(false);
    const be = new Array<boolean>(cp.edges.length).fill(false);
    for (const b of [...this.bound, ...this.idBindings.map((i) => ({ name: i.name, kind: cp.vars.get(i.name)!.kind }))]) (b.kind === 'node' ? bn : be)[at(b.name)] = true;
    this.slots = {
      cp,
      bn,
      be,
      key: 'gql:' + bn.map((b) => (b ? 1 : 0)).join('') + '|' + be.map((b) => (b ? 1 : 0)).join(''),
      bound: this.bound.map((b) => at(b.name)),
      ids: this.idBindings.map((i) => ({ slot: at(i.name), node: cp.vars.get(i.name)!.kind === 'node' })),
      named: this.named.map((f) => ({ row: f.slot, slot: at(f.name), kind: f.kind })),
    };
    return this.slots;
  }

  /** Whether `count` gives what counting `run`'s rows gives (no path values or post-filters to build). */
  get countable(): boolean {
    return this.paths.length === 0 && this.post.length === 0;
  }

  /** The number of matches extending `row`, without building rows. */
  count(row: Row, ctx: Ctx): number {
    if (this.empty) return 0;
    const bindings = this.startBindings(row, ctx);
    if (bindings === null) return 0;
    const work = row.slice();
    work.length = this.width;
    const saved = { row: this.holder.row, ctx: this.holder.ctx };
    this.holder.row = work;
    this.holder.ctx = ctx;
    try {
      return countMatches(ctx.view, this.pattern, { bindings });
    } finally {
      this.holder.row = saved.row;
      this.holder.ctx = saved.ctx;
    }
  }

  private startBindings(row: Row, ctx: Ctx): Record<string, string> | null {
    const bindings: Record<string, string> = {};
    for (const b of this.bound) {
      const v = row[b.slot];
      if (b.kind === 'node' ? !isNode(v) : !isEdge(v)) return null;
      bindings[b.name] = (v as NodeRecord).id;
    }
    for (const b of this.idBindings) {
      const v = b.value(row, ctx);
      if (typeof v !== 'string') return null;
      if (bindings[b.name] !== undefined && bindings[b.name] !== v) return null;
      bindings[b.name] = v;
    }
    return bindings;
  }

  /**
   * Streams the matches extending `row`: `emit` receives a new row of `width`
   * slots and returns false to stop. Returns false if stopped. With `reuse`,
   * every match is written into the same row, valid only during `emit` (for
   * consumers that copy what they keep, as a projection does).
   */
  run(row: Row, ctx: Ctx, emit: (row: Row) => boolean, reuse = false): boolean {
    if (this.empty) return true;
    const sl = this.slotsOf();
    // Start bindings by slot (the key and the bound-slot masks are fixed per plan).
    const nodeIds: (string | undefined)[] = new Array(sl.bn.length);
    const edgeIds: (string | undefined)[] = new Array(sl.be.length);
    for (let i = 0; i < this.bound.length; i++) {
      const b = this.bound[i];
      const v = row[b.slot];
      if (b.kind === 'node' ? !isNode(v) : !isEdge(v)) return true;
      (b.kind === 'node' ? nodeIds : edgeIds)[sl.bound[i]] = (v as NodeRecord).id;
    }
    for (let i = 0; i < this.idBindings.length; i++) {
      const v = this.idBindings[i].value(row, ctx);
      if (typeof v !== 'string') return true;
      const { slot, node } = sl.ids[i];
      const ids = node ? nodeIds : edgeIds;
      if (ids[slot] !== undefined && ids[slot] !== v) return true;
      ids[slot] = v;
    }
    const work = row.slice();
    work.length = this.width;
    const saved = { row: this.holder.row, ctx: this.holder.ctx };
    this.holder.row = work;
    this.holder.ctx = ctx;
    let go = true;
    const named = sl.named;
    const paths = this.paths;
    const post = this.post;
    try {
      searchBound(
        ctx.view,
        sl.cp,
        nodeIds,
        edgeIds,
        sl.key,
        sl.bn,
        sl.be,
        (s) => {
          const out = reuse ? work : work.slice();
          for (let i = 0; i < named.length; i++) {
            const f = named[i];
            out[f.row] = f.kind === 'node' ? s.nodeValue(f.slot) : f.kind === 'edge' ? s.edgeRecs[f.slot]! : s.paths[f.slot]!.slice();
          }
          for (let i = 0; i < paths.length; i++) out[paths[i].slot] = buildPath(s, paths[i], ctx);
          for (let i = 0; i < post.length; i++) if (post[i](out, ctx) !== true) return true;
          go = emit(out);
          return go;
        },
        isCommittedView(ctx.view),
        true, // no order is promised without ORDER BY: the property index may serve scans
      );
    } finally {
      this.holder.row = saved.row;
      this.holder.ctx = saved.ctx;
    }
    return go;
  }
}

function buildPath(m: MatchView, p: PathSpec, ctx: Ctx): PathValue {
  const nodes: NodeRecord[] = [m.node(p.nodes[0])];
  const edges: EdgeRecord[] = [];
  for (let i = 0; i < p.edges.length; i++) {
    const e = p.edges[i];
    if (e.varLength) {
      let cur = nodes[nodes.length - 1].id;
      for (const r of m.path(e.name)) {
        edges.push(r);
        cur = r.src === cur ? r.dst : r.src;
        nodes.push(ctx.view.getNode(cur)!);
      }
    } else {
      edges.push(m.edge(e.name));
      nodes.push(m.node(p.nodes[i + 1]));
    }
  }
  return new PathValue(nodes, edges);
}

/** A variable declared again with another kind, or a path variable declared twice. */
function conflict(name: string, was: string, now: string): GqlSemanticError {
  if (was === now) return new GqlSemanticError('VariableAlreadyBound', `variable \`${name}\` is already bound to ${noun(was)}`);
  return new GqlSemanticError('VariableTypeConflict', `variable \`${name}\` is ${noun(was)}, used as ${noun(now)}`);
}

const noun = (kind: string): string => (kind === 'edges' ? 'a relationship list' : /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`);

/** Splits a condition into its AND-ed conjuncts. */
export function conjuncts(e: Expression): Expression[] {
  return e.kind === 'BinaryExpression' && e.operator === 'AND' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/** Constant inline property values become matcher props (JSON equality); others become guards. */
function constantJson(e: Expression): Json | undefined {
  switch (e.kind) {
    case 'IntegerLiteral':
      return e.overflow || typeof e.value === 'bigint' ? undefined : e.value;
    case 'FloatLiteral':
      return e.overflow ? undefined : e.value;
    case 'StringLiteral':
    case 'BooleanLiteral':
      return e.value;
    default:
      return undefined;
  }
}

interface ElementDraft {
  name: string;
  labels: string[];
  tests: ((labels: readonly string[]) => boolean)[];
  props: Record<string, Json>;
  conds: Expression[];
  /** Inline properties with computed values (`{k: $p}`): also index hints for the matcher. */
  lookups: { key: string; value: Expression }[];
}

/** Labels to require outright (a conjunction of names) and the remaining test, if any. */
function splitLabels(l: LabelExpression | null, d: ElementDraft): void {
  if (l === null) return;
  if (l.kind === 'LabelName') d.labels.push(l.name);
  else if (l.kind === 'LabelConjunction' && l.operands.every((o) => o.kind === 'LabelName')) for (const o of l.operands) d.labels.push((o as { name: string }).name);
  else d.tests.push(labelTest(l));
}

/** Relationship types of a label expression, when it is a name or a disjunction of names. */
function edgeTypes(l: LabelExpression | null): string[] | undefined | null {
  if (l === null) return undefined;
  if (l.kind === 'LabelName') return [l.name];
  if (l.kind === 'LabelDisjunction' && l.operands.every((o) => o.kind === 'LabelName')) return l.operands.map((o) => (o as { name: string }).name);
  return null;
}

function propCond(variable: string, key: string, value: Expression, pos: Expression['pos']): Expression {
  return {
    kind: 'BinaryExpression',
    operator: '=',
    pos,
    left: { kind: 'PropertyReference', pos, subject: { kind: 'VariableReference', pos, name: variable }, property: key },
    right: value,
  } as Expression;
}

function addProps(d: ElementDraft, spec: NodePattern['properties']): void {
  if (spec === null) return;
  if (spec.kind === 'Parameter') throw atPos(new GqlSemanticError('InvalidParameterUse', `MATCH: a parameter cannot give the properties of \`${d.name}\` (write {k: $p.k})`), spec.pos);
  for (const entry of spec.entries) {
    const c = constantJson(entry.value);
    // `__proto__` cannot be a key of the matcher's plain object: it stays a guard.
    if (c !== undefined && entry.key !== '__proto__' && !(key(d.props, entry.key) && d.props[entry.key] !== c)) d.props[entry.key] = c;
    else {
      d.conds.push(propCond(d.name, entry.key, entry.value, entry.pos));
      d.lookups.push({ key: entry.key, value: entry.value });
    }
  }
}

const hintable = new Set(['Parameter', 'PropertyReference', 'VariableReference']);

/** Anonymous names are unique per process, so that they never meet in one scope. */
let anon = 0;

const key = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export interface CompiledMatch {
  readonly plan: MatchPlan;
  /** The input scope plus the variables the pattern introduces. */
  readonly scope: Scope;
}

/**
 * Compiles a graph pattern and an optional WHERE over the input scope.
 * `env` supplies the expression compiler's hooks (pattern predicates).
 */
export function compileMatch(gp: GraphPattern | readonly PathPattern[], where: Expression | null, input: Scope, env: Omit<ExprEnv, 'scope' | 'aggs' | 'subst'>, introduce = true): CompiledMatch {
  const scope = input.clone();
  const paths = 'paths' in gp ? gp.paths : gp;
  const nodes = new Map<string, ElementDraft>();
  const edges = new Map<string, ElementDraft & { src: string; dst: string; dir: 'out' | 'either'; types: string[] | undefined; length?: { min: number; max: number | null }; where: ((e: EdgeRecord) => boolean)[] }>();
  const kinds = new Map<string, VarKind>();
  const bound: Binding[] = [];
  const fresh: Binding[] = [];
  const pathSpecs: { name: string; nodes: string[]; edges: { name: string; varLength: boolean }[] }[] = [];
  let empty = false;
  const listChecks: { name: string; slot: number }[] = [];

  const declare = (name: string, kind: 'node' | 'edge' | 'edges'): void => {
    const k = kinds.get(name);
    if (k !== undefined) {
      if (k !== kind) throw conflict(name, k, kind);
      return;
    }
    const outer = input.vars.get(name);
    if (outer !== undefined) {
      if (outer.kind === 'value') {
        // Kind unknown (projected by WITH): checked per row.
      } else if (outer.kind !== kind) throw conflict(name, outer.kind === 'scalar' ? 'value' : outer.kind, kind);
      if (kind === 'edges') throw new GqlSemanticError('Unsupported', `variable-length relationship \`${name}\` is already bound`);
      bound.push({ name, slot: outer.slot, kind });
    } else {
      if (!introduce && !isAnonymous(name)) throw new GqlSemanticError('UndefinedVariable', `variable \`${name}\` not defined`);
      fresh.push({ name, slot: scope.add(name, kind).slot, kind });
    }
    kinds.set(name, kind);
  };

  const nodeDraft = (n: NodePattern): string => {
    const name = n.variable ?? `${ANON}n${anon++}`;
    withPos(n.pos, () => declare(name, 'node'));
    let d = nodes.get(name);
    if (d === undefined) {
      d = { name, labels: [], tests: [], props: {}, conds: [], lookups: [] };
      nodes.set(name, d);
    }
    splitLabels(n.label, d);
    addProps(d, n.properties);
    if (n.where !== null) d.conds.push(n.where);
    return name;
  };

  for (const p of paths) {
    if (p.variable !== null) {
      if (kinds.has(p.variable) || input.vars.has(p.variable)) throw atPos(conflict(p.variable, kinds.get(p.variable) ?? input.vars.get(p.variable)!.kind, 'path'), p.pos);
      kinds.set(p.variable, 'path');
    }
    const spec = { name: p.variable ?? '', nodes: [] as string[], edges: [] as { name: string; varLength: boolean }[] };
    let prev = nodeDraft(p.nodes[0]);
    spec.nodes.push(prev);
    p.edges.forEach((e: EdgePattern, i) => {
      const next = nodeDraft(p.nodes[i + 1]);
      const varLength = e.quantifier !== null;
      let name = e.variable ?? `${ANON}e${anon++}`;
      const outerList = varLength && e.variable !== null ? input.vars.get(e.variable) : undefined;
      if (outerList !== undefined && outerList.kind !== 'edge' && outerList.kind !== 'node' && outerList.kind !== 'path') {
        // A relationship list bound before: match a fresh path and require the same relationships.
        name = `${ANON}e${anon++}`;
        listChecks.push({ name, slot: outerList.slot });
      }
      if (varLength && e.quantifier!.max !== null && e.quantifier!.max < e.quantifier!.min) empty = true;
      if (edges.has(name)) {
        // Cypher relationship uniqueness: one relationship cannot fill two places.
        empty = true;
      } else {
        withPos(e.pos, () => declare(name, varLength ? 'edges' : 'edge'));
        const types = edgeTypes(e.label);
        const d = {
          name,
          labels: [],
          tests: types === null ? [labelTest(e.label!)] : [],
          props: {},
          conds: [] as Expression[],
          lookups: [],
          src: e.direction === 'left' ? next : prev,
          dst: e.direction === 'left' ? prev : next,
          dir: e.direction === 'any' ? ('either' as const) : ('out' as const),
          types: types ?? undefined,
          length: varLength ? { min: e.quantifier!.min, max: e.quantifier!.max === null ? null : Math.max(e.quantifier!.min, e.quantifier!.max) } : undefined,
          where: [] as ((e: EdgeRecord) => boolean)[],
        };
        addProps(d, e.properties);
        if (e.where !== null) d.conds.push(e.where);
        edges.set(name, d);
      }
      spec.edges.push({ name, varLength });
      spec.nodes.push(next);
      prev = next;
    });
    if (p.variable !== null) pathSpecs.push(spec);
  }
  const pathSlots = pathSpecs.map((s) => ({ ...s, slot: scope.add(s.name, 'path').slot }));

  const holder: MatchPlan['holder'] = { row: [], ctx: undefined as unknown as Ctx };
  const exprEnv: ExprEnv = { ...env, scope, aggs: null, subst: null };
  const patternVars = new Set(kinds.keys());
  for (const s of pathSpecs) patternVars.delete(s.name);
  const pathNames = new Set(pathSpecs.map((s) => s.name));

  const guards: Guard[] = [];
  const post: Eval[] = [];
  const idBindings: { name: string; value: Eval }[] = [];
  const slotOf = (v: string): { slot: number; kind: VarKind } => scope.vars.get(v)!;

  /** A condition: a guard of the matcher, or checked on the finished row if it reads a path. `compiled` replaces `c`'s own code. */
  const addCondition = (c: Expression, compiled?: Eval): void => {
    const fv = freeVars(c);
    for (const v of fv) if (!scope.vars.has(v)) throw atPos(new GqlSemanticError('UndefinedVariable', `variable \`${v}\` not defined`), c.pos);
    const f = compiled ?? compileExpr(c, exprEnv);
    if ([...fv].some((v) => pathNames.has(v))) {
      post.push(f);
      return;
    }
    const idb = compiled === undefined ? idBinding(c, patternVars, kinds) : null;
    if (idb !== null) {
      idBindings.push({ name: idb.name, value: compileExpr(idb.value, exprEnv) });
      // Keep the test too: cheap, and exact for non-string ids.
    }
    const vars = [...fv].filter((v) => patternVars.has(v));
    const reads = vars.map((v) => ({ name: v, ...slotOf(v) }));
    guards.push({
      vars,
      test: (m) => {
        const row = holder.row;
        for (const r of reads) row[r.slot] = r.kind === 'node' ? m.node(r.name) : r.kind === 'edge' ? m.edge(r.name) : (m.path(r.name) as EdgeRecord[]);
        return f(row, holder.ctx) === true;
      },
    });
  };

  /**
   * An inline property or element WHERE of a variable-length relationship holds for each of its
   * relationships (GQL; `{k: 1}` as props already does). Reading nothing else of the pattern, it
   * is the matcher's per-edge test (pruning as paths grow); otherwise it is checked on every
   * relationship of the bound list.
   */
  function addEdgeCondition(d: { name: string; where: ((e: EdgeRecord) => boolean)[] }, c: Expression): void {
    const fv = freeVars(c);
    for (const v of fv) if (!scope.vars.has(v)) throw atPos(new GqlSemanticError('UndefinedVariable', `variable \`${v}\` not defined`), c.pos);
    const f = compileExpr(c, exprEnv);
    const slot = scope.vars.get(d.name)!.slot;
    if (![...fv].some((v) => v !== d.name && (patternVars.has(v) || pathNames.has(v)))) {
      d.where.push((e) => {
        const row = holder.row;
        const saved = row[slot];
        row[slot] = e;
        try {
          return f(row, holder.ctx) === true;
        } finally {
          row[slot] = saved;
        }
      });
      return;
    }
    addCondition(c, (row, ctx) => {
      const list = row[slot];
      if (!Array.isArray(list)) return f(row, ctx);
      try {
        for (const e of list) {
          row[slot] = e;
          if (f(row, ctx) !== true) return false;
        }
        return true;
      } finally {
        row[slot] = list;
      }
    });
  }

  for (const d of nodes.values()) for (const c of d.conds) addCondition(c);
  for (const d of edges.values()) for (const c of d.conds) (d.length === undefined ? addCondition(c) : addEdgeCondition(d, c));
  for (const lc of listChecks)
    guards.push({
      vars: [lc.name],
      test: (m) => {
        const want = holder.row[lc.slot];
        const got = m.path(lc.name);
        return Array.isArray(want) && want.length === got.length && got.every((e, i) => isEdge(want[i]) && (want[i] as EdgeRecord).id === e.id);
      },
    });
  if (where !== null) for (const c of conjuncts(where)) addCondition(c);

  const pnodes: PatternNode[] = [...nodes.values()].map((d) => {
    const tests = d.tests;
    // A computed inline property that reads no pattern variable: the matcher may look it up in an index.
    // (Parameters and outer variables' properties only: evaluated once, they must give what the guard sees.)
    const hint = d.lookups.find((l) => hintable.has(l.value.kind) && ![...freeVars(l.value)].some((v) => patternVars.has(v)));
    let lookup: PatternNode['lookup'];
    if (hint !== undefined) {
      const f = compileExpr(hint.value, exprEnv);
      lookup = {
        key: hint.key,
        value: () => {
          try {
            const v = f(holder.row, holder.ctx);
            return typeof v === 'bigint' ? undefined : toJson(v, 'lookup');
          } catch {
            return undefined; // not a storable value: no hint (the guard decides)
          }
        },
      };
    }
    return {
      ...(lookup !== undefined ? { lookup } : {}),
      var: d.name,
      ...(d.labels.length > 0 ? { labels: d.labels } : {}),
      ...(tests.length > 0 ? { labelTest: tests.length === 1 ? tests[0] : (ls: readonly string[]) => tests.every((t) => t(ls)) } : {}),
      ...(Object.keys(d.props).length > 0 ? { props: d.props } : {}),
    };
  });
  const pedges: PatternEdge[] = [...edges.values()].map((d) => {
    const tests = d.tests;
    const where = d.where;
    return {
      var: d.name,
      src: d.src,
      dst: d.dst,
      direction: d.dir,
      ...(d.types !== undefined ? { types: d.types } : {}),
      ...(Object.keys(d.props).length > 0 ? { props: d.props } : {}),
      ...(tests.length > 0 || where.length > 0 ? { where: (e: EdgeRecord) => tests.every((t) => t([e.type])) && where.every((w) => w(e)) } : {}),
      ...(d.length !== undefined ? { length: d.length } : {}),
    };
  });
  const pattern: Pattern = { nodes: pnodes, edges: pedges, homomorphism: 'cypher', guards };
  return { plan: new MatchPlan(holder, pattern, bound, fresh, pathSlots, post, idBindings, empty, scope.width), scope };
}

/** `id(v) = e` (or `e = id(v)`) where `e` reads no pattern variable. */
function idBinding(c: Expression, patternVars: ReadonlySet<string>, kinds: ReadonlyMap<string, VarKind>): { name: string; value: Expression } | null {
  if (c.kind !== 'BinaryExpression' || c.operator !== '=') return null;
  for (const [a, b] of [
    [c.left, c.right],
    [c.right, c.left],
  ] as const) {
    if (a.kind === 'FunctionCall' && a.name.toLowerCase() === 'id' && a.args.length === 1 && a.args[0].kind === 'VariableReference') {
      const name = a.args[0].name;
      const k = kinds.get(name);
      if (!patternVars.has(name) || (k !== 'node' && k !== 'edge')) continue;
      if ([...freeVars(b)].some((v) => patternVars.has(v))) continue;
      return { name, value: b };
    }
  }
  return null;
}

