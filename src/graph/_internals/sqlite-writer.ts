/**
 * The SQLite backend's writer thread: it owns the connection that writes, so
 * that the fsync of a group commit (and the hashing and inserting before it)
 * runs beside the engine instead of stopping it.
 *
 * The source is a plain CommonJS string run with `eval: true`: a worker file
 * next to this one would be lost by bundlers (the crash tests bundle their
 * child with esbuild) and would need a TypeScript loader under tsx.
 */

import type { MessagePort } from 'node:worker_threads';

/** One group commit: what the main thread queued since the previous batch. */
export interface WriteBatch {
  readonly seq: number;
  /** [digest (latin1), bytes] */
  readonly blocks: readonly (readonly [string, Uint8Array])[];
  /** [tx, compact JSON entry, tag ('' none, null not computed)] */
  readonly commits: readonly (readonly [number, string, string | null])[];
  /** [tx, root digest (latin1)] */
  readonly snapshots: readonly (readonly [number, string])[];
}

/** The writer's answer: every batch up to `seq` written (durable), or the error that stopped it. */
export interface WriteAck {
  readonly seq: number;
  readonly error?: string;
}

export interface WriterData {
  readonly driver: string;
  readonly path: string;
  readonly synchronous: 'FULL' | 'OFF';
  /** Int32Array over a SharedArrayBuffer: [0] the last batch seq answered, [1] set when the writer exits; for a blocking wait. */
  readonly acked: SharedArrayBuffer;
  readonly port: MessagePort;
}

export const WRITER_SOURCE = `
'use strict';
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const acked = new Int32Array(workerData.acked);
// First of all: a writer that stops for any reason (even loading its driver) wakes a main thread blocked in flushNow.
process.on('exit', () => {
  Atomics.store(acked, 1, 1);
  Atomics.notify(acked, 0);
});
const { createHash } = require('node:crypto');
const Database = require(workerData.driver);
const { port } = workerData;
let db;
let write;
try {
  db = new Database(workerData.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = ' + workerData.synchronous);
  db.pragma('busy_timeout = 5000');
  const insBlock = db.prepare('INSERT OR IGNORE INTO blocks (digest, bytes) VALUES (?, ?)');
  const insCommit = db.prepare('INSERT INTO commits (tx, digest, bytes, tag) VALUES (?, ?, ?, ?)');
  const insSnap = db.prepare('INSERT OR REPLACE INTO snapshots (tx, root) VALUES (?, ?)');
  write = db.transaction((batches) => {
    for (const b of batches) {
      for (const [d, bytes] of b.blocks) insBlock.run(Buffer.from(d, 'latin1'), bytes);
      for (const [tx, json, tag] of b.commits) {
        const bytes = Buffer.from(json, 'utf8');
        insCommit.run(tx, createHash('sha256').update(bytes).digest(), bytes, tag);
      }
      for (const [tx, root] of b.snapshots) insSnap.run(tx, Buffer.from(root, 'latin1'));
    }
  });
} catch (e) {
  write = () => { throw e; };
}
let failed;
port.on('message', (first) => {
  // Batches that arrived while the last one was being written join this one: one transaction, one fsync.
  const batches = [first];
  for (let m; batches[batches.length - 1] !== 'close' && (m = receiveMessageOnPort(port)) !== undefined; ) batches.push(m.message);
  const close = batches[batches.length - 1] === 'close';
  if (close) batches.pop();
  if (batches.length > 0) {
    const seq = batches[batches.length - 1].seq;
    if (failed === undefined) {
      try { write(batches); } catch (e) { failed = String((e && e.message) || e); }
    }
    port.postMessage(failed === undefined ? { seq } : { seq, error: failed });
    Atomics.store(acked, 0, seq | 0);
    Atomics.notify(acked, 0);
  }
  if (close) {
    try { if (db) db.close(); } catch {}
    port.close();
  }
});
`;
