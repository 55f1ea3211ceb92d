import type { NodeRecord } from '../../graph/index.ts';
import { GqlArgumentError, GqlDeletedEntityError, GqlTypeError } from '../eval-errors.ts';
import type { Ctx } from './context.ts';
import { Float, PathValue, fromJson, int, isEdge, isNode, kindOf, num } from './values.ts';
import type { MapValue, Value } from './values.ts';

/** A scalar function: arity bounds and the function (its arguments already evaluated). */
export interface FunctionDef {
  readonly min: number;
  readonly max: number;
  readonly fn: (args: Value[], ctx: Ctx) => Value;
  /** The same for exactly one argument, without an argument array (strict functions of one argument). */
  readonly fn1?: (x: Value, ctx: Ctx) => Value;
}

const bad = (f: string, v: Value): never => {
  throw new GqlTypeError(`${f}(): invalid argument of type ${kindOf(v)}`);
};

function str(f: string, v: Value): string {
  return typeof v === 'string' ? v : bad(f, v);
}
function integer(f: string, v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return bad(f, v);
}
function numeric(f: string, v: Value): number | bigint | Float {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof Float ? v : bad(f, v);
}

/** Strict: a null argument gives null without calling `fn`. */
function strict1(fn: (x: Value, ctx: Ctx) => Value): FunctionDef {
  const fn1 = (x: Value, ctx: Ctx): Value => (x === null ? null : fn(x, ctx));
  return { min: 1, max: 1, fn: (a, ctx) => fn1(a[0], ctx), fn1 };
}

/** A decimal number as Cypher's conversions read it (no `0x`/`0b`/`0o` prefixes, which JavaScript's Number takes). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function toInteger(v: Value): Value {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (v instanceof Float) return Number.isFinite(v.v) ? int(BigInt(Math.trunc(v.v))) : null;
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^[+-]?\d+$/.test(t)) return int(BigInt(t));
    const f = DECIMAL.test(t) ? Number(t) : NaN;
    return Number.isFinite(f) ? int(BigInt(Math.trunc(f))) : null;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return bad('toInteger', v);
}

function toFloat(v: Value): Value {
  if (typeof v === 'number' || typeof v === 'bigint') return new Float(Number(v));
  if (v instanceof Float) return v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (DECIMAL.test(t)) return new Float(Number(t));
    return /^[+-]?infinity$/i.test(t) ? new Float(t.startsWith('-') ? -Infinity : Infinity) : /^[+-]?nan$/i.test(t) ? new Float(NaN) : null;
  }
  return bad('toFloat', v);
}

/** Cypher's text of a float: always with a fraction or exponent. */
export function floatText(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  const s = String(x);
  return /[.eE]/.test(s) ? s : s + '.0';
}

