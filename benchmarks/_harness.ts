import { spawnSync } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';

/** Shared helpers of the benchmarks: timing, heap, a seeded RNG, the final JSON line. */

export function time<T>(fn: () => T): { ms: number; result: T } {
  const t0 = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run benchmarks with --expose-gc (npm run bench does)');
  g();
  g();
}

/** Heap used after a full collection, in bytes. */
export function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** mulberry32: a small seeded RNG so every run does the same work. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The number after `name` (e.g. `--rounds`) in a benchmark's arguments, or `dflt`. */
export function numberArg(args: readonly string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function log(...parts: unknown[]): void {
  console.log(...parts);
}

export function finish(bench: string, results: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench, results }));
}

/**
 * Large runs need more than Node's default heap (about 4 GB here; `npm run
 * bench` already asks for 16 GB): when run some other way, re-run this
 * benchmark in a child process with a 16 GB old space. Returns true when the
 * child ran (the caller then stops).
 */
export function rerunWithLargerHeap(): boolean {
  if (process.env.ITONAMI_BENCH_CHILD === '1' || getHeapStatistics().heap_size_limit > 12e9) return false;
  const r = spawnSync(process.execPath, [...process.execArgv, '--max-old-space-size=16384', ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ITONAMI_BENCH_CHILD: '1' },
  });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
  return true;
}
