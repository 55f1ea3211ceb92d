/**
 * A persistent hash trie (CHAMP: Steindorfer & Vinju, OOPSLA 2015) from string
 * keys to values.
 *
 * Why our own and not immutable.js: the Merkle root of a version is the hash of
 * its trie nodes, so each node must carry its cached digest, and the store needs
 * the node layout to encode blocks. CHAMP is canonical (one shape per key set,
 * deletions re-inline singletons), which makes the root CID history independent.
 *
 * A node is ONE array: four header slots, then the key, value pairs in bit
 * order, then the children in bit order. One object per level halves the
 * memory reads of a lookup (they are what a lookup costs in a large trie) and
 * makes a path copy one allocation per level.
 *
 * Transient updates: an `Edit` token owned by one open transaction lets that
 * transaction mutate the nodes it created in place instead of path-copying on
 * every write. Committed nodes are never mutated.
 */

export type Edit = object;

/** A trie node; `V` only types the values. */
export type ChampNode<V> = unknown[] & { readonly __value?: V };

const DATAMAP = 0;
const NODEMAP = 1;
const EDIT = 2;
const DIGEST = 3;
/** Index of the first pair. */
const H = 4;

const BITS = 4;
const MASK = 0xf;
/** Shift at which the 32-bit hash is exhausted and a collision node is used. */
const MAX_SHIFT = 32;

function make<V>(datamap: number, nodemap: number, edit: Edit | null, body: unknown[]): ChampNode<V> {
  const n = new Array(H + body.length) as ChampNode<V>;
  n[DATAMAP] = datamap;
  n[NODEMAP] = nodemap;
  n[EDIT] = edit;
  n[DIGEST] = undefined;
  for (let i = 0; i < body.length; i++) n[H + i] = body[i];
  return n;
}

export const EMPTY: ChampNode<never> = make<never>(0, 0, null, []);

export function emptyNode<V>(): ChampNode<V> {
  return EMPTY as ChampNode<V>;
}

/** Builds a node from its parts (the block loader uses it). */
export function makeNode<V>(datamap: number, nodemap: number, pairsThenChildren: unknown[]): ChampNode<V> {
  if (datamap === 0 && nodemap === 0 && pairsThenChildren.length === 0) return emptyNode<V>();
  return make<V>(datamap, nodemap, null, pairsThenChildren);
}

export function datamapOf(node: ChampNode<unknown>): number {
  return node[DATAMAP] as number;
}
export function nodemapOf(node: ChampNode<unknown>): number {
  return node[NODEMAP] as number;
}
export function digestOf(node: ChampNode<unknown>): string | undefined {
  return node[DIGEST] as string | undefined;
}
export function setDigest(node: ChampNode<unknown>, digest: string): void {
  // The empty node is one object shared by every store of the process: a digest cached on
  // it would mean "block written" to a store whose backend never got the block.
  if (node !== EMPTY) node[DIGEST] = digest;
}

/** A collision node (hash exhausted) holds only pairs, sorted by key; both bitmaps are 0. */
function isCollision(node: ChampNode<unknown>): boolean {
  return node[DATAMAP] === 0 && node[NODEMAP] === 0 && node.length > H;
}

/** Number of key, value pairs held directly by a node. */
export function pairCount(node: ChampNode<unknown>): number {
  return isCollision(node) ? (node.length - H) >> 1 : popcount(node[DATAMAP] as number);
}

export function childCount(node: ChampNode<unknown>): number {
  return popcount(node[NODEMAP] as number);
}

/** The i-th child of a node. */
export function childAt<V>(node: ChampNode<V>, i: number): ChampNode<V> {
  return node[H + 2 * popcount(node[DATAMAP] as number) + i] as ChampNode<V>;
}

