import type { EdgeRecord, NodeRecord, Props } from '../types.ts';

/**
 * Where an element caches its Merkle digest. A symbol key, so that a record's
 * own enumerable fields are exactly its data: `JSON.stringify` of a record is
 * its log form (`compactEntryJson`), and a user's JSON of it holds no digest.
 * Set only once computed: an undefined symbol-keyed field makes two equal
 * records unequal to vitest's `toEqual`. (A record whose digest is cached is
 * still unequal there to one whose digest is not, as with the string field
 * before; compare records by their fields or by CIDs.)
 */
export const DIGEST: unique symbol = Symbol('itonami.digest');

/**
 * Stored elements. Plain classes rather than frozen objects so that the
 * Merkle digest of an element can be cached on it; fields are readonly in the
 * public types and never written after construction.
 */
export class NodeRec implements NodeRecord {
  declare [DIGEST]?: string;
  constructor(
    readonly id: string,
    readonly labels: readonly string[],
    readonly props: Props,
  ) {}
}

export class EdgeRec implements EdgeRecord {
  declare [DIGEST]?: string;
  constructor(
    readonly id: string,
    readonly type: string,
    readonly src: string,
    readonly dst: string,
    readonly props: Props,
  ) {}
}

/** Sorted, de-duplicated, frozen label list. */
export function normLabels(labels: Iterable<string> | undefined): readonly string[] {
  if (labels === undefined) return NO_LABELS;
  // A frozen list that is sorted and free of duplicates already (a rule's labels) is kept as it is.
  if (Array.isArray(labels) && Object.isFrozen(labels) && labels.length > 0 && sortedUnique(labels)) return labels;
  const arr = Array.from(new Set(labels));
  if (arr.length === 0) return NO_LABELS;
  arr.sort();
  return Object.freeze(arr);
}

const NO_LABELS: readonly string[] = Object.freeze([]);

function sortedUnique(labels: readonly unknown[]): boolean {
  for (let i = 0; i < labels.length; i++) {
    if (typeof labels[i] !== 'string') return false;
    if (i > 0 && !((labels[i - 1] as string) < (labels[i] as string))) return false;
  }
  return true;
}

/** Two sorted label lists hold the same labels. */
export function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The same keys with identical values (stored values are frozen: identity is equality, and cheap). */
export function sameProps(a: { readonly [k: string]: unknown }, b: { readonly [k: string]: unknown }): boolean {
  if (a === b) return true;
  let n = 0;
  for (const k in a) {
    if (!Object.prototype.hasOwnProperty.call(a, k)) continue;
    if (!Object.prototype.hasOwnProperty.call(b, k) || a[k] !== b[k]) return false;
    n++;
  }
  for (const k in b) if (Object.prototype.hasOwnProperty.call(b, k)) n--;
  return n === 0;
}
