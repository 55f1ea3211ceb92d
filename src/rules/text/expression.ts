import type { Expression } from '../../gql/ast.ts';
import { GqlError } from '../../gql/errors.ts';
import { GqlMissingParameterError } from '../../gql/eval-errors.ts';
import { Scope } from '../../gql/eval/context.ts';
import type { Ctx } from '../../gql/eval/context.ts';
import { compileExpr, freeVars } from '../../gql/eval/expr.ts';
import { PathValue, fromJson, isEdge, isNode, kindOf, toJson } from '../../gql/eval/values.ts';
import type { Value } from '../../gql/eval/values.ts';
import type { GraphView, Json } from '../../graph/index.ts';
import { RuleError } from '../errors.ts';
import type { MatchView } from '../match/pattern.ts';
import type { Params } from '../rule.ts';

/** A compiled expression: evaluated over a (partial) match and the rule's parameters. */
export type Compiled = (m: MatchView, params: Params) => Json;

/**
 * Compiles a guard or assignment of a textual rule with GQL's own expression
 * compiler (src/gql/eval): a rule expression means what it means in a GQL
 * `WHERE` or `SET`, functions, null logic and errors included. The pattern
 * variables it reads (`isVar` tells them apart) fill a row from the match;
 * `$params` come from the application's parameters. Aggregates, pattern
 * predicates (other than a top-level `NOT (pattern)`, which is a NAC) and
 * functions that read the graph (`startNode`, `endNode`) are refused.
 * A value that cannot be stored as a property (a node, a path) is an `EVAL` error.
 */
export function compileExpression(e: Expression, isVar: (name: string) => 'node' | 'edge' | undefined): { fn: Compiled; vars: string[] } {
  const reads = graphRead(e);
  if (reads !== undefined) {
    throw new RuleError('INVALID_RULE', `compileExpression: ${reads.name}() reads the graph beyond the match, which a rule expression may not; match what you need in the pattern (line ${reads.pos.line}, column ${reads.pos.column})`);
  }
  const vars = [...freeVars(e)].filter((v) => isVar(v) !== undefined);
  const kinds = vars.map((v) => isVar(v)!);
  const scope = Scope.of(vars.map((v, i) => [v, kinds[i]]));
  let f: (row: Value[], ctx: Ctx) => Value;
  try {
    f = compileExpr(e, {
      scope,
      aggs: null,
      subst: null,
      patternPredicate: (p) => {
        throw new RuleError('INVALID_RULE', `compileExpression: a pattern condition is only allowed as a top-level \`NOT (pattern)\` (a NAC) (line ${p.pos.line}, column ${p.pos.column})`);
      },
    });
  } catch (err) {
    if (err instanceof GqlError) throw new RuleError('INVALID_RULE', `compileExpression: ${message(err)}`, { cause: err });
    throw err;
  }
  const width = scope.width;
  // One row and one context per expression, refilled at each call: evaluation is synchronous and
  // does not re-enter the same expression (guards run on the matcher's hot path).
  const row: Value[] = new Array(width);
  const ctx = { view: NO_VIEW, params: NO_PARAMS as Map<string, Value>, agg: null };
  const fn: Compiled = (m, params) => {
    for (let i = 0; i < vars.length; i++) row[i] = kinds[i] === 'node' ? m.node(vars[i]) : m.edge(vars[i]);
    ctx.params = paramMap(params);
    try {
      return toStored(f(row, ctx));
    } catch (err) {
      if (err instanceof GqlMissingParameterError) throw new RuleError('PARAM_MISSING', `rule expression: ${message(err)}`, { cause: err });
      if (err instanceof GqlError) throw new RuleError('EVAL', `rule expression: ${message(err)}`, { cause: err });
      throw err;
    }
  };
  return { fn, vars };
}

/** GQL functions that read the graph, which a rule expression cannot (it sees only the match). */
const GRAPH_READS = new Set(['startnode', 'endnode']);

/** The first call of such a function in `e`, if any. */
function graphRead(e: unknown): { name: string; pos: { line: number; column: number } } | undefined {
  if (Array.isArray(e)) {
    for (const x of e) {
      const r = graphRead(x);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (e === null || typeof e !== 'object') return undefined;
  const n = e as { kind?: string; name?: string; pos?: { line: number; column: number } };
  if (n.kind === 'FunctionCall' && typeof n.name === 'string' && GRAPH_READS.has(n.name.toLowerCase()) && n.pos !== undefined) return { name: n.name, pos: n.pos };
  for (const [k, v] of Object.entries(e)) {
    if (k === 'pos') continue;
    const r = graphRead(v);
    if (r !== undefined) return r;
  }
  return undefined;
}

function message(err: Error): string {
  return err.message.replace(/^GQL: /, '');
}

/**
 * A GQL value as a property value (JSON), or EVAL. GQL's own `toJson` does the
 * scalars and lists; rules also store maps (the store takes nested JSON).
 */
function toStored(v: Value): Json {
  if (v instanceof Map) {
    const o: { [k: string]: Json } = {};
    for (const [k, x] of v) o[k] = toStored(x);
    return o;
  }
  if (Array.isArray(v)) return v.map(toStored);
  if (isNode(v) || isEdge(v) || v instanceof PathValue) throw new RuleError('EVAL', `rule expression: a ${kindOf(v)} is not a property value`);
  return toJson(v, 'rule expression');
}

/** The application's parameters as GQL values, converted as they are read. */
/** The ParamMap of an application's parameters (the same object serves every guard it runs). */
const paramMaps = new WeakMap<Params, ParamMap>();
function paramMap(params: Params): ParamMap {
  let p = paramMaps.get(params);
  if (p === undefined) paramMaps.set(params, (p = new ParamMap(params)));
  return p;
}

class ParamMap extends Map<string, Value> {
  constructor(private readonly params: Params) {
    super();
  }
  override get(name: string): Value | undefined {
    return Object.prototype.hasOwnProperty.call(this.params, name) ? fromJson(this.params[name]) : undefined;
  }
  override has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.params, name);
  }
}

/**
 * Rule expressions see the match, not the graph: a function that reads the
 * graph (`startNode`, `endNode`) is refused when it calls the view. Only calls
 * throw, so a debugger or logger can still look at the context.
 */
const NO_PARAMS = new Map<string, Value>();

const NO_VIEW = new Proxy({} as GraphView, {
  get(_t, key) {
    if (typeof key === 'symbol' || key === 'then' || key === 'toJSON') return undefined;
    return () => {
      throw new RuleError('EVAL', `rule expression: reading the graph (${key}) is not allowed; match what you need in the pattern`);
    };
  },
});
