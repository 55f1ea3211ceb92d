import type { EdgeRecord, Json, NodeRecord, TxId } from './types.ts';

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

export { compactEntryJson } from './_internals/log-format.ts';

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
