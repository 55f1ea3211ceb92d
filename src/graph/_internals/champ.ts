/**
 * A persistent hash trie (CHAMP: Steindorfer & Vinju, OOPSLA 2015) from string
 * keys to values.
 *
 * Why our own and not immutable.js: the Merkle root of a version is the hash of
 * its trie nodes, so each node must carry its cached digest, and the store needs
 * the node layout to encode blocks. CHAMP is canonical (one shape per key set,
 * deletions re-inline singletons), which makes the root CID history independent.
 *
 * Transient updates: an `Edit` token owned by one open transaction lets that
 * transaction mutate the nodes it created in place instead of path-copying on
 * every write. Committed nodes are never mutated.
 */

export type Edit = object;

const BITS = 4;
const MASK = 0xf;
/** Shift at which the 32-bit hash is exhausted and a collision node is used. */
const MAX_SHIFT = 32;

export class ChampNode<V> {
  /** Cached Merkle digest of this node's block; cleared on in-place edits. */
  digest: string | undefined = undefined;
  constructor(
    public datamap: number,
    public nodemap: number,
    /**
     * One array, so a path copy allocates one array per node: the key, value
     * pairs in bit order, then the children in bit order. A collision node
     * (hash exhausted) holds only pairs, sorted by key.
     */
    public arr: unknown[],
    public edit: Edit | null,
    public readonly collision = false,
  ) {}
}

export const EMPTY: ChampNode<never> = new ChampNode<never>(0, 0, [], null);

export function emptyNode<V>(): ChampNode<V> {
  return EMPTY as ChampNode<V>;
}

/** Number of key, value pairs held directly by a node. */
export function pairCount(node: ChampNode<unknown>): number {
  return node.collision ? node.arr.length >> 1 : popcount(node.datamap);
}

/** The i-th child of a node. */
export function childAt<V>(node: ChampNode<V>, i: number): ChampNode<V> {
  return node.arr[2 * popcount(node.datamap) + i] as ChampNode<V>;
}

export function childCount(node: ChampNode<unknown>): number {
  return node.collision ? 0 : popcount(node.nodemap);
}

/** The key hash in use; tests swap in degenerate hashes to exercise collisions. */
export const hashing = { hash: hashKey as (key: string) => number };

/** 32-bit FNV-1a over UTF-16 code units, then a murmur finaliser for spread. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function fragment(hash: number, shift: number): number {
  return shift >= 32 ? 0 : (hash >>> shift) & MASK;
}

export function get<V>(node: ChampNode<V>, key: string, hash: number = hashing.hash(key)): V | undefined {
  let shift = 0;
  for (;;) {
    const a = node.arr;
    if (node.collision) {
      for (let i = 0; i < a.length; i += 2) if (a[i] === key) return a[i + 1] as V;
      return undefined;
    }
    const bit = 1 << fragment(hash, shift);
    if (node.datamap & bit) {
      const i = 2 * popcount(node.datamap & (bit - 1));
      return a[i] === key ? (a[i + 1] as V) : undefined;
    }
    if (node.nodemap & bit) {
      node = a[2 * popcount(node.datamap) + popcount(node.nodemap & (bit - 1))] as ChampNode<V>;
      shift += BITS;
      continue;
    }
    return undefined;
  }
}

/** Out-parameter of set/remove: whether the key set changed size. */
export interface Change {
  added: boolean;
  removed: boolean;
  /** The value that was replaced or removed, if any. */
  old: unknown;
}

export function newChange(): Change {
  return { added: false, removed: false, old: undefined };
}

function owned<V>(node: ChampNode<V>, edit: Edit | null): ChampNode<V> {
  if (edit !== null && node.edit === edit) {
    node.digest = undefined;
    return node;
  }
  return new ChampNode<V>(node.datamap, node.nodemap, node.arr.slice(), edit, node.collision);
}

