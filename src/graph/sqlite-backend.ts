import { createRequire } from 'node:module';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import * as dagCbor from '@ipld/dag-cbor';
import { hashBlock } from './_internals/merkle.ts';
import { compactEntryJson } from './_internals/log-format.ts';
import type { Backend, CommitEntry, SnapshotEntry } from './backend.ts';
import { GraphError } from './errors.ts';
import { WRITER_SOURCE } from './_internals/sqlite-writer.ts';
import type { WriteAck, WriteBatch, WriterData } from './_internals/sqlite-writer.ts';

const require = createRequire(import.meta.url);

export interface SqliteBackendOptions {
  /**
   * 'full' (default): a commit is durable when `sync()` resolves (WAL,
   * synchronous=FULL). 'off' leaves syncing to the OS (tests, benchmarks).
   */
  durability?: 'full' | 'off';
}

/** How long flushNow waits for a writer that makes no progress before it gives up on it. */
const STALL_MS = 120_000;

/** Commits queued that make a batch worth sending before the turn of the event loop ends. */
const EAGER_BATCH = 16;

/**
 * The durable embedded backend: one SQLite file in WAL mode holding blocks,
 * the commit log and the snapshot index.
 *
 * Group commit: `append` and `putBlock` only queue; the queue goes to a writer
 * thread on the next turn of the event loop (or once 16 commits wait), which
 * writes it in one SQLite transaction with any batches that arrived while it
 * was busy, and `sync()` resolves once that transaction is on disk. The fsync
 * runs beside the main thread, not in it. Every commit and block is stored
 * with enough to check it when read back: blocks by their sha2-256 digest, log
 * entries with their own digest.
 *
 * Log entries are compact JSON (`compactEntryJson`, the form the distributed
 * log writes too): an update carries what it changed, a drop only the id.
 * The store fills in the records left out from the version it rebuilds as it
 * reads (a log is always read from a snapshot or its start). Entries of older
 * files, written as dag-cbor in full, read the same.
 */
