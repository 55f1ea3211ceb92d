import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const BIN = resolve(import.meta.dirname, '../../bin/itonami.js');
export const SEEDS = resolve(import.meta.dirname, '../../../shared/seed-workflows');

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real command (`node bin/itonami.js ...`) in `cwd`, without a terminal. */
export function itonami(args: readonly string[], cwd: string, env: Record<string, string> = {}): Ran {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ITONAMI_STORE: '', ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const made: string[] = [];
// Registered when a test file imports this module: that file's directories go when it ends.
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'itonami-cli-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

export function write(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Asserts that stderr is one clear line with no stack trace. */
export function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got:\n${stderr}`);
  if (/^\s+at /m.test(stderr)) throw new Error(`stack trace on stderr:\n${stderr}`);
  return lines[0];
}

export const ORDER = { orderId: 'o-1', customerId: 'c-1', amount: 42, items: [{ sku: 'a', qty: 1 }] };
export const USER = { username: 'ada', email: 'ada@example.org', password: 'correct horse' };
export const doc = (priority: string) => ({ documentId: 'd-1', documentType: 'contract', priority, content: 'text', requester: 'bob' });
