import type { CID } from 'multiformats/cid';
import * as champ from './_internals/champ.ts';
import { someEdgeId } from './_internals/adjacency.ts';
import { Draft, EMPTY_VALUE } from './_internals/graph-value.ts';
import type { GraphValue } from './_internals/graph-value.ts';
import { adoptJson, jsonEqual, mergeOwnedProps, ownJson, putKey, reviveJson } from './_internals/json.ts';
import { cidOf, rootDigest } from './_internals/merkle.ts';
import { loadValue } from './_internals/load.ts';
import { netOps } from './_internals/net-ops.ts';
import type { BlockSink } from './_internals/merkle.ts';
import { EdgeRec, NodeRec } from './_internals/records.ts';
import { ValueView } from './_internals/value-view.ts';
import { MemoryBackend } from './backend.ts';
import type { Backend, CommitEntry, Op } from './backend.ts';
import { loggedOp } from './_internals/log-format.ts';
import type { LoggedOp, PathChange } from './_internals/log-format.ts';
import { ConflictError, GraphError } from './errors.ts';
import { Transaction } from './transaction.ts';
import { runQuery } from './query-engine.ts';
import type { QueryResultLike } from './query-engine.ts';
import type { TransactionOptions, TxHost } from './transaction.ts';
import type { CommitInfo, Diff, Direction, EdgeRecord, Json, NodeRecord, Props, Snapshot, TxId } from './types.ts';

export interface StoreOptions {
  /** Where the commit log and blocks live; memory by default. */
  backend?: Backend;
  /** Milliseconds since the epoch for commit times; `Date.now` by default. */
  now?: () => number;
  /**
   * Take a snapshot (write the version's blocks and index its root) every this
   * many commits; 0 = never. Default: 10,000 for a persistent backend, 0 in
   * memory. A clean `close()` also snapshots the head (see `close`), so only
   * recovery from a crash replays up to this many commits.
   */
  snapshotEvery?: number;
  /**
   * Which history a persistent store keeps. `snapshots`: how many of the latest
   * snapshots to keep (default: all). `log`: 'all' (default) keeps the whole
   * commit log, so every TxId stays readable; 'since-oldest-snapshot' deletes
   * commits up to the oldest kept snapshot, so only TxIds from that snapshot on
   * stay readable.
   */
  retention?: { snapshots?: number; log?: 'all' | 'since-oldest-snapshot' };
  /**
   * Keep the version of every this-many-th TxId (and the head) materialised in
   * memory; a version in between is rebuilt on first read from the nearest
   * kept one plus the commits after it (at most `keepEvery - 1` commits, and
   * fewer than 2,048 operations: a version is kept once that many were
   * committed since the last kept one), and the last 8 rebuilt are cached.
   * 1 keeps every version.
   * Default 64: a kept version costs a trie path copy per write, which is most
   * of what a commit leaves in memory.
   */
  keepEvery?: number;
  /**
   * Which history a persistent store keeps in memory. 'since-snapshot'
   * (default on a persistent backend): the versions and commits from the
   * latest snapshot on; each snapshot lets go of those before it, which are
   * read back from the backend when asked for, as after a restart (the
   * nearest snapshot's blocks plus the log). Memory then stays bounded by
   * `snapshotEvery` commits instead of growing with every commit. 'all' (the
   * only choice in memory, where nothing could be read back): every commit
   * stays in memory, and old reads cost what recent ones do.
   */
  inMemory?: 'all' | 'since-snapshot';
  /**
   * A tag for each commit, from its meta (the workflow engine tags a commit
   * with its execution), that `commitsTagged` finds without reading the log
   * on a backend that indexes tags (SQLite). Give the same function on every open.
   */
  tagOf?: (meta: Json) => string | undefined;
}

/** A version older than the in-memory ones, read back; `region`: the TxId of the snapshot it was rebuilt from (0: none). */
interface OlderVersion {
  readonly value: GraphValue;
  readonly commit: Commit;
  readonly region: TxId;
}

/** A version is kept, whatever `keepEvery` says, once rebuilding it would replay this many operations. */
const REBUILD_OPS = 2048;

/**
 * A committed version. A snapshot of a head that a later transaction may
 * take over (Store.takeover) carries the store's takeover count from when it
 * was made: once the head is taken, it reads the version rebuilt (stable) instead.
 */
