import type { Json } from '../../graph/index.ts';

/**
 * An execution's outputs in the order its workflow declares them (then any
 * others). The store keeps object keys in one canonical order (docs/store.md),
 * which is not the declared one; results and events show the declared order.
 */
export function inDeclaredOrder(outputs: Json | undefined, spec: Json | undefined): { [k: string]: Json } {
  if (outputs === undefined || outputs === null || typeof outputs !== 'object' || Array.isArray(outputs)) return {};
  const all = outputs as { readonly [k: string]: Json };
  const out: { [k: string]: Json } = {};
  if (Array.isArray(spec)) {
    for (const s of spec) {
      const name = (s as { name?: unknown } | null)?.name;
      if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(all, name)) out[name] = all[name];
    }
  }
  for (const k of Object.keys(all)) if (!Object.prototype.hasOwnProperty.call(out, k)) out[k] = all[k];
  return out;
}
