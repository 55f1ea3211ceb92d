/**
 * Crash test with real processes: a child commits to a SQLite store and is
 * killed with SIGKILL at random points; after each restart every acknowledged
 * commit is there with the same root CID, and the graph is consistent.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteBackend, Store } from '../../src/graph/index.ts';

const child = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'itonami-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runAndKill(path: string, killAfterMs: number): Promise<Map<number, string>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks = new Map<number, string>();
    let buf = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ack (\d+) (\S+)$/.exec(line);
        if (m) acks.set(Number(m[1]), m[2]);
        if (line.startsWith('ready')) setTimeout(() => p.kill('SIGKILL'), killAfterMs);
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child ended without being killed: ${err}`));
      else resolve(acks);
    });
  });
}

describe('SQLite store under SIGKILL', () => {
  it('keeps every acknowledged commit, with its root CID, across many kills', async () => {
    const path = join(dir, 'crash.db');
    const acked = new Map<number, string>();
    // Bounded in time: iterations stop starting after 40 s (each starts a Node process).
    const deadline = Date.now() + 40_000;
    let iterations = 0;
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    while (iterations < 12 && Date.now() < deadline) {
      const acks = await runAndKill(path, 30 + Math.floor(rand() * 300));
      for (const [tx, cid] of acks) acked.set(tx, cid);
      iterations++;
      const store = new Store({ backend: new SqliteBackend(path) });
      const maxAcked = Math.max(0, ...acked.keys());
      expect(store.headTx).toBeGreaterThanOrEqual(maxAcked);
      for (const [tx, cid] of acked) expect(store.cid(tx).toString()).toBe(cid);
      // Consistent: every edge joins existing nodes, and the chain has no gaps.
      const head = store.head();
      head.forEachEdge((e) => {
        expect(head.hasNode(e.src) && head.hasNode(e.dst)).toBe(true);
      });
      await store.close();
    }
    expect(iterations).toBeGreaterThanOrEqual(3);
    expect(acked.size).toBeGreaterThan(0);
    console.log(`crash test: ${iterations} SIGKILL iterations, ${acked.size} acknowledged commits checked`);
  }, 300_000);
});