/** The i-th pair's key and value. */
export function keyAt(node: ChampNode<unknown>, i: number): string {
  return node[H + 2 * i] as string;
}
export function valueAt<V>(node: ChampNode<V>, i: number): V {
  return node[H + 2 * i + 1] as V;
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
    const datamap = node[DATAMAP] as number;
    const nodemap = node[NODEMAP] as number;
    if (datamap === 0 && nodemap === 0) {
      for (let i = H; i < node.length; i += 2) if (node[i] === key) return node[i + 1] as V;
      return undefined;
    }
    const bit = 1 << fragment(hash, shift);
    if (datamap & bit) {
      const i = H + 2 * popcount(datamap & (bit - 1));
      return node[i] === key ? (node[i + 1] as V) : undefined;
    }
    if (nodemap & bit) {
      node = node[H + 2 * popcount(datamap) + popcount(nodemap & (bit - 1))] as ChampNode<V>;
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

function mine(node: ChampNode<unknown>, edit: Edit | null): boolean {
  return edit !== null && node[EDIT] === edit;
}

/** The node itself when this edit owns it (its digest cleared), else a copy owned by the edit. */
function owned<V>(node: ChampNode<V>, edit: Edit | null): ChampNode<V> {
  if (mine(node, edit)) {
    node[DIGEST] = undefined;
    return node;
  }
  const n = node.slice() as ChampNode<V>;
  n[EDIT] = edit;
  n[DIGEST] = undefined;
  return n;
}

/** Inserts `count` items at i, in place. */
function insertInPlace(a: unknown[], i: number, x: unknown, y?: unknown, count = 2): void {
  const n = a.length;
  if (count === 2) a.push(undefined, undefined);
  else a.push(undefined);
  for (let j = n - 1; j >= i; j--) a[j + count] = a[j];
  a[i] = x;
  if (count === 2) a[i + 1] = y;
}

/** A copy of `a` with (x, y) inserted at i, owned by `edit`. */
function copyInsertPair<V>(a: ChampNode<V>, i: number, x: unknown, y: unknown, edit: Edit | null): ChampNode<V> {
  const n = a.length;
  const out = new Array(n + 2) as ChampNode<V>;
  for (let j = 0; j < i; j++) out[j] = a[j];
  out[i] = x;
  out[i + 1] = y;
  for (let j = i; j < n; j++) out[j + 2] = a[j];
  out[EDIT] = edit;
  out[DIGEST] = undefined;
  return out;
}

/** A copy of `a` without the pair at i, owned by `edit`. */
function copyRemovePair<V>(a: ChampNode<V>, i: number, edit: Edit | null): ChampNode<V> {
  const n = a.length;
  const out = new Array(n - 2) as ChampNode<V>;
  for (let j = 0; j < i; j++) out[j] = a[j];
  for (let j = i + 2; j < n; j++) out[j - 2] = a[j];
  out[EDIT] = edit;
  out[DIGEST] = undefined;
  return out;
}

function mergeTwo<V>(k1: string, h1: number, v1: V, k2: string, h2: number, v2: V, shift: number, edit: Edit | null): ChampNode<V> {
  if (shift >= MAX_SHIFT) return make<V>(0, 0, edit, k1 < k2 ? [k1, v1, k2, v2] : [k2, v2, k1, v1]);
  const f1 = fragment(h1, shift);
  const f2 = fragment(h2, shift);
  if (f1 !== f2) return make<V>((1 << f1) | (1 << f2), 0, edit, f1 < f2 ? [k1, v1, k2, v2] : [k2, v2, k1, v1]);
  return make<V>(0, 1 << f1, edit, [mergeTwo(k1, h1, v1, k2, h2, v2, shift + BITS, edit)]);
}

export function set<V>(node: ChampNode<V>, key: string, value: V, edit: Edit | null, change: Change, hash: number = hashing.hash(key), shift = 0): ChampNode<V> {
  const datamap = node[DATAMAP] as number;
  const nodemap = node[NODEMAP] as number;
  if (datamap === 0 && nodemap === 0 && node.length > H) {
    // collision node: sorted pairs
    let i = H;
    while (i < node.length && (node[i] as string) < key) i += 2;
    if (i < node.length && node[i] === key) {
      change.old = node[i + 1];
      if (node[i + 1] === value) return node;
      const n = owned(node, edit);
      n[i + 1] = value;
      return n;
    }
    change.added = true;
    if (mine(node, edit)) {
      node[DIGEST] = undefined;
      insertInPlace(node, i, key, value);
      return node;
    }
    return copyInsertPair(node, i, key, value, edit);
  }
  const bit = 1 << fragment(hash, shift);
  if (datamap & bit) {
    const i = H + 2 * popcount(datamap & (bit - 1));
    const k = node[i] as string;
    if (k === key) {
      change.old = node[i + 1];
      if (change.old === value) return node;
      const n = owned(node, edit);
      n[i + 1] = value;
      return n;
    }
    // Push both entries one level down.
    change.added = true;
    const v = node[i + 1] as V;
    const child = mergeTwo(k, hashing.hash(k), v, key, hash, value, shift + BITS, edit);
    const n = owned(node, edit);
    n.splice(i, 2);
    const dm = datamap ^ bit;
    const nm = nodemap | bit;
    n[DATAMAP] = dm;
    n[NODEMAP] = nm;
    insertInPlace(n, H + 2 * popcount(dm) + popcount(nm & (bit - 1)), child, undefined, 1);
    return n;
  }
  if (nodemap & bit) {
    const ci = H + 2 * popcount(datamap) + popcount(nodemap & (bit - 1));
    const child = node[ci] as ChampNode<V>;
    const next = set(child, key, value, edit, change, hash, shift + BITS);
    if (next === child) {
      // Unchanged, or changed in place (then this node is ours too).
      if (mine(node, edit)) node[DIGEST] = undefined;
      return node;
    }
    const n = owned(node, edit);
    n[ci] = next;
    return n;
  }
  change.added = true;
  const at = H + 2 * popcount(datamap & (bit - 1));
  if (mine(node, edit)) {
    node[DIGEST] = undefined;
    insertInPlace(node, at, key, value);
    node[DATAMAP] = datamap | bit;
    return node;
  }
  const n = copyInsertPair(node, at, key, value, edit);
  n[DATAMAP] = datamap | bit;
  return n;
}

/** A node holding exactly one pair and no children (collision nodes included). */
function isSingleton(node: ChampNode<unknown>): boolean {
  return node[NODEMAP] === 0 && node.length === H + 2;
}

export function remove<V>(node: ChampNode<V>, key: string, edit: Edit | null, change: Change, hash: number = hashing.hash(key), shift = 0): ChampNode<V> {
  const datamap = node[DATAMAP] as number;
  const nodemap = node[NODEMAP] as number;
  if (datamap === 0 && nodemap === 0) {
    for (let i = H; i < node.length; i += 2) {
      if (node[i] === key) {
        change.removed = true;
        change.old = node[i + 1];
        if (mine(node, edit)) {
          node[DIGEST] = undefined;
          node.splice(i, 2);
          return node;
        }
        return copyRemovePair(node, i, edit);
      }
    }
    return node;
  }
  const bit = 1 << fragment(hash, shift);
  if (datamap & bit) {
    const i = H + 2 * popcount(datamap & (bit - 1));
    if (node[i] !== key) return node;
    change.removed = true;
    change.old = node[i + 1];
    if (mine(node, edit)) {
      node[DIGEST] = undefined;
      node.splice(i, 2);
      node[DATAMAP] = datamap ^ bit;
      return node;
    }
    const n = copyRemovePair(node, i, edit);
    n[DATAMAP] = datamap ^ bit;
    return n;
  }
  if (nodemap & bit) {
    const ci = H + 2 * popcount(datamap) + popcount(nodemap & (bit - 1));
    const child = node[ci] as ChampNode<V>;
    const next = remove(child, key, edit, change, hash, shift + BITS);
    if (!change.removed) return node;
    // A child changed in place means this node is ours too: owned() returns it.
    const n = owned(node, edit);
    if (isSingleton(next)) {
      // Canonical form: a subtree holding one entry is inlined in its parent.
      const k = next[H];
      const v = next[H + 1];
      n.splice(ci, 1);
      const nm = nodemap ^ bit;
      const dm = datamap | bit;
      n[NODEMAP] = nm;
      n[DATAMAP] = dm;
      insertInPlace(n, H + 2 * popcount(datamap & (bit - 1)), k, v);
    } else {
      n[ci] = next;
    }
    return n;
  }
  return node;
}

/**
 * Index just past a node's pairs (where its children begin). A collision node
 * (both bitmaps 0) holds only pairs, so it ends at the node's end; so does the
 * empty node. Same as `H + 2 * pairCount(node)` without the collision test.
 */
function pairsEnd(node: ChampNode<unknown>): number {
  const datamap = node[DATAMAP] as number;
  return datamap === 0 && node[NODEMAP] === 0 ? node.length : H + 2 * popcount(datamap);
}

/** Visits entries in trie order (deterministic for a given key set). Stops when fn returns false. */
export function forEach<V>(node: ChampNode<V>, fn: (value: V, key: string) => boolean | void): boolean {
  const end = pairsEnd(node);
  for (let i = H; i < end; i += 2) if (fn(node[i + 1] as V, node[i] as string) === false) return false;
  for (let i = end; i < node.length; i++) if (!forEach(node[i] as ChampNode<V>, fn)) return false;
  return true;
}

export function* entries<V>(node: ChampNode<V>): Generator<[string, V]> {
  const end = pairsEnd(node);
  for (let i = H; i < end; i += 2) yield [node[i] as string, node[i + 1] as V];
  for (let i = end; i < node.length; i++) yield* entries(node[i] as ChampNode<V>);
}

/**
 * Calls `fn` for every key whose value differs between two tries (by identity),
 * skipping shared subtrees: cost proportional to the difference.
 */
export function diff<V>(a: ChampNode<V>, b: ChampNode<V>, fn: (key: string, before: V | undefined, after: V | undefined) => void): void {
  forEachDiff(a, b, 0, fn);
}

function forEachDiff<V>(a: ChampNode<V>, b: ChampNode<V>, shift: number, fn: (key: string, before: V | undefined, after: V | undefined) => void): void {
  if (a === b) return;
  if (isCollision(a) || isCollision(b) || shift >= MAX_SHIFT) {
    naiveDiff(a, b, fn);
    return;
  }
  const adm = a[DATAMAP] as number;
  const anm = a[NODEMAP] as number;
  const bdm = b[DATAMAP] as number;
  const bnm = b[NODEMAP] as number;
  for (let f = 0; f <= MASK; f++) {
    const bit = 1 << f;
    const aKind = adm & bit ? 1 : anm & bit ? 2 : 0;
    const bKind = bdm & bit ? 1 : bnm & bit ? 2 : 0;
    if (aKind === 0 && bKind === 0) continue;
    if (aKind === 2 && bKind === 2) {
      forEachDiff(childAt(a, popcount(anm & (bit - 1))), childAt(b, popcount(bnm & (bit - 1))), shift + BITS, fn);
      continue;
    }
    naiveDiff(sliceAt(a, bit, aKind), sliceAt(b, bit, bKind), fn);
  }
}

function sliceAt<V>(n: ChampNode<V>, bit: number, kind: number): ChampNode<V> {
  if (kind === 0) return emptyNode<V>();
  if (kind === 2) return childAt(n, popcount((n[NODEMAP] as number) & (bit - 1)));
  const i = H + 2 * popcount((n[DATAMAP] as number) & (bit - 1));
  return make<V>(bit, 0, null, [n[i], n[i + 1]]);
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
