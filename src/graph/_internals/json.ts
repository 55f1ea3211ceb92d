import { GraphError } from '../errors.ts';
import type { Json, Props } from '../types.ts';

/**
 * Validates a property map and returns a deep-frozen copy that the store owns,
 * so later changes to the caller's object cannot reach a stored version.
 * Rejects what JSON cannot carry: undefined, functions, symbols, bigints,
 * NaN and ±Infinity, class instances (Date, Map, ...) and cycles. -0 becomes 0.
 */
export function ownProps(where: string, props: unknown): Props {
  if (props === undefined || props === null) return EMPTY_PROPS;
  if (OWNED.has(props as object)) return props as Props;
  if (!isPlainObject(props)) throw new GraphError('INVALID_PROPERTY', `${where}: properties must be a plain object, got ${describe(props)}`);
  const keys = Object.keys(props);
  if (keys.length === 0) return EMPTY_PROPS;
  const out: Record<string, Json> = {};
  const stack = new Set<object>([props]);
  for (const k of keys) out[k] = own(where, k, (props as Record<string, unknown>)[k], stack, true);
  return owned(out, true);
}

/**
 * Values this module validated and froze. Frozen values cannot change, so
 * when one comes back (a record's props, or the unchanged parts of an immer
 * result built from them) it is reused as it is instead of copied again.
 */
const OWNED = new WeakSet<object>();

function owned<T extends object>(v: T, track: boolean): T {
  Object.freeze(v);
  if (track) OWNED.add(v);
  return v;
}

/** Validates any JSON-like value (commit metadata) and returns a deep-frozen copy. */
export function ownJson(where: string, value: unknown): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  // Metadata never comes back as properties: no need to remember it as owned.
  return own(where, 'value', value, new Set(), false);
}

export const EMPTY_PROPS: Props = owned({}, true);

function own(where: string, path: string, v: unknown, stack: Set<object>, track: boolean): Json {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw new GraphError('INVALID_PROPERTY', `${where}: property ${path} is ${v}, which is not a JSON number`);
      return v === 0 ? 0 : v;
    case 'object': {
      if (v === null) return null;
      if (OWNED.has(v)) return v as Json;
      if (stack.has(v)) throw new GraphError('INVALID_PROPERTY', `${where}: property ${path} contains a cycle`);
      stack.add(v);
      let result: Json;
      if (Array.isArray(v)) {
        const arr: Json[] = new Array(v.length);
        for (let i = 0; i < v.length; i++) arr[i] = own(where, `${path}[${i}]`, v[i], stack, track);
        result = owned(arr, track);
      } else if (isPlainObject(v)) {
        const obj: Record<string, Json> = {};
        for (const k of Object.keys(v)) obj[k] = own(where, `${path}.${k}`, (v as Record<string, unknown>)[k], stack, track);
        result = owned(obj, track);
      } else {
        throw new GraphError('INVALID_PROPERTY', `${where}: property ${path} is ${describe(v)}, which is not JSON-like`);
      }
      stack.delete(v);
      return result;
    }
    default:
      throw new GraphError('INVALID_PROPERTY', `${where}: property ${path} is ${describe(v)}, which is not JSON-like`);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return 'a symbol';
  if (typeof v === 'bigint') return 'a bigint';
  if (typeof v === 'object' && v !== null) return `an instance of ${v.constructor?.name ?? 'an unknown class'}`;
  return String(v);
}

/** Deep equality of two JSON values (stored values are frozen, so identity is a fast path). */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!jsonEqual((a as Record<string, Json>)[k], (b as Record<string, Json>)[k])) return false;
  }
  return true;
}
