import { ExpressionEvaluationError, ExpressionSyntaxError } from './errors.ts';
import { printExpr, visit, type ExprNode, type PathNode } from './_internals/expr-ast.ts';
import { parseExpr } from './_internals/expr-parser.ts';
import { jsonEqual } from './_internals/path.ts';

export type { ExprNode, PathNode } from './_internals/expr-ast.ts';

/** The data an expression or mapping reads: `$.inputs`, `$.steps`, `$.vars`. */
export interface ExecutionData {
  readonly inputs?: unknown;
  /** Per step name: `{ output, ... }`, addressed as `$.steps.<name>.output.<field>`. */
  readonly steps?: unknown;
  readonly vars?: unknown;
}

export interface CompiledExpression {
  readonly source: string;
  readonly ast: ExprNode;
  /** Evaluates against execution data. Returns a JSON value (`null` for missing paths). */
  evaluate(data: ExecutionData): unknown;
  /** Evaluates and requires a boolean (`null` counts as `false`), as decision conditions do. */
  test(data: ExecutionData): boolean;
}

/** Compiles an expression; throws `ExpressionSyntaxError` with a 1-based column. */
export function compileExpression(source: string): CompiledExpression {
  const ast = parseExpr(source);
  return Object.freeze({
    source,
    ast,
    evaluate: (data: ExecutionData) => evaluateExpr(ast, data, source),
    test: (data: ExecutionData) => {
      const v = evaluateExpr(ast, data, source);
      if (v === null) return false;
      if (typeof v !== 'boolean') {
        throw new ExpressionEvaluationError('type', `a condition must be a boolean, got ${typeName(v)}`, source);
      }
      return v;
    },
  });
}

/** Prints an expression tree back to source text (round-trips through `compileExpression`). */
export function printExpression(ast: ExprNode): string {
  return printExpr(ast);
}

/** Every `$.` path an expression reads (for static checks). */
export function referencedPaths(ast: ExprNode): PathNode[] {
  const out: PathNode[] = [];
  const walk = (n: ExprNode): void =>
    visit<void>(n, {
      literal: () => {},
      array: (a) => a.items.forEach(walk),
      path: (p) => {
        out.push(p);
        p.segments.forEach((s) => s.kind === 'index' && walk(s.index));
      },
      unary: (u) => walk(u.operand),
      binary: (b) => {
        walk(b.left);
        walk(b.right);
      },
      call: (c) => c.args.forEach(walk),
    });
  walk(ast);
  return out;
}

export type ConditionKind = { kind: 'predicate'; name: string } | { kind: 'expression'; expr: CompiledExpression };

const PREDICATE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEYWORDS = new Set(['true', 'false', 'null', 'in']);

/**
 * A decision condition that is a bare identifier (`is_high_priority`) names a predicate
 * registered by the application; anything else is an expression (compiled here, so a
 * syntax error throws `ExpressionSyntaxError`). `true`/`false`/`null` are expressions.
 */
export function classifyCondition(condition: string): ConditionKind {
  const s = condition.trim();
  if (PREDICATE.test(s) && !KEYWORDS.has(s)) return { kind: 'predicate', name: s };
  return { kind: 'expression', expr: compileExpression(condition) };
}

export { ExpressionSyntaxError, ExpressionEvaluationError };

// ---------------------------------------------------------------------------
// evaluation

/** Result of following a path: `found: false` when some segment does not exist. */
export type PathLookup = { found: true; value: unknown } | { found: false };

/**
 * Follows a path through data. Index expressions inside the path are evaluated with
 * `evalIndex`. A missing field, an out-of-range index, or a step through a non-container
 * gives `{found: false}`; a present `null` is found.
 */
export function lookupPath(path: PathNode, root: unknown, evalIndex: (n: ExprNode) => unknown): PathLookup {
  let cur: unknown = root;
  for (const seg of path.segments) {
    const key = seg.kind === 'field' ? seg.name : evalIndex(seg.index);
    if (Array.isArray(cur)) {
      if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key >= cur.length) return { found: false };
      cur = cur[key];
    } else if (cur !== null && typeof cur === 'object') {
      if (typeof key !== 'string' || !Object.hasOwn(cur, key)) return { found: false };
      cur = (cur as Record<string, unknown>)[key];
    } else return { found: false };
    if (cur === undefined) return { found: false };
  }
  return { found: true, value: cur };
}

