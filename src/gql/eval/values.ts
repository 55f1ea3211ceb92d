import { putKey } from '../../graph/index.ts';
import type { EdgeRecord, Json, NodeRecord } from '../../graph/index.ts';
import { LazyNode } from '../../rules/match/index.ts';
import { GqlArithmeticError, GqlTypeError } from '../eval-errors.ts';

/**
 * A float. Integers are JS numbers (bigints beyond ±2^53), so that `1` and
 * `1.0` stay distinct as in Cypher; floats are boxed.
 */
export class Float {
  constructor(readonly v: number) {}
}

/** A path: `nodes.length === edges.length + 1`, edges in walking order. */
export class PathValue {
  constructor(
    readonly nodes: readonly NodeRecord[],
    readonly edges: readonly EdgeRecord[],
  ) {}
}

/** A Cypher map; a plain JS Map so it cannot be mistaken for a node or an edge. */
export type MapValue = Map<string, Value>;

/** Every value the evaluator handles. */
export type Value = null | boolean | string | number | bigint | Float | Value[] | MapValue | NodeRecord | EdgeRecord | PathValue;

export type Kind = 'null' | 'boolean' | 'string' | 'integer' | 'float' | 'list' | 'map' | 'node' | 'relationship' | 'path';

export function kindOf(v: Value): Kind {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'number':
    case 'bigint':
      return 'integer';
  }
  if (v instanceof Float) return 'float';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'map';
  if (v instanceof PathValue) return 'path';
  if (v instanceof LazyNode) return 'node';
  return (v as NodeRecord).labels !== undefined ? 'node' : 'relationship';
}

export function isNode(v: Value): v is NodeRecord {
  // A LazyNode is a node whose record is not read yet: asking must not read it.
  return typeof v === 'object' && v !== null && (v instanceof LazyNode || ((v as NodeRecord).labels !== undefined && !Array.isArray(v) && !(v instanceof Map)));
}
export function isEdge(v: Value): v is EdgeRecord {
  return typeof v === 'object' && v !== null && (v as EdgeRecord).type !== undefined && (v as EdgeRecord).src !== undefined && !(v instanceof Map) && !Array.isArray(v);
}
export function isNumber(v: Value): v is number | bigint | Float {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof Float;
}
export function num(v: number | bigint | Float): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : v.v;
}

const MAX = 9223372036854775807n;
const MIN = -9223372036854775808n;

/** Normalises an integer result: a number when safe, a bigint in the int64 range, an error beyond. */
export function int(x: bigint): number | bigint {
  if (x > MAX || x < MIN) throw new GqlArithmeticError('IntegerOverflow', 'integer overflow');
  return x >= -9007199254740991n && x <= 9007199254740991n ? Number(x) : x;
}

export function intOp(a: number | bigint, b: number | bigint, op: '+' | '-' | '*'): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = op === '+' ? a + b : op === '-' ? a - b : a * b;
    if (Number.isSafeInteger(r)) return r;
  }
  const x = BigInt(a);
  const y = BigInt(b);
  return int(op === '+' ? x + y : op === '-' ? x - y : x * y);
}

// ---------------------------------------------------------------- JSON <-> values

/** A stored property value as a Cypher value. */
export function fromJson(j: Json | undefined): Value {
  if (j === undefined || j === null) return null;
  switch (typeof j) {
    case 'number':
      return Number.isInteger(j) ? j : new Float(j);
    case 'string':
    case 'boolean':
      return j;
  }
  if (Array.isArray(j)) return (j as readonly Json[]).map(fromJson);
  const m: MapValue = new Map();
  for (const k of Object.keys(j)) m.set(k, fromJson((j as { [k: string]: Json })[k]));
  return m;
}

/** A value to store as a property; null for null (the caller drops the key). */
export function toJson(v: Value, what: string): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Float) {
    if (!Number.isFinite(v.v)) throw new GqlTypeError(`${what}: cannot store ${v.v}`, 'InvalidPropertyType');
    return v.v;
  }
  if (Array.isArray(v)) return v.map((x) => toJson(x, what));
  throw new GqlTypeError(`${what}: a ${kindOf(v)} cannot be stored as a property`, 'InvalidPropertyType');
}

