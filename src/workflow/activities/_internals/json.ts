import type { Json } from '../../../graph/types.ts';

/**
 * Returns a deep-frozen JSON copy of `value`, or a string naming the first
 * offending path (`$.items[2].at`) and what was found there. Rejects what the
 * store cannot hold: undefined, functions, symbols, bigints, NaN/±Infinity,
 * class instances (Date, Map, Buffer, ...) and cycles. -0 becomes 0.
 */
export function toJson(value: unknown): { ok: true; value: Json } | { ok: false; problem: string } {
  try {
    return { ok: true, value: copy(value, '$', new Set()) };
  } catch (err) {
    if (err instanceof NotJson) return { ok: false, problem: err.message };
    throw err;
  }
}

class NotJson extends Error {}

function copy(v: unknown, path: string, stack: Set<object>): Json {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw new NotJson(`${path} is ${v}`);
      return v === 0 ? 0 : v;
    case 'object': {
      if (v === null) return null;
      if (stack.has(v)) throw new NotJson(`${path} is a cycle`);
      stack.add(v);
      let out: Json;
      if (Array.isArray(v)) {
        const arr: Json[] = new Array(v.length);
        for (let i = 0; i < v.length; i++) arr[i] = copy(v[i], `${path}[${i}]`, stack);
        out = Object.freeze(arr);
      } else if (isPlainObject(v)) {
        const obj: Record<string, Json> = {};
        for (const k of Object.keys(v)) obj[k] = copy(v[k], `${path}.${k}`, stack);
        out = Object.freeze(obj);
      } else {
        throw new NotJson(`${path} is ${describe(v)}`);
      }
      stack.delete(v);
      return out;
    }
    default:
      throw new NotJson(`${path} is ${describe(v)}`);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'} instance`;
  if (typeof v === 'function') return 'a function';
  return `${typeof v}${typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? ` ${String(v)}` : ''}`;
}

/**
 * A database value as JSON: bigint → number when safe, else its decimal
 * string; Date → ISO string; bytes → base64 string; plain JSON unchanged.
 */
export function dbValueToJson(v: unknown): Json {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(dbValueToJson);
  if (isPlainObject(v)) {
    const o: Record<string, Json> = {};
    for (const k of Object.keys(v)) o[k] = dbValueToJson(v[k]);
    return o;
  }
  return v as Json;
}
