import type { Expression, PathPattern, SourcePosition } from '../ast.ts';
import type { NodeRecord } from '../../graph/index.ts';
import { GqlArgumentError, GqlArithmeticError, GqlDeletedEntityError, GqlMissingParameterError, GqlSemanticError, GqlTypeError, GqlUnknownFunctionError, atPos } from '../eval-errors.ts';
import type { Ctx, Eval, Row, Scope } from './context.ts';
import { isAggregateName, lookupFunction } from './functions.ts';
import { Float, PathValue, compare, equals, fromJson, int, intOp, isEdge, isNode, kindOf, num } from './values.ts';
import type { MapValue, Value } from './values.ts';
import { labelTest } from '../label-test.ts';

/** An aggregate call found in a projection item. */
export interface AggSpec {
  readonly name: 'count' | 'sum' | 'avg' | 'min' | 'max' | 'collect';
  readonly distinct: boolean;
  /** null for count(*). */
  readonly arg: Eval | null;
  /** The call's position, for errors raised while aggregating. */
  readonly pos: SourcePosition;
}

export interface ExprEnv {
  readonly scope: Scope;
  /** Where aggregate calls are collected; null where aggregates are not allowed. */
  readonly aggs: AggSpec[] | null;
  /** Expressions already computed into a slot (ORDER BY over projected items), by structural key. */
  readonly subst: ReadonlyMap<string, Subst> | null;
  /** Compiles a relationship pattern used as a predicate. */
  readonly patternPredicate: (p: PathPattern, env: ExprEnv) => Eval;
}

/** A projected item's slot, and the variables its expression reads (a scope rebinding one voids it). */
export interface Subst {
  readonly slot: number;
  readonly reads: ReadonlySet<string>;
}

/** `subst` without the entries that read `name` (rebound by a comprehension). */
function substWithout(subst: ReadonlyMap<string, Subst> | null, name: string): ReadonlyMap<string, Subst> | null {
  if (subst === null) return null;
  const out = new Map<string, Subst>();
  for (const [k, s] of subst) if (!s.reads.has(name)) out.set(k, s);
  return out;
}

/** A structural key of an AST node (positions and source text ignored). */
export function astKey(e: unknown): string {
  return JSON.stringify(e, (k, v: unknown) => (k === 'pos' || k === 'text' ? undefined : typeof v === 'bigint' ? `${v}n` : v));
}

const isLiteral = (e: Expression): boolean =>
  e.kind === 'IntegerLiteral' ||
  e.kind === 'FloatLiteral' ||
  e.kind === 'StringLiteral' ||
  e.kind === 'BooleanLiteral' ||
  e.kind === 'NullLiteral' ||
  (e.kind === 'ListLiteral' && e.elements.every(isLiteral)) ||
  (e.kind === 'MapLiteral' && e.entries.every((x) => isLiteral(x.value)));

/** Whether an expression contains an aggregate call (outside list comprehensions' own scope). */
export function hasAggregate(e: unknown): boolean {
  if (Array.isArray(e)) return e.some(hasAggregate);
  if (e === null || typeof e !== 'object') return false;
  const n = e as { kind?: string; name?: string };
  if (n.kind === 'CountStar') return true;
  if (n.kind === 'FunctionCall' && isAggregateName(n.name!)) return true;
  for (const [k, v] of Object.entries(e)) if (k !== 'pos' && hasAggregate(v)) return true;
  return false;
}

/** Variables an expression reads (free variables; comprehension variables excluded). */
export function freeVars(e: unknown, out = new Set<string>(), bound: ReadonlySet<string> = new Set()): Set<string> {
  if (Array.isArray(e)) {
    for (const x of e) freeVars(x, out, bound);
    return out;
  }
  if (e === null || typeof e !== 'object') return out;
  const n = e as Expression;
  switch (n.kind) {
    case 'VariableReference':
      if (!bound.has(n.name)) out.add(n.name);
      return out;
    case 'ListComprehension':
    case 'ListPredicate': {
      freeVars(n.source, out, bound);
      const inner = new Set(bound).add(n.variable);
      freeVars(n.where, out, inner);
      if (n.kind === 'ListComprehension') freeVars(n.projection, out, inner);
      return out;
    }
    case 'PatternPredicate':
      for (const x of [...n.pattern.nodes, ...n.pattern.edges]) {
        if (x.variable !== null && !bound.has(x.variable)) out.add(x.variable);
        freeVars(x.properties, out, bound);
        freeVars(x.where, out, bound);
      }
      return out;
  }
  for (const [k, v] of Object.entries(e)) if (k !== 'pos') freeVars(v, out, bound);
  return out;
}

