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
  if (typeof props === 'object' && isOwned(props)) return props as Props;
  if (!isPlainObject(props)) throw new GraphError('INVALID_PROPERTY', `${where}: properties must be a plain object, got ${describe(props)}`);
  const keys = Object.keys(props);
  if (keys.length === 0) return EMPTY_PROPS;
  const out: Record<string, Json> = {};
  const stack = new Set<object>([props]);
  for (const k of keys) out[k] = own(where, k, (props as Record<string, unknown>)[k], stack, true);
  return owned(out, true);
}

/**
 * `base` (props this module owns) with `patch` applied (`undefined` removes a
 * key), as owned props: only the patched values are validated and copied, the
 * rest is shared with `base`. Key order is base's, then new keys.
 */
export function mergeOwnedProps(where: string, base: Props, patch: { readonly [key: string]: unknown }): Props {
  const out: Record<string, Json> = {};
  const stack = new Set<object>();
  let n = 0;
  for (const k of Object.keys(base)) {
    if (Object.prototype.hasOwnProperty.call(patch, k)) {
      const v = patch[k];
      if (v === undefined) continue;
      out[k] = own(where, k, v, stack, true);
    } else out[k] = base[k];
    n++;
  }
  for (const k of Object.keys(patch)) {
    if (Object.prototype.hasOwnProperty.call(base, k)) continue;
    const v = patch[k];
    if (v === undefined) continue;
    out[k] = own(where, k, v, stack, true);
    n++;
  }
  return n === 0 ? EMPTY_PROPS : owned(out, true);
}

/**
 * Values this module validated and froze carry a non-enumerable symbol
 * property whose value is the object itself. Frozen values cannot change, so
 * when one comes back (a record's props, or the unchanged parts of an immer
 * result built from them) it is reused as it is instead of copied again. The
 * mark is invisible to keys, spreads, JSON and structured clones, and a copy
 * that does carry it over (a descriptor copy) is not mistaken for the
 * original: the mark must point at the object that holds it. (Cheaper than a
 * WeakSet: no table to grow, nothing for the collector to trace as ephemerons.)
 */
const OWNED: unique symbol = Symbol('itonami.owned');

function isOwned(v: object): boolean {
  return (v as { [OWNED]?: unknown })[OWNED] === v;
}

function owned<T extends object>(v: T, track: boolean): T {
  if (track) Object.defineProperty(v, OWNED, { value: v });
  Object.freeze(v);
  return v;
}

/** Validates any JSON-like value (commit metadata) and returns a deep-frozen copy. */
export function ownJson(where: string, value: unknown): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  // Metadata never comes back as properties: no need to remember it as owned.
  return own(where, 'value', value, new Set(), false);
}

/**
 * Validates a JSON-like value that the caller hands over and deep-freezes it
 * in place (no copy): what `ownJson` checks, without the copy. Values this
 * module owns already are shared as they are; -0 becomes 0 (in place, unless
 * its container is frozen already: then it is refused).
 */
export function adoptJson(where: string, value: unknown): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'object') {
    adopt(where, 'value', value, new Set());
    return value as Json;
  }
  return own(where, 'value', value, new Set(), false);
}

function adopt(where: string, path: string, v: object, stack: Set<object>): void {
  if (isOwned(v)) return;
  if (stack.has(v)) throw new GraphError('INVALID_PROPERTY', `${where}: property ${path} contains a cycle`);
  stack.add(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) adoptIn(where, `${path}[${i}]`, v as unknown as Record<number, unknown>, i, stack);
  } else if (isPlainObject(v)) {
    for (const k of Object.keys(v)) adoptIn(where, `${path}.${k}`, v, k, stack);
  } else {
    throw new GraphError('INVALID_PROPERTY', `${where}: property ${path} is ${describe(v)}, which is not JSON-like`);
  }
  stack.delete(v);
  Object.freeze(v);
}

function adoptIn(where: string, path: string, parent: Record<string | number, unknown>, key: string | number, stack: Set<object>): void {
  const x = parent[key];
  switch (typeof x) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(x)) throw new GraphError('INVALID_PROPERTY', `${where}: property ${path} is ${x}, which is not a JSON number`);
      if (Object.is(x, -0)) {
        if (Object.isFrozen(parent)) throw new GraphError('INVALID_PROPERTY', `${where}: property ${path} is -0 in a frozen object, which adopted metadata cannot rewrite to 0`);
        parent[key] = 0;
      }
      return;
    case 'object':
      if (x !== null) adopt(where, path, x, stack);
      return;
    default:
      throw new GraphError('INVALID_PROPERTY', `${where}: property ${path} is ${describe(x)}, which is not JSON-like`);
  }
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
      if (isOwned(v)) return v as Json;
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