class VersionSnapshot extends ValueView implements Snapshot {
  constructor(
    private readonly store: Store,
    readonly tx: TxId,
    private v: GraphValue,
    /** @internal The store's takeover count if the value may still be taken over, else -1. */
    public epoch: number,
  ) {
    super();
  }
  protected get value(): GraphValue {
    if (this.epoch >= 0 && this.epoch !== this.store.takeovers) {
      this.v = this.store.stableValue(this.tx);
      this.epoch = -1;
    }
    return this.v;
  }
  /** @internal A value no transaction will edit in place, for readers that keep it (indexes memoised on its tries). */
  override stableValue(): GraphValue {
    if (this.epoch >= 0) {
      this.v = this.epoch === this.store.takeovers ? this.store.pin(this.tx, this.v) : this.store.stableValue(this.tx);
      this.epoch = -1;
    }
    return this.v;
  }
  // A transaction cannot take the head over while one of its snapshots is being iterated.
  // (A stable version, the usual case, iterates without the closure.)
  override forEachNode(fn: (n: NodeRecord) => boolean | void): void {
    if (this.epoch < 0) super.forEachNode(fn);
    else this.iterating(() => super.forEachNode(fn));
  }
  override forEachEdge(fn: (e: EdgeRecord) => boolean | void): void {
    if (this.epoch < 0) super.forEachEdge(fn);
    else this.iterating(() => super.forEachEdge(fn));
  }
  override forEachNodeWithLabel(label: string, fn: (n: NodeRecord) => boolean | void): void {
    if (this.epoch < 0) super.forEachNodeWithLabel(label, fn);
    else this.iterating(() => super.forEachNodeWithLabel(label, fn));
  }
  override forEachEdgeOfType(type: string, fn: (e: EdgeRecord) => boolean | void): void {
    if (this.epoch < 0) super.forEachEdgeOfType(type, fn);
    else this.iterating(() => super.forEachEdgeOfType(type, fn));
  }
  override forEachIncident(nodeId: string, dir: Direction, type: string | undefined, fn: (edge: EdgeRecord, other: string) => boolean | void): void {
    if (this.epoch < 0) super.forEachIncident(nodeId, dir, type, fn);
    else this.iterating(() => super.forEachIncident(nodeId, dir, type, fn));
  }
  private iterating(walk: () => void): void {
    this.store.reading++;
    try {
      walk();
    } finally {
      this.store.reading--;
    }
  }
  cid(): CID {
    return this.store.cid(this.tx);
  }
  query(text: string, params: { readonly [name: string]: Json } = {}): QueryResultLike {
    return runQuery(this, text, params);
  }
}

class Commit implements CommitInfo {
  /** @internal */ digest: string | undefined = undefined;
  constructor(
    private readonly store: Store,
    readonly tx: TxId,
    readonly parentTx: TxId,
    readonly time: number,
    readonly meta: Json,
    /** @internal The commit's operations, kept for commits in memory (rebuilding the versions not kept). */
    readonly ops: readonly Op[] | undefined = undefined,
  ) {}
  get cid(): CID {
    return this.store.cid(this.tx);
  }
  toJSON(): object {
    return { tx: this.tx, parentTx: this.parentTx, cid: this.cid.toString(), time: this.time, meta: this.meta };
  }
}

/**
 * The persistent, hash-consed, MVCC property-graph store.
 *
 * Every commit makes a new immutable version that shares structure with the
 * previous one; `at(tx)` returns any version in O(1) and reads on it cost what
 * reads on the head cost. `cid(tx)` is the Merkle root of a version, a function
 * of its content only.
 */
export class Store implements TxHost {
  /**
   * versions[i] and commits[i] hold TxId firstTx + i. A version is kept
   * (defined) at firstTx, at every multiple of keepEvery and at the head;
   * the others are rebuilt from the commits' ops (`valueAt`).
   */
  private readonly versions: (GraphValue | undefined)[] = [EMPTY_VALUE];
  private readonly commits: Commit[];
  private firstTx = 0;
  private readonly keepEvery: number;
  /** Operations committed after the last kept version, through the head. */
  private opsSinceKept = 0;
  /** Versions rebuilt lately (not kept), least recently used first. */
  private readonly rebuilt = new Map<TxId, GraphValue>();
  /** Versions before firstTx rebuilt on demand (after a restart). */
  private readonly older = new Map<TxId, OlderVersion>();
  private lastSnapshotTx = 0;
  private readonly snapshotEvery: number;
  /** Whether a snapshot lets go of the history before it (`StoreOptions.inMemory`). */
  private readonly forgets: boolean;
  private readonly tagOf: ((meta: Json) => string | undefined) | undefined;
  private closed = false;
  /**
   * The edit token of the head's own trie nodes while no one but the store
   * holds them: the next transaction to write may edit them in place
   * (`takeover`) instead of copying paths. Null once the head is kept, pinned,
   * or taken.
   */
  private reusable: object | null = null;
  /** @internal How many times a transaction took the head over (snapshots of a taken head rebuild it). */
  takeovers = 0;
  /** @internal Iterations over snapshots of the head in progress (no takeover meanwhile). */
  reading = 0;
  private readonly retention: { snapshots: number; log: 'all' | 'since-oldest-snapshot' };
  private readonly open = new Set<Transaction>();
  /** Write keys of commits made while other transactions were open. */
  private writeLog: { tx: TxId; keys: Set<string> }[] = [];
  private readonly backend: Backend;
  private readonly now: () => number;
  private readonly sink: BlockSink | undefined;

  constructor(options: StoreOptions = {}) {
    this.backend = options.backend ?? new MemoryBackend();
    this.now = options.now ?? Date.now;
    const backend = this.backend;
    this.sink = backend.persistent ? (d, b) => backend.putBlock(d, b) : undefined;
    // Every snapshot hashes and writes what changed since the last one, in-flight state included:
    // 1,000 cost durable seq3 throughput ~15 % against ~5 % for 10,000 (docs/durability.md).
    this.snapshotEvery = options.snapshotEvery ?? (backend.persistent ? 10_000 : 0);
    const inMemory = options.inMemory ?? (backend.persistent ? 'since-snapshot' : 'all');
    if (inMemory !== 'all' && inMemory !== 'since-snapshot') throw new GraphError('INVALID_ARGUMENT', `Store: "inMemory" must be 'all' or 'since-snapshot', got ${String(inMemory)}`);
    if (inMemory === 'since-snapshot' && !backend.persistent) throw new GraphError('INVALID_ARGUMENT', `Store: "inMemory" 'since-snapshot' needs a persistent backend (the ${backend.name} backend keeps no blocks to read old versions back from)`);
    this.forgets = inMemory === 'since-snapshot';
    this.tagOf = options.tagOf;
    this.retention = { snapshots: options.retention?.snapshots ?? Infinity, log: options.retention?.log ?? 'all' };
    const keep = options.keepEvery ?? 64;
    if (!(Number.isInteger(keep) && keep >= 1)) throw new GraphError('INVALID_ARGUMENT', `Store: "keepEvery" must be an integer >= 1, got ${String(keep)}`);
    this.keepEvery = keep;
    this.commits = [new Commit(this, 0, -1, 0, null)];
    this.restore();
  }