export function typeError(what: string, v: Value): GqlTypeError {
  return new GqlTypeError(`${what}: unexpected ${kindOf(v)}`);
}

function bool(what: string, v: Value): boolean | null {
  if (v === null || typeof v === 'boolean') return v;
  throw typeError(what, v);
}

/** Expressions whose own evaluation can fail at run time (type, argument, arithmetic, missing parameter). */
const mayFail = new Set<Expression['kind']>(['FunctionCall', 'BinaryExpression', 'UnaryExpression', 'PropertyReference', 'IndexExpression', 'SliceExpression', 'LabelPredicate', 'Parameter', 'ListComprehension', 'ListPredicate']);

/**
 * Compiles an expression to a closure over (row, ctx). Errors, at compile and at run time, get
 * the position of the innermost expression that failed (`atPos`), so users can find it.
 */
export function compileExpr(e: Expression, env: ExprEnv): Eval {
  if (env.subst !== null) {
    const s = env.subst.get(astKey(e));
    if (s !== undefined) {
      const slot = s.slot;
      return (row) => row[slot];
    }
  }
  let f: Eval;
  try {
    f = compileInner(e, env);
  } catch (err) {
    throw atPos(err, e.pos);
  }
  // Operators over literals only: evaluate now so type errors are compile-time errors. Arithmetic
  // errors (1/0) are left to run time: the expression may never be evaluated (CASE, no rows).
  if ((e.kind === 'BinaryExpression' || e.kind === 'UnaryExpression') && (e.kind === 'UnaryExpression' ? isLiteral(e.operand) : isLiteral(e.left) && isLiteral(e.right))) {
    try {
      f([], { view: undefined as never, params: new Map(), agg: null });
    } catch (err) {
      if (err instanceof GqlTypeError) throw atPos(new GqlTypeError(err.message.replace(/^GQL: /, ''), err.detail, 'compile'), e.pos);
    }
  }
  if (!mayFail.has(e.kind) || (e.kind === 'FunctionCall' && isAggregateName(e.name.toLowerCase()))) return f;
  // A try/catch costs nothing until something throws; the extra call is the price of a position.
  const pos = e.pos;
  const g = f;
  return (r, c) => {
    try {
      return g(r, c);
    } catch (err) {
      throw atPos(err, pos);
    }
  };
}

