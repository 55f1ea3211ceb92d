import type { EdgeRecord, GraphView, NodeRecord } from '../../graph/index.ts';
import { RuleError } from '../errors.ts';
import { compilePattern } from './compiled.ts';
import { pushedCount } from './count.ts';
import { isCommittedView } from '../../graph/_internals/view-kind.ts';
import type { CompiledPattern } from './compiled.ts';
import type { MatchOptions, MatchView, Pattern } from './pattern.ts';
import { Search } from './search.ts';

/** A materialised match: every variable's element, read from the view it was found in. */
export class Match implements MatchView {
  /** @internal */
  constructor(
    /** @internal */ readonly cp: CompiledPattern,
    /** @internal */ readonly nodeRecs: readonly NodeRecord[],
    /** @internal */ readonly edgeRecs: readonly (EdgeRecord | readonly EdgeRecord[])[],
  ) {}

  static of(s: Search): Match {
    s.resolve();
    const edges: (EdgeRecord | readonly EdgeRecord[])[] = new Array(s.edgeRecs.length);
    for (let i = 0; i < edges.length; i++) edges[i] = s.paths[i] !== undefined ? s.paths[i]!.slice() : s.edgeRecs[i]!;
    return new Match(s.cp, s.nodeRecs.slice() as NodeRecord[], edges);
  }

  /** Variable names, nodes first, in pattern order. */
  get vars(): string[] {
    return [...this.cp.vars.keys()];
  }
  node(v: string): NodeRecord {
    const x = this.cp.vars.get(v);
    if (x === undefined || x.kind !== 'node') throw new RuleError('INVALID_BINDING', `Match.node: "${v}" is not a node variable`);
    return this.nodeRecs[x.slot];
  }
  edge(v: string): EdgeRecord {
    const x = this.cp.vars.get(v);
    const r = x !== undefined && x.kind === 'edge' ? this.edgeRecs[x.slot] : undefined;
    if (r === undefined || Array.isArray(r)) throw new RuleError('INVALID_BINDING', `Match.edge: "${v}" is not a fixed-length edge variable`);
    return r as EdgeRecord;
  }
  path(v: string): readonly EdgeRecord[] {
    const x = this.cp.vars.get(v);
    const r = x !== undefined && x.kind === 'edge' ? this.edgeRecs[x.slot] : undefined;
    if (r === undefined || !Array.isArray(r)) throw new RuleError('INVALID_BINDING', `Match.path: "${v}" is not a variable-length edge`);
    return r as readonly EdgeRecord[];
  }
  has(v: string): boolean {
    return this.cp.vars.has(v);
  }
  /** Element ids by variable (a path as a list of edge ids). */
  ids(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [v, x] of this.cp.vars) {
      if (x.kind === 'node') out[v] = this.nodeRecs[x.slot].id;
      else {
        const r = this.edgeRecs[x.slot];
        out[v] = Array.isArray(r) ? (r as readonly EdgeRecord[]).map((e) => e.id) : (r as EdgeRecord).id;
      }
    }
    return out;
  }
  toJSON(): Record<string, string | string[]> {
    return this.ids();
  }
}

/**
 * Streams the matches of `pattern` in `view`, in a deterministic order (a
 * function of the view's content, the pattern and the start bindings). The
 * callback receives a live view of the match, valid only during the call;
 * return `false` to stop. Returns the number of matches visited.
 */
export function forEachMatch(view: GraphView, pattern: Pattern, fn: (m: MatchView) => boolean | void, options: MatchOptions = {}): number {
  return visitMatches(view, pattern, fn, options, false);
}

/** forEachMatch, optionally through the property index (`indexed`: the order is then not the scan order). */
function visitMatches(view: GraphView, pattern: Pattern, fn: (m: MatchView) => boolean | void, options: MatchOptions, indexed: boolean): number {
  const cp = compilePattern(pattern);
  const limit = options.limit ?? Infinity;
  let n = 0;
  if (limit <= 0) return 0;
  searchSlots(
    view,
    cp,
    options.bindings,
    (s) => {
      n++;
      return fn(s) !== false && n < limit;
    },
    isCommittedView(view),
    indexed,
  );
  return n;
}

/** All matches (up to `limit`), materialised. */
export function match(view: GraphView, pattern: Pattern, options: MatchOptions = {}): Match[] {
  const out: Match[] = [];
  const cp = compilePattern(pattern);
  const limit = options.limit ?? Infinity;
  if (limit <= 0) return out;
  searchSlots(
    view,
    cp,
    options.bindings,
    (s) => {
      out.push(Match.of(s));
      return out.length < limit;
    },
    isCommittedView(view),
  );
  return out;
}

/** The first match in the deterministic order, or undefined. */
export function firstMatch(view: GraphView, pattern: Pattern, options: Omit<MatchOptions, 'limit'> = {}): Match | undefined {
  return match(view, pattern, { ...options, limit: 1 })[0];
}

/** The number of matches (up to `limit`), without materialising them. */
export function countMatches(view: GraphView, pattern: Pattern, options: MatchOptions = {}): number {
  const limit = options.limit ?? Infinity;
  if (limit <= 0) return 0;
  if (options.bindings === undefined || Object.keys(options.bindings).length === 0) {
    // Shapes whose count is a function of degrees are counted without enumeration.
    const n = pushedCount(view, compilePattern(pattern));
    if (n !== undefined) return Math.min(n, limit);
  }
  // Order does not matter to a count: the property index may serve the scans.
  return visitMatches(view, pattern, () => true, options, true);
}