  /** TxId of the latest commit (0 for the empty graph). */
  get headTx(): TxId {
    return this.firstTx + this.versions.length - 1;
  }

  /** The latest committed version. */
  head(): Snapshot {
    return this.snapshotOf(this.headTx, this.headValue());
  }

  /** The head's value; rebuilt if a transaction has taken the one committed over. */
  private headValue(): GraphValue {
    const i = this.versions.length - 1;
    return this.versions[i] ?? (this.versions[i] = this.rebuild(this.headTx));
  }

  /** A snapshot of `tx`, which tracks takeovers if `tx` is the head and may be taken over. */
  private snapshotOf(tx: TxId, value: GraphValue): VersionSnapshot {
    return new VersionSnapshot(this, tx, value, tx === this.headTx && this.reusable !== null ? this.takeovers : -1);
  }

  /** @internal Version `tx`'s value, one no transaction will edit in place. */
  stableValue(tx: TxId): GraphValue {
    const value = this.valueAt('Store.at', tx);
    if (tx === this.headTx) this.reusable = null;
    return value;
  }

  /** @internal Keeps the head `value` of `tx` from being taken over; returns it. */
  pin(tx: TxId, value: GraphValue): GraphValue {
    if (tx === this.headTx) this.reusable = null;
    return value;
  }

  /**
   * Writes the head's blocks to the backend and records it as a snapshot, the
   * starting point of recovery. Returns its TxId.
   */
  snapshot(): TxId {
    const tx = this.headTx;
    const c = this.commitAt(tx);
    const value = this.headValue();
    c.digest ??= rootDigest(value.nodes, value.edges, this.sink);
    this.backend.putSnapshot({ tx, root: c.digest });
    this.lastSnapshotTx = tx;
    if (this.forgets) this.forgetBefore(tx, value);
    const snaps = this.backend.snapshots();
    if (snaps.length > this.retention.snapshots) {
      const keepFrom = snaps[snaps.length - this.retention.snapshots].tx;
      this.backend.prune(keepFrom, this.retention.log === 'since-oldest-snapshot');
    }
    return tx;
  }

  /**
   * Lets go of the versions and commits before `tx`, the head just
   * snapshotted: reads of them go to the backend (`loadOlder`), as after a
   * restart from this snapshot. The head stays materialised for good (no
   * transaction takes it over): every in-memory version is rebuilt from it.
   */
  private forgetBefore(tx: TxId, value: GraphValue): void {
    const n = tx - this.firstTx;
    if (n <= 0) return;
    this.reusable = null;
    this.versions.splice(0, n);
    this.versions[0] = value;
    this.commits.splice(0, n);
    this.firstTx = tx;
    this.opsSinceKept = 0;
    for (const t of [...this.rebuilt.keys()]) if (t < tx) this.rebuilt.delete(t);
  }

  /** The version committed as `tx`. */
  at(tx: TxId): Snapshot {
    return this.snapshotOf(tx, this.valueAt('Store.at', tx));
  }

  /** Starts an optimistic transaction on the head. */
  begin(options?: TransactionOptions): Transaction {
    const tx = new Transaction(this, this.headTx, this.headValue(), options);
    this.open.add(tx);
    return tx;
  }

  /**
   * A transaction on the version of `tx` that never commits (`commit` throws):
   * what writes would make of that version, say a commit's steps one at a
   * time. It shares the version's structure, copies only what it writes, and
   * leaves the store as it was.
   */
  scratch(tx: TxId): Transaction {
    const value = this.stableValue(tx);
    const host: TxHost = {
      headTx: tx,
      finish: () => {
        throw new GraphError('INVALID_ARGUMENT', `Transaction.commit: a scratch transaction (Store.scratch(${tx})) cannot commit`);
      },
      release: () => undefined,
      takeover: () => undefined,
      committedValue: () => value,
    };
    return new Transaction(host, tx, value, { isolation: 'snapshot' });
  }

  /** Runs `fn` in a transaction and commits it; aborts if `fn` throws. */
  transact<T>(fn: (tx: Transaction) => T, meta: Json = null, options?: TransactionOptions): { result: T; commit: CommitInfo } {
    const tx = this.begin(options);
    let result: T;
    try {
      result = fn(tx);
    } catch (e) {
      tx.abort();
      throw e;
    }
    return { result, commit: tx.commit(meta) };
  }

  /** Root CID of version `tx` (hashes only what no earlier call hashed). */
  cid(tx: TxId = this.headTx): CID {
    const value = this.valueAt('Store.cid', tx);
    const c = this.commitAt(tx);
    if (c.digest === undefined) c.digest = rootDigest(value.nodes, value.edges, this.sink);
    return cidOf(c.digest);
  }