/** A caller's parameter (plain JS) as a Cypher value: integral numbers are integers. */
export function fromPublic(x: unknown): Value {
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case 'number':
      return Number.isInteger(x) ? x : new Float(x);
    case 'bigint':
      return int(x);
    case 'string':
    case 'boolean':
      return x;
  }
  if (x instanceof Float || x instanceof PathValue || x instanceof Map) return x as Value;
  if (Array.isArray(x)) return x.map(fromPublic);
  if (typeof x === 'object') {
    // A map is a plain object; a Date, a class instance, is no GQL value (not an empty map).
    const proto = Object.getPrototypeOf(x) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new GqlTypeError(`parameter of type ${(x as object).constructor?.name ?? 'object'} is not a GQL value (a map is a plain object)`);
    const m: MapValue = new Map();
    for (const [k, v] of Object.entries(x as object)) m.set(k, fromPublic(v));
    return m;
  }
  throw new GqlTypeError(`parameter of type ${typeof x} is not a GQL value`);
}

/** What query results hold: plain values; nodes, edges and paths as records. */
export type PublicValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PublicValue[]
  | { [key: string]: PublicValue }
  | PublicNode
  | PublicEdge
  | PublicPath;

export interface PublicNode {
  readonly id: string;
  readonly labels: readonly string[];
  readonly properties: { readonly [key: string]: Json };
}
export interface PublicEdge {
  readonly id: string;
  readonly type: string;
  readonly src: string;
  readonly dst: string;
  readonly properties: { readonly [key: string]: Json };
}
export interface PublicPath {
  readonly nodes: readonly PublicNode[];
  readonly edges: readonly PublicEdge[];
}

export function toPublic(v: Value): PublicValue {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Float) return v.v;
  if (Array.isArray(v)) return v.map(toPublic);
  if (v instanceof Map) {
    const o: { [key: string]: PublicValue } = {};
    // putKey: a `__proto__` key is an ordinary key, not the prototype setter.
    for (const [k, x] of v) putKey(o, k, toPublic(x));
    return o;
  }
  if (v instanceof PathValue) return { nodes: v.nodes.map(publicNode), edges: v.edges.map(publicEdge) };
  return isNode(v) ? publicNode(v) : publicEdge(v as EdgeRecord);
}

function publicNode(n: NodeRecord): PublicNode {
  return { id: n.id, labels: n.labels, properties: n.props };
}
function publicEdge(e: EdgeRecord): PublicEdge {
  return { id: e.id, type: e.type, src: e.src, dst: e.dst, properties: e.props };
}

// ---------------------------------------------------------------- equality and order

/** Cypher `=`: true, false or null (unknown). */
export function equals(a: Value, b: Value): boolean | null {
  if (a === null || b === null) return null;
  // Identity settles only scalars: one list can hold null (unknown), one Float can be NaN.
  if (a === b && typeof a !== 'object') return true;
  const ka = kindOf(a);
  const kb = kindOf(b);
  if ((ka === 'integer' || ka === 'float') && (kb === 'integer' || kb === 'float')) {
    if (ka === 'integer' && kb === 'integer') return BigInt(a as number | bigint) === BigInt(b as number | bigint);
    return num(a as number) === num(b as number);
  }
  if (ka !== kb) return false;
  switch (ka) {
    case 'list': {
      const x = a as Value[];
      const y = b as Value[];
      if (x.length !== y.length) return false;
      let unknown = false;
      for (let i = 0; i < x.length; i++) {
        const r = equals(x[i], y[i]);
        if (r === false) return false;
        if (r === null) unknown = true;
      }
      return unknown ? null : true;
    }
    case 'map': {
      const x = a as MapValue;
      const y = b as MapValue;
      if (x.size !== y.size) return false;
      let unknown = false;
      for (const [k, v] of x) {
        if (!y.has(k)) return false;
        const r = equals(v, y.get(k)!);
        if (r === false) return false;
        if (r === null) unknown = true;
      }
      return unknown ? null : true;
    }
    case 'node':
    case 'relationship':
      return (a as NodeRecord).id === (b as NodeRecord).id;
    case 'path': {
      const x = a as PathValue;
      const y = b as PathValue;
      if (x.edges.length !== y.edges.length) return false;
      for (let i = 0; i < x.nodes.length; i++) if (x.nodes[i].id !== y.nodes[i].id) return false;
      for (let i = 0; i < x.edges.length; i++) if (x.edges[i].id !== y.edges[i].id) return false;
      return true;
    }
    default:
      return a === b;
  }
}

