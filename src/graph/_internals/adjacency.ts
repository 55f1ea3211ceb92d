import * as champ from './champ.ts';
import type { ChampNode, Edit } from './champ.ts';
import type { EdgeRec } from './records.ts';

/**
 * A node's incident edges, grouped by direction and type, in ONE array.
 *
 * Expansion (the matcher's inner loop) reads, for each node it reaches, the
 * edges of one type and their far ends. On a large graph every object it
 * touches is a likely cache and TLB miss, so a node's adjacency is one array
 * rather than a tree of objects:
 *
 *   [edit, nOut, nIn, bucket…]   out buckets first, then in buckets
 *   bucket: [type, size, loops, set] then, while set is null, its `size`
 *           edges as triples [hash, record, far end id]
 *
 * A bucket of up to SMALL edges holds them inline, so expansion reads the far
 * end without loading the record; a larger bucket is a trie by edge id
 * (`set`), where a write copies a path rather than the whole bucket. The form
 * depends only on the size, and triples are ordered by (hash, id), so
 * iteration order is a function of the edge set whatever history produced it
 * (rules pick the first match, and replay must pick the same).
 *
 * `loops` counts the bucket's self-loops; a loop is in both its out and its in
 * bucket. `edit` is the transaction allowed to change the array in place.
 */
export type Adjacency = unknown[];

const EDIT = 0;
const NOUT = 1;
const NIN = 2;
const FIRST = 3;
// Bucket header slots, from the bucket's position.
const TYPE = 0;
const SIZE = 1;
const LOOPS = 2;
const SET = 3;
const HEAD = 4;
const W = 3;

export const SMALL = 32;

/** Per-type edge counts of one node in one direction. */
export interface TypeCount {
  readonly type: string;
  readonly size: number;
}

function span(a: Adjacency, p: number): number {
  return a[p + SET] === null ? HEAD + W * (a[p + SIZE] as number) : HEAD;
}

/** Position of the first bucket of a direction. */
function firstOf(a: Adjacency, out: boolean): number {
  let p = FIRST;
  if (!out) for (let k = a[NOUT] as number; k > 0; k--) p += span(a, p);
  return p;
}

/** Position of the bucket of `type` in a direction, or -1. */
function find(a: Adjacency, out: boolean, type: string): number {
  let p = firstOf(a, out);
  for (let k = (out ? a[NOUT] : a[NIN]) as number; k > 0; k--) {
    if (a[p + TYPE] === type) return p;
    p += span(a, p);
  }
  return -1;
}

function farEnd(rec: EdgeRec, out: boolean): string {
  return out ? rec.dst : rec.src;
}

/** The order of triples: by hash (kept as int32: a small integer, not a boxed number), then id. */
function less(h: number, id: string, h2: number, id2: string): boolean {
  return h < h2 || (h === h2 && id < id2);
}

/**
 * Calls `fn(record, far end)` for the edges of `type` (undefined: every type)
 * in one direction; false from `fn` stops, and is returned.
 */
export function forEachIncidentIn(a: Adjacency, out: boolean, type: string | undefined, fn: (rec: EdgeRec, other: string) => boolean | void): boolean {
  let p = firstOf(a, out);
  for (let k = (out ? a[NOUT] : a[NIN]) as number; k > 0; k--) {
    const set = a[p + SET] as ChampNode<EdgeRec> | null;
    const size = a[p + SIZE] as number;
    if (type === undefined || a[p + TYPE] === type) {
      if (set === null) {
        const end = p + HEAD + W * size;
        for (let j = p + HEAD; j < end; j += W) if (fn(a[j + 1] as EdgeRec, a[j + 2] as string) === false) return false;
      } else if (!champ.forEach(set, out ? (r) => fn(r, r.dst) : (r) => fn(r, r.src))) return false;
    }
    p += set === null ? HEAD + W * size : HEAD;
  }
  return true;
}

/** Calls `fn` with each bucket's type, size and self-loops in one direction. */
export function forEachBucket(a: Adjacency, out: boolean, fn: (type: string, size: number, loops: number, inline: boolean) => void): void {
  let p = firstOf(a, out);
  for (let k = (out ? a[NOUT] : a[NIN]) as number; k > 0; k--) {
    fn(a[p + TYPE] as string, a[p + SIZE] as number, a[p + LOOPS] as number, a[p + SET] === null);
    p += span(a, p);
  }
}

