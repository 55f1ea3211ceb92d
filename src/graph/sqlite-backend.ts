import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import * as dagCbor from '@ipld/dag-cbor';
import { hashBlock } from './_internals/merkle.ts';
import { compactEntryJson } from './backend.ts';
import type { Backend, CommitEntry, SnapshotEntry } from './backend.ts';
import { GraphError } from './errors.ts';

const require = createRequire(import.meta.url);

export interface SqliteBackendOptions {
  /**
   * 'full' (default): a commit is durable when `sync()` resolves (WAL,
   * synchronous=FULL). 'off' leaves syncing to the OS (tests, benchmarks).
   */
  durability?: 'full' | 'off';
}

/**
 * The durable embedded backend: one SQLite file in WAL mode holding blocks,
 * the commit log and the snapshot index.
 *
 * Group commit: `append` and `putBlock` only queue; the queue is written in one
 * SQLite transaction on the next turn of the event loop (or when `sync()` is
 * called), and `sync()` resolves once that transaction is on disk. Every
 * commit and block is stored with enough to check it when read back: blocks
 * by their sha2-256 digest, log entries with their own digest.
 *
 * Log entries are compact JSON (`compactEntryJson`, the form the distributed
 * log writes too): an update carries the record after it, a drop only the id.
 * The store fills in the records left out from the version it rebuilds as it
 * reads (a log is always read from a snapshot or its start). Entries of older
 * files, written as dag-cbor in full, read the same.
 */
export class SqliteBackend implements Backend {
  readonly name = 'sqlite';
  readonly persistent = true;
  private readonly db: BetterSqlite3.Database;
  private pendingCommits: CommitEntry[] = [];
  private pendingBlocks = new Map<string, Uint8Array>();
  private pendingSnapshots: SnapshotEntry[] = [];
  private flushScheduled = false;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private readonly stmts: {
    insCommit: BetterSqlite3.Statement;
    tagged: BetterSqlite3.Statement;
    untagged: BetterSqlite3.Statement;
    insBlock: BetterSqlite3.Statement;
    getBlock: BetterSqlite3.Statement;
    insSnap: BetterSqlite3.Statement;
    commitsFrom: BetterSqlite3.Statement;
    snaps: BetterSqlite3.Statement;
  };
  private closed = false;
  /** The first write that failed: every later write fails with it. */
  private failure: GraphError | undefined = undefined;

  constructor(
    readonly path: string,
    options: SqliteBackendOptions = {},
  ) {
    const Database = require('better-sqlite3') as typeof BetterSqlite3;
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.durability === 'off' ? 'OFF' : 'FULL'}`);
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
      insCommit: this.db.prepare('INSERT INTO commits (tx, digest, bytes, tag) VALUES (?, ?, ?, ?)'),
      tagged: this.db.prepare('SELECT tx FROM commits WHERE tag = ? AND tx < ? ORDER BY tx').pluck(),
      untagged: this.db.prepare('SELECT 1 FROM commits WHERE tag IS NULL LIMIT 1').pluck(),
      insBlock: this.db.prepare('INSERT OR IGNORE INTO blocks (digest, bytes) VALUES (?, ?)'),
      getBlock: this.db.prepare('SELECT bytes FROM blocks WHERE digest = ?'),
      insSnap: this.db.prepare('INSERT OR REPLACE INTO snapshots (tx, root) VALUES (?, ?)'),
      commitsFrom: this.db.prepare('SELECT tx, digest, bytes FROM commits WHERE tx >= ? ORDER BY tx'),
      snaps: this.db.prepare('SELECT tx, root FROM snapshots ORDER BY tx'),
    };
  }

  append(entry: CommitEntry): void {
    this.pendingCommits.push(entry);
    this.schedule();
  }

  putBlock(digest: string, bytes: Uint8Array): void {
    this.pendingBlocks.set(digest, bytes);
    this.schedule();
  }

  getBlock(digest: string): Uint8Array | undefined {
    const pending = this.pendingBlocks.get(digest);
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
    this.pendingSnapshots.push(snapshot);
    this.schedule();
  }

  snapshots(): SnapshotEntry[] {
    const rows = this.read(() => this.stmts.snaps.all()) as { tx: number; root: Buffer }[];
    const out = rows.map((r) => ({ tx: r.tx, root: r.root.toString('latin1') }));
    for (const s of this.pendingSnapshots) out.push(s);
    return out;
  }

  *readCommits(fromTx: number): Iterable<CommitEntry> {
    // Streamed: a reader that stops early (an old version, one commit's changes) reads no further.
    // Readers do not touch the database while they iterate (the connection is busy until the loop ends).
    const rows = this.read(() => this.stmts.commitsFrom.iterate(fromTx)) as IterableIterator<{ tx: number; digest: Buffer; bytes: Buffer }>;
    try {
      for (;;) {
        const next = this.read(() => rows.next());
        if (next.done === true) break;
        yield this.decodeRow(next.value);
      }
    } finally {
      rows.return?.();
    }
    for (const e of this.pendingCommits) if (e.tx >= fromTx) yield e;
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
    // Complete only if every commit's tag was computed (NULL: not computed).
    if (this.pendingCommits.some((c) => c.tag === undefined)) return undefined;
    if (this.read(() => this.stmts.untagged.get()) !== undefined) return undefined;
    const txs = this.read(() => this.stmts.tagged.all(tag, before)) as number[];
    // Queued commits follow the written ones.
    for (const c of this.pendingCommits) if (c.tag === tag && c.tx < before) txs.push(c.tx);
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
    if (this.pendingCommits.length === 0 && this.pendingBlocks.size === 0 && this.pendingSnapshots.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.flushNow();
    } finally {
      this.closed = true;
      this.db.close();
    }
  }

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      try {
        this.flushNow();
      } catch {
        // flushNow has rejected the waiters
      }
    });
  }

  /** Writes everything queued in one transaction and wakes the waiters. */
  flushNow(): void {
    if (this.closed) return;
    // After a failed write the log has a hole: nothing after it may be written (a later
    // commit or snapshot would make a file that does not reopen). Every write fails alike.
    if (this.failure !== undefined) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w.reject(this.failure);
      throw this.failure;
    }
    const commits = this.pendingCommits;
    const blocks = this.pendingBlocks;
    const snaps = this.pendingSnapshots;
    const waiters = this.waiters;
    this.pendingCommits = [];
    this.pendingBlocks = new Map();
    this.pendingSnapshots = [];
    this.waiters = [];
    try {
      if (commits.length > 0 || blocks.size > 0 || snaps.length > 0) {
        this.db.transaction(() => {
          for (const [d, b] of blocks) this.stmts.insBlock.run(Buffer.from(d, 'latin1'), b);
          for (const c of commits) {
            const bytes = Buffer.from(compactEntryJson(c), 'utf8');
            this.stmts.insCommit.run(c.tx, Buffer.from(hashBlock(bytes), 'latin1'), bytes, c.tag === undefined ? null : (c.tag ?? ''));
          }
          for (const s of snaps) this.stmts.insSnap.run(s.tx, Buffer.from(s.root, 'latin1'));
        })();
      }
    } catch (e) {
      const err = new GraphError('BACKEND', `SqliteBackend: writing to ${this.path} failed: ${(e as Error).message}`, { cause: e });
      this.failure = err;
      for (const w of waiters) w.reject(err);
      throw err;
    }
    for (const w of waiters) w.resolve();
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
