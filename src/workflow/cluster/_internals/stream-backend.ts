import { createHash } from 'node:crypto';
import { compactEntryJson } from '../../../graph/backend.ts';
import type { Backend, CommitEntry, SnapshotEntry } from '../../../graph/index.ts';
import type { Json } from '../../../graph/index.ts';
import { ClusterError } from '../errors.ts';
import type { PoolClient } from './pg.ts';

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled', 'timed_out']);

/** A root execution that ended in a commit of the batch. */
export interface TerminalUpdate {
  readonly executionId: string;
  readonly status: string;
  readonly outputs: Json;
  readonly error: Json;
}

/** What one stream hands to a group commit. */
export interface StreamBatch {
  readonly backend: StreamBackend;
  readonly streamId: string;
  readonly epoch: number;
  readonly commits: readonly { readonly tx: number; readonly time: number; readonly entry: string; readonly digest: Buffer }[];
  readonly blocks: readonly [string, Uint8Array][];
  readonly snapshots: readonly SnapshotEntry[];
  /** Cluster execution id -> engine execution id, recorded with the commit that started it. */
  readonly mappings: readonly [string, string][];
  readonly terminals: readonly TerminalUpdate[];
  /** Inbox rows delivered by commits of this batch (or refused by the engine). */
  readonly delivered: readonly number[];
  readonly waiters: readonly { resolve(): void; reject(e: unknown): void }[];
}

/** Joins the node-wide group commit. */
export interface GroupCommit {
  schedule(backend: StreamBackend): void;
}

/** The commit log of one stream as read from PostgreSQL. */
export interface StreamContents {
  readonly commits: readonly CommitEntry[];
  readonly snapshots: readonly SnapshotEntry[];
  readonly blocks: ReadonlyMap<string, Uint8Array>;
}

/**
 * The Backend of one stream (one Store, one engine) on a node. Everything is
 * held in memory (the Store restores from it synchronously: `loadStream`
 * preloads it); `append` queues; `sync` joins the node's group commit, which
 * writes the queued commits of every stream of the node in one PostgreSQL
 * transaction, refusing those of streams this node no longer leases.
 */
export class StreamBackend implements Backend {
  readonly name = 'postgres-stream';
  readonly persistent = true;
  private readonly log: CommitEntry[];
  private readonly blocks: Map<string, Uint8Array>;
  private readonly snaps: SnapshotEntry[];
  private pendingCommits: CommitEntry[] = [];
  private pendingBlocks: [string, Uint8Array][] = [];
  private pendingSnaps: SnapshotEntry[] = [];
  private pendingMappings: [string, string][] = [];
  private pendingDelivered: number[] = [];
  private waiters: { resolve(): void; reject(e: unknown): void }[] = [];
  /** Engine execution id -> cluster execution id (root executions only). */
  private readonly clusterIdOf = new Map<string, string>();
  private fenced: ClusterError | undefined;
  private closed = false;

  constructor(
    readonly streamId: string,
    readonly epoch: number,
    private readonly group: GroupCommit,
    contents: StreamContents = { commits: [], snapshots: [], blocks: new Map() },
  ) {
    this.log = [...contents.commits];
    this.snaps = [...contents.snapshots];
    this.blocks = new Map(contents.blocks);
  }

  /** Tells the backend which cluster execution an engine execution is; `durable`: the mapping is already stored. */
  mapExecution(clusterId: string, engineId: string, durable: boolean): void {
    this.clusterIdOf.set(engineId, clusterId);
    if (!durable) {
      this.pendingMappings.push([clusterId, engineId]);
      this.group.schedule(this);
    }
  }

  /** Marks inbox rows as delivered with the next group commit of this stream. */
  markDelivered(seq: number): void {
    this.pendingDelivered.push(seq);
    this.group.schedule(this);
  }

  get isFenced(): boolean {
    return this.fenced !== undefined;
  }

  /** Why the stream may not be written any more (undefined while it may). */
  get fenceError(): ClusterError | undefined {
    return this.fenced;
  }

  append(entry: CommitEntry): void {
    if (this.fenced !== undefined || this.closed) return;
    this.log.push(entry);
    this.pendingCommits.push(entry);
    this.group.schedule(this);
  }

