import { GraphError } from '../errors.ts';
import { canonicalKeys, inCanonicalOrder } from './cbor.ts';
import type { Json, Props } from '../types.ts';

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Where a value is being validated, for error messages only: `subject` (an
 * element, or "meta") of `method`, plus the keys walked down to the value.
 * Messages are built only when a value is refused, so the hot path formats no
 * strings.
 */
class Ctx {
  /** Keys from the top value down to the one being checked. */
  readonly keys: (string | number)[] = [];
  /** Objects being walked (for cycle detection); as deep as `keys`. */
  readonly open: object[] = [];
  constructor(
    private readonly method: string,
    private readonly kind: string,
    private readonly id: string | undefined,
    readonly track: boolean,
    /** What the path of a value that is not an element's starts with. */
    private readonly root = 'value',
  ) {}
  where(): string {
    return this.id === undefined ? `${this.method}: ${this.kind}` : `${this.method}: ${this.kind} "${this.id}"`;
  }
  /** The error for the value at the current path: `<where>: property a.b[2] <what>`. */
  fail(what: string): GraphError {
    // A meta's path starts at `value` (a checked value's at its root); an element's at its property name.
    let path = this.id === undefined ? this.root : '';
    for (const k of this.keys) path += typeof k === 'number' ? `[${k}]` : path === '' ? k : `.${k}`;
    return new GraphError('INVALID_PROPERTY', `${this.where()}: property ${path} ${what}`);
  }
  enter(v: object): void {
    for (let i = 0; i < this.open.length; i++) if (this.open[i] === v) throw this.fail('contains a cycle');
    this.open.push(v);
  }
  leave(): void {
    this.open.pop();
  }
}

/**
 * `obj[k] = v` for a key of JSON data: a key `__proto__` (JSON.parse makes it
 * an own key) stays an ordinary key instead of replacing the prototype.
 */
export function putKey<V>(obj: Record<string, V>, k: string, v: V): void {
  if (k === '__proto__') Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[k] = v;
}

/**
 * Validates a property map and returns a deep-frozen copy that the store owns,
 * so later changes to the caller's object cannot reach a stored version.
 * Every object in it has its keys in canonical order (`canonicalKeys`: the
 * order of its block), so a value reads the same whether it was written here,
 * rebuilt from a log or loaded from blocks.
 * Rejects what JSON cannot carry: undefined, functions, symbols, bigints,
 * NaN and ±Infinity, class instances (Date, Map, ...) and cycles. -0 becomes 0.
 * Errors name `method`, the element (`kind` "id") and the property path.
 */
export function ownProps(method: string, kind: string, id: string, props: unknown): Props {
  if (props === undefined || props === null) return EMPTY_PROPS;
  if (typeof props === 'object' && isOwned(props)) return props as Props;
  if (!isPlainObject(props)) throw new GraphError('INVALID_PROPERTY', `${method}: ${kind} "${id}": properties must be a plain object, got ${describe(props)}`);
  const keys = canonicalKeys(Object.keys(props));
  if (keys.length === 0) return EMPTY_PROPS;
  const out: Record<string, Json> = {};
  const ctx = new Ctx(method, kind, id, true);
  ctx.open.push(props);
  for (const k of keys) putKey(out, k, ownAt(ctx, k, (props as Record<string, unknown>)[k]));
  return owned(out, true);
}

/**
 * `base` (props this module owns) with `patch` applied (`undefined` removes a
 * key), as owned props: only the patched values are validated and copied, the
 * rest is shared with `base`. Key order is base's, then new keys. `base`
 * itself when the patch changes nothing (each value the one already there, by
 * identity; each removed key absent), so callers can tell a no-op.
 */
export function mergeOwnedProps(method: string, kind: string, id: string, base: Props, patch: { readonly [key: string]: unknown }): Props {
  const out: Record<string, Json> = {};
  let ctx: Ctx | undefined;
  let n = 0;
  let changed = false;
  // for-in over own keys, not Object.keys: no key array per merge. The own-key test keeps out an
  // inherited key (a patch made with a prototype, or an enumerable key someone put on Object.prototype).
  for (const k in base) {
    if (!hasOwn.call(base, k)) continue;
    if (hasOwn.call(patch, k)) {
      const v = patch[k];
      if (v === base[k]) putKey(out, k, base[k]);
      else {
        changed = true;
        if (v === undefined) continue;
        putKey(out, k, ownAt((ctx ??= new Ctx(method, kind, id, true)), k, v));
      }
    } else putKey(out, k, base[k]);
    n++;
  }
  let added = false;
  for (const k in patch) {
    if (!hasOwn.call(patch, k) || hasOwn.call(base, k)) continue;
    const v = patch[k];
    if (v === undefined) continue;
    putKey(out, k, ownAt((ctx ??= new Ctx(method, kind, id, true)), k, v));
    n++;
    added = true;
  }
  if (!changed && !added) return base;
  if (n === 0) return EMPTY_PROPS;
  // base's keys are in canonical order, and so are they still; new keys may not be.
  return owned(added ? inKeyOrder(out) : out, true);
}

/** `obj` itself if its keys are in canonical order, else a copy whose keys are. */
function inKeyOrder(obj: Record<string, Json>): Record<string, Json> {
  const keys = Object.keys(obj);
  if (inCanonicalOrder(keys)) return obj;
  const out: Record<string, Json> = {};
  for (const k of canonicalKeys(keys)) putKey(out, k, obj[k]);
  return out;
}

/**
 * A JSON value read back from the store's own log or blocks (text it wrote:
 * no check needed), as the store keeps it: deep-frozen. Properties (`props`
 * true) also get objects' keys in canonical order (a log written before that
 * order was kept is reordered) and the owned mark; metadata keeps its order.
 * Values fresh from a parser are frozen in place; only a misordered object is copied.
 */
