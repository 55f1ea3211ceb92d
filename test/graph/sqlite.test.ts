import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import * as dagCbor from '@ipld/dag-cbor';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GraphError, SqliteBackend, Store, plainEntry } from '../../src/graph/index.ts';
import type { Json, NodeRecord, Op, StoreOptions } from '../../src/graph/index.ts';
import { countingSqlite } from './fixtures/counting-backend.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'itonami-sqlite-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function open(file: string, options: Omit<StoreOptions, 'backend'> = {}): Store {
  return new Store({ backend: new SqliteBackend(file), ...options });
}

/** One more commit after `fill`. */
function fill2(store: Store): void {
  store.transact((tx) => void tx.addNode('x', ['X'], { after: true }));
}

/** n commits: a chain of nodes with a counter, some deletions and updates. */
function fill(store: Store, n: number): void {
  for (let i = 0; i < n; i++) {
    store.transact((tx) => {
      tx.addNode(`n${i}`, ['N', i % 2 ? 'Odd' : 'Even'], { i, tags: [i, `t${i}`] });
      if (i > 0) tx.addEdge(`e${i}`, 'NEXT', `n${i - 1}`, `n${i}`, { w: i / 2 });
      if (i % 7 === 6) tx.mergeNodeProps(`n${i - 3}`, { touched: true });
      if (i % 11 === 10) tx.dropEdge(`e${i - 5}`);
    }, { step: i });
  }
}

/** A commit's ops as plain records (records also cache their digests). */
const plainOps = (ops: readonly Op[]): string => JSON.stringify((plainEntry({ tx: 0, parentTx: 0, time: 0, meta: null, ops }) as { ops: unknown }).ops);