/** The edges of `types` (null: any) in one direction. */
export function degreeIn(a: Adjacency, out: boolean, types: readonly string[] | null): number {
  let n = 0;
  let p = firstOf(a, out);
  for (let k = (out ? a[NOUT] : a[NIN]) as number; k > 0; k--) {
    if (types === null || types.includes(a[p + TYPE] as string)) n += a[p + SIZE] as number;
    p += span(a, p);
  }
  return n;
}

/** The edges of one type (undefined: any) in one direction. */
export function degreeOfType(a: Adjacency, out: boolean, type: string | undefined): number {
  if (type === undefined) return degreeIn(a, out, null);
  const p = find(a, out, type);
  return p < 0 ? 0 : (a[p + SIZE] as number);
}

/** The self-loops among the edges of `types` (null: any): the out buckets' counts. */
export function loopsIn(a: Adjacency, types: readonly string[] | null): number {
  if (a[NIN] === 0) return 0;
  let n = 0;
  let p = FIRST;
  for (let k = a[NOUT] as number; k > 0; k--) {
    if (types === null || types.includes(a[p + TYPE] as string)) n += a[p + LOOPS] as number;
    p += span(a, p);
  }
  return n;
}

/** The first bucket's size, read only to load the array (see degrees.ts `touch`). */
export function firstSize(a: Adjacency): number {
  return (a[FIRST + SIZE] as number | undefined) ?? 0;
}

/** Some incident edge's id (for error messages). */
export function someEdgeId(a: Adjacency): string {
  if (a[FIRST + SET] === null) return (a[FIRST + HEAD + 1] as EdgeRec).id;
  let id = '';
  champ.forEach(a[FIRST + SET] as ChampNode<EdgeRec>, (_r, k) => {
    id = k;
    return false;
  });
  return id;
}

/** Counts only (no edges): the degrees of a view that is not the store's, in the same form. */
export function fromCounts(out: readonly TypeCount[], inn: readonly TypeCount[]): Adjacency {
  const a: Adjacency = [null, out.length, inn.length];
  for (const t of [...out, ...inn]) a.push(t.type, t.size, 0, champ.emptyNode<EdgeRec>());
  return a;
}

/** `a` as an array `edit` may change: itself if it is edit's already, else a copy. */
function own(a: Adjacency, edit: Edit): Adjacency {
  if (a[EDIT] === edit) return a;
  const b = a.slice();
  b[EDIT] = edit;
  return b;
}

/**
 * `a` with `del` slots at `at` replaced by `ins` (which holds no arrays), as
 * an array `edit` may change: in place if it is edit's already, else built at
 * its exact size. (Copying and then splicing would leave V8's spare capacity,
 * up to half the array again, in every version that keeps the copy.)
 */
function splice(a: Adjacency, edit: Edit, at: number, del: number, ins: readonly unknown[]): Adjacency {
  if (a[EDIT] === edit) {
    a.splice(at, del, ...ins);
    return a;
  }
  const b = a.slice(0, at).concat(ins, a.slice(at + del));
  b[EDIT] = edit;
  return b;
}

/** The adjacency of a node with no incident edge (never stored: the node then has no entry). */
export const NO_EDGES: Adjacency = Object.freeze([null, 0, 0]) as Adjacency;

/**
 * Adds or replaces `rec` (by id) in the bucket of its type and direction;
 * `c.added` says whether the bucket grew. Returns the adjacency to keep: `a`
 * itself when `edit` owned it, else a new array.
 */
