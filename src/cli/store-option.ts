import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SystemClock, VirtualClock, WorkflowEngine } from '../workflow/index.ts';
import type { Clock, ExecutionSnapshot } from '../workflow/index.ts';
import type { ActivitySet } from './activities-module.ts';
import { CliError } from './errors.ts';

type TimerHandle = ReturnType<Clock['setTimer']>;

/** `memory` stays `memory`; anything else is a SQLite file path (`sqlite:` prefix optional). */
export function storageSpec(store: string): string {
  if (store === 'memory') return 'memory';
  const path = store.startsWith('sqlite:') ? store.slice('sqlite:'.length) : store;
  if (path === '') throw new CliError('USAGE', '--store: expected "memory" or a file path');
  return `sqlite:${resolve(path)}`;
}

/**
 * `--postgres <url>` (or `ITONAMI_POSTGRES`) as the distributed engine's
 * storage spec; a `postgres:` prefix is optional.
 */
export function postgresSpec(url: string): string {
  const bare = url.startsWith('postgres:') && !url.startsWith('postgres://') ? url.slice('postgres:'.length) : url;
  if (!/^postgres(ql)?:\/\/./.test(bare)) throw new CliError('USAGE', `--postgres ${JSON.stringify(url)}: expected a URL such as postgres://user:pass@host/db`);
  return `postgres:${bare}`;
}

export interface OpenOptions {
  readonly store: string;
  readonly activities?: ActivitySet;
  readonly clock?: Clock;
  /** The command needs executions made by earlier commands (everything but `run`). */
  readonly persistent?: boolean;
  /** The command's name, for messages. */
  readonly command: string;
}

/** Builds the engine on the store the user chose; explains, as one sentence, a store that cannot serve the command. */
export async function openEngine(options: OpenOptions): Promise<WorkflowEngine> {
  const spec = storageSpec(options.store);
  if (spec === 'memory' && options.persistent === true) {
    throw new CliError(
      'STORE_REQUIRED',
      `itonami ${options.command}: the memory store keeps nothing between commands, so there is nothing to read; pass --store <file> (a SQLite store that "itonami run --store <file>" wrote), or use "itonami run --query/--history/--replay" to do it in the same process`,
    );
  }
  if (spec !== 'memory') {
    const path = spec.slice('sqlite:'.length);
    const st = existsSync(path) ? statSync(path) : undefined;
    if (st?.isDirectory() === true) throw new CliError('USAGE', `--store ${options.store}: a directory, not a store file`);
    // A command that only reads a store neither creates one nor turns an empty file into one.
    if (options.persistent === true && (st === undefined || st.size === 0)) {
      throw new CliError('STORE_REQUIRED', `itonami ${options.command}: no store at ${options.store}${st === undefined ? '' : ' (an empty file)'} ("itonami run --store ${options.store} <file.kotoba>" creates one)`);
    }
  }
  let b = WorkflowEngine.builder();
  try {
    b = b.withStorage(spec);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'UNSUPPORTED_STORAGE') {
      throw new CliError('NOT_AVAILABLE', `--store ${options.store}: this engine cannot open that store (${(e as Error).message}); use --store memory`, { cause: e });
    }
    throw e;
  }
  if (options.clock !== undefined) b = b.withClock(options.clock);
  if (options.activities !== undefined) {
    b = b.withActivities(options.activities.registry);
    for (const [name, p] of Object.entries(options.activities.predicates)) b = b.withPredicate(name, p);
  }
  // `await`: a durable engine may open its store asynchronously.
  return await b.build();
}

/**
 * Resolves when every execution has ended or settled: the engine went idle
 * (nothing runnable, no attempt in flight), no task of theirs is scheduled,
 * and nothing was committed for a short while. Used by the commands that
 * deliver a fact and then let executions move as far as they can.
 */
export function settle(engine: WorkflowEngine, clock: RunClock, ids: readonly string[]): Promise<ExecutionSnapshot[]> {
  const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'timed_out']);
  return new Promise((resolveSettled, reject) => {
    let idleTx = -1;
    let since = 0;
    clock.beforeIdle = () => {
      idleTx = engine.store.headTx;
      since = Date.now();
      return false;
    };
    const want = new Set(ids);
    // A waiter per execution lets the engine report when it is idle.
    for (const id of ids) engine.waitForCompletion(id).catch(() => undefined);
    // Fallback when the engine never reports idle: no commit for two seconds.
    let lastTx = engine.store.headTx;
    let lastChange = Date.now();
    const timer = setInterval(() => {
      const snaps = ids.map((id) => engine.getExecution(id)!);
      const allEnded = snaps.every((s) => TERMINAL.has(s.status));
      if (engine.store.headTx !== lastTx) {
        lastTx = engine.store.headTx;
        lastChange = Date.now();
      }
      if (!allEnded) {
        const idle = idleTx === engine.store.headTx && Date.now() - since >= 150;
        if (!idle && Date.now() - lastChange < 2000) return;
        let busy = false;
        engine.store.head().forEachNodeWithLabel('Task', (k) => void (want.has(k.props.execution as string) && k.props.status === 'scheduled' && (busy = true)));
        if (busy) return;
      }
      clearInterval(timer);
      engine.sync().then(() => resolveSettled(snaps), reject);
    }, 50);
  });
}

/**
 * The clock of `run`: real time, or (`--virtual-clock`) virtual time that
 * jumps to the next timer whenever the engine is idle. Either way, `beforeIdle`
 * runs first when the engine has nothing to do (run uses it to deliver
 * `--event` facts when the execution waits for them; `settle` to notice that
 * executions are waiting).
 */
export class RunClock implements Clock {
  private readonly inner: Clock;
  beforeIdle: () => boolean = () => false;

  constructor(virtual: boolean) {
    this.inner = virtual ? new VirtualClock({ start: Date.now(), autoAdvance: true }) : new SystemClock();
  }

  now(): number {
    return this.inner.now();
  }
  setTimer(atMs: number, fn: () => void): TimerHandle {
    return this.inner.setTimer(atMs, fn);
  }
  clearTimer(handle: TimerHandle): void {
    this.inner.clearTimer(handle);
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.inner.sleep(ms, signal);
  }
  idle(): boolean {
    if (this.beforeIdle()) return true;
    return this.inner.idle?.() ?? false;
  }
}