export function reviveJson<T>(v: T, props: boolean): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = reviveJson(v[i], props);
    return owned(v, props);
  }
  const obj = v as Record<string, Json>;
  for (const k of Object.keys(obj)) obj[k] = reviveJson(obj[k], props);
  return owned(props ? inKeyOrder(obj) : obj, props) as T;
}

/**
 * Values this module validated and froze carry a private brand (a class field
 * stamped onto the object through a base constructor that returns it).
 * Frozen values cannot change, so when one comes back (a record's props, or
 * the unchanged parts of an immer result built from them) it is reused as it
 * is instead of copied again. A brand is invisible to keys, symbols, spreads,
 * JSON, equality helpers and structured clones, and no copy carries it.
 * (Stamping costs about a quarter of a `defineProperty` of a symbol, which is
 * a slow path in V8, and a WeakSet costs more still: a table to grow, and
 * ephemerons for the collector to trace.)
 */
class Stamp {
  constructor(v: object) {
    return v;
  }
}
class Owned extends Stamp {
  #owned = true;
  static is(v: object): boolean {
    return #owned in v;
  }
}

function isOwned(v: object): boolean {
  return Owned.is(v);
}

function owned<T extends object>(v: T, track: boolean): T {
  if (track) new Owned(v);
  Object.freeze(v);
  return v;
}

/** Validates any JSON-like value (commit metadata; errors name `method`) and returns a deep-frozen copy. */
export function ownJson(method: string, value: unknown): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  // Metadata never comes back as properties: no need to remember it as owned.
  return own(new Ctx(method, 'meta', undefined, false), value);
}

/**
 * Checks that `value` is what the store accepts as a property or meta value
 * (JSON-like: no undefined, NaN, class instances, cycles, ...), without
 * keeping it; throws INVALID_PROPERTY naming `method`, `what` and the path
 * (`<method>: <what>: property <what>.a[2] is NaN, ...`). For layers that
 * hand values on elsewhere (a database, another process) and must refuse
 * them as the store would.
 */
export function checkJson(method: string, what: string, value: unknown): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  own(new Ctx(method, what, undefined, false, what), value);
}

/**
 * Validates a JSON-like value that the caller hands over and deep-freezes it
 * in place (no copy): what `ownJson` checks, without the copy. Values this
 * module owns already are shared as they are; -0 becomes 0 (in place, unless
 * its container is frozen already: then it is refused).
 */
export function adoptJson(method: string, value: unknown): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  const ctx = new Ctx(method, 'meta', undefined, false);
  if (typeof value === 'object') {
    adopt(ctx, value);
    return value as Json;
  }
  return own(ctx, value);
}

function adopt(ctx: Ctx, v: object): void {
  if (isOwned(v)) return;
  ctx.enter(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) adoptIn(ctx, v as unknown as Record<number, unknown>, i);
  } else if (isPlainObject(v)) {
    for (const k in v) if (hasOwn.call(v, k)) adoptIn(ctx, v, k);
  } else {
    throw ctx.fail(`is ${describe(v)}, which is not JSON-like`);
  }
  ctx.leave();
  Object.freeze(v);
}

function adoptIn(ctx: Ctx, parent: Record<string | number, unknown>, key: string | number): void {
  const x = parent[key];
  switch (typeof x) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (Number.isFinite(x) && !Object.is(x, -0)) return;
      ctx.keys.push(key);
      if (!Number.isFinite(x)) throw ctx.fail(`is ${x}, which is not a JSON number`);
      if (Object.isFrozen(parent)) throw ctx.fail('is -0 in a frozen object, which adopted metadata cannot rewrite to 0');
      parent[key] = 0;
      ctx.keys.pop();
      return;
    case 'object':
      if (x !== null) {
        ctx.keys.push(key);
        adopt(ctx, x);
        ctx.keys.pop();
      }
      return;
    default:
      ctx.keys.push(key);
      throw ctx.fail(`is ${describe(x)}, which is not JSON-like`);
  }
}

export const EMPTY_PROPS: Props = owned({}, true);

/** `own` of the value at `key` (pushed on the path while it is checked). */
function ownAt(ctx: Ctx, key: string | number, v: unknown): Json {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (Number.isFinite(v)) return v === 0 ? 0 : v;
  }
  ctx.keys.push(key);
  const out = own(ctx, v);
  ctx.keys.pop();
  return out;
}

function own(ctx: Ctx, v: unknown): Json {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw ctx.fail(`is ${v}, which is not a JSON number`);
      return v === 0 ? 0 : v;
    case 'object': {
      if (v === null) return null;
      if (isOwned(v)) return v as Json;
      ctx.enter(v);
      let result: Json;
      if (Array.isArray(v)) {
        const arr: Json[] = new Array(v.length);
        for (let i = 0; i < v.length; i++) arr[i] = ownAt(ctx, i, v[i]);
        result = owned(arr, ctx.track);
      } else if (isPlainObject(v)) {
        const obj: Record<string, Json> = {};
        // Props' objects in canonical key order; metadata (not tracked) keeps the caller's order, as adopted metadata does.
        const keys = ctx.track ? canonicalKeys(Object.keys(v)) : Object.keys(v);
        for (const k of keys) putKey(obj, k, ownAt(ctx, k, (v as Record<string, unknown>)[k]));
        result = owned(obj, ctx.track);
      } else {
        throw ctx.fail(`is ${describe(v)}, which is not JSON-like`);
      }
      ctx.leave();
      return result;
    }
    default:
      throw ctx.fail(`is ${describe(v)}, which is not JSON-like`);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
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