  sync(): Promise<void> {
    if (this.fenced !== undefined) return Promise.reject(this.fenced);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.group.schedule(this);
    });
  }

  *readCommits(fromTx: number): Iterable<CommitEntry> {
    // log[i] holds tx i + 1 unless the log was pruned; find the start.
    let i = 0;
    while (i < this.log.length && this.log[i].tx < fromTx) i++;
    for (; i < this.log.length; i++) yield this.log[i];
  }

  putBlock(digest: string, bytes: Uint8Array): void {
    if (this.blocks.has(digest)) return;
    this.blocks.set(digest, bytes);
    this.pendingBlocks.push([digest, bytes]);
  }

  getBlock(digest: string): Uint8Array | undefined {
    return this.blocks.get(digest);
  }

  putSnapshot(snapshot: SnapshotEntry): void {
    this.snaps.push(snapshot);
    this.pendingSnaps.push(snapshot);
    this.group.schedule(this);
  }

  snapshots(): SnapshotEntry[] {
    return [...this.snaps];
  }

  prune(): void {
    // The cluster keeps every stream's whole log (replay per stream); snapshots only speed up restores.
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** True when the group commit has something of this stream to write or someone to wake. */
  get dirty(): boolean {
    return this.pendingCommits.length + this.pendingBlocks.length + this.pendingSnaps.length + this.pendingMappings.length + this.pendingDelivered.length + this.waiters.length > 0;
  }

  /** Hands the queued writes to the group commit (called by it). */
  takeBatch(): StreamBatch {
    const commits = this.pendingCommits.map((c) => {
      // Compact: an update without the record before it, a drop by id (the store fills them in from the version it rebuilds).
      const entry = compactEntryJson(c);
      return { tx: c.tx, time: c.time, entry, digest: createHash('sha256').update(entry).digest() };
    });
    const terminals: TerminalUpdate[] = [];
    for (const c of this.pendingCommits) {
      for (const op of c.ops) {
        // A commit holds its net change: an execution that ends in the commit that started it is one addNode.
        if ((op.op !== 'updateNode' && op.op !== 'addNode') || !op.node.labels.includes('Execution')) continue;
        const st = op.node.props.status;
        if (typeof st !== 'string' || !TERMINAL.has(st) || (op.op === 'updateNode' && op.before.props.status === st)) continue;
        const clusterId = this.clusterIdOf.get(op.node.id);
        if (clusterId === undefined) continue; // a sub-workflow's execution
        terminals.push({ executionId: clusterId, status: st, outputs: op.node.props.outputs ?? {}, error: op.node.props.error ?? null });
      }
    }
    const b: StreamBatch = {
      backend: this,
      streamId: this.streamId,
      epoch: this.epoch,
      commits,
      blocks: this.pendingBlocks,
      snapshots: this.pendingSnaps,
      mappings: this.pendingMappings,
      terminals,
      delivered: this.pendingDelivered,
      waiters: this.waiters,
    };
    this.pendingCommits = [];
    this.pendingBlocks = [];
    this.pendingSnaps = [];
    this.pendingMappings = [];
    this.pendingDelivered = [];
    this.waiters = [];
    return b;
  }

  /** The stream was taken over: nothing of it may be written or acted on any more. */
  fence(err: ClusterError, batch?: StreamBatch): void {
    this.fenced ??= err;
    const ws = [...(batch?.waiters ?? []), ...this.waiters];
    this.waiters = [];
    this.pendingCommits = [];
    for (const w of ws) w.reject(this.fenced);
  }
}

/** Reads one stream's log, snapshots and blocks (verifying every commit's digest). */
export async function loadStream(c: PoolClient, streamId: string): Promise<StreamContents> {
  const rows = (await c.query<{ tx: number; entry: string; digest: Buffer }>('SELECT tx, entry, digest FROM itonami_commits WHERE stream_id = $1 ORDER BY tx', [streamId])).rows;
  const commits: CommitEntry[] = [];
  for (const r of rows) {
    if (!createHash('sha256').update(r.entry).digest().equals(r.digest)) {
      throw new ClusterError('DATABASE', `Cluster.loadStream: commit ${r.tx} of stream ${streamId} is corrupt: its bytes do not match their digest`);
    }
    const e = JSON.parse(r.entry) as CommitEntry;
    if (e.tx !== r.tx) throw new ClusterError('DATABASE', `Cluster.loadStream: commit row ${r.tx} of stream ${streamId} holds commit ${e.tx}`);
    commits.push(e);
  }
  const snapshots = (await c.query<{ tx: number; root: Buffer }>('SELECT tx, root FROM itonami_snapshots WHERE stream_id = $1 ORDER BY tx', [streamId])).rows.map((r) => ({ tx: r.tx, root: r.root.toString('latin1') }));
  const blocks = new Map<string, Uint8Array>();
  if (snapshots.length > 0) {
    for (const r of (await c.query<{ digest: Buffer; bytes: Buffer }>('SELECT digest, bytes FROM itonami_blocks WHERE stream_id = $1', [streamId])).rows) {
      blocks.set(r.digest.toString('latin1'), new Uint8Array(r.bytes));
    }
  }
  return { commits, snapshots, blocks };
}

