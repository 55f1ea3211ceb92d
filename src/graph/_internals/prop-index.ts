import * as champ from './champ.ts';
import type { Counted, GraphValue } from './graph-value.ts';
import type { NodeRec } from './records.ts';
import { ValueView } from './value-view.ts';
import { isCommittedView } from './view-kind.ts';
import type { GraphView, Json, NodeRecord } from '../types.ts';

/**
 * An equality index over one node property, for one label (or for all
 * nodes), on committed versions: property value -> the nodes holding it.
 *
 * It is a persistent trie (value key -> set of nodes), kept per version of
 * the indexed node set (the label's set in the label index, or the node
 * trie), and memoised on that set's root: versions that did not change the
 * set share one index. A version that changed it gets its index from the
 * latest one built for the same label and key, by applying the difference
 * between the two sets (champ.diff: cost proportional to the nodes that
 * changed), so the full build happens once per label and key, on first use.
 * Nothing is built for open transactions (they scan).
 *
 * The cost is reported, not hidden: `indexStats()` counts builds, nodes read
 * by builds and updates; the GQL benchmark prints them.
 */

/** value key -> (node id -> node) */
type Index = champ.ChampNode<champ.ChampNode<NodeRec>>;

interface Built {
  readonly set: champ.ChampNode<NodeRec>;
  readonly index: Index;
  /** The key hash both tries were laid out with (tests swap it): a diff needs the same one. */
  readonly hash: (key: string) => number;
}

/** Index by the indexed set's root node, then by property key. */
const bySet = new WeakMap<champ.ChampNode<NodeRec>, Map<string, Index>>();
/** The latest index built per (label, key): where the next version's index starts from. */
const latest = new Map<string, Built>();

const stats = { builds: 0, nodesRead: 0, updates: 0, nodesUpdated: 0 };

/** What the property indexes have cost so far in this process. */
export function indexStats(): { readonly builds: number; readonly nodesRead: number; readonly updates: number; readonly nodesUpdated: number } {
  return { ...stats };
}

/** A canonical key for a JSON value (JSON equality: equal values, equal keys). */
export function valueKey(v: Json): string {
  switch (typeof v) {
    case 'string':
      return 's' + v;
    case 'number':
      return 'n' + v;
    case 'boolean':
      return v ? 'T' : 'F';
  }
  if (v === null) return 'z';
  return 'j' + canonical(v);
}

function canonical(v: Json): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  const o = v as { readonly [k: string]: Json };
  return '{' + Object.keys(o).sort().map((k) => JSON.stringify(k) + ':' + canonical(o[k])).join(',') + '}';
}

/** The view's value, one no transaction will edit in place: the index is memoised on its tries. */
function valueOf(view: ValueView): GraphValue {
  return view.stableValue();
}

function put(index: Index, rec: NodeRec, key: string): Index {
  const v = rec.props[key];
  if (v === undefined) return index;
  const k = valueKey(v);
  const c = champ.newChange();
  const ids = champ.get(index, k) ?? champ.emptyNode<NodeRec>();
  return champ.set(index, k, champ.set(ids, rec.id, rec, null, c), null, champ.newChange());
}

function drop(index: Index, rec: NodeRec, key: string): Index {
  const v = rec.props[key];
  if (v === undefined) return index;
  const k = valueKey(v);
  const ids = champ.get(index, k);
  if (ids === undefined) return index;
  const c = champ.newChange();
  const next = champ.remove(ids, rec.id, null, c);
  if (!c.removed) return index;
  if (champ.pairCount(next) === 0 && champ.childCount(next) === 0) return champ.remove(index, k, null, champ.newChange());
  return champ.set(index, k, next, null, champ.newChange());
}

function indexFor(set: champ.ChampNode<NodeRec>, name: string, key: string): Index {
  let byKey = bySet.get(set);
  const hit = byKey?.get(key);
  if (hit !== undefined) return hit;
  const id = name + '\u0000' + key;
  const base = latest.get(id);
  let index: Index;
  if (base === undefined || base.hash !== champ.hashing.hash) {
    index = champ.emptyNode();
    champ.forEach(set, (rec) => {
      stats.nodesRead++;
      index = put(index, rec, key);
    });
    stats.builds++;
  } else {
    index = base.index;
    stats.updates++;
    champ.diff(base.set, set, (_id, before, after) => {
      stats.nodesUpdated++;
      if (before !== undefined) index = drop(index, before, key);
      if (after !== undefined) index = put(index, after, key);
    });
  }
  if (byKey === undefined) {
    byKey = new Map();
    bySet.set(set, byKey);
  }
  byKey.set(key, index);
  latest.set(id, { set, index, hash: champ.hashing.hash });
  return index;
}

/**
 * Calls `fn` (until it returns false) for the nodes carrying `label` (every
 * node when undefined) whose property `key` equals `value`, through the
 * index. Returns false, calling nothing, when `view` is not a committed
 * version of the store: the caller then scans.
 */
export function forEachNodeWithProperty(view: GraphView, label: string | undefined, key: string, value: Json, fn: (node: NodeRecord) => boolean | void): boolean {
  if (!(view instanceof ValueView) || !isCommittedView(view)) return false;
  const v = valueOf(view);
  let set: champ.ChampNode<NodeRec>;
  if (label === undefined) set = v.nodes;
  else {
    const entry: Counted<NodeRec> | undefined = champ.get(v.byLabel, label);
    if (entry === undefined) return true;
    set = entry.set;
  }
  const ids = champ.get(indexFor(set, label === undefined ? '' : 'L' + label, key), valueKey(value));
  if (ids !== undefined) champ.forEach(ids, fn);
  return true;
}