function compileInner(e: Expression, env: ExprEnv): Eval {
  switch (e.kind) {
    case 'IntegerLiteral': {
      if (e.overflow) throw new GqlArithmeticError('IntegerOverflow', 'integer literal out of range', 'compile');
      const v = typeof e.value === 'bigint' ? int(e.value) : e.value;
      return () => v;
    }
    case 'FloatLiteral': {
      if (e.overflow) throw new GqlArithmeticError('FloatingPointOverflow', 'float literal out of range', 'compile');
      const v = new Float(e.value);
      return () => v;
    }
    case 'StringLiteral':
    case 'BooleanLiteral': {
      const v = e.value;
      return () => v;
    }
    case 'NullLiteral':
      return () => null;
    case 'ListLiteral': {
      const xs = e.elements.map((x) => compileExpr(x, env));
      return (r, c) => xs.map((x) => x(r, c));
    }
    case 'MapLiteral': {
      const entries = e.entries.map((x) => [x.key, compileExpr(x.value, env)] as const);
      return (r, c) => {
        const m: MapValue = new Map();
        for (const [k, x] of entries) m.set(k, x(r, c));
        return m;
      };
    }
    case 'Parameter': {
      const name = e.name;
      return (_r, c) => {
        const v = c.params.get(name);
        if (v === undefined) throw new GqlMissingParameterError(name);
        return v;
      };
    }
    case 'VariableReference': {
      const info = env.scope.vars.get(e.name);
      if (info === undefined) throw new GqlSemanticError('UndefinedVariable', `variable \`${e.name}\` not defined`);
      const slot = info.slot;
      return (r) => r[slot];
    }
    case 'PropertyReference': {
      if (e.subject.kind === 'VariableReference' && env.scope.vars.get(e.subject.name)?.kind === 'path')
        throw new GqlTypeError(`property .${e.property} of path \`${e.subject.name}\``, 'InvalidArgumentType', 'compile');
      const subject = compileExpr(e.subject, env);
      const key = e.property;
      return (r, c) => property(subject(r, c), key, c);
    }
    case 'IndexExpression': {
      const subject = compileExpr(e.subject, env);
      const index = compileExpr(e.index, env);
      return (r, c) => indexValue(subject(r, c), index(r, c), c);
    }
    case 'SliceExpression': {
      const subject = compileExpr(e.subject, env);
      const from = e.from === null ? null : compileExpr(e.from, env);
      const to = e.to === null ? null : compileExpr(e.to, env);
      return (r, c) => {
        const s = subject(r, c);
        const a = from === null ? 0 : from(r, c);
        const b = to === null ? undefined : to(r, c);
        if (s === null || a === null || b === null) return null;
        if (!Array.isArray(s)) throw typeError('slice', s);
        if (typeof a !== 'number' || (b !== undefined && typeof b !== 'number')) throw typeError('slice bound', typeof a !== 'number' ? a : b!);
        return s.slice(a, b);
      };
    }
    case 'FunctionCall':
      return compileCall(e, env);
    case 'CountStar': {
      if (env.aggs === null) throw new GqlSemanticError('InvalidAggregation', 'count(*) is not allowed here');
      const i = env.aggs.push({ name: 'count', distinct: false, arg: null, pos: e.pos }) - 1;
      return (_r, c) => c.agg![i];
    }
    case 'UnaryExpression': {
      const x = compileExpr(e.operand, env);
      switch (e.operator) {
        case 'NOT':
          return (r, c) => {
            const v = bool('NOT', x(r, c));
            return v === null ? null : !v;
          };
        case '+':
          return (r, c) => {
            const v = x(r, c);
            if (v === null || typeof v === 'number' || typeof v === 'bigint' || v instanceof Float) return v;
            throw typeError('unary +', v);
          };
        case '-':
          return (r, c) => negate(x(r, c));
      }
      break;
    }
    case 'BinaryExpression':
      return compileBinary(e.operator, compileExpr(e.left, env), compileExpr(e.right, env));
    case 'NullPredicate': {
      const x = compileExpr(e.operand, env);
      return e.negated ? (r, c) => x(r, c) !== null : (r, c) => x(r, c) === null;
    }
    case 'LabelPredicate': {
      const x = compileExpr(e.subject, env);
      const t = labelTest(e.label);
      return (r, c) => {
        const v = x(r, c);
        if (v === null) return null;
        if (isNode(v)) return t(v.labels);
        // GQL / Cypher 5: a relationship's type is its one label (`r:X`, `r:(X|Y)`).
        if (isEdge(v)) return t([v.type]);
        throw typeError('label predicate', v);
      };
    }
    case 'CaseExpression': {
      const operand = e.operand === null ? null : compileExpr(e.operand, env);
      const branches = e.branches.map((b) => [compileExpr(b.when, env), compileExpr(b.then, env)] as const);
      const otherwise = e.elseResult === null ? null : compileExpr(e.elseResult, env);
      return (r, c) => {
        const o = operand === null ? undefined : operand(r, c);
        for (const [w, t] of branches) {
          const wv = w(r, c);
          if (o === undefined ? wv === true : equals(o, wv) === true) return t(r, c);
        }
        return otherwise === null ? null : otherwise(r, c);
      };
    }
    case 'ListComprehension': {
      const source = compileExpr(e.source, env);
      const inner = env.scope.clone();
      const slot = inner.add(e.variable, 'value').slot;
      const ienv: ExprEnv = { ...env, scope: inner, aggs: null, subst: substWithout(env.subst, e.variable) };
      const where = e.where === null ? null : compileExpr(e.where, ienv);
      const proj = e.projection === null ? null : compileExpr(e.projection, ienv);
      syncWidth(env.scope, inner);
      return (r, c) => {
        const s = source(r, c);
        if (s === null) return null;
        if (!Array.isArray(s)) throw typeError('list comprehension', s);
        const out: Value[] = [];
        const saved = r[slot];
        for (const x of s) {
          r[slot] = x;
          if (where !== null && where(r, c) !== true) continue;
          out.push(proj === null ? x : proj(r, c));
        }
        r[slot] = saved;
        return out;
      };
    }
    case 'ListPredicate': {
      const source = compileExpr(e.source, env);
      const inner = env.scope.clone();
      const slot = inner.add(e.variable, 'value').slot;
      const where = e.where === null ? () => true : compileExpr(e.where, { ...env, scope: inner, aggs: null, subst: substWithout(env.subst, e.variable) });
      syncWidth(env.scope, inner);
      const q = e.quantifier;
      return (r, c) => {
        const s = source(r, c);
        if (s === null) return null;
        if (!Array.isArray(s)) throw typeError(q, s);
        let t = 0;
        let u = 0;
        const saved = r[slot];
        for (const x of s) {
          r[slot] = x;
          const v = bool(q, where(r, c));
          if (v === true) t++;
          else if (v === null) u++;
        }
        r[slot] = saved;
        const f = s.length - t - u;
        switch (q) {
          case 'all':
            return f > 0 ? false : u > 0 ? null : true;
          case 'any':
            return t > 0 ? true : u > 0 ? null : false;
          case 'none':
            return t > 0 ? false : u > 0 ? null : true;
          case 'single':
            return t > 1 ? false : u > 0 ? null : t === 1;
        }
      };
    }
    case 'PatternPredicate':
      return env.patternPredicate(e.pattern, env);
  }
  throw new GqlSemanticError('Unsupported', `unsupported expression ${(e as Expression).kind}`);
}