  /** Commit metadata of `tx`. */
  commitInfo(tx: TxId): CommitInfo {
    this.checkTx('Store.commitInfo', tx);
    if (tx >= this.firstTx) return this.commits[tx - this.firstTx];
    // Older than memory: the log's entry, without rebuilding the version (its CID, if asked for, does).
    if (tx >= this.oldestTx) {
      // TxId 0, the empty graph, has no entry in the log.
      if (tx === 0) return new Commit(this, 0, -1, 0, null);
      const cached = this.older.get(tx);
      if (cached !== undefined) return cached.commit;
      for (const e of this.backend.readCommits(tx)) {
        if (e.tx === tx) return new Commit(this, e.tx, e.parentTx, e.time, reviveJson(e.meta, false));
        break;
      }
    }
    throw new GraphError('TX_NOT_FOUND', `Store.commitInfo: TxId ${tx} is no longer retained (the oldest readable TxId is ${this.oldestTx})`);
  }

  /** Commits from `from` to `to` inclusive (default: all kept, from TxId 1). */
  history(from: TxId = 1, to: TxId = this.headTx): CommitInfo[] {
    if (from < 1) from = 1;
    if (to > this.headTx) to = this.headTx;
    const out: CommitInfo[] = [];
    if (from < this.firstTx) {
      for (const e of this.backend.readCommits(from)) {
        if (e.tx >= this.firstTx || e.tx > to) break;
        out.push(new Commit(this, e.tx, e.parentTx, e.time, reviveJson(e.meta, false)));
      }
    }
    for (let tx = Math.max(from, this.firstTx); tx <= to; tx++) out.push(this.commits[tx - this.firstTx]);
    return out;
  }

  /**
   * The TxIds below `before` (default: all) of the commits tagged `tag` by
   * `StoreOptions.tagOf`, in order, from the backend's tag index; undefined
   * when the backend has none (the caller reads `history` instead). The first
   * call on a log written without tags reads it once and completes the index.
   */
  commitsTagged(tag: string, before: TxId = this.headTx + 1): TxId[] | undefined {
    const tagOf = this.tagOf;
    if (tagOf === undefined) throw new GraphError('INVALID_ARGUMENT', 'Store.commitsTagged: the store was opened without a tagOf option');
    const b = this.backend;
    if (b.tagged === undefined || b.retag === undefined) return undefined;
    let txs = b.tagged(tag, before);
    if (txs === undefined) {
      const tags: [TxId, string | null][] = [];
      for (const e of b.readCommits(1)) tags.push([e.tx, tagOf(reviveJson(e.meta, false)) ?? null]);
      b.retag(tags);
      txs = b.tagged(tag, before);
      if (txs === undefined) throw new GraphError('BACKEND', `Store.commitsTagged: the ${b.name} backend did not complete its tag index`);
    }
    return txs;
  }

  /**
   * The oldest TxId whose version and commit are in memory (`inMemory`):
   * reads from it on cost what reads of the head cost; older ones are read
   * back from the backend.
   */
  get inMemoryFrom(): TxId {
    return this.firstTx;
  }

  /** The oldest TxId that can still be read. */
  get oldestTx(): TxId {
    if (this.firstTx === 0 || this.retention.log === 'all') return 0;
    const snaps = this.backend.snapshots();
    return snaps.length > 0 ? Math.min(snaps[0].tx, this.firstTx) : this.firstTx;
  }

  private commitAt(tx: TxId): Commit {
    if (tx >= this.firstTx) return this.commits[tx - this.firstTx];
    return this.loadOlder(tx).commit;
  }

  /** The ops of commit `tx` (its delta). */
  changes(tx: TxId): readonly Op[] {
    this.checkTx('Store.changes', tx);
    if (tx === 0) return [];
    // The commit at firstTx holds its ops when the store made it (not when a restore started there).
    const ops = tx >= this.firstTx ? this.commits[tx - this.firstTx].ops : undefined;
    if (ops !== undefined) return ops;
    // A durable log leaves out the records an op replaced or removed: they are read from the version before.
    if (tx - 1 < this.oldestTx) throw new GraphError('TX_NOT_FOUND', `Store.changes: the changes of TxId ${tx} are read against TxId ${tx - 1}, which is no longer retained (the oldest readable TxId is ${this.oldestTx})`);
    const draft = new Draft(this.valueAt('Store.changes', tx - 1));
    for (const e of this.backend.readCommits(tx)) return e.tx === tx ? replayEntry(draft, e) : [];
    return [];
  }

  /** What differs between two versions; cost proportional to the difference. */
  diff(from: TxId, to: TxId): Diff {
    const a = this.valueAt('Store.diff', from);
    const b = this.valueAt('Store.diff', to);
    const nodes = { added: [] as NodeRecord[], removed: [] as NodeRecord[], changed: [] as { before: NodeRecord; after: NodeRecord }[] };
    const edges = { added: [] as EdgeRecord[], removed: [] as EdgeRecord[], changed: [] as { before: EdgeRecord; after: EdgeRecord }[] };
    champ.diff(a.nodes, b.nodes, (_k, before, after) => {
      if (before === undefined) nodes.added.push(after!);
      else if (after === undefined) nodes.removed.push(before);
      else if (!sameNode(before, after)) nodes.changed.push({ before, after });
    });
    champ.diff(a.edges, b.edges, (_k, before, after) => {
      if (before === undefined) edges.added.push(after!);
      else if (after === undefined) edges.removed.push(before);
      else if (!jsonEqual(before.props, after.props)) edges.changed.push({ before, after });
    });
    return { from, to, nodes, edges };
  }

  /** Resolves once every commit so far is durable in the backend. */
  sync(): Promise<void> {
    return this.backend.sync();
  }