export class SqliteBackend implements Backend {
  readonly name = 'sqlite';
  readonly persistent = true;
  /** The main thread's connection: reads, and the rare synchronous writes (prune, retag). */
  private readonly db: BetterSqlite3.Database;
  private readonly synchronous: 'FULL' | 'OFF';
  /** Not yet acknowledged by the writer (queued or in flight), in TxId order: reads see them here. */
  private unwrittenCommits: CommitEntry[] = [];
  private unwrittenBlocks = new Map<string, Uint8Array>();
  private unwrittenSnapshots: SnapshotEntry[] = [];
  /** How many of the unwritten items were sent to the writer (the rest are queued). */
  private sent = { commits: 0, snapshots: 0 };
  /** Blocks queued since the last batch was sent. */
  private queuedBlocks: [string, Uint8Array][] = [];
  /** Batches in flight, oldest first: how many commits and snapshots, and which blocks, each holds. */
  private inflight: { seq: number; commits: number; snapshots: number; blocks: string[] }[] = [];
  private sentSeq = 0;
  private ackedSeq = 0;
  private sendScheduled = false;
  /** One per batch awaited, in seq order. */
  private waiters: { seq: number; promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private writer: { worker: Worker; port: MessagePort; acked: Int32Array; exited: Promise<void> } | undefined;
  private readonly stmts: {
    tagged: BetterSqlite3.Statement;
    untagged: BetterSqlite3.Statement;
    getBlock: BetterSqlite3.Statement;
    commitsFrom: BetterSqlite3.Statement;
    snaps: BetterSqlite3.Statement;
  };
  private closed = false;
  private closing: Promise<void> | undefined;
  /** The first write that failed: every later write fails with it. */
  private failure: GraphError | undefined = undefined;

  constructor(
    readonly path: string,
    options: SqliteBackendOptions = {},
  ) {
    const Database = require('better-sqlite3') as typeof BetterSqlite3;
    this.synchronous = options.durability === 'off' ? 'OFF' : 'FULL';
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${this.synchronous}`);
      // The writer thread holds the write lock while it commits a batch.
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS blocks (digest BLOB PRIMARY KEY, bytes BLOB NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS commits (tx INTEGER PRIMARY KEY, digest BLOB NOT NULL, bytes BLOB NOT NULL, tag TEXT);
        CREATE TABLE IF NOT EXISTS snapshots (tx INTEGER PRIMARY KEY, root BLOB NOT NULL);
      `);
      // Commit tags (StoreOptions.tagOf): '' for none, NULL for not computed (written by a store
      // without tagOf, or by a build from before tags, which also lacks the column).
      const cols = this.db.prepare('PRAGMA table_info(commits)').all() as { name: string }[];
      if (!cols.some((c) => c.name === 'tag')) this.db.exec('ALTER TABLE commits ADD COLUMN tag TEXT');
      this.db.exec('CREATE INDEX IF NOT EXISTS commits_tag ON commits (tag, tx)');
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      const message = `SqliteBackend: cannot open store file ${path}: ${(e as Error).message}`;
      if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') throw corrupt(message, e);
      throw new GraphError('BACKEND', message, { cause: e });
    }
    this.stmts = {
      tagged: this.db.prepare('SELECT tx FROM commits WHERE tag = ? AND tx < ? ORDER BY tx').pluck(),
      untagged: this.db.prepare('SELECT 1 FROM commits WHERE tag IS NULL LIMIT 1').pluck(),
      getBlock: this.db.prepare('SELECT bytes FROM blocks WHERE digest = ?'),
      commitsFrom: this.db.prepare('SELECT tx, digest, bytes FROM commits WHERE tx >= ? ORDER BY tx'),
      snaps: this.db.prepare('SELECT tx, root FROM snapshots ORDER BY tx'),
    };
  }

  append(entry: CommitEntry): void {
    this.unwrittenCommits.push(entry);
    // A full batch leaves at once: the writer starts on it while the rest of this turn's commits are made.
    if (this.unwrittenCommits.length - this.sent.commits >= EAGER_BATCH) this.send();
    else this.schedule();
  }

  putBlock(digest: string, bytes: Uint8Array): void {
    if (this.unwrittenBlocks.has(digest)) return;
    this.unwrittenBlocks.set(digest, bytes);
    this.queuedBlocks.push([digest, bytes]);
    this.schedule();
  }

  getBlock(digest: string): Uint8Array | undefined {
    const pending = this.unwrittenBlocks.get(digest);
    if (pending) return pending;
    const row = this.read(() => this.stmts.getBlock.get(Buffer.from(digest, 'latin1'))) as { bytes: Buffer } | undefined;
    if (!row) return undefined;
    const bytes = new Uint8Array(row.bytes);
    if (hashBlock(bytes) !== digest) {
      throw corrupt(`SqliteBackend: block ${hex(digest)} in ${this.path} is corrupt: its bytes do not hash to its CID`);
    }
    return bytes;
  }

  putSnapshot(snapshot: SnapshotEntry): void {
    this.unwrittenSnapshots.push(snapshot);
    this.schedule();
  }

  snapshots(): SnapshotEntry[] {
    const unwritten = this.unwrittenSnapshots.slice();
    const rows = this.read(() => this.stmts.snaps.all()) as { tx: number; root: Buffer }[];
    const out = rows.map((r) => ({ tx: r.tx, root: r.root.toString('latin1') }));
    // A snapshot the writer wrote but has not yet acknowledged is in both.
    const last = out.length > 0 ? out[out.length - 1].tx : -1;
    for (const s of unwritten) if (s.tx > last) out.push(s);
    return out;
  }

  *readCommits(fromTx: number): Iterable<CommitEntry> {
    // Taken before the read starts: a commit acknowledged later is in the rows the read sees.
    const unwritten = this.unwrittenCommits.slice();
    // Streamed: a reader that stops early (an old version, one commit's changes) reads no further.
    // Readers do not touch the database while they iterate (the connection is busy until the loop ends).
    const rows = this.read(() => this.stmts.commitsFrom.iterate(fromTx)) as IterableIterator<{ tx: number; digest: Buffer; bytes: Buffer }>;
    let last = fromTx - 1;
    try {
      for (;;) {
        const next = this.read(() => rows.next());
        if (next.done === true) break;
        last = next.value.tx;
        yield this.decodeRow(next.value);
      }
    } finally {
      rows.return?.();
    }
    // Written but not yet acknowledged: in the rows and in `unwritten`.
    for (const e of unwritten) if (e.tx > last) yield e;
  }

  /** A commit row, checked against its digest and decoded. */
  private decodeRow(row: { tx: number; digest: Buffer; bytes: Buffer }): CommitEntry {
    const bytes = new Uint8Array(row.bytes);
    if (hashBlock(bytes) !== row.digest.toString('latin1')) {
      throw corrupt(`SqliteBackend: commit ${row.tx} in ${this.path} is corrupt: its bytes do not match their digest`);
    }
    let entry: CommitEntry;
    try {
      // '{' starts a JSON entry; a dag-cbor entry (files written before JSON) starts with a map header.
      entry = (bytes[0] === 0x7b ? JSON.parse(row.bytes.toString('utf8')) : dagCbor.decode(bytes)) as CommitEntry;
    } catch (e) {
      throw corrupt(`SqliteBackend: commit ${row.tx} in ${this.path} cannot be decoded: ${(e as Error).message}`, e);
    }
    if (entry.tx !== row.tx) throw corrupt(`SqliteBackend: commit row ${row.tx} in ${this.path} holds commit ${entry.tx}`);
    return entry;
  }

  tagged(tag: string, before: number): number[] | undefined {
    const unwritten = this.unwrittenCommits.slice();
    // Complete only if every commit's tag was computed (NULL: not computed).
    if (unwritten.some((c) => c.tag === undefined)) return undefined;
    if (this.read(() => this.stmts.untagged.get()) !== undefined) return undefined;
    const txs = this.read(() => this.stmts.tagged.all(tag, before)) as number[];
    // Unwritten commits follow the written ones (one may be in both until acknowledged).
    const written = new Set(txs);
    for (const c of unwritten) if (c.tag === tag && c.tx < before && !written.has(c.tx)) txs.push(c.tx);
    return txs;
  }

  retag(tags: readonly (readonly [number, string | null])[]): void {
    this.flushNow();
    try {
      const upd = this.db.prepare('UPDATE commits SET tag = ? WHERE tx = ?');
      this.db.transaction(() => {
        for (const [tx, tag] of tags) upd.run(tag ?? '', tx);
      })();
    } catch (e) {
      throw new GraphError('BACKEND', `SqliteBackend: writing commit tags to ${this.path} failed: ${(e as Error).message}`, { cause: e });
    }
  }

  prune(tx: number, log: boolean): void {
    this.flushNow();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM snapshots WHERE tx < ?').run(tx);
      if (log) this.db.prepare('DELETE FROM commits WHERE tx < ?').run(tx);
    })();
  }

  sync(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    // Everything queued goes in the next batch; with nothing queued, the last batch sent covers it all.
    const seq = this.hasQueued() ? this.sentSeq + 1 : this.sentSeq;
    if (seq <= this.ackedSeq) return Promise.resolve();
    // Callers waiting for the same batch share one promise (waiters are in seq order).
    const last = this.waiters[this.waiters.length - 1];
    if (last !== undefined && last.seq === seq) return last.promise;
    let settle!: { resolve: () => void; reject: (e: unknown) => void };
    const promise = new Promise<void>((resolve, reject) => void (settle = { resolve, reject }));
    this.waiters.push({ seq, promise, ...settle });
    this.schedule();
    return promise;
  }

  close(): Promise<void> {
    // A second call waits for the same close: the file is closed when either resolves.
    return (this.closing ??= this.doClose());
  }

  private async doClose(): Promise<void> {
    try {
      this.flushNow();
    } finally {
      this.closed = true;
      const w = this.writer;
      this.writer = undefined;
      if (w !== undefined) {
        // The writer closes its connection before the main one closes, so the last to close checkpoints the WAL.
        w.worker.ref();
        w.port.postMessage('close');
        await w.exited;
        w.port.close();
      }
      this.db.close();
    }
  }

  /**
   * Sends what is queued to the writer and waits, blocking, until every batch
   * sent is written; for the synchronous paths (close, prune, retag).
   */
  flushNow(): void {
    if (this.closed) return;
    this.send();
    const w = this.writer;
    while (w !== undefined && this.ackedSeq < this.sentSeq && this.failure === undefined) {
      const m = receiveMessageOnPort(w.port);
      if (m !== undefined) {
        this.onAck(m.message as WriteAck);
        continue;
      }
      if (Atomics.load(w.acked, 1) !== 0) {
        this.fail(`the writer thread of ${this.path} stopped`);
        break;
      }
      const seen = Atomics.load(w.acked, 0);
      // The writer posts its answer before it stores its seq (as an int32, which wraps): another seq than
      // the last one taken in means an answer is queued.
      if (seen !== (this.ackedSeq | 0)) continue;
      // A writer gone without a word (terminated, out of memory) must not block this thread for good.
      if (Atomics.wait(w.acked, 0, seen, STALL_MS) === 'timed-out' && Atomics.load(w.acked, 0) === seen) {
        this.fail(`the writer thread of ${this.path} did not answer for ${STALL_MS / 1000} s`);
        break;
      }
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private hasQueued(): boolean {
    return this.unwrittenCommits.length > this.sent.commits || this.unwrittenSnapshots.length > this.sent.snapshots || this.queuedBlocks.length > 0;
  }

  private schedule(): void {
    if (this.sendScheduled || this.closed) return;
    this.sendScheduled = true;
    // Sent at once even with batches in flight: the writer joins those that wait into one transaction.
    setImmediate(() => {
      this.sendScheduled = false;
      this.send();
    });
  }

  /** Sends everything queued as one batch (one SQLite transaction in the writer). */
  private send(): void {
    if (this.closed || this.failure !== undefined || !this.hasQueued()) return;
    const commits = this.unwrittenCommits.slice(this.sent.commits);
    let encoded: WriteBatch['commits'];
    try {
      encoded = commits.map((c) => [c.tx, compactEntryJson(c), c.tag === undefined ? null : (c.tag ?? '')] as const);
    } catch (e) {
      // Sent from a timer: thrown, it would end the process. The log would have a hole: every write fails.
      this.fail(`a commit for ${this.path} cannot be encoded: ${(e as Error).message}`);
      return;
    }
    const w = (this.writer ??= this.startWriter());
    const snapshots = this.unwrittenSnapshots.slice(this.sent.snapshots);
    const blocks = this.queuedBlocks;
    this.queuedBlocks = [];
    this.sent = { commits: this.unwrittenCommits.length, snapshots: this.unwrittenSnapshots.length };
    const seq = ++this.sentSeq;
    const batch: WriteBatch = { seq, blocks, commits: encoded, snapshots: snapshots.map((s) => [s.tx, s.root] as const) };
    this.inflight.push({ seq, commits: commits.length, snapshots: snapshots.length, blocks: blocks.map(([d]) => d) });
    // While a batch is in flight its answer must keep the process alive.
    w.port.ref();
    w.port.postMessage(batch);
  }

  private startWriter(): NonNullable<SqliteBackend['writer']> {
    const acked = new Int32Array(new SharedArrayBuffer(8));
    const { port1, port2 } = new MessageChannel();
    const data: WriterData = { driver: require.resolve('better-sqlite3'), path: this.path, synchronous: this.synchronous, acked: acked.buffer as SharedArrayBuffer, port: port2 };
    // No loader in the writer: its source is plain JavaScript.
    const worker = new Worker(WRITER_SOURCE, { eval: true, workerData: data, transferList: [port2], execArgv: [] });
    worker.unref();
    const w = { worker, port: port1, acked, exited: new Promise<void>((resolve) => worker.once('exit', () => resolve())) };
    worker.on('error', (e) => this.fail(`the writer thread of ${this.path} failed: ${e.message}`));
    void w.exited.then(() => this.closed || this.fail(`the writer thread of ${this.path} stopped`));
    port1.on('message', (m: WriteAck) => this.onAck(m));
    port1.unref();
    return w;
  }

  private onAck(ack: WriteAck): void {
    if (ack.error !== undefined) {
      this.fail(`writing to ${this.path} failed: ${ack.error}`);
      return;
    }
    this.ackedSeq = ack.seq;
    while (this.inflight.length > 0 && this.inflight[0].seq <= ack.seq) {
      const b = this.inflight.shift()!;
      this.unwrittenCommits.splice(0, b.commits);
      this.unwrittenSnapshots.splice(0, b.snapshots);
      this.sent = { commits: this.sent.commits - b.commits, snapshots: this.sent.snapshots - b.snapshots };
      for (const d of b.blocks) this.unwrittenBlocks.delete(d);
    }
    let n = 0;
    while (n < this.waiters.length && this.waiters[n].seq <= this.ackedSeq) n++;
    const ready = n === 0 ? [] : this.waiters.splice(0, n);
    if (this.inflight.length === 0) this.writer?.port.unref();
    for (const x of ready) x.resolve();
  }

  /**
   * After a failed write the log has a hole: nothing after it may be written (a later
   * commit or snapshot would make a file that does not reopen). Every write fails alike.
   */
  private fail(message: string): void {
    if (this.failure === undefined) this.failure = new GraphError('BACKEND', `SqliteBackend: ${message}`);
    const waiters = this.waiters;
    this.waiters = [];
    this.inflight = [];
    this.writer?.port.unref();
    for (const x of waiters) x.reject(this.failure);
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw corrupt(`SqliteBackend: reading ${this.path} failed: ${(e as Error).message}`, e);
    }
  }
}

function hex(digest: string): string {
  return Buffer.from(digest, 'latin1').toString('hex');
}

function corrupt(message: string, cause?: unknown): GraphError {
  return new GraphError('CORRUPT_BLOCK', message, { cause });
}