/** Scratch slots of a nested scope must not be reused by the outer one. */
function syncWidth(outer: Scope, inner: Scope): void {
  if (inner.width > outer.width) outer.width = inner.width;
}

function compileCall(e: Extract<Expression, { kind: 'FunctionCall' }>, env: ExprEnv): Eval {
  const lname = e.name.toLowerCase();
  if (isAggregateName(lname)) {
    if (env.aggs === null) throw new GqlSemanticError('InvalidAggregation', `aggregate ${e.name}() is not allowed here`);
    if (e.args.length !== 1) throw new GqlSemanticError('InvalidNumberOfArguments', `${e.name}() takes one argument`);
    if (hasAggregate(e.args[0])) throw new GqlSemanticError('NestedAggregation', `aggregates cannot be nested in ${e.name}()`);
    const arg = compileExpr(e.args[0], { ...env, aggs: null });
    const i = env.aggs.push({ name: lname as AggSpec['name'], distinct: e.distinct, arg, pos: e.pos }) - 1;
    return (_r, c) => c.agg![i];
  }
  if (lname === 'exists') {
    if (e.args.length !== 1) throw new GqlSemanticError('InvalidNumberOfArguments', 'exists() takes one argument');
    const x = compileExpr(e.args[0], env);
    return e.args[0].kind === 'PatternPredicate' ? x : (r, c) => x(r, c) !== null;
  }
  const def = lookupFunction(lname);
  if (def === undefined) throw new GqlUnknownFunctionError(e.name);
  if (e.args.length < def.min || e.args.length > def.max) throw new GqlSemanticError('InvalidNumberOfArguments', `${e.name}() called with ${e.args.length} arguments`);
  const args = e.args.map((a) => compileExpr(a, env));
  const fn = def.fn;
  if (args.length === 1) {
    const a0 = args[0];
    const fn1 = def.fn1;
    if (fn1 !== undefined) return (r, c) => fn1(a0(r, c), c);
    return (r, c) => fn([a0(r, c)], c);
  }
  return (r, c) =>
    fn(
      args.map((a) => a(r, c)),
      c,
    );
}