  /**
   * Closes the backend. On a persistent store that takes automatic snapshots
   * and keeps all of them, the head is snapshotted first if it is not yet:
   * the next open then restores it from blocks instead of replaying the log.
   * (With a bounded `retention.snapshots` it is not: an extra snapshot would
   * move the oldest readable TxId.) Closing twice does nothing more.
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    try {
      if (this.backend.persistent && this.snapshotEvery > 0 && this.retention.snapshots === Infinity && this.headTx > this.lastSnapshotTx) this.snapshot();
    } catch (e) {
      return this.backend.close().then(() => Promise.reject(e));
    }
    return this.backend.close();
  }

  // ---- TxHost ----

  /**
   * @internal Before a transaction's first write: if it is the only one open,
   * no snapshot of the head (nor the transaction itself: `allowed`) is being
   * iterated, and the head is neither kept nor pinned, its draft edits the
   * head's own nodes in place. The head's
   * value is dropped (readers rebuild it from the log); if the transaction
   * does not commit, nothing else is lost.
   */
  takeover(tx: Transaction, allowed: boolean): void {
    // Cleared whatever happens: a draft that writes without taking over still shares the head's nodes.
    const edit = this.reusable;
    this.reusable = null;
    if (edit === null || !allowed || tx.base !== this.headTx || this.open.size !== 1 || this.reading !== 0) return;
    tx.draft.useToken(edit);
    this.takeovers++;
    this.versions[this.versions.length - 1] = undefined;
  }

  /** @internal */
  committedValue(tx: TxId): GraphValue {
    return this.stableValue(tx);
  }

  /** @internal */
  finish(tx: Transaction, meta: Json): CommitInfo {
    const ownedMeta = tx.adoptMeta ? adoptJson('Transaction.commit', meta) : ownJson('Transaction.commit', meta);
    if (tx.dropped !== null) for (const id of tx.dropped) {
      if (champ.get(tx.draft.nodes, id) !== undefined) continue; // re-added later in the same transaction
      const a = champ.get(tx.draft.adj, id);
      if (a !== undefined) {
        const edgeId = someEdgeId(a);
        throw new GraphError('DANGLING_EDGE', `Transaction.commit: node "${id}" is deleted but still has edge "${edgeId}"`);
      }
    }
    let value: GraphValue;
    let edit: object | null = null;
    if (tx.base === this.headTx) {
      edit = tx.draft.token;
      value = tx.draft.freeze();
    } else {
      this.validate(tx);
      const d = new Draft(this.headValue());
      for (const op of tx.ops) applyOp(d, op);
      value = d.freeze();
    }
    const parentTx = this.headTx;
    const txId = parentTx + 1;
    // The net change (an exact-size array: a retained commit keeps no push slack).
    const ops = netOps(tx.ops);
    const commit = new Commit(this, txId, parentTx, this.now(), ownedMeta, ops);
    // The old head stays materialised only if it is a kept version.
    if (this.keep(parentTx)) this.opsSinceKept = 0;
    else this.versions[this.versions.length - 1] = undefined;
    this.opsSinceKept += ops.length;
    this.versions.push(value);
    this.commits.push(commit);
    // A kept version is read as it is for good: only a head dropped at the next commit may be taken over.
    this.reusable = edit !== null && !this.keep(txId) ? edit : null;
    if (this.open.size > 1) this.writeLog.push({ tx: txId, keys: writeKeys(tx.ops) });
    const tag = this.tagOf === undefined ? undefined : (this.tagOf(ownedMeta) ?? null);
    this.backend.append({ tx: txId, parentTx, time: commit.time, meta: ownedMeta, ops, tag });
    if (this.snapshotEvery > 0 && txId - this.lastSnapshotTx >= this.snapshotEvery) this.snapshot();
    return commit;
  }

  /** @internal */
  release(tx: Transaction): void {
    this.open.delete(tx);
    if (this.writeLog.length === 0) return;
    let min = Infinity;
    for (const t of this.open) if (t.base < min) min = t.base;
    let i = 0;
    while (i < this.writeLog.length && this.writeLog[i].tx <= min) i++;
    if (i > 0) this.writeLog = this.writeLog.slice(i);
  }

  // ---- internals ----

  private validate(tx: Transaction): void {
    const reads = tx.reads === null ? new Set<string>() : new Set(tx.reads);
    const writes = new Set<string>();
    for (const op of tx.ops) {
      switch (op.op) {
        case 'addNode':
        case 'updateNode':
        case 'dropNode':
          writes.add('n:' + op.node.id);
          if (op.op === 'dropNode') reads.add('a:' + op.node.id);
          break;
        case 'addEdge':
          reads.add('n:' + op.edge.src);
          reads.add('n:' + op.edge.dst);
          writes.add('e:' + op.edge.id);
          break;
        case 'updateEdge':
        case 'dropEdge':
          writes.add('e:' + op.edge.id);
          break;
      }
    }
    const fullScan = reads.has('*');
    for (const entry of this.writeLog) {
      if (entry.tx <= tx.base) continue;
      // A set: a key both read and written (mergeNodeProps) is named once.
      const found = new Set<string>();
      if (fullScan && entry.keys.size > 0) found.add('*');
      for (const k of reads) if (entry.keys.has(k)) found.add(k);
      for (const k of writes) if (entry.keys.has(k)) found.add(k);
      const common = [...found];
      if (common.length > 0) {
        throw new ConflictError(
          `Transaction.commit: conflict with commit ${entry.tx} on ${common.slice(0, 3).join(', ')}${common.length > 3 ? ', ...' : ''} (transaction based on ${tx.base})`,
          tx.base,
          entry.tx,
          common,
        );
      }
    }
  }