/** Evaluates an already-parsed tree (used by mappings for index expressions). */
export function evaluateAst(ast: ExprNode, data: ExecutionData, source = printExpr(ast)): unknown {
  return evaluateExpr(ast, data, source);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function evaluateExpr(ast: ExprNode, data: ExecutionData, source: string): unknown {
  const typeError = (msg: string): never => {
    throw new ExpressionEvaluationError('type', msg, source);
  };
  const num = (v: number): number => {
    if (!Number.isFinite(v)) throw new ExpressionEvaluationError('not_finite', 'arithmetic result is not a finite number', source);
    return v;
  };
  const bool = (v: unknown, op: string): boolean => {
    if (v === null) return false;
    if (typeof v !== 'boolean') typeError(`"${op}" needs booleans, got ${typeName(v)}`);
    return v as boolean;
  };
  const ev = (n: ExprNode): unknown =>
    visit<unknown>(n, {
      literal: (l) => l.value,
      array: (a) => a.items.map(ev),
      path: (p) => {
        const root = (data as Record<string, unknown>)[p.root];
        if (root === undefined) return null;
        const r = lookupPath(p, root, ev);
        return r.found ? r.value : null;
      },
      unary: (u) => {
        const v = ev(u.operand);
        if (u.op === '!') return !bool(v, '!');
        if (v === null) return null;
        if (typeof v !== 'number') typeError(`unary "-" needs a number, got ${typeName(v)}`);
        return -(v as number);
      },
      binary: (b) => {
        switch (b.op) {
          case '&&':
            return bool(ev(b.left), '&&') ? bool(ev(b.right), '&&') : false;
          case '||':
            return bool(ev(b.left), '||') ? true : bool(ev(b.right), '||');
          case '==':
            return jsonEqual(ev(b.left), ev(b.right));
          case '!=':
            return !jsonEqual(ev(b.left), ev(b.right));
          default:
            break;
        }
        const l = ev(b.left);
        const r = ev(b.right);
        switch (b.op) {
          case '<':
          case '<=':
          case '>':
          case '>=': {
            if (l === null || r === null) return false;
            const same = (typeof l === 'number' && typeof r === 'number') || (typeof l === 'string' && typeof r === 'string');
            if (!same) typeError(`"${b.op}" compares two numbers or two strings, got ${typeName(l)} and ${typeName(r)}`);
            const a = l as number | string;
            const c = r as number | string;
            return b.op === '<' ? a < c : b.op === '<=' ? a <= c : b.op === '>' ? a > c : a >= c;
          }
          case 'in':
            return contains(r, l, `"in"`);
          case '+':
            if (l === null || r === null) return null;
            if (typeof l === 'number' && typeof r === 'number') return num(l + r);
            if (typeof l === 'string' && typeof r === 'string') return l + r;
            return typeError(`"+" adds two numbers or joins two strings, got ${typeName(l)} and ${typeName(r)}`);
          case '-':
          case '*':
          case '/':
          case '%': {
            if (l === null || r === null) return null;
            if (typeof l !== 'number' || typeof r !== 'number') {
              typeError(`"${b.op}" needs numbers, got ${typeName(l)} and ${typeName(r)}`);
            }
            const a = l as number;
            const c = r as number;
            if ((b.op === '/' || b.op === '%') && c === 0) {
              throw new ExpressionEvaluationError('division_by_zero', `division by zero`, source);
            }
            return num(b.op === '-' ? a - c : b.op === '*' ? a * c : b.op === '/' ? a / c : a % c);
          }
        }
      },
      call: (c) => {
        const args = c.args.map(ev);
        const a = args[0];
        switch (c.name) {
          case 'len':
            if (a === null) return 0;
            if (typeof a === 'string') return [...a].length;
            if (Array.isArray(a)) return a.length;
            if (typeof a === 'object') return Object.keys(a as object).length;
            return typeError(`len() needs a string, array or object, got ${typeName(a)}`);
          case 'exists':
            return a !== null;
          case 'lower':
          case 'upper':
            if (a === null) return null;
            if (typeof a !== 'string') typeError(`${c.name}() needs a string, got ${typeName(a)}`);
            return c.name === 'lower' ? (a as string).toLowerCase() : (a as string).toUpperCase();
          case 'contains':
            return contains(a, args[1], 'contains()');
          case 'startsWith':
          case 'endsWith': {
            const p = args[1];
            if (a === null || p === null) return false;
            if (typeof a !== 'string' || typeof p !== 'string') typeError(`${c.name}() needs two strings, got ${typeName(a)} and ${typeName(p)}`);
            return c.name === 'startsWith' ? (a as string).startsWith(p as string) : (a as string).endsWith(p as string);
          }
          default:
            return typeError(`unknown function ${c.name}`);
        }
      },
    });

  function contains(haystack: unknown, needle: unknown, what: string): boolean {
    if (haystack === null) return false;
    if (Array.isArray(haystack)) return haystack.some((x) => jsonEqual(x, needle));
    if (typeof haystack === 'string') {
      if (needle === null) return false;
      if (typeof needle !== 'string') typeError(`${what} on a string needs a string to look for, got ${typeName(needle)}`);
      return haystack.includes(needle as string);
    }
    if (typeof haystack === 'object') {
      if (needle === null) return false;
      if (typeof needle !== 'string') typeError(`${what} on an object needs a string key, got ${typeName(needle)}`);
      return Object.hasOwn(haystack as object, needle as string);
    }
    return typeError(`${what} needs an array, string or object to look in, got ${typeName(haystack)}`);
  }

  return ev(ast);
}
