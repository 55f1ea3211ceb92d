/**
 * The SQLite backend writes on a thread of its own. Whatever the moment a
 * read comes (queued, sent, written but not yet acknowledged, acknowledged),
 * it sees every commit, snapshot and block once, in order; `sync()` resolves
 * only once what it covers is in the file.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/graph/index.ts';
import type { CommitEntry } from '../../src/graph/index.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'itonami-sqlite-writer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry = (tx: number): CommitEntry => ({ tx, parentTx: tx - 1, time: tx, meta: { n: tx }, ops: [], tag: tx % 2 === 0 ? 'even' : null });
const blockBytes = (i: number): Uint8Array => new Uint8Array([i & 255, i >> 8, 1, 2]);
const blockDigest = (i: number): string => createHash('sha256').update(blockBytes(i)).digest().toString('latin1');
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Spins, without yielding to the event loop (so no acknowledgement is taken in), until the file holds commit `tx`. */
function spinUntilWritten(file: string, tx: number): void {
  const db = new Database(file, { readonly: true });
  try {
    const q = db.prepare('SELECT max(tx) FROM commits').pluck();
    const until = Date.now() + 10_000;
    while (((q.get() as number | null) ?? 0) < tx) if (Date.now() > until) throw new Error(`commit ${tx} was not written`);
  } finally {
    db.close();
  }
}

type Cmd = { kind: 'append'; n: number } | { kind: 'snapshot' } | { kind: 'block' } | { kind: 'turn' } | { kind: 'written' } | { kind: 'sync' } | { kind: 'flush' };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), n: fc.integer({ min: 1, max: 40 }) }),
  fc.constant({ kind: 'snapshot' as const }),
  fc.constant({ kind: 'block' as const }),
  fc.constant({ kind: 'turn' as const }),
  fc.constant({ kind: 'written' as const }),
  fc.constant({ kind: 'sync' as const }),
  fc.constant({ kind: 'flush' as const }),
);

describe('SQLite backend writer thread', () => {
  it('reads see every commit, snapshot and block once and in order, at any stage of their writing; sync() means in the file', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 25 }), async (cmds) => {
        const file = join(dir, `w${run++}.db`);
        const b = new SqliteBackend(file);
        let tx = 0;
        let blocks = 0;
        const snaps: number[] = [];
        const check = (): void => {
          expect([...b.readCommits(1)].map((c) => c.tx)).toEqual(Array.from({ length: tx }, (_, i) => i + 1));
          expect([...b.readCommits(tx + 1)]).toEqual([]);
          expect(b.snapshots().map((s) => s.tx)).toEqual(snaps);
          expect(b.tagged('even', Infinity)).toEqual(Array.from({ length: Math.floor(tx / 2) }, (_, i) => 2 * (i + 1)));
          for (let i = 0; i < blocks; i++) expect(b.getBlock(blockDigest(i))).toEqual(blockBytes(i));
        };
        try {
          for (const c of cmds) {
            if (c.kind === 'append') for (let i = 0; i < c.n; i++) b.append(entry(++tx));
            else if (c.kind === 'snapshot') {
              if (snaps[snaps.length - 1] !== tx) {
                snaps.push(tx);
                b.putSnapshot({ tx, root: blockDigest(tx) });
              }
            } else if (c.kind === 'block') {
              b.putBlock(blockDigest(blocks), blockBytes(blocks));
              blocks++;
            } else if (c.kind === 'turn') await turn();
            else if (c.kind === 'written') {
              // Sent and written, its acknowledgement not yet taken in: the read must not see it twice.
              if (tx > 0) {
                await turn();
                spinUntilWritten(file, tx);
              }
            } else if (c.kind === 'sync') {
              await b.sync();
              const db = new Database(file, { readonly: true });
              expect(db.prepare('SELECT count(*) FROM commits').pluck().get()).toBe(tx);
              db.close();
            } else b.flushNow();
            check();
          }
        } finally {
          await b.close();
        }
        // Closing writes everything; the file alone holds it all.
        const again = new SqliteBackend(file);
        expect([...again.readCommits(1)].map((c) => c.tx)).toEqual(Array.from({ length: tx }, (_, i) => i + 1));
        expect(again.snapshots().map((s) => s.tx)).toEqual(snaps);
        await again.close();
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('a writer thread that stops fails the writes waiting on it and every later one, instead of leaving them waiting', async () => {
    const file = join(dir, 'stopped.db');
    const b = new SqliteBackend(file);
    b.append(entry(1));
    await b.sync();
    await (b as unknown as { writer: { worker: { terminate(): Promise<number> } } }).writer.worker.terminate();
    b.append(entry(2));
    await expect(b.sync()).rejects.toMatchObject({ code: 'BACKEND', message: expect.stringMatching(/writer thread .* stopped/) });
    expect(() => b.flushNow()).toThrow(/stopped/);
    await expect(b.close()).rejects.toMatchObject({ code: 'BACKEND' });
    const again = new SqliteBackend(file);
    expect([...again.readCommits(1)].map((c) => c.tx)).toEqual([1]);
    await again.close();
  });

  it('flushNow does not wait for a writer thread that died while it was not looking (its exit is not yet reported)', async () => {
    const file = join(dir, 'died.db');
    const b = new SqliteBackend(file);
    b.append(entry(1));
    await b.sync();
    const w = (b as unknown as { writer: { port: { postMessage(m: unknown): void }; acked: Int32Array } }).writer;
    w.port.postMessage(null); // not a batch: the writer throws and exits
    const until = Date.now() + 10_000;
    while (Atomics.load(w.acked, 1) === 0 && Date.now() < until); // without yielding: no exit event reaches this thread
    b.append(entry(2));
    expect(() => b.flushNow()).toThrow(/stopped/);
    await expect(b.close()).rejects.toMatchObject({ code: 'BACKEND' });
  });

  it('two close() calls: both resolve once the file is closed', async () => {
    const file = join(dir, 'close2.db');
    const b = new SqliteBackend(file);
    b.append(entry(1));
    const order: string[] = [];
    const db = (b as unknown as { db: { open: boolean } }).db;
    await Promise.all([b.close().then(() => order.push(`first ${db.open}`)), b.close().then(() => order.push(`second ${db.open}`))]);
    expect(order.sort()).toEqual(['first false', 'second false']);
  });
});