  private checkTx(method: string, tx: TxId): void {
    if (!Number.isInteger(tx) || tx < 0 || tx > this.headTx) {
      throw new GraphError('TX_NOT_FOUND', `${method}: TxId ${tx} does not exist (the store has TxIds 0 to ${this.headTx})`);
    }
  }

  private valueAt(method: string, tx: TxId): GraphValue {
    this.checkTx(method, tx);
    if (tx >= this.firstTx) return this.versions[tx - this.firstTx] ?? this.rebuild(tx);
    return this.loadOlder(tx, method).value;
  }

  /**
   * Whether the version of `tx` stays materialised once it is no longer the
   * head: every keepEvery-th TxId, and any version whose rebuild would replay
   * REBUILD_OPS operations or more (`opsSinceKept`, counted through `tx`), so
   * that a store of large commits keeps its versions and a rebuild stays short.
   */
  private keep(tx: TxId): boolean {
    return tx % this.keepEvery === 0 || tx === this.firstTx || this.opsSinceKept >= REBUILD_OPS;
  }

  /** A version not kept: the nearest earlier kept (or recently rebuilt) one plus the ops of the commits since. */
  private rebuild(tx: TxId): GraphValue {
    const hit = this.rebuilt.get(tx);
    if (hit !== undefined) {
      this.rebuilt.delete(tx);
      this.rebuilt.set(tx, hit);
      return hit;
    }
    let from = tx - 1;
    let base: GraphValue | undefined;
    while ((base = this.versions[from - this.firstTx] ?? this.rebuilt.get(from)) === undefined) from--;
    const draft = new Draft(base);
    for (let t = from + 1; t <= tx; t++) for (const op of this.commits[t - this.firstTx].ops!) applyOp(draft, op);
    const value = draft.freeze();
    if (this.rebuilt.size >= 8) this.rebuilt.delete(this.rebuilt.keys().next().value as TxId);
    this.rebuilt.set(tx, value);
    return value;
  }

  /**
   * A version before the in-memory ones: the nearest snapshot at or before it,
   * plus the log. A version rebuilt earlier between that snapshot and `tx`
   * (the last 8 are cached, the snapshot's own among them) is a shorter start:
   * reading an execution's versions in order replays the log once, not once
   * per version.
   */
  private loadOlder(tx: TxId, method = 'Store.at'): { value: GraphValue; commit: Commit } {
    // Retention first: a version cached before the log was pruned is not readable any more either.
    if (tx < this.oldestTx) {
      throw new GraphError('TX_NOT_FOUND', `${method}: TxId ${tx} is no longer retained (the oldest readable TxId is ${this.oldestTx})`);
    }
    const cached = this.older.get(tx);
    if (cached) return cached;
    const snap = this.backend
      .snapshots()
      .filter((s) => s.tx <= tx)
      .pop();
    const region = snap?.tx ?? 0;
    let base: OlderVersion | undefined;
    for (const [t, e] of this.older) if (t < tx && t >= region && (base === undefined || t > base.commit.tx)) base = e;
    let commit = base?.commit ?? new Commit(this, 0, -1, 0, null);
    const from = base?.commit.tx ?? snap?.tx ?? 0;
    let at = from;
    const draft = new Draft(base?.value ?? (snap ? loadValue((d) => this.backend.getBlock(d), snap.root) : EMPTY_VALUE));
    for (const e of this.backend.readCommits(from)) {
      if (e.tx > tx) break;
      if (e.tx === from) {
        if (base === undefined) {
          commit = new Commit(this, e.tx, e.parentTx, e.time, reviveJson(e.meta, false));
          if (snap && snap.tx === from) {
            commit.digest = snap.root;
            // The snapshot's version is a start for the next read too (no blocks loaded again).
            this.cacheOlder(from, { value: draft.freeze(), commit, region });
          }
        }
        continue;
      }
      if (e.tx !== at + 1) break;
      replayEntry(draft, e);
      at = e.tx;
      commit = new Commit(this, e.tx, e.parentTx, e.time, reviveJson(e.meta, false));
    }
    if (at !== tx || commit.tx !== tx) {
      throw new GraphError('TX_NOT_FOUND', `${method}: TxId ${tx} is no longer retained (the oldest readable TxId is ${this.oldestTx})`);
    }
    const entry = { value: draft.freeze(), commit, region };
    this.cacheOlder(tx, entry);
    return entry;
  }

  /**
   * Caches a version read back: the last 8, from at most 2 regions (the
   * versions rebuilt from one snapshot share its loaded graph; another
   * region is a whole graph more in memory), the earliest cached dropped first.
   */
  private cacheOlder(tx: TxId, entry: OlderVersion): void {
    if (!this.older.has(tx) && this.older.size >= 8) this.older.delete(this.older.keys().next().value as TxId);
    this.older.set(tx, entry);
    const regions = new Set<TxId>();
    for (const e of this.older.values()) regions.add(e.region);
    if (regions.size <= 2) return;
    // The region of the earliest cached version (never the new one's: a third region means the earliest is another).
    const drop = this.older.values().next().value!.region;
    for (const [t, e] of this.older) if (e.region === drop) this.older.delete(t);
  }