describe('SQLite backend', () => {
  it('reopening restores the head, every TxId, the history and the root CIDs', async () => {
    const file = join(dir, 's.db');
    const a = open(file, { snapshotEvery: 0 });
    fill(a, 25);
    const cids = Array.from({ length: 26 }, (_, t) => a.cid(t).toString());
    await a.sync();
    await a.close();
    const b = open(file);
    expect(b.headTx).toBe(25);
    for (let t = 0; t <= 25; t++) expect(b.cid(t).toString()).toBe(cids[t]);
    expect(b.history().map((c) => c.meta)).toEqual(Array.from({ length: 25 }, (_, i) => ({ step: i })));
    expect(b.at(12).getNode('n3')?.props.touched).toBe(true);
    expect(b.at(5).getNode('n3')?.props.touched).toBeUndefined();
    b.transact((tx) => void tx.addNode('more'));
    await b.close();
    expect(open(file).headTx).toBe(26);
  });

  it('recovers from the latest snapshot plus later commits, and rebuilds older TxIds on demand', async () => {
    const file = join(dir, 's.db');
    const a = open(file, { snapshotEvery: 10 });
    fill(a, 35);
    const cids = Array.from({ length: 36 }, (_, t) => a.cid(t).toString());
    // As after a crash: everything durable, no clean close (which would snapshot the head).
    await a.sync();
    const backend = new SqliteBackend(file);
    expect(backend.snapshots().map((s) => s.tx)).toEqual([10, 20, 30]);
    const b = new Store({ backend, snapshotEvery: 10 });
    expect(b.headTx).toBe(35);
    for (let t = 0; t <= 35; t++) expect(b.cid(t).toString()).toBe(cids[t]);
    expect(b.at(3).nodeCount).toBe(3);
    expect(b.history(1, 3).map((c) => c.tx)).toEqual([1, 2, 3]);
  });

  it('a clean close snapshots the head (the next open replays no log), unless snapshots are bounded by retention', async () => {
    const file = join(dir, 's.db');
    const a = open(file, { snapshotEvery: 10 });
    fill(a, 35);
    const head = a.cid().toString();
    await a.close();
    await a.close(); // twice: nothing more
    const backend = new SqliteBackend(file);
    expect(backend.snapshots().map((s) => s.tx)).toEqual([10, 20, 30, 35]);
    const b = new Store({ backend, snapshotEvery: 10 });
    expect(b.cid().toString()).toBe(head);
    await b.close();
    expect(new SqliteBackend(file).snapshots().map((s) => s.tx)).toEqual([10, 20, 30, 35]); // nothing new to snapshot
    const bounded = join(dir, 'bounded.db');
    const c = open(bounded, { snapshotEvery: 10, retention: { snapshots: 2 } });
    fill(c, 35);
    await c.close();
    expect(new SqliteBackend(bounded).snapshots().map((s) => s.tx)).toEqual([20, 30]);
  });

  it('old versions read in order after reopening replay the log from the last one read, not from the snapshot each time', async () => {
    const file = join(dir, 's.db');
    const a = open(file, { snapshotEvery: 100 });
    fill(a, 300);
    const cids = Array.from({ length: 301 }, (_, t) => a.cid(t).toString());
    await a.close();
    const { Counting, count } = countingSqlite();
    const b = new Store({ backend: new Counting(file), snapshotEvery: 100 });
    count.read = 0;
    expect(b.cid(150).toString()).toBe(cids[150]); // from snapshot 100: its commit and 50 more, then the one past 150
    const first = count.read;
    expect(first).toBeLessThanOrEqual(52);
    count.read = 0;
    for (const t of [151, 152, 160]) expect(b.cid(t).toString()).toBe(cids[t]);
    expect(count.read).toBeLessThanOrEqual(3 + 3 + 10); // each from the version before it (its commit, the new ones, one past); from the snapshot: 52 + 53 + 61
    count.read = 0;
    expect(b.cid(120).toString()).toBe(cids[120]); // before the cached ones: from the snapshot again
    expect(count.read).toBeLessThanOrEqual(22);
    for (let t = 100; t <= 300; t += 7) expect(b.cid(t).toString()).toBe(cids[t]);
  });

  it('versions read back are cached from at most two snapshots\' regions (each region holds a whole loaded graph)', async () => {
    const file = join(dir, 's.db');
    const a = open(file, { snapshotEvery: 100 });
    fill(a, 350);
    const cids = Array.from({ length: 351 }, (_, t) => a.cid(t).toString());
    await a.close();
    let blocks = 0;
    class CountingBlocks extends SqliteBackend {
      override getBlock(digest: string): Uint8Array | undefined {
        blocks++;
        return super.getBlock(digest);
      }
    }
    const b = new Store({ backend: new CountingBlocks(file), snapshotEvery: 100 });
    const loads = (t: number): number => {
      blocks = 0;
      expect(b.cid(t).toString()).toBe(cids[t]);
      return blocks;
    };
    expect(loads(150)).toBeGreaterThan(0); // snapshot 100's blocks
    expect(loads(250)).toBeGreaterThan(0); // snapshot 200's
    expect(loads(155)).toBe(0); // from the cached 150
    expect(loads(320)).toBeGreaterThan(0); // a third region: the earliest cached one (100) is let go
    expect(loads(160)).toBeGreaterThan(0); // so snapshot 100 is loaded again
    expect(loads(161)).toBe(0);
    await b.close();
  });

  it('commit tags are indexed: commitsTagged reads no log; a log written without tags is read once and completes the index', async () => {
    const file = join(dir, 's.db');
    const tagOf = (meta: Json): string | undefined => {
      const step = (meta as { step?: unknown } | null)?.step;
      return typeof step === 'number' ? `m${step % 3}` : undefined;
    };
    const expected = (k: number, n: number, before = Infinity): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 === k && i + 1 < before).map((i) => i + 1);
    // Written without tags (as a file from before tags, or a store opened without tagOf).
    const a = open(file, { snapshotEvery: 0 });
    fill(a, 20);
    await a.close();
    const { Counting, count } = countingSqlite();
    const b = new Store({ backend: new Counting(file), snapshotEvery: 0, tagOf });
    count.read = 0;
    expect(b.commitsTagged('m1')).toEqual(expected(1, 20)); // the log read once, the tags written
    expect(count.read).toBe(20);
    b.transact((tx) => void tx.addNode('x'), { step: 21 });
    count.read = 0;
    expect(b.commitsTagged('m0')).toEqual([...expected(0, 20), 21]); // the queued commit included
    expect(b.commitsTagged('m2', 10)).toEqual(expected(2, 20, 10));
    expect(b.commitsTagged('none')).toEqual([]);
    expect(count.read).toBe(0);
    await b.close();
    const c = new Store({ backend: new Counting(file), snapshotEvery: 0, tagOf });
    count.read = 0;
    expect(c.commitsTagged('m0')).toEqual([...expected(0, 20), 21]);
    expect(count.read).toBe(0);
    // A store without tagOf (or an older build) appends a commit whose tag is not computed: the index is incomplete again, and completed on the next call.
    c.transact((tx) => void tx.addNode('y'), { step: 22 });
    await c.close();
    const d = open(file, { snapshotEvery: 0 });
    d.transact((tx) => void tx.addNode('z'), { step: 24 });
    expect(() => d.commitsTagged('m0')).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await d.close();
    const e = new Store({ backend: new Counting(file), snapshotEvery: 0, tagOf });
    count.read = 0;
    expect(e.commitsTagged('m0')).toEqual([...expected(0, 20), 21, 23]); // step 24 was TxId 23
    expect(count.read).toBe(23);
    expect(new Store({ tagOf }).commitsTagged('m0')).toBeUndefined(); // memory: no index (the caller reads history)
    await e.close();
    // A file from before commit tags: no tag column, no index.
    const raw = new Database(file);
    raw.exec('DROP INDEX commits_tag; ALTER TABLE commits DROP COLUMN tag;');
    raw.close();
    const f = new Store({ backend: new Counting(file), snapshotEvery: 0, tagOf });
    count.read = 0;
    expect(f.commitsTagged('m0')).toEqual([...expected(0, 20), 21, 23]);
    expect(f.commitsTagged('m2')).toEqual(expected(2, 20));
    expect(count.read).toBe(23); // the 23 commits, once
    await f.close();
  });

  it('after a failed write nothing more is written (no hole in the log, no snapshot of unwritten commits): the file reopens at the last durable commit', async () => {
    const file = join(dir, 's.db');
    const a = new Store({ backend: new SqliteBackend(file), snapshotEvery: 10 });
    a.transact((tx) => void tx.addNode('one'));
    await a.sync();
    // The write fails in the database itself (the writer thread's connection meets it like a disk error).
    const other = new Database(file);
    other.exec("CREATE TRIGGER injected BEFORE INSERT ON commits BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END");
    a.transact((tx) => void tx.addNode('two'));
    await expect(a.sync()).rejects.toMatchObject({ code: 'BACKEND', message: expect.stringMatching(/injected/) });
    other.exec('DROP TRIGGER injected'); // the disk recovers: still nothing more may be written
    other.close();
    a.transact((tx) => void tx.addNode('three'));
    await expect(a.sync()).rejects.toMatchObject({ code: 'BACKEND' });
    await expect(a.close()).rejects.toMatchObject({ code: 'BACKEND' }); // its head snapshot is not written either
    const b = open(file);
    expect(b.headTx).toBe(1);
    expect(b.head().hasNode('one')).toBe(true);
    await b.close();
  });

  it('a commit that cannot be encoded fails the backend (every later write too) instead of throwing from its timer', async () => {
    const file = join(dir, 's.db');
    const backend = new SqliteBackend(file);
    const a = new Store({ backend, snapshotEvery: 0 });
    a.transact((tx) => void tx.addNode('one'));
    await a.sync();
    // Not reachable through a Store (it validates meta as JSON): the backend's own guard.
    const meta = { toJSON: (): never => { throw new Error('not encodable'); } } as unknown as Json;
    backend.append({ tx: 2, parentTx: 1, time: 0, meta, ops: [] });
    await expect(backend.sync()).rejects.toMatchObject({ code: 'BACKEND', message: expect.stringMatching(/commit .* cannot be encoded: not encodable/) });
    a.transact((tx) => void tx.addNode('three'));
    await expect(a.sync()).rejects.toMatchObject({ code: 'BACKEND' });
    await expect(a.close()).rejects.toMatchObject({ code: 'BACKEND' });
    const b = open(file);
    expect(b.headTx).toBe(1);
    await b.close();
  });

  it("retention 'since-oldest-snapshot' keeps exactly the TxIds from the oldest kept snapshot on", async () => {
    const file = join(dir, 's.db');
    const reference = new Store();
    fill(reference, 45);
    const cids = Array.from({ length: 46 }, (_, t) => reference.cid(t).toString());
    const a = open(file, { snapshotEvery: 10, retention: { snapshots: 2, log: 'since-oldest-snapshot' } });
    fill(a, 45);
    // The same TxIds in the process that made the commits (it keeps only those since its latest snapshot in memory) and after reopening.
    const readable = async (s: Store): Promise<void> => {
      expect(s.oldestTx).toBe(30);
      for (let t = 30; t <= 45; t++) expect(s.cid(t).toString()).toBe(cids[t]);
      for (const t of [0, 5, 29]) {
        for (const read of [() => s.at(t), () => s.commitInfo(t)]) {
          try {
            read();
            expect.unreachable();
          } catch (e) {
            expect((e as GraphError).code).toBe('TX_NOT_FOUND');
            expect((e as Error).message).toContain('30');
          }
        }
      }
      await s.close();
    };
    await readable(a);
    await readable(open(file, { snapshotEvery: 10, retention: { snapshots: 2, log: 'since-oldest-snapshot' } }));
    // Kept in memory, the process that made them reads them all.
    const c = open(join(dir, 'all.db'), { snapshotEvery: 10, retention: { snapshots: 2, log: 'since-oldest-snapshot' }, inMemory: 'all' });
    fill(c, 45);
    for (let t = 0; t <= 45; t++) expect(c.cid(t).toString()).toBe(cids[t]);
    await c.close();
  });

  it("a persistent store keeps in memory only the history since its latest snapshot, and reads every older TxId back as it was", async () => {
    const reference = new Store();
    fill(reference, 57);
    const a = open(join(dir, 's.db'), { snapshotEvery: 10 });
    fill(a, 57);
    expect(a.inMemoryFrom).toBe(50);
    const memory = new Store({ inMemory: 'all' });
    expect(memory.inMemoryFrom).toBe(0);
    // Read newest first, then oldest first: neither order depends on a version cached by the other.
    for (const order of [[...Array(58).keys()].reverse(), [...Array(58).keys()]]) {
      for (const t of order) {
        expect(a.cid(t).toString()).toBe(reference.cid(t).toString());
        expect(plainOps(a.changes(t))).toBe(plainOps(reference.changes(t)));
        const [ca, cr] = [a.commitInfo(t), reference.commitInfo(t)];
        expect([ca.tx, ca.parentTx, ca.meta]).toEqual([cr.tx, cr.parentTx, cr.meta]);
        expect(a.at(t).nodeCount).toBe(reference.at(t).nodeCount);
      }
    }
    expect(a.history(1, 57).map((c) => c.meta)).toEqual(reference.history(1, 57).map((c) => c.meta));
    // A snapshot taken by hand lets go too; the store goes on committing and reading.
    a.snapshot();
    expect(a.inMemoryFrom).toBe(57);
    fill2(a);
    expect(a.headTx).toBe(58);
    expect(a.at(57).getNode('x')).toBeUndefined();
    expect(a.at(58).getNode('x')?.props).toEqual({ after: true });
    await a.close();
    // A snapshot of the empty graph (TxId 0) reopens too.
    const empty = open(join(dir, 'empty.db'));
    empty.snapshot();
    await empty.close();
    const reopened = open(join(dir, 'empty.db'));
    expect([reopened.headTx, reopened.head().nodeCount]).toEqual([0, 0]);
    fill2(reopened);
    expect(reopened.headTx).toBe(1);
    await reopened.close();
    // Reopened (from the snapshot a clean close takes), TxId 0, the empty graph with no entry in the log, read first.
    const fresh = open(join(dir, 's.db'), { snapshotEvery: 10 });
    expect(fresh.inMemoryFrom).toBe(58);
    expect([fresh.commitInfo(0).tx, fresh.commitInfo(0).parentTx]).toEqual([0, -1]);
    await fresh.close();
    expect(() => new Store({ inMemory: 'since-snapshot' })).toThrowError(/persistent backend/);
    expect(() => open(join(dir, 'bad.db'), { inMemory: 'some' as never })).toThrowError(/"inMemory" must be/);
  });

  it("retention of snapshots with log 'all' keeps every TxId readable", async () => {
    const file = join(dir, 's.db');
    const a = open(file, { snapshotEvery: 10, retention: { snapshots: 1 } });
    fill(a, 25);
    const cid3 = a.cid(3).toString();
    await a.close();
    const backend = new SqliteBackend(file);
    expect(backend.snapshots().map((s) => s.tx)).toEqual([20]);
    const b = new Store({ backend });
    expect(b.oldestTx).toBe(0);
    expect(b.cid(3).toString()).toBe(cid3);
  });

  it('the log leaves out replaced and removed records; a reopened store reads every commit\'s changes in full', async () => {
    const file = join(dir, 's.db');
    const a = open(file, { snapshotEvery: 10 });
    fill(a, 35);
    const changes = Array.from({ length: 36 }, (_, t) => plainOps(a.changes(t)));
    await a.close();
    // Compact rows: an update holds no `before`, a drop only the id.
    const db = new Database(file, { readonly: true });
    const row = (tx: number): { ops: unknown[] } => JSON.parse((db.prepare('SELECT bytes FROM commits WHERE tx = ?').get(tx) as { bytes: Buffer }).bytes.toString('utf8'));
    expect(row(11).ops).toContainEqual(['-e', 'e5']);
    // An update holds what it changed: commit 7 merged { touched: true } into n3.
    expect(row(7).ops).toContainEqual(['~n', 'n3', { touched: true }]);
    db.close();
    const b = open(file, { snapshotEvery: 10 });
    // 1..30 are read from the log against an older version, 31..35 were restored at open.
    for (let t = 1; t <= 35; t++) expect(plainOps(b.changes(t))).toBe(changes[t]);
  });

  it('a log row holds each record\'s data and nothing else, also when the record\'s digest is cached', async () => {
    const file = join(dir, 's.db');
    // A snapshot at every commit hashes each record before the batch holding it is encoded.
    const a = open(file, { snapshotEvery: 1 });
    fill(a, 12);
    const head = a.head();
    const node = head.getNode('n3')!;
    // A user's JSON of a stored record is its data too.
    expect(Object.keys(JSON.parse(JSON.stringify(node)))).toEqual(['id', 'labels', 'props']);
    const added = new Map<string, unknown>();
    for (let t = 1; t <= 12; t++) for (const op of a.changes(t)) if (op.op === 'addNode') added.set(`${t}:${op.node.id}`, op.node.props);
    await a.close();
    const db = new Database(file, { readonly: true });
    const rows = (db.prepare('SELECT bytes FROM commits ORDER BY tx').all() as { bytes: Buffer }[]).map((r) => JSON.parse(r.bytes.toString('utf8')));
    db.close();
    expect(rows.length).toBe(12);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['tx', 'parentTx', 'time', 'meta', 'ops']);
      // Positional ops (format 3): the code, the id, then the record's data or the update's delta.
      for (const op of row.ops as unknown[][]) {
        expect(Array.isArray(op)).toBe(true);
        const [code, id, ...rest] = op;
        expect(typeof id).toBe('string');
        const plain = (v: unknown): void => expect(Object.getPrototypeOf(v) === Object.prototype && !Array.isArray(v)).toBe(true);
        if (code === '+n') {
          expect(rest.length === 1 || rest.length === 2).toBe(true);
          expect(Array.isArray(rest[0])).toBe(true);
          if (rest.length === 2) plain(rest[1]);
          expect(rest[1] ?? {}).toEqual(added.get(`${row.tx}:${id as string}`));
        } else if (code === '+e') {
          expect(rest.length === 3 || rest.length === 4).toBe(true);
          for (const v of rest.slice(0, 3)) expect(typeof v).toBe('string');
          if (rest.length === 4) plain(rest[3]);
        } else if (code === '~n' || code === '~e') {
          expect(rest.length).toBeGreaterThanOrEqual(1);
          plain(rest[0]);
        } else expect(['-n', '-e']).toContain(code);
        if (code === '-n' || code === '-e') expect(rest).toEqual([]);
      }
    }
  });

  it('updates logged as what they changed rebuild every version exactly: labels, removed and replaced properties, edges, several updates of one element in a commit', async () => {
    const ids = ['a', 'b', 'c'];
    const val = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant('x'), fc.constant(null), fc.constant([1, { y: 2 }]), fc.constant({ z: [3] }));
    const patch = fc.dictionary(fc.constantFrom('p', 'q', 'r'), fc.option(val, { nil: undefined }), { maxKeys: 3 });
    const op = fc.oneof(
      fc.record({ k: fc.constant('node' as const), id: fc.constantFrom(...ids), labels: fc.option(fc.subarray(['A', 'B', 'C']), { nil: undefined }), patch, merge: fc.boolean() }),
      fc.record({ k: fc.constant('edge' as const), src: fc.constantFrom(...ids), dst: fc.constantFrom(...ids), patch, merge: fc.boolean() }),
      fc.record({ k: fc.constant('drop' as const), id: fc.constantFrom(...ids) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 10 }), async (commits) => {
        const file = join(dir, `delta-${run++}.db`);
        const a = open(file, { snapshotEvery: 0 });
        for (const ops of commits) {
          const tx = a.begin();
          for (const o of ops) {
            const defined = (p: Record<string, unknown>): Record<string, Json> => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as Record<string, Json>;
            if (o.k === 'node') {
              if (tx.getNode(o.id) === undefined) tx.addNode(o.id, o.labels ?? [], defined(o.patch));
              else if (o.merge) tx.mergeNodeProps(o.id, o.patch as Record<string, Json | undefined>);
              else tx.updateNode(o.id, { labels: o.labels, props: defined(o.patch) });
            } else if (o.k === 'edge') {
              const id = `${o.src}-${o.dst}`;
              if (tx.getNode(o.src) === undefined || tx.getNode(o.dst) === undefined) continue;
              if (tx.getEdge(id) === undefined) tx.addEdge(id, 'E', o.src, o.dst, defined(o.patch));
              else if (o.merge) tx.mergeEdgeProps(id, o.patch as Record<string, Json | undefined>);
              else tx.updateEdge(id, { props: defined(o.patch) });
            } else if (tx.getNode(o.id) !== undefined) {
              const incident = new Set<string>();
              for (const dir of ['out', 'in'] as const) tx.forEachIncident(o.id, dir, undefined, (e) => void incident.add(e.id));
              for (const e of incident) tx.dropEdge(e);
              tx.dropNode(o.id);
            }
          }
          tx.commit();
        }
        const cids = Array.from({ length: a.headTx + 1 }, (_, t) => a.cid(t).toString());
        const changes = Array.from({ length: a.headTx + 1 }, (_, t) => plainOps(a.changes(t)));
        await a.close();
        // snapshotEvery 0: the reopened store rebuilds every version from the log.
        const b = open(file, { snapshotEvery: 0 });
        for (let t = 0; t <= b.headTx; t++) {
          expect(b.cid(t).toString()).toBe(cids[t]);
          expect(plainOps(b.changes(t))).toBe(changes[t]);
        }
        await b.close();
      }),
      { numRuns: 60 },
    );
  });

  it('reads logs written with ops as objects, with updates as deltas (format 2) or as the whole record after them (before that)', async () => {
    const file = join(dir, 's.db');
    const a = open(file, { snapshotEvery: 0 });
    fill(a, 20);
    const cids = Array.from({ length: 21 }, (_, t) => a.cid(t).toString());
    const full = Array.from({ length: 21 }, (_, t) => (plainEntry({ tx: t, parentTx: t - 1, time: 0, meta: null, ops: a.changes(t) }) as { ops: { op: string }[] }).ops);
    await a.close();
    const original = readFileSync(file);
    // Format 2: each op an object; an update {op, id, labels?, set, del?}, a drop {op, id}.
    const objectOp = (o: unknown[]): Record<string, unknown> => {
      const [code, id, a, b, c, d] = o as [string, string, ...unknown[]];
      switch (code) {
        case '+n':
          return { op: 'addNode', node: { id, labels: a, props: b ?? {} } };
        case '+e':
          return { op: 'addEdge', edge: { id, type: a, src: b, dst: c, props: d ?? {} } };
        case '~n':
          return { op: 'updateNode', id, ...(c === undefined ? {} : { labels: c }), set: a, ...(b == null ? {} : { del: b }) };
        case '~e':
          return { op: 'updateEdge', id, set: a, ...(b == null ? {} : { del: b }) };
        default:
          return { op: code === '-n' ? 'dropNode' : 'dropEdge', id };
      }
    };
    for (const form of ['deltas', 'whole records'] as const) {
      writeFileSync(file, original);
      const db = new Database(file);
      const rows = db.prepare('SELECT tx, bytes FROM commits').all() as { tx: number; bytes: Buffer }[];
      let updates = 0;
      for (const r of rows) {
        const e = JSON.parse(r.bytes.toString('utf8')) as { ops: unknown[][] };
        const ops = e.ops.map((o, i) => {
          const obj = objectOp(o);
          if (obj.op !== 'updateNode' && obj.op !== 'updateEdge') return obj;
          updates++;
          // Before update deltas: the whole record after the update.
          return form === 'deltas' ? obj : { op: obj.op, ...Object.fromEntries(Object.entries(full[r.tx][i]).filter(([k]) => k !== 'before' && k !== 'op')) };
        });
        const bytes = Buffer.from(JSON.stringify({ ...e, ops }), 'utf8');
        db.prepare('UPDATE commits SET bytes = ?, digest = ? WHERE tx = ?').run(bytes, createHash('sha256').update(bytes).digest(), r.tx);
      }
      db.close();
      expect(updates).toBeGreaterThan(0);
      const b = open(file, { snapshotEvery: 0 });
      for (let t = 0; t <= 20; t++) expect(b.cid(t).toString()).toBe(cids[t]);
      await b.close();
    }
  });

  it('an op of a shape no format has is a corruption error naming the commit, never a wrong graph', async () => {
    const file = join(dir, 's.db');
    const a = open(file, { snapshotEvery: 0 });
    fill(a, 8);
    await a.close();
    const shapes: unknown[] = [
      ['?n', 'n1'], ['+e', 'x', 'E', 7, 'n1'], ['~n', 'n1', 'not an object'], 'dropNode', null,
      // Objects where arrays belong and the other way round, and wrong element types.
      ['+n', 'x', [], [1, 2]], ['+n', 'x', {}], ['+n', 'x', [1]], ['+e', 'x', 'E', 'n1', 'n2', ['q']], ['~n', 'n1', ['z']],
      ['~n', 'n1', {}, { p: 1 }], ['~n', 'n1', {}, [7]], ['~n', 'n1', {}, null, { 0: 'B' }], ['-n'], ['-e', 'x', 'y'],
      // Object ops (earlier formats) of no known shape.
      { op: 'bogus' }, { op: 'addNode' }, { op: 'updateNode', id: 'n1' }, { op: 'addEdge', edge: { id: 'x', type: 'E', src: 'n1' } },
      // Shapes that are right, against a version that does not agree: never a graph with a dangling edge or a node twice.
      ['+e', 'x', 'E', 'n1', 'nope'], ['+n', 'n1', ['N']], ['-n', 'n2'],
      // Updates by path: malformed, or through a value that is not an object.
      ['~N', 'n1', {}], ['~N', 'n1', [['i']]], ['~N', 'n1', [[[]]]], ['~N', 'n1', [[['i'], 1, 2]]], ['~N', 'n1', [[['i'], 1]], [7]],
      ['~E', 'e1', [[['w'], 1]], ['B']], ['~N', 'n1', [[['i', 'deep'], 1]]], ['~N', 'n1', [[['tags', 'x'], 1]]], ['~E', 'e1', [[['w', 'x']]]],
    ];
    for (const bad of shapes) {
      const db = new Database(file);
      const r = db.prepare('SELECT bytes FROM commits WHERE tx = 5').get() as { bytes: Buffer };
      const e = JSON.parse(r.bytes.toString('utf8')) as { ops: unknown[] };
      const bytes = Buffer.from(JSON.stringify({ ...e, ops: [...e.ops, bad] }), 'utf8');
      db.prepare('UPDATE commits SET bytes = ?, digest = ? WHERE tx = 5').run(bytes, createHash('sha256').update(bytes).digest());
      db.close();
      expect(() => open(file, { snapshotEvery: 0 }), JSON.stringify(bad)).toThrowError(expect.objectContaining({ code: 'CORRUPT_BLOCK', message: expect.stringMatching(/commit 5 of the log /) }));
      // Put the row back for the next shape.
      const db2 = new Database(file);
      db2.prepare('UPDATE commits SET bytes = ?, digest = ? WHERE tx = 5').run(r.bytes, createHash('sha256').update(r.bytes).digest());
      db2.close();
    }
    const b = open(file, { snapshotEvery: 0 });
    expect(b.headTx).toBe(8);
    await b.close();
  });

  it('an open SQLite store (keepEvery, snapshots) reads every version, change and meta as a memory store does, in any order', async () => {
    const ids = ['a', 'b', 'c'];
    const val = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant('x'), fc.constant({ z: [3] }));
    const patch = fc.dictionary(fc.constantFrom('p', 'q'), fc.option(val, { nil: undefined }), { maxKeys: 2 });
    const op = fc.oneof(
      fc.record({ k: fc.constant('node' as const), id: fc.constantFrom(...ids), labels: fc.subarray(['A', 'B']), patch }),
      fc.record({ k: fc.constant('edge' as const), src: fc.constantFrom(...ids), dst: fc.constantFrom(...ids), patch }),
      fc.record({ k: fc.constant('drop' as const), id: fc.constantFrom(...ids) }),
    );
    const apply = (store: Store, ops: { k: string; id?: string; src?: string; dst?: string; labels?: string[]; patch?: Record<string, Json | undefined> }[], n: number): void => {
      const tx = store.begin();
      for (const o of ops) {
        const defined = Object.fromEntries(Object.entries(o.patch ?? {}).filter(([, v]) => v !== undefined)) as Record<string, Json>;
        if (o.k === 'node') {
          if (tx.getNode(o.id!) === undefined) tx.addNode(o.id!, o.labels, defined);
          else {
            tx.mergeNodeProps(o.id!, o.patch!);
            tx.updateNode(o.id!, { labels: o.labels });
          }
        } else if (o.k === 'edge') {
          const id = `${o.src}-${o.dst}`;
          if (tx.getNode(o.src!) === undefined || tx.getNode(o.dst!) === undefined) continue;
          if (tx.getEdge(id) === undefined) tx.addEdge(id, 'E', o.src!, o.dst!, defined);
          else tx.mergeEdgeProps(id, o.patch!);
        } else if (tx.getNode(o.id!) !== undefined) {
          const incident = new Set<string>();
          for (const d of ['out', 'in'] as const) tx.forEachIncident(o.id!, d, undefined, (e) => void incident.add(e.id));
          for (const e of incident) tx.dropEdge(e);
          tx.dropNode(o.id!);
        }
      }
      tx.commit({ n, ops: ops.length });
    };
    const edgesOf = (s: Store, t: number): string[] => {
      const out: string[] = [];
      s.at(t).forEachEdge((e) => void out.push(e.id));
      for (const id of ids) s.at(t).forEachIncident(id, 'out', undefined, (e) => void out.push(e.id));
      return out;
    };
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 14 }),
        fc.integer({ min: 2, max: 5 }),
        fc.constantFrom(0, 4),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (commits, keepEvery, snapshotEvery, reads) => {
          const mem = new Store({ keepEvery: 1 });
          const disk = open(join(dir, `entries-${run++}.db`), { keepEvery, snapshotEvery, retention: { log: 'all' } });
          commits.forEach((ops, i) => {
            apply(mem, ops, i);
            apply(disk, ops, i);
          });
          const order = [...reads.map((r) => r % (mem.headTx + 1)), ...Array.from({ length: mem.headTx + 1 }, (_, t) => mem.headTx - t)];
          for (const t of order) {
            expect(disk.cid(t).toString()).toBe(mem.cid(t).toString());
            expect(edgesOf(disk, t)).toEqual(edgesOf(mem, t));
            if (t > 0) {
              expect(plainOps(disk.changes(t))).toBe(plainOps(mem.changes(t)));
              expect(disk.commitInfo(t).meta).toEqual(mem.commitInfo(t).meta);
            }
          }
          expect(disk.history().map((c) => c.meta)).toEqual(mem.history().map((c) => c.meta));
          await disk.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('updates below the top level are logged by path and read back the same', async () => {
    const leaf = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant('x'), fc.constant(null), fc.constant([1, { y: 2 }]));
    const key = fc.constantFrom('a', 'b', '__proto__', 'c.d');
    const value = fc.option(fc.oneof(leaf, fc.dictionary(key, leaf, { maxKeys: 2 })), { nil: undefined });
    const edit = fc.record({ edge: fc.boolean(), path: fc.array(key, { minLength: 1, maxLength: 3 }), value, labels: fc.boolean() });
    // `obj` with `path` set to `v` (undefined: removed), sharing every untouched value: as the engine rebuilds `steps`.
    const put = (o: Record<string, unknown>, k: string, v: unknown): void => void Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    const setIn = (obj: unknown, path: string[], v: unknown): unknown => {
      const o: Record<string, unknown> = typeof obj === 'object' && obj !== null && !Array.isArray(obj) ? { ...obj } : {};
      const [k, ...rest] = path;
      const next = rest.length === 0 ? v : setIn(Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined, rest, v);
      if (next === undefined) delete o[k];
      else put(o, k, next);
      return o;
    };
    let run = 0;
    let byPath = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(edit, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }), async (commits) => {
        const file = join(dir, `paths-${run++}.db`);
        const a = open(file, { snapshotEvery: 0 });
        a.transact((tx) => {
          tx.addNode('n', ['A'], { a: { b: 1 } });
          tx.addNode('m');
          tx.addEdge('e', 'E', 'n', 'm', { a: { b: 1 } });
        });
        for (const edits of commits) {
          a.transact((tx) => {
            for (const ed of edits) {
              const rec = ed.edge ? tx.getEdge('e')! : tx.getNode('n')!;
              const [top, ...rest] = ed.path;
              const patch: Record<string, Json | undefined> = {};
              put(patch, top, (rest.length === 0 ? ed.value : setIn(Object.prototype.hasOwnProperty.call(rec.props, top) ? rec.props[top] : undefined, rest, ed.value)) as Json | undefined);
              if (ed.edge) tx.mergeEdgeProps('e', patch);
              else {
                tx.mergeNodeProps('n', patch);
                if (ed.labels) tx.updateNode('n', { labels: tx.getNode('n')!.labels.includes('B') ? ['A'] : ['A', 'B'] });
              }
            }
          });
        }
        const cids = Array.from({ length: a.headTx + 1 }, (_, t) => a.cid(t).toString());
        const changes = Array.from({ length: a.headTx + 1 }, (_, t) => plainOps(a.changes(t)));
        const heads = [a.head().getNode('n')!.props, a.head().getEdge('e')!.props];
        await a.close();
        const db = new Database(file);
        byPath += (db.prepare(`SELECT count(*) AS n FROM commits WHERE CAST(bytes AS TEXT) LIKE '%"~N"%' OR CAST(bytes AS TEXT) LIKE '%"~E"%'`).get() as { n: number }).n;
        db.close();
        const b = open(file, { snapshotEvery: 0 });
        for (let t = 0; t <= b.headTx; t++) {
          expect(b.cid(t).toString()).toBe(cids[t]);
          expect(plainOps(b.changes(t))).toBe(changes[t]);
        }
        expect([b.head().getNode('n')!.props, b.head().getEdge('e')!.props]).toEqual(heads);
        await b.close();
      }),
      { numRuns: 60 },
    );
    // The property ran the path form, not only whole values.
    expect(byPath).toBeGreaterThan(20);
  });

  it('a long-lived node\'s log grows with what each update changed, not with the node', async () => {
    const file = join(dir, 'steps.db');
    const a = open(file, { snapshotEvery: 0 });
    a.transact((tx) => void tx.addNode('exec', ['Execution'], { status: 'running', steps: {} }));
    for (let i = 0; i < 300; i++) {
      a.transact((tx) => {
        const steps = tx.getNode('exec')!.props.steps as Record<string, Json>;
        tx.mergeNodeProps('exec', { steps: { ...steps, [`step_${i}`]: { output: { v: i }, seq: i + 1 } } });
      });
    }
    const cid = a.cid().toString();
    await a.close();
    const db = new Database(file);
    const sizes = (db.prepare('SELECT length(bytes) AS n FROM commits ORDER BY tx').all() as { n: number }[]).map((r) => r.n);
    db.close();
    // The 300th update logs its one step, as the 2nd did (whole `steps` objects would be ~10 KB by then).
    expect(Math.max(...sizes.slice(1))).toBeLessThan(sizes[1] + 16);
    const b = open(file, { snapshotEvery: 0 });
    expect(b.cid().toString()).toBe(cid);
    expect(Object.keys(b.head().getNode('exec')!.props.steps as object)).toHaveLength(300);
    await b.close();
  });

  it('a running store reads the changes of its latest snapshot\'s commit from memory, also with the log before it pruned', async () => {
    const a = open(join(dir, 's.db'), { snapshotEvery: 10, retention: { snapshots: 1, log: 'since-oldest-snapshot' } });
    fill(a, 25);
    const reference = new Store();
    fill(reference, 25);
    expect([a.inMemoryFrom, a.oldestTx]).toEqual([20, 20]);
    for (let t = 20; t <= 25; t++) expect(plainOps(a.changes(t))).toBe(plainOps(reference.changes(t)));
    await a.close();
  });

  it('the changes of the oldest retained commit need its parent: a clear error once the log before it is gone', async () => {
    const file = join(dir, 's.db');
    const a = open(file, { snapshotEvery: 10, retention: { snapshots: 1, log: 'since-oldest-snapshot' } });
    fill(a, 25);
    await a.close();
    const b = open(file, { snapshotEvery: 10, retention: { snapshots: 1, log: 'since-oldest-snapshot' } });
    expect(b.oldestTx).toBe(20);
    expect(b.changes(21).length).toBeGreaterThan(0);
    expect(() => b.changes(20)).toThrowError(/TxId 20 .*TxId 19, which is no longer retained/);
  });

  it('reads files whose log entries were written in full as dag-cbor (before compact JSON)', async () => {
    const mem = new Store();
    fill(mem, 30);
    const file = join(dir, 'old.db');
    await new SqliteBackend(file).close();
    const db = new Database(file);
    const ins = db.prepare('INSERT INTO commits (tx, digest, bytes) VALUES (?, ?, ?)');
    for (let t = 1; t <= 30; t++) {
      const c = mem.commitInfo(t);
      const bytes = dagCbor.encode(plainEntry({ tx: t, parentTx: c.parentTx, time: c.time, meta: c.meta, ops: mem.changes(t) }));
      ins.run(t, createHash('sha256').update(bytes).digest(), Buffer.from(bytes));
    }
    db.close();
    const b = open(file);
    expect(b.headTx).toBe(30);
    for (const t of [0, 7, 11, 30]) expect(b.cid(t).toString()).toBe(mem.cid(t).toString());
    expect(plainOps(b.changes(11))).toBe(plainOps(mem.changes(11)));
  });

  it('a snapshot of a graph without edges reopens, also after another store hashed an empty trie', async () => {
    // The empty trie is one shared object: a digest cached on it by one store must not stop another from writing its block.
    expect(new Store().cid(0).toString()).toMatch(/^bafy/);
    const file = join(dir, 's.db');
    const a = open(file, { snapshotEvery: 2 });
    for (let i = 0; i < 4; i++) a.transact((tx) => void tx.addNode(`n${i}`, ['N'], { i }));
    const cid = a.cid().toString();
    await a.close();
    const b = open(file, { snapshotEvery: 2 });
    expect(b.cid().toString()).toBe(cid);
    expect(b.at(2).nodeCount).toBe(2);
  });

  it('sync() resolves once commits are on disk (visible to another connection)', async () => {
    const file = join(dir, 's.db');
    const a = open(file);
    fill(a, 5);
    await a.sync();
    const other = new Database(file, { readonly: true });
    expect((other.prepare('SELECT count(*) AS n FROM commits').get() as { n: number }).n).toBe(5);
    other.close();
    await a.close();
  });

  it('a block with flipped bytes is a corruption error naming the block, never a wrong graph', async () => {
    const file = join(dir, 's.db');
    const a = open(file, { snapshotEvery: 10 });
    fill(a, 12);
    await a.close();
    const db = new Database(file);
    const row = db.prepare('SELECT digest, bytes FROM blocks ORDER BY length(bytes) DESC LIMIT 1').get() as { digest: Buffer; bytes: Buffer };
    const bytes = Buffer.from(row.bytes);
    bytes[bytes.length - 3] ^= 0xff;
    db.prepare('UPDATE blocks SET bytes = ? WHERE digest = ?').run(bytes, row.digest);
    db.close();
    try {
      open(file);
      expect.unreachable();
    } catch (e) {
      expect((e as GraphError).code).toBe('CORRUPT_BLOCK');
      expect((e as Error).message).toContain(row.digest.toString('hex'));
    }
  });

  it('a commit with flipped bytes is a corruption error naming the commit', async () => {
    const file = join(dir, 's.db');
    const a = open(file, { snapshotEvery: 0 });
    fill(a, 6);
    await a.close();
    const db = new Database(file);
    const row = db.prepare('SELECT bytes FROM commits WHERE tx = 4').get() as { bytes: Buffer };
    const bytes = Buffer.from(row.bytes);
    bytes[10] ^= 0x01;
    db.prepare('UPDATE commits SET bytes = ? WHERE tx = 4').run(bytes);
    db.close();
    expect(() => open(file)).toThrowError(/commit 4 .*corrupt/);
  });

  it('a truncated file is an error, never a wrong graph', async () => {
    const file = join(dir, 's.db');
    const a = open(file, { snapshotEvery: 20 });
    fill(a, 60);
    await a.close();
    const size = statSync(file).size;
    truncateSync(file, Math.floor(size / 2));
    try {
      const b = open(file);
      // If SQLite still opens it, what is readable must be a prefix of the history, and complete.
      expect(b.headTx).toBeLessThan(60);
      expect.unreachable('a truncated store opened without an error');
    } catch (e) {
      expect(e).toBeInstanceOf(GraphError);
      expect(['CORRUPT_BLOCK', 'BACKEND']).toContain((e as GraphError).code);
    }
  });

  it('a file that is not a store is refused clearly', () => {
    const file = join(dir, 'junk.db');
    writeFileSync(file, 'this is not a database at all, just some text '.repeat(100));
    try {
      open(file);
      expect.unreachable();
    } catch (e) {
      expect((e as GraphError).code).toMatch(/CORRUPT_BLOCK|BACKEND/);
      expect((e as Error).message).toContain(file);
    }
    expect(readFileSync(file, 'utf8').startsWith('this is not')).toBe(true);
  });

  it('a version reads the same before and after reopening, from a snapshot or from the log: same key order, frozen', async () => {
    // Keys the model orders: shorter UTF-8 first, then bytewise (DAG-CBOR's order, and PostgreSQL jsonb's).
    const key = fc.constantFrom('a', 'b', 'zeta', 'alpha', 'B', 'é', 'aa', '10', '9', 'k\u{1F600}', '');
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(key, tie('v'), { maxKeys: 4 })),
    })).v;
    const props = fc.dictionary(key, value, { maxKeys: 6 });
    // JavaScript lists integer-like keys first, ascending, whatever the order of insertion; the rest keep the store's order.
    const isIndex = (k: string): boolean => /^(0|[1-9][0-9]*)$/.test(k) && Number(k) < 2 ** 32 - 1;
    const canonical = (keys: string[]): string[] => [
      ...keys.filter(isIndex).sort((x, y) => Number(x) - Number(y)),
      ...keys.filter((k) => !isIndex(k)).sort((x, y) => Buffer.byteLength(x) - Buffer.byteLength(y) || Buffer.compare(Buffer.from(x), Buffer.from(y))),
    ];
    const ordered = (v: unknown): boolean =>
      typeof v !== 'object' || v === null || (Object.isFrozen(v) && (Array.isArray(v) ? v.every(ordered) : JSON.stringify(Object.keys(v)) === JSON.stringify(canonical(Object.keys(v))) && Object.values(v).every(ordered)));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(3), props, fc.boolean()), { minLength: 1, maxLength: 8 }), fc.nat(8), async (writes, snapAt) => {
        const file = join(dir, `order-${run++}.db`);
        const a = open(file, { snapshotEvery: 0 });
        writes.forEach(([n, p, merge], i) => {
          a.transact((tx) => {
            const id = `n${n}`;
            if (tx.getNode(id) === undefined) tx.addNode(id, ['N'], p as never);
            else if (merge) tx.mergeNodeProps(id, p as never);
            else tx.updateNode(id, { props: p as never });
          });
          if (i === snapAt) a.snapshot();
        });
        const nodesAt = (s: Store, t: number): NodeRecord[] => {
          const out: NodeRecord[] = [];
          s.at(t).forEachNode((n) => void out.push(n));
          return out.sort((x, y) => (x.id < y.id ? -1 : 1));
        };
        const text = (s: Store, t: number): string => JSON.stringify(nodesAt(s, t).map((n) => [n.id, n.props]));
        const before = Array.from({ length: a.headTx + 1 }, (_, t) => text(a, t));
        for (const n of nodesAt(a, a.headTx)) expect(ordered(n.props)).toBe(true);
        await a.close();
        const b = open(file);
        for (let t = 0; t <= b.headTx; t++) expect(text(b, t)).toBe(before[t]);
        for (let t = 0; t <= b.headTx; t++) for (const n of nodesAt(b, t)) expect(ordered(n.props)).toBe(true);
        await b.close();
      }),
      { numRuns: 40 },
    );
  });
});