export function property(s: Value, key: string, ctx?: Ctx): Value {
  if (s === null) return null;
  if (s instanceof Map) return s.get(key) ?? null;
  if (typeof s === 'object' && !Array.isArray(s) && !(s instanceof Float) && !(s instanceof PathValue)) {
    if (ctx?.deleted !== undefined && ctx.deleted.has((s as NodeRecord).id)) throw new GqlDeletedEntityError(`property .${key}`);
    const props = (s as { props: { [k: string]: import('../../graph/index.ts').Json } }).props;
    const v = props[key];
    if (v === undefined || v === null) return null;
    if (typeof v === 'number') return Number.isInteger(v) ? v : new Float(v);
    if (typeof v === 'string' || typeof v === 'boolean') return v;
    // Own keys only: `n.constructor` is a missing property, not Object.prototype's (whose members
    // are all functions or objects, so scalars above need no check).
    if (!Object.prototype.hasOwnProperty.call(props, key)) return null;
    return fromJson(v);
  }
  throw typeError(`property .${key}`, s);
}

function indexValue(s: Value, i: Value, ctx: Ctx): Value {
  if (s === null || i === null) return null;
  if (Array.isArray(s)) {
    if (typeof i !== 'number') throw typeError('list index', i);
    const k = i < 0 ? s.length + i : i;
    return k >= 0 && k < s.length ? s[k] : null;
  }
  if (s instanceof Map || isNode(s) || isEdge(s)) {
    if (typeof i !== 'string') throw typeError('map key', i);
    return property(s, i, ctx);
  }
  throw typeError('index', s);
}

function negate(v: Value): Value {
  if (v === null) return null;
  if (typeof v === 'number') return v === 0 ? 0 : -v;
  if (typeof v === 'bigint') return int(-v);
  if (v instanceof Float) return new Float(-v.v);
  throw typeError('unary -', v);
}

function arith(op: '+' | '-' | '*' | '/' | '%' | '^', a: Value, b: Value): Value {
  if (a === null || b === null) return null;
  const ia = typeof a === 'number' || typeof a === 'bigint';
  const ib = typeof b === 'number' || typeof b === 'bigint';
  if (ia && ib) {
    switch (op) {
      case '+':
      case '-':
      case '*':
        return intOp(a, b, op);
      case '/':
      case '%': {
        if (b === 0 || b === 0n) throw new GqlArithmeticError('DivisionByZero', `integer ${op === '/' ? 'division' : 'modulo'} by zero`);
        if (typeof a === 'number' && typeof b === 'number') return op === '/' ? Math.trunc(a / b) : a % b;
        const x = BigInt(a);
        const y = BigInt(b);
        return int(op === '/' ? x / y : x % y);
      }
      case '^':
        return new Float(Math.pow(Number(a), Number(b)));
    }
  }
  if ((ia || a instanceof Float) && (ib || b instanceof Float)) {
    const x = num(a as number);
    const y = num(b as number);
    switch (op) {
      case '+':
        return new Float(x + y);
      case '-':
        return new Float(x - y);
      case '*':
        return new Float(x * y);
      case '/':
        return new Float(x / y);
      case '%':
        return new Float(x % y);
      case '^':
        return new Float(Math.pow(x, y));
    }
  }
  throw new GqlTypeError(`operator ${op}: cannot apply to ${kindOf(a)} and ${kindOf(b)}`);
}