  /**
   * Restores the head from the backend: the latest snapshot (its blocks), then
   * the commits after it. Versions before the snapshot are rebuilt on demand.
   */
  private restore(): void {
    const snaps = this.backend.snapshots();
    const snap = snaps[snaps.length - 1];
    let from = 1;
    if (snap !== undefined) {
      const value = loadValue((d) => this.backend.getBlock(d), snap.root);
      // A snapshot of TxId 0 (the empty graph) has no commit in the log.
      let commit: Commit | undefined = snap.tx === 0 ? new Commit(this, 0, -1, 0, null) : undefined;
      if (snap.tx > 0) for (const e of this.backend.readCommits(snap.tx)) {
        if (e.tx === snap.tx) commit = new Commit(this, e.tx, e.parentTx, e.time, reviveJson(e.meta, false));
        break;
      }
      if (commit === undefined) throw new GraphError('CORRUPT_BLOCK', `Store.open: the commit of snapshot ${snap.tx} is missing from the log`);
      commit.digest = snap.root;
      this.firstTx = snap.tx;
      this.versions[0] = value;
      this.commits[0] = commit;
      this.lastSnapshotTx = snap.tx;
      from = snap.tx + 1;
    }
    let draft: Draft | undefined;
    for (const entry of this.backend.readCommits(from)) {
      if (entry.tx !== this.headTx + 1) throw new GraphError('CORRUPT_BLOCK', `Store.open: the commit log jumps from TxId ${this.headTx} to ${entry.tx}`);
      draft ??= new Draft(this.headValue());
      const ops = replayEntry(draft, entry);
      // Only kept versions are frozen on the way (freezing ends in-place edits); the head is set below.
      this.opsSinceKept += ops.length;
      const keep = this.keep(entry.tx);
      if (keep) this.opsSinceKept = 0;
      this.versions.push(keep ? draft.freeze() : undefined);
      this.commits.push(new Commit(this, entry.tx, entry.parentTx, entry.time, reviveJson(entry.meta, false), ops));
    }
    if (draft !== undefined && this.versions[this.versions.length - 1] === undefined) this.versions[this.versions.length - 1] = draft.freeze();
  }
}

function sameNode(a: NodeRecord, b: NodeRecord): boolean {
  if (a.labels.length !== b.labels.length) return false;
  for (let i = 0; i < a.labels.length; i++) if (a.labels[i] !== b.labels[i]) return false;
  return jsonEqual(a.props, b.props);
}

/** Keys a commit wrote: elements, plus the indexes (label, type, adjacency) that readers may have scanned. */
function writeKeys(ops: readonly Op[]): Set<string> {
  const keys = new Set<string>();
  for (const op of ops) {
    if (op.op === 'addNode' || op.op === 'dropNode' || op.op === 'updateNode') {
      keys.add('n:' + op.node.id);
      for (const l of op.node.labels) keys.add('l:' + l);
      if (op.op === 'updateNode') for (const l of op.before.labels) keys.add('l:' + l);
    } else {
      const e = op.edge;
      keys.add('e:' + e.id);
      keys.add('t:' + e.type);
      keys.add('a:' + e.src);
      keys.add('a:' + e.dst);
    }
  }
  return keys;
}

/** Applies one op to a draft (used to rebase a transaction and to restore a log). */
function applyOp(d: Draft, op: Op): void {
  switch (op.op) {
    case 'addNode':
      d.putNode(op.node as NodeRec, undefined);
      break;
    case 'updateNode':
      d.putNode(op.node as NodeRec, champ.get(d.nodes, op.node.id));
      break;
    case 'dropNode':
      d.removeNode(champ.get(d.nodes, op.node.id) ?? (op.node as NodeRec));
      break;
    case 'addEdge':
    case 'updateEdge':
      d.putEdge(op.edge as EdgeRec);
      break;
    case 'dropEdge':
      d.removeEdge(champ.get(d.edges, op.edge.id) ?? (op.edge as EdgeRec));
      break;
  }
}

/**
 * Applies a commit read back from a durable log to `d`, the version before it,
 * and returns its ops as records. The log may leave out the records an op
 * replaced or removed (`compactEntryJson`): they are the ones `d` holds.
 */
function replayEntry(d: Draft, e: CommitEntry): Op[] {
  if (!Array.isArray(e.ops)) throw new GraphError('CORRUPT_BLOCK', `Store: commit ${e.tx} of the log cannot be read: its ops are ${JSON.stringify(e.ops)}`);
  const out: Op[] = new Array(e.ops.length);
  for (let i = 0; i < e.ops.length; i++) {
    let logged: LoggedOp;
    try {
      logged = loggedOp(e.ops[i]);
    } catch (err) {
      throw new GraphError('CORRUPT_BLOCK', `Store: commit ${e.tx} of the log cannot be read: ${(err as Error).message}`, { cause: err });
    }
    const op = reviveOp(d, e.tx, logged);
    applyOp(d, op);
    out[i] = op;
  }
  return out;
}