function mergeTwo<V>(k1: string, h1: number, v1: V, k2: string, h2: number, v2: V, shift: number, edit: Edit | null): ChampNode<V> {
  if (shift >= MAX_SHIFT) {
    const data = k1 < k2 ? [k1, v1, k2, v2] : [k2, v2, k1, v1];
    return new ChampNode<V>(0, 0, data, edit, true);
  }
  const f1 = fragment(h1, shift);
  const f2 = fragment(h2, shift);
  if (f1 !== f2) {
    const data = f1 < f2 ? [k1, v1, k2, v2] : [k2, v2, k1, v1];
    return new ChampNode<V>((1 << f1) | (1 << f2), 0, data, edit);
  }
  const child = mergeTwo(k1, h1, v1, k2, h2, v2, shift + BITS, edit);
  return new ChampNode<V>(0, 1 << f1, [child], edit);
}

export function set<V>(node: ChampNode<V>, key: string, value: V, edit: Edit | null, change: Change, hash: number = hashing.hash(key), shift = 0): ChampNode<V> {
  if (node.collision) {
    const a = node.arr;
    let i = 0;
    while (i < a.length && (a[i] as string) < key) i += 2;
    if (i < a.length && a[i] === key) {
      change.old = a[i + 1];
      if (a[i + 1] === value) return node;
      const n = owned(node, edit);
      n.arr[i + 1] = value;
      return n;
    }
    change.added = true;
    const n = owned(node, edit);
    n.arr.splice(i, 0, key, value);
    return n;
  }
  const bit = 1 << fragment(hash, shift);
  if (node.datamap & bit) {
    const i = 2 * popcount(node.datamap & (bit - 1));
    const k = node.arr[i] as string;
    if (k === key) {
      change.old = node.arr[i + 1];
      if (change.old === value) return node;
      const n = owned(node, edit);
      n.arr[i + 1] = value;
      return n;
    }
    // Push both entries one level down.
    change.added = true;
    const v = node.arr[i + 1] as V;
    const child = mergeTwo(k, hashing.hash(k), v, key, hash, value, shift + BITS, edit);
    const n = owned(node, edit);
    n.arr.splice(i, 2);
    n.datamap ^= bit;
    n.nodemap |= bit;
    n.arr.splice(2 * popcount(n.datamap) + popcount(n.nodemap & (bit - 1)), 0, child);
    return n;
  }
  if (node.nodemap & bit) {
    const ci = 2 * popcount(node.datamap) + popcount(node.nodemap & (bit - 1));
    const child = node.arr[ci] as ChampNode<V>;
    const next = set(child, key, value, edit, change, hash, shift + BITS);
    if (next === child) {
      // Unchanged, or changed in place (then this node is ours too).
      if (edit !== null && node.edit === edit) node.digest = undefined;
      return node;
    }
    const n = owned(node, edit);
    n.arr[ci] = next;
    return n;
  }
  change.added = true;
  const n = owned(node, edit);
  n.arr.splice(2 * popcount(node.datamap & (bit - 1)), 0, key, value);
  n.datamap |= bit;
  return n;
}

function isSingleton(node: ChampNode<unknown>): boolean {
  return node.nodemap === 0 && node.arr.length === 2;
}

export function remove<V>(node: ChampNode<V>, key: string, edit: Edit | null, change: Change, hash: number = hashing.hash(key), shift = 0): ChampNode<V> {
  if (node.collision) {
    const a = node.arr;
    for (let i = 0; i < a.length; i += 2) {
      if (a[i] === key) {
        change.removed = true;
        change.old = a[i + 1];
        const n = owned(node, edit);
        n.arr.splice(i, 2);
        return n;
      }
    }
    return node;
  }
  const bit = 1 << fragment(hash, shift);
  if (node.datamap & bit) {
    const i = 2 * popcount(node.datamap & (bit - 1));
    if (node.arr[i] !== key) return node;
    change.removed = true;
    change.old = node.arr[i + 1];
    const n = owned(node, edit);
    n.arr.splice(i, 2);
    n.datamap ^= bit;
    return n;
  }
  if (node.nodemap & bit) {
    const ci = 2 * popcount(node.datamap) + popcount(node.nodemap & (bit - 1));
    const child = node.arr[ci] as ChampNode<V>;
    const next = remove(child, key, edit, change, hash, shift + BITS);
    if (!change.removed) return node;
    // A child changed in place means this node is ours too: owned() returns it.
    const n = owned(node, edit);
    if (isSingleton(next)) {
      // Canonical form: a subtree holding one entry is inlined in its parent.
      const k = next.arr[0];
      const v = next.arr[1];
      n.arr.splice(ci, 1);
      n.nodemap ^= bit;
      n.arr.splice(2 * popcount(n.datamap & (bit - 1)), 0, k, v);
      n.datamap |= bit;
    } else {
      n.arr[ci] = next;
    }
    return n;
  }
  return node;
}