function toStringValue(v: Value): Value {
  switch (kindOf(v)) {
    case 'string':
      return v;
    case 'integer':
      return String(v);
    case 'float':
      return floatText((v as Float).v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return bad('toString', v);
  }
}

function pathNodes(p: PathValue): Value[] {
  return [...p.nodes];
}

function round(x: number): number {
  // Cypher rounds half away from zero.
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function props(v: Value): MapValue {
  const m: MapValue = new Map();
  for (const [k, x] of Object.entries((v as NodeRecord).props)) m.set(k, fromJson(x));
  return m;
}

function alive(v: Value, ctx: Ctx, what: string): void {
  if (ctx.deleted !== undefined && (isNode(v) || isEdge(v)) && ctx.deleted.has(v.id)) throw new GqlDeletedEntityError(what);
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Characters `start` to `end` of `s`, counted as size() counts them (code points, not UTF-16 units). */
function chars(s: string, start: number, end?: number): string {
  if (!SURROGATE.test(s)) return s.substring(start, end);
  return [...s].slice(start, end).join('');
}

function listOrNull(f: string, v: Value): Value[] {
  return Array.isArray(v) ? v : bad(f, v);
}

const functions: Record<string, FunctionDef> = {
  // ---- lists and strings
  size: strict1((v) => (typeof v === 'string' ? [...v].length : Array.isArray(v) ? v.length : bad('size', v))),
  length: strict1((v) => (v instanceof PathValue ? v.edges.length : typeof v === 'string' ? [...v].length : bad('length', v))),
  head: strict1((v) => (listOrNull('head', v).length === 0 ? null : (v as Value[])[0])),
  last: strict1((v) => {
    const l = listOrNull('last', v);
    return l.length === 0 ? null : l[l.length - 1];
  }),
  tail: strict1((v) => listOrNull('tail', v).slice(1)),
  reverse: strict1((v) => (typeof v === 'string' ? [...v].reverse().join('') : Array.isArray(v) ? [...v].reverse() : bad('reverse', v))),
  range: {
    min: 2,
    max: 3,
    fn: (a) => {
      if (a.some((x) => x === null)) return null;
      const from = integer('range', a[0]);
      const to = integer('range', a[1]);
      const step = a.length > 2 ? integer('range', a[2]) : 1;
      if (step === 0) throw new GqlArgumentError('NumberOutOfRange', 'range(): step must not be zero');
      const out: Value[] = [];
      if (step > 0) for (let i = from; i <= to; i += step) out.push(i);
      else for (let i = from; i >= to; i += step) out.push(i);
      return out;
    },
  },
  keys: strict1((v, ctx) => {
    if (v instanceof Map) return [...v.keys()];
    alive(v, ctx, 'keys()');
    if (isNode(v) || isEdge(v)) return Object.keys(v.props);
    return bad('keys', v);
  }),
  labels: strict1((v, ctx) => (isNode(v) ? (alive(v, ctx, 'labels()'), [...v.labels]) : bad('labels', v))),
  type: strict1((v) => (isEdge(v) ? v.type : bad('type', v))),
  id: strict1((v) => (isNode(v) || isEdge(v) ? v.id : bad('id', v))),
  elementid: strict1((v) => (isNode(v) || isEdge(v) ? v.id : bad('elementId', v))),
  properties: strict1((v, ctx) => (v instanceof Map ? v : isNode(v) || isEdge(v) ? (alive(v, ctx, 'properties()'), props(v)) : bad('properties', v))),
  startnode: strict1((v, ctx) => (isEdge(v) ? (ctx.view.getNode(v.src) ?? null) : bad('startNode', v))),
  endnode: strict1((v, ctx) => (isEdge(v) ? (ctx.view.getNode(v.dst) ?? null) : bad('endNode', v))),
  nodes: strict1((v) => (v instanceof PathValue ? pathNodes(v) : bad('nodes', v))),
  relationships: strict1((v) => (v instanceof PathValue ? [...v.edges] : bad('relationships', v))),
  coalesce: { min: 1, max: Infinity, fn: (a) => a.find((x) => x !== null) ?? null },
  // ---- strings
  toupper: strict1((v) => str('toUpper', v).toUpperCase()),
  tolower: strict1((v) => str('toLower', v).toLowerCase()),
  trim: strict1((v) => str('trim', v).trim()),
  ltrim: strict1((v) => str('lTrim', v).trimStart()),
  rtrim: strict1((v) => str('rTrim', v).trimEnd()),
  split: {
    min: 2,
    max: 2,
    fn: (a) => {
      if (a[0] === null || a[1] === null) return null;
      const sep = str('split', a[1]);
      // By characters (code points), as size() counts them.
      return sep === '' ? [...str('split', a[0])] : str('split', a[0]).split(sep);
    },
  },
  replace: {
    min: 3,
    max: 3,
    fn: (a) => {
      if (a.some((x) => x === null)) return null;
      const [s, search, by] = [str('replace', a[0]), str('replace', a[1]), str('replace', a[2])];
      // An empty search matches at every character boundary, both ends included.
      if (search === '') return s === '' ? by : by + [...s].join(by) + by;
      return s.split(search).join(by);
    },
  },
  substring: {
    min: 2,
    max: 3,
    fn: (a) => {
      if (a[0] === null || a[1] === null || (a.length > 2 && a[2] === null)) return null;
      const s = str('substring', a[0]);
      const start = integer('substring', a[1]);
      if (start < 0) throw new GqlArgumentError('NegativeIntegerArgument', 'substring(): negative start');
      if (a.length > 2) {
        const len = integer('substring', a[2]);
        if (len < 0) throw new GqlArgumentError('NegativeIntegerArgument', 'substring(): negative length');
        return chars(s, start, start + len);
      }
      return chars(s, start);
    },
  },
  left: {
    min: 2,
    max: 2,
    fn: (a) => {
      if (a[0] === null) return null;
      if (a[1] === null) throw new GqlArgumentError('InvalidArgumentValue', 'left(): null length');
      const n = integer('left', a[1]);
      if (n < 0) throw new GqlArgumentError('NegativeIntegerArgument', 'left(): negative length');
      return chars(str('left', a[0]), 0, n);
    },
  },
  right: {
    min: 2,
    max: 2,
    fn: (a) => {
      if (a[0] === null) return null;
      if (a[1] === null) throw new GqlArgumentError('InvalidArgumentValue', 'right(): null length');
      const n = integer('right', a[1]);
      if (n < 0) throw new GqlArgumentError('NegativeIntegerArgument', 'right(): negative length');
      const s = str('right', a[0]);
      const size = SURROGATE.test(s) ? [...s].length : s.length;
      return n >= size ? s : chars(s, size - n);
    },
  },
  tostring: strict1(toStringValue),
  tointeger: strict1(toInteger),
  tofloat: strict1(toFloat),
  toboolean: strict1((v) => {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string') {
      const t = v.trim().toLowerCase();
      return t === 'true' ? true : t === 'false' ? false : null;
    }
    if (typeof v === 'number' || typeof v === 'bigint') return v !== 0 && v !== 0n;
    return bad('toBoolean', v);
  }),
  // ---- numbers
  abs: strict1((v) => {
    const x = numeric('abs', v);
    if (x instanceof Float) return new Float(Math.abs(x.v));
    return typeof x === 'bigint' ? int(x < 0n ? -x : x) : Math.abs(x);
  }),
  sign: strict1((v) => Math.sign(num(numeric('sign', v)))),
  floor: strict1((v) => new Float(Math.floor(num(numeric('floor', v))))),
  ceil: strict1((v) => new Float(Math.ceil(num(numeric('ceil', v))))),
  round: strict1((v) => new Float(round(num(numeric('round', v))))),
  sqrt: strict1((v) => new Float(Math.sqrt(num(numeric('sqrt', v))))),
  exp: strict1((v) => new Float(Math.exp(num(numeric('exp', v))))),
  log: strict1((v) => new Float(Math.log(num(numeric('log', v))))),
  log10: strict1((v) => new Float(Math.log10(num(numeric('log10', v))))),
  sin: strict1((v) => new Float(Math.sin(num(numeric('sin', v))))),
  cos: strict1((v) => new Float(Math.cos(num(numeric('cos', v))))),
  tan: strict1((v) => new Float(Math.tan(num(numeric('tan', v))))),
  e: { min: 0, max: 0, fn: () => new Float(Math.E) },
  pi: { min: 0, max: 0, fn: () => new Float(Math.PI) },
  rand: { min: 0, max: 0, fn: () => new Float(Math.random()) },
};

/** The scalar function named `name` (case-insensitive), or undefined. */
export function lookupFunction(name: string): FunctionDef | undefined {
  const k = name.toLowerCase();
  return Object.prototype.hasOwnProperty.call(functions, k) ? functions[k] : undefined;
}

export const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max', 'collect']);

export function isAggregateName(name: string): boolean {
  return AGGREGATES.has(name.toLowerCase());
}

