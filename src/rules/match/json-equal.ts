import type { Json } from '../../graph/index.ts';

/** Structural equality of JSON-like values (maps compared by key set). */
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
  const ao = a as { readonly [k: string]: Json };
  const bo = b as { readonly [k: string]: Json };
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!(k in bo) || !jsonEqual(ao[k], bo[k])) return false;
  return true;
}