/** Whether `bindings` (every variable bound) is a match of `pattern` in `view`. */
export function isMatch(view: GraphView, pattern: Pattern, bindings: { readonly [variable: string]: string }): boolean {
  const cp = compilePattern(pattern);
  for (const v of cp.vars.keys()) if (!(v in bindings)) throw new RuleError('INVALID_BINDING', `isMatch: variable "${v}" is not bound`);
  return countMatches(view, pattern, { bindings, limit: 1 }) === 1;
}

/**
 * Runs a search with start bindings given by variable name. The engine-side
 * entry point: `fn` sees the live Search (slots) and returns false to stop.
 * With `lazy` (committed versions only), unconstrained nodes are bound by id
 * only (see Search.lazy: read their records with `recAt` / `nodeValue`, or
 * `resolve()` first); with `indexed` too, scans may use the property index
 * (see Search.indexed: matches then come in another order).
 */
export function searchSlots(view: GraphView, cp: CompiledPattern, bindings: { readonly [v: string]: string } | undefined, fn: (s: Search) => boolean, lazy = false, indexed = false): void {
  const s = Search.acquire(cp);
  s.lazy = lazy;
  if (lazy) s.slots();
  s.indexed = indexed && lazy;
  try {
    let bound = UNBOUND;
    if (bindings !== undefined) {
      const vars = Object.keys(bindings);
      if (vars.length > 0) {
        bound = boundSet(cp, vars, bindings);
        const slots = bound.slots;
        for (let i = 0; i < vars.length; i++) {
          const id = bindings[vars[i]];
          if (typeof id !== 'string') throw new RuleError('INVALID_BINDING', `match: variable "${vars[i]}" must be bound to an element id`);
          const slot = slots[i];
          if (slot >= 0) s.nodeIds[slot] = id;
          else s.edgeIds[~slot] = id;
        }
      }
    }
    s.run(view, bound.key, bound.bn, bound.be, fn);
  } finally {
    s.release();
  }
}

/** Runs a search with start bindings given as slot arrays (undefined: unbound); `lazy` and `indexed` as for searchSlots. */
export function searchBound(
  view: GraphView,
  cp: CompiledPattern,
  nodeIds: readonly (string | undefined)[],
  edgeIds: readonly (string | undefined)[],
  key: string,
  bn: ArrayLike<boolean>,
  be: ArrayLike<boolean>,
  fn: (s: Search) => boolean,
  lazy = false,
  indexed = false,
): void {
  const s = Search.acquire(cp);
  s.lazy = lazy;
  if (lazy) s.slots();
  s.indexed = indexed && lazy;
  try {
    for (let i = 0; i < nodeIds.length; i++) s.nodeIds[i] = nodeIds[i];
    for (let i = 0; i < edgeIds.length; i++) s.edgeIds[i] = edgeIds[i];
    s.run(view, key, bn, be, fn);
  } finally {
    s.release();
  }
}

const NONE: boolean[] = [];

/** The slots a list of bound variable names binds, with searchSlots' plan key. */
interface BoundSet {
  /** The variable names, in the order they were given. */
  readonly vars: readonly string[];
  /** Per variable: its node slot, or ~slot for an edge. */
  readonly slots: readonly number[];
  readonly key: string;
  readonly bn: boolean[];
  readonly be: boolean[];
}

const UNBOUND: BoundSet = { vars: [], slots: [], key: '', bn: NONE, be: NONE };
/** Bound sets kept per pattern (newest last). */
const MAX_BOUND_SETS = 8;

/**
 * The bound set of `vars` (validated: every name a variable of the pattern, no
 * variable-length edge; `bindings` only for the order of errors), cached on the pattern so a repeated call with the
 * same variables builds neither the key nor the arrays again.
 */
function boundSet(cp: CompiledPattern, vars: readonly string[], bindings: { readonly [v: string]: string }): BoundSet {
  const cache = cp.boundSets as BoundSet[];
  for (let k = cache.length - 1; k >= 0; k--) {
    const c = cache[k];
    if (sameNames(c.vars, vars)) return c;
  }
  const bn: boolean[] = new Array(cp.nodes.length).fill(false);
  const be: boolean[] = new Array(cp.edges.length).fill(false);
  const slots: number[] = [];
  for (const v of vars) {
    const x = cp.vars.get(v);
    if (x === undefined) throw new RuleError('INVALID_BINDING', `match: the pattern has no variable "${v}"`);
    // Checked here too (the caller checks every id), so errors come in the order they always did.
    if (typeof bindings[v] !== 'string') throw new RuleError('INVALID_BINDING', `match: variable "${v}" must be bound to an element id`);
    if (x.kind === 'node') {
      bn[x.slot] = true;
      slots.push(x.slot);
    } else {
      if (cp.edges[x.slot].max !== -1) throw new RuleError('INVALID_BINDING', `match: variable-length edge "${v}" cannot be pre-bound`);
      be[x.slot] = true;
      slots.push(~x.slot);
    }
  }
  const key = bn.map((b) => (b ? 1 : 0)).join('') + '|' + be.map((b) => (b ? 1 : 0)).join('');
  const set: BoundSet = { vars: vars.slice(), slots, key, bn, be };
  if (cache.length >= MAX_BOUND_SETS) cache.shift();
  cache.push(set);
  return set;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
