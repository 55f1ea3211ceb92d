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
  append(entry: CommitEntry): void;
  sync(): Promise<void>;
  /** Commits with tx >= fromTx, in TxId order. */
  readCommits(fromTx: TxId): Iterable<CommitEntry>;
  /** `digest`: the 32 sha2-256 bytes as a latin1 string. */
  putBlock(digest: string, bytes: Uint8Array): void;
  getBlock(digest: string): Uint8Array | undefined;
  close(): Promise<void>;
}

/** Keeps the log and blocks in memory: the default for tests and embedding. */
export class MemoryBackend implements Backend {
  readonly name = 'memory';
  private readonly log: CommitEntry[] = [];
  private readonly blocks = new Map<string, Uint8Array>();

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
  close(): Promise<void> {
    return Promise.resolve();
  }
}