function add(a: Value, b: Value): Value {
  if (Array.isArray(a)) return Array.isArray(b) ? [...a, ...b] : [...a, b];
  if (Array.isArray(b)) return [a, ...b];
  if (a === null || b === null) return null;
  if (typeof a === 'string' || typeof b === 'string') {
    const ok = (x: Value): boolean => typeof x === 'string' || typeof x === 'number' || typeof x === 'bigint' || x instanceof Float;
    if (ok(a) && ok(b)) return text(a) + text(b);
    throw new GqlTypeError(`operator +: cannot apply to ${kindOf(a)} and ${kindOf(b)}`);
  }
  return arith('+', a, b);
}

function text(v: Value): string {
  return v instanceof Float ? (Number.isInteger(v.v) ? v.v.toFixed(1) : String(v.v)) : String(v);
}

function stringOp(op: 'STARTS WITH' | 'ENDS WITH' | 'CONTAINS', a: Value, b: Value): Value {
  if (typeof a !== 'string' || typeof b !== 'string') return null;
  return op === 'STARTS WITH' ? a.startsWith(b) : op === 'ENDS WITH' ? a.endsWith(b) : a.includes(b);
}

function inList(a: Value, b: Value): Value {
  if (b === null) return null;
  if (!Array.isArray(b)) throw typeError('IN', b);
  let unknown = false;
  for (const x of b) {
    const r = equals(a, x);
    if (r === true) return true;
    if (r === null) unknown = true;
  }
  return unknown ? null : false;
}

function compileBinary(op: string, l: Eval, r: Eval): Eval {
  switch (op) {
    case 'AND':
      return (row, c) => {
        const a = bool('AND', l(row, c));
        if (a === false) {
          bool('AND', r(row, c));
          return false;
        }
        const b = bool('AND', r(row, c));
        return b === false ? false : a === null || b === null ? null : true;
      };
    case 'OR':
      return (row, c) => {
        const a = bool('OR', l(row, c));
        const b = bool('OR', r(row, c));
        return a === true || b === true ? true : a === null || b === null ? null : false;
      };
    case 'XOR':
      return (row, c) => {
        const a = bool('XOR', l(row, c));
        const b = bool('XOR', r(row, c));
        return a === null || b === null ? null : a !== b;
      };
    case '=':
      return (row, c) => equals(l(row, c), r(row, c));
    case '<>':
      return (row, c) => {
        const x = equals(l(row, c), r(row, c));
        return x === null ? null : !x;
      };
    case '<':
      return (row, c) => {
        const x = compare(l(row, c), r(row, c));
        return x === null ? null : x < 0;
      };
    case '<=':
      return (row, c) => {
        const x = compare(l(row, c), r(row, c));
        return x === null ? null : x <= 0;
      };
    case '>':
      return (row, c) => {
        const x = compare(l(row, c), r(row, c));
        return x === null ? null : x > 0;
      };
    case '>=':
      return (row, c) => {
        const x = compare(l(row, c), r(row, c));
        return x === null ? null : x >= 0;
      };
    case 'IN':
      return (row, c) => inList(l(row, c), r(row, c));
    case 'STARTS WITH':
    case 'ENDS WITH':
    case 'CONTAINS':
      return (row, c) => stringOp(op, l(row, c), r(row, c));
    case '+':
      return (row, c) => add(l(row, c), r(row, c));
    case '-':
    case '*':
    case '/':
    case '%':
    case '^':
      return (row, c) => arith(op, l(row, c), r(row, c));
  }
  throw new GqlSemanticError('Unsupported', `unsupported operator ${op}`);
}

/** Evaluates a constant (no variables) expression, e.g. SKIP / LIMIT. */
export function evalConstant(f: Eval, ctx: Ctx): Value {
  return f([] as Row, ctx);
}

/** Non-negative integer argument of SKIP / LIMIT. */
export function countArgument(what: string, v: Value, phase: 'compile' | 'runtime'): number {
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (v < 0) throw new GqlArgumentError('NegativeIntegerArgument', `${what} must not be negative`, phase, phase === 'compile' ? 'SyntaxError' : 'ArgumentError');
    return Number(v);
  }
  throw new GqlTypeError(`${what} must be an integer, not ${kindOf(v)}`, 'InvalidArgumentType', phase);
}