function reviveOp(d: Draft, tx: TxId, op: LoggedOp): Op {
  const prior = <T>(found: T | undefined, what: string, id: string | undefined): T => {
    if (found === undefined) throw new GraphError('CORRUPT_BLOCK', `Store: commit ${tx} of the log ${what} "${String(id)}", which the version before it does not hold`);
    return found;
  };
  // A node op's record is a node, an edge op's an edge (the log's type does not say which).
  const node = op.node as NodeRecord;
  const edge = op.edge as EdgeRecord;
  const corrupt = (what: string): GraphError => new GraphError('CORRUPT_BLOCK', `Store: commit ${tx} of the log ${what}`);
  switch (op.op) {
    case 'addNode':
      if (champ.get(d.nodes, node.id) !== undefined) throw corrupt(`adds node "${node.id}", which the version before it holds already`);
      return { op: op.op, node: toNodeRec(node) };
    case 'updateNode': {
      if (op.set === undefined && op.paths === undefined) return { op: op.op, before: prior(champ.get(d.nodes, node.id), 'updates node', node.id), node: toNodeRec(node) };
      const before = prior(champ.get(d.nodes, op.id!), 'updates node', op.id);
      const labels = op.labels === undefined ? before.labels : Object.freeze([...op.labels]);
      return { op: op.op, before, node: new NodeRec(before.id, labels, patched(tx, 'node', before.id, before.props, op)) };
    }
    case 'dropNode': {
      const id = op.node?.id ?? op.id;
      const rec = prior(id === undefined ? undefined : champ.get(d.nodes, id), 'drops node', id);
      const a = champ.get(d.adj, rec.id);
      if (a !== undefined) throw corrupt(`drops node "${rec.id}", which still has edge "${someEdgeId(a)}"`);
      return { op: op.op, node: rec };
    }
    case 'addEdge':
      if (champ.get(d.edges, edge.id) !== undefined) throw corrupt(`adds edge "${edge.id}", which the version before it holds already`);
      for (const end of [edge.src, edge.dst]) if (champ.get(d.nodes, end) === undefined) throw corrupt(`adds edge "${edge.id}" to node "${end}", which the version before it does not hold`);
      return { op: op.op, edge: toEdgeRec(edge) };
    case 'updateEdge': {
      if (op.set === undefined && op.paths === undefined) return { op: op.op, before: prior(champ.get(d.edges, edge.id), 'updates edge', edge.id), edge: toEdgeRec(edge) };
      const before = prior(champ.get(d.edges, op.id!), 'updates edge', op.id);
      return { op: op.op, before, edge: new EdgeRec(before.id, before.type, before.src, before.dst, patched(tx, 'edge', before.id, before.props, op)) };
    }
    case 'dropEdge': {
      const id = op.edge?.id ?? op.id;
      return { op: op.op, edge: prior(id === undefined ? undefined : champ.get(d.edges, id), 'drops edge', id) };
    }
  }
}

/** The props after a logged update: `before`'s with the op's `set` and `del`, or its `paths`, applied (canonical key order, frozen). */
function patched(tx: TxId, kind: 'node' | 'edge', id: string, before: Props, op: LoggedOp): Props {
  // No prototype: a property named __proto__ is a key like any other.
  const patch: Record<string, unknown> = Object.create(null);
  if (op.paths !== undefined) pathsInto(patch, before, op.paths, (why) => new GraphError('CORRUPT_BLOCK', `Store: commit ${tx} of the log updates ${kind} "${id}" ${why}`));
  else {
    for (const k of Object.keys(op.set!)) patch[k] = op.set![k];
    if (op.del !== undefined) for (const k of op.del) patch[k] = undefined;
  }
  try {
    return mergeOwnedProps('Store', kind, id, before, patch);
  } catch (e) {
    throw new GraphError('CORRUPT_BLOCK', `Store: commit ${tx} of the log updates ${kind} "${id}" with properties that are not JSON: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Fills `patch` (top-level key -> new value, undefined: removed) from path
 * changes over `before`: an object a deeper path goes through is copied once
 * (its unchanged values stay the stored ones) and changed in the copy.
 */
function pathsInto(patch: Record<string, unknown>, before: Props, paths: readonly PathChange[], corrupt: (why: string) => GraphError): void {
  const copies = new Set<object>();
  for (const [path, ...value] of paths) {
    const top = path[0];
    if (path.length === 1) {
      patch[top] = value.length === 0 ? undefined : value[0];
      continue;
    }
    let parent: Record<string, unknown> = patch;
    let from: unknown = Object.prototype.hasOwnProperty.call(patch, top) ? patch[top] : Object.prototype.hasOwnProperty.call(before, top) ? before[top] : undefined;
    for (let i = 0; i < path.length - 1; i++) {
      if (typeof from !== 'object' || from === null || Array.isArray(from)) throw corrupt(`at ${JSON.stringify(path)}, through ${JSON.stringify(path.slice(0, i + 1))}, which is not an object`);
      let obj = from as Record<string, unknown>;
      if (!copies.has(obj)) {
        obj = copyObject(obj);
        copies.add(obj);
        putKey(parent, path[i], obj);
      }
      parent = obj;
      from = Object.prototype.hasOwnProperty.call(obj, path[i + 1]) ? obj[path[i + 1]] : undefined;
    }
    const last = path[path.length - 1];
    if (value.length === 0) delete parent[last];
    else putKey(parent, last, value[0]);
  }
}

/** A plain copy of an object's own keys (a key __proto__ stays a key). */
function copyObject(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) putKey(out, k, o[k]);
  return out;
}

// A record read from a log is plain parsed data: its props become what the store keeps (frozen, canonical key order).
function toNodeRec(n: NodeRecord): NodeRec {
  return n instanceof NodeRec ? n : new NodeRec(n.id, Object.freeze([...n.labels]), reviveJson(n.props, true));
}
function toEdgeRec(e: EdgeRecord): EdgeRec {
  return e instanceof EdgeRec ? e : new EdgeRec(e.id, e.type, e.src, e.dst, reviveJson(e.props, true));
}