/** Cypher `<` family: a negative, zero or positive number, or null when the values are not comparable. */
export function compare(a: Value, b: Value): number | null {
  if (a === null || b === null) return null;
  const ka = kindOf(a);
  const kb = kindOf(b);
  if ((ka === 'integer' || ka === 'float') && (kb === 'integer' || kb === 'float')) {
    if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
    if (ka === 'integer' && kb === 'integer') {
      const x = BigInt(a as number | bigint);
      const y = BigInt(b as number | bigint);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const x = num(a as number);
    const y = num(b as number);
    if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ka !== kb) return null;
  switch (ka) {
    case 'string':
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 'boolean':
      return (a ? 1 : 0) - (b ? 1 : 0);
    case 'list': {
      const x = a as Value[];
      const y = b as Value[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compare(x[i], y[i]);
        if (c === null) return null;
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    default:
      return null;
  }
}

const orderRank: Record<Kind, number> = { map: 0, node: 1, relationship: 2, list: 3, path: 4, string: 5, boolean: 6, integer: 7, float: 7, null: 9 };

/** The total order of ORDER BY (ascending): maps, nodes, relationships, lists, paths, strings, booleans, numbers (NaN last), null. */
export function orderCompare(a: Value, b: Value): number {
  const ka = kindOf(a);
  const kb = kindOf(b);
  const ra = orderRank[ka];
  const rb = orderRank[kb];
  if (ra !== rb) return ra - rb;
  switch (ka) {
    case 'null':
      return 0;
    case 'integer':
    case 'float': {
      const x = num(a as number);
      const y = num(b as number);
      const nx = Number.isNaN(x);
      const ny = Number.isNaN(y);
      if (nx || ny) return nx === ny ? 0 : nx ? 1 : -1;
      if (ka === 'integer' && kb === 'integer' && (typeof a === 'bigint' || typeof b === 'bigint')) {
        const p = BigInt(a as bigint);
        const q = BigInt(b as bigint);
        return p < q ? -1 : p > q ? 1 : 0;
      }
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'string':
    case 'boolean':
      return compare(a, b)!;
    case 'list': {
      const x = a as Value[];
      const y = b as Value[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = orderCompare(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    case 'map': {
      const x = [...(a as MapValue).entries()].sort((p, q) => (p[0] < q[0] ? -1 : 1));
      const y = [...(b as MapValue).entries()].sort((p, q) => (p[0] < q[0] ? -1 : 1));
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        if (x[i][0] !== y[i][0]) return x[i][0] < y[i][0] ? -1 : 1;
        const c = orderCompare(x[i][1], y[i][1]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    case 'node':
    case 'relationship': {
      const x = (a as NodeRecord).id;
      const y = (b as NodeRecord).id;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'path': {
      const x = a as PathValue;
      const y = b as PathValue;
      return orderCompare([...x.nodes, ...x.edges] as Value[], [...y.nodes, ...y.edges] as Value[]);
    }
  }
}

/** A string that is equal for equivalent values (DISTINCT, grouping): null ≡ null, 1 ≡ 1.0, NaN ≡ NaN. */
export function groupKey(v: Value): string {
  if (v === null) return 'N';
  switch (typeof v) {
    case 'boolean':
      return v ? 'T' : 'F';
    case 'string':
      return 's' + v.length + ':' + v;
    case 'number':
      return 'n' + v;
    case 'bigint':
      return 'n' + v.toString();
  }
  if (v instanceof Float) return 'n' + (Number.isInteger(v.v) && Number.isSafeInteger(v.v) ? String(v.v) : Number.isNaN(v.v) ? 'NaN' : String(v.v));
  if (Array.isArray(v)) return '[' + v.map(groupKey).join(',') + ']';
  if (v instanceof Map) return '{' + [...v.keys()].sort().map((k) => JSON.stringify(k) + ':' + groupKey(v.get(k)!)).join(',') + '}';
  if (v instanceof PathValue) return 'p(' + v.nodes.map((n) => n.id).join(',') + '|' + v.edges.map((e) => e.id).join(',') + ')';
  return (isNode(v) ? 'v' : 'e') + JSON.stringify(v.id);
}

export function rowKey(row: readonly Value[], n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += groupKey(row[i]) + '\u0000';
  return s;
}