export function putIncident(a0: Adjacency | undefined, rec: EdgeRec, out: boolean, hash: number, edit: Edit, c: champ.Change): Adjacency {
  const a = a0 ?? NO_EDGES;
  const h = hash | 0;
  const loop = rec.src === rec.dst ? 1 : 0;
  const far = farEnd(rec, out);
  const p = find(a, out, rec.type);
  if (p < 0) {
    c.added = true;
    // A new bucket, last of its direction.
    let q = FIRST;
    for (let k = (a[NOUT] as number) + (out ? 0 : (a[NIN] as number)); k > 0; k--) q += span(a, q);
    const b = splice(a, edit, q, 0, [rec.type, 1, loop, null, h, rec, far]);
    b[out ? NOUT : NIN] = (b[out ? NOUT : NIN] as number) + 1;
    return b;
  }
  const size = a[p + SIZE] as number;
  const set = a[p + SET] as ChampNode<EdgeRec> | null;
  let b: Adjacency;
  if (set !== null) {
    c.added = false;
    const next = champ.set(set, rec.id, rec, edit, c, hash);
    b = own(a, edit);
    b[p + SET] = next;
  } else {
    const end = p + HEAD + W * size;
    let j = p + HEAD;
    while (j < end && less(a[j] as number, (a[j + 1] as EdgeRec).id, h, rec.id)) j += W;
    if (j < end && a[j] === h && (a[j + 1] as EdgeRec).id === rec.id) {
      // An update (same id, same ends): replaced, not added; its loop is counted already.
      c.added = false;
      b = own(a, edit);
      b[j + 1] = rec;
      b[j + 2] = far;
      return b;
    }
    c.added = true;
    if (size < SMALL) b = splice(a, edit, j, 0, [h, rec, far]);
    else {
      // Outgrown: these edges and the new one become a trie.
      let t = champ.emptyNode<EdgeRec>();
      const tc = champ.newChange();
      for (let i = p + HEAD; i < end; i += W) t = champ.set(t, (a[i + 1] as EdgeRec).id, a[i + 1] as EdgeRec, edit, tc, a[i] as number);
      b = splice(a, edit, p + HEAD, W * size, []);
      b[p + SET] = champ.set(t, rec.id, rec, edit, tc, hash);
    }
  }
  if (c.added) {
    b[p + SIZE] = size + 1;
    b[p + LOOPS] = (b[p + LOOPS] as number) + loop;
  }
  return b;
}

/**
 * Removes `rec` (by id) from its bucket; `c.removed` says whether it was
 * there. Returns the adjacency to keep (see putIncident), or undefined when
 * the node has no incident edge left.
 */
export function removeIncident(a: Adjacency, rec: EdgeRec, out: boolean, hash: number, edit: Edit, c: champ.Change): Adjacency | undefined {
  c.removed = false;
  const p = find(a, out, rec.type);
  if (p < 0) return a;
  const size = a[p + SIZE] as number;
  const set = a[p + SET] as ChampNode<EdgeRec> | null;
  let b: Adjacency;
  if (set !== null) {
    const next = champ.remove(set, rec.id, edit, c, hash);
    if (!c.removed) return a;
    if (size - 1 <= SMALL) {
      // Back to triples at the size the bucket left them at: the form stays a function of the size.
      const items: unknown[] = [];
      champ.forEach(next, (r) => void items.push(champ.hashing.hash(r.id) | 0, r, farEnd(r, out)));
      b = splice(a, edit, p + HEAD, 0, sortTriples(items));
      b[p + SET] = null;
    } else {
      b = own(a, edit);
      b[p + SET] = next;
    }
  } else {
    const end = p + HEAD + W * size;
    const h = hash | 0;
    let j = p + HEAD;
    while (j < end && !(a[j] === h && (a[j + 1] as EdgeRec).id === rec.id)) j += W;
    if (j === end) return a;
    c.removed = true;
    b = splice(a, edit, j, W, []);
  }
  if (size === 1) {
    // A bucket is never empty.
    b = splice(b, edit, p, HEAD, []);
    b[out ? NOUT : NIN] = (b[out ? NOUT : NIN] as number) - 1;
    return b[NOUT] === 0 && b[NIN] === 0 ? undefined : b;
  }
  b[p + SIZE] = size - 1;
  if (rec.src === rec.dst) b[p + LOOPS] = (b[p + LOOPS] as number) - 1;
  return b;
}

function sortTriples(items: unknown[]): unknown[] {
  const idx: number[] = [];
  for (let k = 0; k < items.length; k += W) idx.push(k);
  idx.sort((x, y) => (less(items[x] as number, (items[x + 1] as EdgeRec).id, items[y] as number, (items[y + 1] as EdgeRec).id) ? -1 : 1));
  const out: unknown[] = [];
  for (const k of idx) out.push(items[k], items[k + 1], items[k + 2]);
  return out;
}
