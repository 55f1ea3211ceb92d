import type { Expression } from '../../gql/ast.ts';
import type { EdgeRecord, Json, NodeRecord } from '../../graph/index.ts';
import { RuleError } from '../errors.ts';
import { jsonEqual } from '../../graph/index.ts';
import type { MatchView } from '../match/pattern.ts';
import type { Params } from '../rule.ts';
import { labelTest } from '../../gql/label-test.ts';

/** A compiled expression: evaluated over a (partial) match and the rule's parameters. */
export type Compiled = (m: MatchView, params: Params) => Json;

type Value = Json | NodeRecord | EdgeRecord | undefined;
type Fn = (m: MatchView, p: Params) => Value;

/**
 * Compiles a GQL expression AST to a closure, the small evaluator rules use
 * for guards and assignments. `isVar` tells pattern variables apart. Null
 * follows GQL three-valued logic; unsupported constructs fail at compile time.
 */
export function compileExpression(e: Expression, isVar: (name: string) => 'node' | 'edge' | undefined): { fn: Compiled; vars: string[] } {
  const vars = new Set<string>();
  const f = comp(e, isVar, vars);
  return { fn: (m, p) => toJson(f(m, p)), vars: [...vars] };
}

function toJson(v: Value): Json {
  if (v === undefined) return null;
  if (typeof v === 'object' && v !== null && 'id' in v && 'props' in v && !Array.isArray(v)) return (v as NodeRecord).props as Json;
  return v as Json;
}

function unsupported(e: Expression, what: string): never {
  throw new RuleError('INVALID_RULE', `compileExpression: ${what} is not supported in rule expressions (line ${e.pos.line}, column ${e.pos.column})`);
}

function comp(e: Expression, isVar: (name: string) => 'node' | 'edge' | undefined, vars: Set<string>): Fn {
  const c = (x: Expression): Fn => comp(x, isVar, vars);
  switch (e.kind) {
    case 'IntegerLiteral':
      if (typeof e.value !== 'number') unsupported(e, 'an integer beyond 2^53');
      return () => e.value as number;
    case 'FloatLiteral':
    case 'StringLiteral':
    case 'BooleanLiteral': {
      const v = e.value;
      return () => v;
    }
    case 'NullLiteral':
      return () => null;
    case 'ListLiteral': {
      const xs = e.elements.map(c);
      return (m, p) => xs.map((x) => toJson(x(m, p)));
    }
    case 'MapLiteral': {
      const ks = e.entries.map((x) => x.key);
      const vs = e.entries.map((x) => c(x.value));
      return (m, p) => {
        const o: { [k: string]: Json } = {};
        ks.forEach((k, i) => (o[k] = toJson(vs[i](m, p))));
        return o;
      };
    }
    case 'Parameter': {
      const n = e.name;
      return (_m, p) => {
        if (!(n in p)) throw new RuleError('PARAM_MISSING', `rule expression: parameter $${n} is not supplied`);
        return p[n];
      };
    }
    case 'VariableReference': {
      const n = e.name;
      const kind = isVar(n);
      if (kind === undefined) throw new RuleError('INVALID_RULE', `compileExpression: unknown variable "${n}" (line ${e.pos.line}, column ${e.pos.column})`);
      vars.add(n);
      return kind === 'node' ? (m) => m.node(n) : (m) => m.edge(n);
    }
    case 'PropertyReference': {
      const s = c(e.subject);
      const k = e.property;
      return (m, p) => {
        const v = s(m, p);
        if (v === null || v === undefined) return null;
        if (typeof v === 'object' && !Array.isArray(v)) {
          const o = 'props' in v && 'id' in v ? (v as NodeRecord).props : (v as { [k: string]: Json });
          return k in o ? o[k] : null;
        }
        throw new RuleError('EVAL', `rule expression: cannot read property "${k}" of ${JSON.stringify(v)}`);
      };
    }
    case 'IndexExpression': {
      const s = c(e.subject);
      const i = c(e.index);
      return (m, p) => {
        const a = toJson(s(m, p));
        const k = toJson(i(m, p));
        if (a === null || k === null) return null;
        if (Array.isArray(a) && typeof k === 'number') return a[k < 0 ? a.length + k : k] ?? null;
        if (typeof a === 'object' && !Array.isArray(a) && typeof k === 'string') return (a as { [k: string]: Json })[k] ?? null;
        throw new RuleError('EVAL', 'rule expression: invalid index');
      };
    }
    case 'UnaryExpression': {
      const o = c(e.operand);
      if (e.operator === 'NOT')
        return (m, p) => {
          const v = toJson(o(m, p));
          return v === null ? null : !truthy(v);
        };
      if (e.operator === '-')
        return (m, p) => {
          const v = toJson(o(m, p));
          return v === null ? null : -num(v);
        };
      return o;
    }
    case 'BinaryExpression':
      return binary(e.operator, c(e.left), c(e.right));
    case 'NullPredicate': {
      const o = c(e.operand);
      const neg = e.negated;
      return (m, p) => (toJson(o(m, p)) === null) !== neg;
    }
    case 'LabelPredicate': {
      const s = c(e.subject);
      const test = labelTest(e.label);
      return (m, p) => {
        const v = s(m, p);
        if (v === null || v === undefined) return null;
        return test((v as NodeRecord).labels ?? [(v as EdgeRecord).type]);
      };
    }
    case 'CaseExpression': {
      const operand = e.operand === null ? null : c(e.operand);
      const whens = e.branches.map((b) => [c(b.when), c(b.then)] as const);
      const els = e.elseResult === null ? () => null : c(e.elseResult);
      return (m, p) => {
        const x = operand === null ? undefined : toJson(operand(m, p));
        for (const [w, t] of whens) {
          const wv = toJson(w(m, p));
          if (operand === null ? wv === true : jsonEqual(x as Json, wv)) return t(m, p);
        }
        return els(m, p);
      };
    }
    case 'FunctionCall': {
      const args = e.args.map(c);
      const name = e.name.toLowerCase();
      const fn = FUNCTIONS[name];
      if (fn === undefined) unsupported(e, `function ${e.name}()`);
      return (m, p) => fn!(args.map((a) => a(m, p)));
    }
    default:
      return unsupported(e, `${e.kind}`);
  }
}