/** Visits entries in trie order (deterministic for a given key set). Stops when fn returns false. */
export function forEach<V>(node: ChampNode<V>, fn: (value: V, key: string) => boolean | void): boolean {
  const a = node.arr;
  const end = 2 * pairCount(node);
  for (let i = 0; i < end; i += 2) if (fn(a[i + 1] as V, a[i] as string) === false) return false;
  for (let i = end; i < a.length; i++) if (!forEach(a[i] as ChampNode<V>, fn)) return false;
  return true;
}

export function* entries<V>(node: ChampNode<V>): Generator<[string, V]> {
  const a = node.arr;
  const end = 2 * pairCount(node);
  for (let i = 0; i < end; i += 2) yield [a[i] as string, a[i + 1] as V];
  for (let i = end; i < a.length; i++) yield* entries(a[i] as ChampNode<V>);
}

/**
 * Calls `fn` for every key whose value differs between two tries (by identity),
 * skipping shared subtrees: cost proportional to the difference.
 */
export function diff<V>(a: ChampNode<V>, b: ChampNode<V>, fn: (key: string, before: V | undefined, after: V | undefined) => void): void {
  if (a === b) return;
  const seen = new Set<string>();
  forEachDiff(a, b, 0, fn, seen);
}

function forEachDiff<V>(a: ChampNode<V>, b: ChampNode<V>, shift: number, fn: (key: string, before: V | undefined, after: V | undefined) => void, _seen: Set<string>): void {
  if (a === b) return;
  if (a.collision || b.collision || shift >= MAX_SHIFT) {
    naiveDiff(a, b, fn);
    return;
  }
  for (let f = 0; f <= MASK; f++) {
    const bit = 1 << f;
    const aKind = a.datamap & bit ? 1 : a.nodemap & bit ? 2 : 0;
    const bKind = b.datamap & bit ? 1 : b.nodemap & bit ? 2 : 0;
    if (aKind === 0 && bKind === 0) continue;
    if (aKind === 2 && bKind === 2) {
      forEachDiff(childAt(a, popcount(a.nodemap & (bit - 1))), childAt(b, popcount(b.nodemap & (bit - 1))), shift + BITS, fn, _seen);
      continue;
    }
    const sa = sliceAt(a, bit, aKind);
    const sb = sliceAt(b, bit, bKind);
    naiveDiff(sa, sb, fn);
  }
}

function sliceAt<V>(n: ChampNode<V>, bit: number, kind: number): ChampNode<V> {
  if (kind === 0) return emptyNode<V>();
  if (kind === 2) return childAt(n, popcount(n.nodemap & (bit - 1)));
  const i = 2 * popcount(n.datamap & (bit - 1));
  return new ChampNode<V>(bit, 0, [n.arr[i], n.arr[i + 1]], null);
}

function naiveDiff<V>(a: ChampNode<V>, b: ChampNode<V>, fn: (key: string, before: V | undefined, after: V | undefined) => void): void {
  const am = new Map<string, V>();
  forEach(a, (v, k) => void am.set(k, v));
  forEach(b, (v, k) => {
    const before = am.get(k);
    if (before === undefined) fn(k, undefined, v);
    else {
      am.delete(k);
      if (before !== v) fn(k, before, v);
    }
  });
  for (const [k, v] of am) fn(k, v, undefined);
}
