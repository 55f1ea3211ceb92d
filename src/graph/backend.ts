import { EdgeRec, NodeRec } from './_internals/records.ts';
import type { EdgeRecord, Json, NodeRecord, Props, TxId } from './types.ts';

/** One change inside a commit: the delta the commit log stores. */
export type Op =
  | { readonly op: 'addNode'; readonly node: NodeRecord }
  | { readonly op: 'updateNode'; readonly before: NodeRecord; readonly node: NodeRecord }
  | { readonly op: 'dropNode'; readonly node: NodeRecord }
  | { readonly op: 'addEdge'; readonly edge: EdgeRecord }
  | { readonly op: 'updateEdge'; readonly before: EdgeRecord; readonly edge: EdgeRecord }
  | { readonly op: 'dropEdge'; readonly edge: EdgeRecord };

/** What a backend stores per commit. `cid` is present when the store hashed the version. */
export interface CommitEntry {
  readonly tx: TxId;
  readonly parentTx: TxId;
  readonly time: number;
  readonly meta: Json;
  readonly ops: readonly Op[];
  readonly cid?: string;
  /**
   * The commit's tag (`StoreOptions.tagOf`): a string, or null for none.
   * Absent when the store that made it computes no tags.
   */
  readonly tag?: string | null;
}

/**
 * A commit entry as plain data, the one form every durable backend writes
 * (records are class instances with cached digests; this keeps only their fields).
 */
export function plainEntry(c: CommitEntry): unknown {
  return {
    tx: c.tx,
    parentTx: c.parentTx,
    time: c.time,
    meta: c.meta,
    ops: c.ops.map((op) => {
      switch (op.op) {
        case 'addNode':
        case 'dropNode':
          return { op: op.op, node: plainNode(op.node) };
        case 'updateNode':
          return { op: op.op, before: plainNode(op.before), node: plainNode(op.node) };
        case 'addEdge':
        case 'dropEdge':
          return { op: op.op, edge: plainEdge(op.edge) };
        case 'updateEdge':
          return { op: op.op, before: plainEdge(op.before), edge: plainEdge(op.edge) };
      }
    }),
    ...(c.cid === undefined ? {} : { cid: c.cid }),
  };
}

/**
 * A commit entry as compact JSON text (format 3): `{tx, parentTx, time, meta,
 * ops}` where each op is an array, its first element saying what it is:
 *
 *     ["+n", id, labels, props?]          add a node (props left out when empty)
 *     ["+e", id, type, src, dst, props?]  add an edge
 *     ["~n", id, set, del?, labels?]      update a node: the top-level properties
 *                                         added or replaced with their new values,
 *                                         those removed (null when none but labels
 *                                         follow), and the labels if they changed
 *     ["~e", id, set, del?]               update an edge
 *     ["-n", id] / ["-e", id]             drop a node / an edge
 *
 * What it leaves out is the state before the op, which the store reading the
 * log takes from the version it is rebuilding (an op naming a record that
 * version does not hold is CORRUPT_BLOCK). Earlier logs hold ops as objects
 * (`{op: "dropNode", id}`, `{op: "updateNode", id, set, ...}`, or whole
 * records) and read the same (`loggedOp`); positional ops are a third shorter.
 *
 * One `JSON.stringify` over the whole entry: a record's props serialise as
 * themselves, so only the small op arrays are built; a call per record, or
 * string concatenation, cost twice as much.
 */
export function compactEntryJson(c: CommitEntry): string {
  const ops = new Array<unknown>(c.ops.length);
  for (let i = 0; i < c.ops.length; i++) {
    const op = c.ops[i];
    switch (op.op) {
      case 'addNode': {
        const n = op.node;
        ops[i] = isEmpty(n.props) ? ['+n', n.id, n.labels] : ['+n', n.id, n.labels, n.props];
        break;
      }
      case 'addEdge': {
        const e = op.edge;
        ops[i] = isEmpty(e.props) ? ['+e', e.id, e.type, e.src, e.dst] : ['+e', e.id, e.type, e.src, e.dst, e.props];
        break;
      }
      case 'updateNode':
        ops[i] = updateDelta('~n', op.node.id, sameLabels(op.before.labels, op.node.labels) ? undefined : op.node.labels, op.before.props, op.node.props);
        break;
      case 'updateEdge':
        ops[i] = updateDelta('~e', op.edge.id, undefined, op.before.props, op.edge.props);
        break;
      case 'dropNode':
        ops[i] = ['-n', op.node.id];
        break;
      case 'dropEdge':
        ops[i] = ['-e', op.edge.id];
        break;
    }
  }
  // Key order is the format's: tx, parentTx, time, meta, ops, cid (undefined ones are left out).
  return JSON.stringify({ tx: c.tx, parentTx: c.parentTx, time: c.time, meta: c.meta, ops, cid: c.cid });
}