const FUNCTIONS: { [name: string]: (args: Value[]) => Value } = {
  coalesce: (a) => a.map(toJson).find((x) => x !== null) ?? null,
  size: (a) => {
    const v = toJson(a[0]);
    return v === null ? null : typeof v === 'string' || Array.isArray(v) ? v.length : null;
  },
  abs: (a) => (toJson(a[0]) === null ? null : Math.abs(num(toJson(a[0])))),
  tostring: (a) => (toJson(a[0]) === null ? null : String(toJson(a[0]))),
  id: (a) => (a[0] as NodeRecord | undefined)?.id ?? null,
  labels: (a) => [...((a[0] as NodeRecord | undefined)?.labels ?? [])],
  type: (a) => (a[0] as EdgeRecord | undefined)?.type ?? null,
};

function truthy(v: Json): boolean {
  if (typeof v !== 'boolean') throw new RuleError('EVAL', `rule expression: expected a boolean, got ${JSON.stringify(v)}`);
  return v;
}

function num(v: Json): number {
  if (typeof v !== 'number') throw new RuleError('EVAL', `rule expression: expected a number, got ${JSON.stringify(v)}`);
  return v;
}

function compare(a: Json, b: Json): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return null;
}

function binary(op: string, l: Fn, r: Fn): Fn {
  const J = (f: Fn, m: MatchView, p: Params): Json => toJson(f(m, p));
  switch (op) {
    case 'AND':
      return (m, p) => {
        const a = J(l, m, p);
        if (a === false) return false;
        const b = J(r, m, p);
        if (b === false) return false;
        return a === null || b === null ? null : truthy(a) && truthy(b);
      };
    case 'OR':
      return (m, p) => {
        const a = J(l, m, p);
        if (a === true) return true;
        const b = J(r, m, p);
        if (b === true) return true;
        return a === null || b === null ? null : truthy(a) || truthy(b);
      };
    case 'XOR':
      return (m, p) => {
        const a = J(l, m, p);
        const b = J(r, m, p);
        return a === null || b === null ? null : truthy(a) !== truthy(b);
      };
  }
  return (m, p) => {
    const a = J(l, m, p);
    const b = J(r, m, p);
    if (a === null || b === null) return null;
    switch (op) {
      case '=':
        return jsonEqual(a, b);
      case '<>':
        return !jsonEqual(a, b);
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const c = compare(a, b);
        if (c === null) return null;
        return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
      }
      case '+':
        if (typeof a === 'string' || typeof b === 'string') return String(a) + String(b);
        if (Array.isArray(a)) return [...a, ...(Array.isArray(b) ? b : [b])];
        return num(a) + num(b);
      case '-':
        return num(a) - num(b);
      case '*':
        return num(a) * num(b);
      case '/':
        return Number.isInteger(a) && Number.isInteger(b) ? Math.trunc(num(a) / num(b)) : num(a) / num(b);
      case '%':
        return num(a) % num(b);
      case '^':
        return Math.pow(num(a), num(b));
      case 'IN':
        if (!Array.isArray(b)) throw new RuleError('EVAL', 'rule expression: IN needs a list');
        return b.some((x) => jsonEqual(x, a));
      case 'STARTS WITH':
        return typeof a === 'string' && typeof b === 'string' ? a.startsWith(b) : null;
      case 'ENDS WITH':
        return typeof a === 'string' && typeof b === 'string' ? a.endsWith(b) : null;
      case 'CONTAINS':
        return typeof a === 'string' && typeof b === 'string' ? a.includes(b) : null;
    }
    throw new RuleError('EVAL', `rule expression: unknown operator ${op}`);
  };
}