function isEmpty(props: Props): boolean {
  for (const _ in props) return false;
  return true;
}

/**
 * An update as the properties it set and removed. A value is compared by
 * reference: the store keeps an unchanged property's value when it merges
 * (`mergeNodeProps`), so a long-lived node (an Execution) logs what a step
 * changed, not its whole state; a value rebuilt equal is logged again, which
 * is larger but as exact.
 */
function updateDelta(code: '~n' | '~e', id: string, labels: readonly string[] | undefined, before: Props, after: Props): unknown[] {
  // No prototype: a property named __proto__ is a key like any other.
  const set: Record<string, Json> = Object.create(null);
  let del: string[] | undefined;
  for (const k in after) if (after[k] !== before[k] || !Object.prototype.hasOwnProperty.call(before, k)) set[k] = after[k];
  for (const k in before) if (!Object.prototype.hasOwnProperty.call(after, k)) (del ??= []).push(k);
  if (labels !== undefined) return [code, id, set, del ?? null, labels];
  return del === undefined ? [code, id, set] : [code, id, set, del];
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A logged op in the object form the reader takes (`LoggedOp`), checked: a
 * positional op (format 3) becomes one; an object op (earlier formats) is
 * returned as it is once its shape is right. Throws a plain Error naming what
 * is wrong for any other shape (the caller names the commit): a log is never
 * read into a wrong graph.
 */
export function loggedOp(op: unknown): LoggedOp {
  if (Array.isArray(op)) return positionalOp(op);
  if (!isPlain(op)) throw new Error(`an op is ${show(op)}`);
  const o = op as LoggedOp;
  const what = `op ${show(o.op)}`;
  switch (o.op) {
    case 'addNode':
      nodeRecord(what, o.node);
      break;
    case 'addEdge':
      edgeRecord(what, o.edge);
      break;
    case 'updateNode':
    case 'updateEdge':
      if (o.set === undefined) {
        if (o.op === 'updateNode') nodeRecord(what, o.node);
        else edgeRecord(what, o.edge);
      } else delta(what, o.id, o.set, o.del, o.labels);
      break;
    case 'dropNode':
    case 'dropEdge': {
      const rec = (o.op === 'dropNode' ? o.node : o.edge) as { id?: unknown } | undefined;
      const isRecord = rec instanceof NodeRec || rec instanceof EdgeRec || isPlain(rec);
      text(what, 'id', rec === undefined ? o.id : isRecord ? rec.id : rec);
      break;
    }
    default:
      throw new Error(`an op has kind ${show(o.op)}`);
  }
  return o;
}

function positionalOp(a: unknown[]): LoggedOp {
  const what = `op ${show(a[0])}`;
  const at = (i: number, name: string): string => text(what, name, a[i]);
  const propsAt = (i: number): Props => (a.length > i ? plain(what, 'props', a[i]) : {}) as Props;
  const arity = (min: number, max: number): void => {
    if (a.length < min || a.length > max) throw new Error(`${what} has ${a.length} elements`);
  };
  switch (a[0]) {
    case '+n':
      arity(3, 4);
      return { op: 'addNode', node: { id: at(1, 'id'), labels: strings(what, 'labels', a[2]), props: propsAt(3) } };
    case '+e':
      arity(5, 6);
      return { op: 'addEdge', edge: { id: at(1, 'id'), type: at(2, 'type'), src: at(3, 'src'), dst: at(4, 'dst'), props: propsAt(5) } };
    case '~n':
    case '~e': {
      arity(3, a[0] === '~n' ? 5 : 4);
      const del = a[3] === null || a[3] === undefined ? undefined : a[3];
      const out = { op: a[0] === '~n' ? 'updateNode' : 'updateEdge', id: a[1], set: a[2], del, labels: a[4] } as LoggedOp;
      delta(what, out.id, out.set, out.del, out.labels);
      return out;
    }
    case '-n':
    case '-e':
      arity(2, 2);
      return { op: a[0] === '-n' ? 'dropNode' : 'dropEdge', id: at(1, 'id') };
    default:
      throw new Error(`an op starts with ${show(a[0])}`);
  }
}

// A record the store made (a commit not yet written, read back from the queue) is right as it is.
function nodeRecord(what: string, n: unknown): void {
  if (n instanceof NodeRec) return;
  const r = plain(what, 'node', n) as Record<string, unknown>;
  text(what, 'node id', r.id);
  strings(what, 'labels', r.labels);
  plain(what, 'props', r.props);
}

function edgeRecord(what: string, e: unknown): void {
  if (e instanceof EdgeRec) return;
  const r = plain(what, 'edge', e) as Record<string, unknown>;
  for (const k of ['id', 'type', 'src', 'dst']) text(what, `edge ${k}`, r[k]);
  plain(what, 'props', r.props);
}

function delta(what: string, id: unknown, set: unknown, del: unknown, labels: unknown): void {
  text(what, 'id', id);
  plain(what, 'set', set);
  if (del !== undefined) strings(what, 'del', del);
  if (labels !== undefined) strings(what, 'labels', labels);
}

function text(what: string, name: string, v: unknown): string {
  if (typeof v !== 'string') throw new Error(`${what} has ${name} ${show(v)}, not a string`);
  return v;
}

function strings(what: string, name: string, v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${what} has ${name} ${show(v)}, not a list of strings`);
  return v;
}

function plain(what: string, name: string, v: unknown): object {
  if (!isPlain(v)) throw new Error(`${what} has ${name} ${show(v)}, not an object`);
  return v as object;
}

function isPlain(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

type Rec = NodeRecord | EdgeRecord;
/** An op as the reader takes it (`loggedOp`): full (records) or compact (an update without `before`, a drop by `id`). */
export type LoggedOp = { op: Op['op']; id?: string; node?: Rec; edge?: Rec; before?: Rec; labels?: string[]; set?: Record<string, Json>; del?: string[] };

function plainNode(n: NodeRecord): unknown {
  return { id: n.id, labels: n.labels, props: n.props };
}

function plainEdge(e: EdgeRecord): unknown {
  return { id: e.id, type: e.type, src: e.src, dst: e.dst, props: e.props };
}

/** A snapshot: the root block digest (latin1 string of 32 bytes) of version `tx`. */
export interface SnapshotEntry {
  readonly tx: TxId;
  readonly root: string;
}

/**
 * Where a store keeps its commit log and its blocks (content-addressed bytes,
 * keyed by the sha2-256 digest). The memory backend keeps them in memory; the
 * durable backends implement the same contract on SQLite and PostgreSQL.
 *
 * `append` is synchronous so that the commit path has no await; durability is
 * reported by `sync()`, which resolves once every appended commit is durable
 * (a backend may group several commits into one write).
 */
export interface Backend {
  readonly name: string;
  /**
   * True when blocks must reach the backend: the store then hands every block
   * it hashes to `putBlock`, so a cached digest always means a stored block.
   */
  readonly persistent: boolean;
  append(entry: CommitEntry): void;
  sync(): Promise<void>;
  /** Commits with tx >= fromTx, in TxId order. */
  readCommits(fromTx: TxId): Iterable<CommitEntry>;
  /** `digest`: the 32 sha2-256 bytes as a latin1 string. */
  putBlock(digest: string, bytes: Uint8Array): void;
  getBlock(digest: string): Uint8Array | undefined;
  putSnapshot(snapshot: SnapshotEntry): void;
  /** Snapshots in TxId order. */
  snapshots(): SnapshotEntry[];
  /** Drops snapshots before `tx` and, when `log` is true, the commits before `tx`. */
  prune(tx: TxId, log: boolean): void;
  close(): Promise<void>;
  /**
   * Optional index of commit tags (`StoreOptions.tagOf`): the TxIds below
   * `before` of the commits appended with `tag`, in order; undefined when the
   * index is incomplete (commits appended without tags: an older file, or a
   * store opened without `tagOf`). A backend without it is read in full.
   */
  tagged?(tag: string, before: TxId): TxId[] | undefined;
  /** Records the tags of every commit in the log (null: none) and marks the index complete. */
  retag?(tags: readonly (readonly [TxId, string | null])[]): void;
}

/** Keeps the log and blocks in memory: the default for tests and embedding. */
export class MemoryBackend implements Backend {
  readonly name = 'memory';
  readonly persistent = false;
  private readonly log: CommitEntry[] = [];
  private readonly blocks = new Map<string, Uint8Array>();
  private snaps: SnapshotEntry[] = [];

  append(entry: CommitEntry): void {
    this.log.push(entry);
  }
  sync(): Promise<void> {
    return Promise.resolve();
  }
  *readCommits(fromTx: TxId): Iterable<CommitEntry> {
    // log[i] holds tx i + 1
    for (let i = Math.max(0, fromTx - 1); i < this.log.length; i++) yield this.log[i];
  }
  putBlock(digest: string, bytes: Uint8Array): void {
    this.blocks.set(digest, bytes);
  }
  getBlock(digest: string): Uint8Array | undefined {
    return this.blocks.get(digest);
  }
  putSnapshot(snapshot: SnapshotEntry): void {
    this.snaps.push(snapshot);
  }
  snapshots(): SnapshotEntry[] {
    return [...this.snaps];
  }
  prune(tx: TxId): void {
    // The memory store keeps every version in memory anyway; only the index shrinks.
    this.snaps = this.snaps.filter((s) => s.tx >= tx);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
