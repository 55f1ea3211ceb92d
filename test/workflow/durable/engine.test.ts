/**
 * The engine on a durable SQLite store: effects wait for durability, an
 * existing file is resumed (tasks re-run with the same idempotency key and the
 * next attempt, due timers fire, waits keep waiting), snapshot retention keeps
 * exactly the TxIds docs/durability.md promises, corruption is reported.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryBackend, SqliteBackend } from '../../../src/graph/index.ts';
import type { Backend, CommitEntry, SnapshotEntry } from '../../../src/graph/index.ts';
import { VirtualClock } from '../../../src/workflow/clock.ts';
import { WorkflowEngine } from '../../../src/workflow/engine/index.ts';
import type { ActivityRegistry } from '../../../src/workflow/activities/index.ts';
import { validateWorkflow } from '../../../src/workflow/ir/index.ts';
import { act, failFirst, never, recorder, tempDir, until, workflow } from './_helpers.ts';
import type { Behaviour } from './_helpers.ts';
import { countingSqlite } from '../../graph/fixtures/counting-backend.ts';

const tmp = tempDir('itonami-durable-');
afterAll(() => tmp.cleanup());
let fileNo = 0;
const newFile = (): string => join(tmp.dir, `e${fileNo++}.db`);

const inc: Behaviour = (input) => ({ v: (input.v as number) + 1 });
const SEQ3 = workflow(
  'seq3',
  {
    op: 'seq',
    strategies: [
      act('inc', { name: 'a', input_mapping: { v: '$.inputs.n' } }),
      act('slow', { name: 'b', input_mapping: { v: '$.steps.a.output.v' } }),
      act('inc', { name: 'c', input_mapping: { v: '$.steps.b.output.v' } }),
    ],
  },
  { inputs: [{ name: 'n', type: 'number', required: true }], outputs: [{ name: 'v', type: 'number' }] },
);

function sqliteEngine(path: string, registry: ActivityRegistry, clock = new VirtualClock({ autoAdvance: true }), snapshots?: Parameters<ReturnType<typeof WorkflowEngine.builder>['withSnapshots']>[0]) {
  let b = WorkflowEngine.builder().withStorage(`sqlite:${path}`).withClock(clock).withActivities(registry);
  if (snapshots) b = b.withSnapshots(snapshots);
  return b.build();
}

describe('withStorage("sqlite:<path>")', () => {
  it('refuses unknown storage specs with UNSUPPORTED_STORAGE', () => {
    for (const spec of ['postgres:x', 'sqlite:', 'disk']) {
      expect(() => WorkflowEngine.builder().withStorage(spec)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_STORAGE' }));
    }
    // The distributed mode has its own (asynchronous) builder; the error says where to go.
    expect(() => WorkflowEngine.builder().withStorage('postgres:postgres://h/db')).toThrow(/DistributedEngine\.builder\(\)/);
    expect(() => WorkflowEngine.builder().withSnapshots({ every: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('runs a workflow and finds it again, with its history, after reopening', async () => {
    const path = newFile();
    const r1 = recorder({ inc, slow: inc });
    const e1 = sqliteEngine(path, r1.registry);
    e1.registerWorkflow(SEQ3);
    const id = e1.startWorkflow('seq3', { n: 1 });
    const done = await e1.waitForCompletion(id);
    expect(done.status).toBe('completed');
    expect(done.outputs).toEqual({ v: 4 });
    const events = e1.getEventHistory(id).map((e) => e.type);
    const cid = e1.createSnapshot().cid;
    await e1.close();

    const r2 = recorder({ inc, slow: inc });
    const e2 = sqliteEngine(path, r2.registry);
    expect(e2.store.cid().toString()).toBe(cid);
    expect(e2.getExecution(id)).toMatchObject({ status: 'completed', outputs: { v: 4 } });
    expect(e2.getEventHistory(id).map((e) => e.type)).toEqual(events);
    e2.registerWorkflow(SEQ3);
    await e2.waitForCompletion(id);
    expect(r2.calls).toEqual([]); // a completed activity never runs again
    expect(e2.verifyReplay()).toBe(e2.store.headTx);
    await e2.close();
  });
});

describe('a workflow edited without a new version', () => {
  it('is refused with WORKFLOW_CHANGED after reopening the store (the stored program would run); the same definition again is a no-op', async () => {
    const path = newFile();
    const wf = (ref: string) => workflow('edited', act(ref), { outputs: [{ name: 'v', type: 'string' }] });
    const r = recorder({ old_step: () => ({ v: 'old' }), new_step: () => ({ v: 'new' }) });
    const e1 = sqliteEngine(path, r.registry);
    e1.registerWorkflow(wf('old_step'));
    expect((await e1.waitForCompletion(e1.startWorkflow('edited', {}))).outputs).toEqual({ v: 'old' });
    await e1.close();

    const e2 = sqliteEngine(path, r.registry);
    const head = e2.store.headTx;
    let err: unknown;
    try {
      e2.registerWorkflow(wf('new_step'));
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'WORKFLOW_CHANGED', name: 'EngineError' });
    expect((err as Error).message).toMatch(/"edited@1".*step strategy: "activity_ref", "name" differ.*bump its "version"/);
    expect(() => e2.startWorkflow('edited', {})).toThrow(expect.objectContaining({ code: 'UNKNOWN_WORKFLOW' }));
    // The identical definition (a fresh object, as a reloaded file gives) registers and writes nothing.
    expect(e2.registerWorkflow(wf('old_step'))).toBe('edited@1');
    expect(e2.store.headTx).toBe(head);
    expect((await e2.waitForCompletion(e2.startWorkflow('edited', {}))).outputs).toEqual({ v: 'old' });
    await e2.close();
  });

  it('is refused in the same engine too, for a change in inputs, structure or a step property', () => {
    const e = WorkflowEngine.builder().withClock(new VirtualClock({ autoAdvance: true })).build();
    const base = workflow('w', { op: 'seq', strategies: [act('a'), act('b')] });
    e.registerWorkflow(base);
    expect(e.registerWorkflow(workflow('w', { op: 'seq', strategies: [act('a'), act('b')] }))).toBe('w@1');
    const edits = [
      workflow('w', { op: 'seq', strategies: [act('a'), act('b')] }, { inputs: [{ name: 'x', type: 'string' }] }),
      workflow('w', { op: 'seq', strategies: [act('a')] }),
      workflow('w', { op: 'seq', strategies: [act('a'), act('b'), act('c')] }),
      workflow('w', { op: 'seq', strategies: [act('a'), act('b', { timeout: 'PT5S' })] }),
      workflow('w', { op: 'parallel', completion_condition: 'all', branches: [act('a'), act('b')] }),
    ];
    for (const ir of edits) expect(() => e.registerWorkflow(ir)).toThrow(expect.objectContaining({ code: 'WORKFLOW_CHANGED' }));
    // A new version is a new workflow.
    expect(e.registerWorkflow(validateWorkflow({ ...edits[1], version: '2' }))).toBe('w@2');
  });
});

/** A memory backend that says it is durable, whose sync() resolves only when the test opens the gate. */
class GatedBackend implements Backend {
  readonly name = 'gated';
  readonly persistent = true;
  private readonly inner = new MemoryBackend();
  private gates: { resolve(): void; reject(e: unknown): void }[] = [];
  open = false;
  append(entry: CommitEntry): void {
    this.inner.append(entry);
  }
  sync(): Promise<void> {
    if (this.open) return Promise.resolve();
    return new Promise((resolve, reject) => this.gates.push({ resolve, reject }));
  }
  release(): void {
    const g = this.gates;
    this.gates = [];
    for (const x of g) x.resolve();
  }
  /** The writes waited on fail (a disk error). */
  failWrites(err: unknown): void {
    const g = this.gates;
    this.gates = [];
    for (const x of g) x.reject(err);
  }
  readCommits(fromTx: number): Iterable<CommitEntry> {
    return this.inner.readCommits(fromTx);
  }
  putBlock(digest: string, bytes: Uint8Array): void {
    this.inner.putBlock(digest, bytes);
  }
  getBlock(digest: string): Uint8Array | undefined {
    return this.inner.getBlock(digest);
  }
  putSnapshot(s: SnapshotEntry): void {
    this.inner.putSnapshot(s);
  }
  snapshots(): SnapshotEntry[] {
    return this.inner.snapshots();
  }
  prune(tx: number, log: boolean): void {
    this.inner.prune(tx);
    void log;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('effects wait for durability', () => {
  it("after reopening, an execution's events are found by the log's tag index: the same events, without reading the other executions' commits", async () => {
    const path = newFile();
    const r1 = recorder({ inc, slow: inc });
    // A snapshot at every commit: the versions the events read are loaded from blocks, so what is read from the log is the index's doing.
    const e1 = sqliteEngine(path, r1.registry, undefined, { every: 1 });
    e1.registerWorkflow(SEQ3);
    const ids = Array.from({ length: 30 }, (_, n) => e1.startWorkflow('seq3', { n }));
    for (const id of ids) await e1.waitForCompletion(id);
    const events = ids.map((id) => JSON.stringify(e1.getEventHistory(id)));
    await e1.close();
    const { Counting, count } = countingSqlite();
    const e2 = WorkflowEngine.builder().withBackend(new Counting(path)).withSnapshots({ every: 1 }).withClock(new VirtualClock({ autoAdvance: true })).withActivities(recorder({ inc, slow: inc }).registry).build();
    e2.registerWorkflow(SEQ3);
    count.read = 0;
    expect(JSON.stringify(e2.getEventHistory(ids[29]))).toBe(events[29]);
    // Its 4 commits: each commit's entry (one read), and each version from its snapshot (a read or two each); the whole log is 120 commits.
    expect(count.read).toBeLessThanOrEqual(16);
    for (let i = 0; i < ids.length; i += 7) expect(JSON.stringify(e2.getEventHistory(ids[i]))).toBe(events[i]);
    await e2.close();
  });

  it('runs no attempt and reports no completion before the commit that asked for it is durable', async () => {
    const backend = new GatedBackend();
    const r = recorder({ inc, slow: inc });
    const engine = WorkflowEngine.builder().withBackend(backend).withClock(new VirtualClock()).withActivities(r.registry).build();
    engine.registerWorkflow(SEQ3);
    const id = engine.startWorkflow('seq3', { n: 1 });
    let ended = false;
    void engine.waitForCompletion(id).then(() => (ended = true));
    for (let step = 0; step < 3; step++) {
      await new Promise((res) => setTimeout(res, 10));
      expect(r.calls.length).toBe(step); // the scheduling commit is not durable yet
      backend.release();
      await until(() => r.calls.length === step + 1);
    }
    await new Promise((res) => setTimeout(res, 10));
    expect(engine.getExecution(id)!.status).toBe('completed');
    expect(ended).toBe(false); // completed in the graph, not yet on disk
    backend.release();
    await until(() => ended);
    backend.open = true;
    await engine.close();
  });

  /** Runs SEQ3 until its end is in the graph, the commit that made it not yet written. */
  async function endedNotWritten(): Promise<{ backend: GatedBackend; engine: WorkflowEngine; id: string }> {
    const backend = new GatedBackend();
    const engine = WorkflowEngine.builder().withBackend(backend).withClock(new VirtualClock()).withActivities(recorder({ inc, slow: inc }).registry).build();
    engine.registerWorkflow(SEQ3);
    const id = engine.startWorkflow('seq3', { n: 1 });
    while (engine.getExecution(id)!.status === 'running') {
      backend.release();
      await new Promise((res) => setTimeout(res, 5));
    }
    return { backend, engine, id };
  }

  it('a waitForCompletion whose ending commit cannot be written rejects with the storage error, as does every later one', async () => {
    const { backend, engine, id } = await endedNotWritten();
    const waiting = engine.waitForCompletion(id);
    const disk = new Error('disk I/O error (injected)');
    backend.failWrites(disk);
    await expect(waiting).rejects.toBe(disk);
    await expect(engine.waitForCompletion(id)).rejects.toBe(disk);
    backend.open = true;
    await engine.close().catch(() => undefined);
  });

  it('close settles every waitForCompletion: an end being written resolves once written, a running execution rejects with ENGINE_CLOSED', async () => {
    const { backend, engine, id } = await endedNotWritten();
    const ending = engine.waitForCompletion(id);
    const other = engine.startWorkflow('seq3', { n: 2 });
    const running = engine.waitForCompletion(other);
    const closed = engine.close();
    await expect(running).rejects.toMatchObject({ code: 'ENGINE_CLOSED' });
    backend.release();
    await expect(ending).resolves.toMatchObject({ status: 'completed' });
    await closed;
    await expect(engine.waitForCompletion(other)).rejects.toMatchObject({ code: 'ENGINE_CLOSED' });
  });
});

describe('resuming an existing file', () => {
  it('re-runs an interrupted attempt with the same idempotency key and the next attempt number; completed ones never again', async () => {
    const path = newFile();
    const r1 = recorder({ inc, slow: never() });
    const e1 = sqliteEngine(path, r1.registry);
    e1.registerWorkflow(SEQ3);
    const ids = [e1.startWorkflow('seq3', { n: 1 }), e1.startWorkflow('seq3', { n: 10 })];
    await until(() => r1.calls.filter((c) => c.name === 'slow').length === 2);
    await e1.close(); // like a crash: the attempts of `slow` never reported

    for (let restart = 0; restart < 2; restart++) {
      // a second restart while the attempt hangs again: attempt numbers keep growing
      const r = recorder({ inc, slow: restart === 0 ? never() : inc });
      const e = sqliteEngine(path, r.registry);
      expect(e.getExecution(ids[0])!.status).toBe('running');
      e.registerWorkflow(SEQ3);
      if (restart === 0) {
        await until(() => r.calls.length === 2);
        for (const c of r.calls) {
          const first = r1.calls.find((x) => x.name === 'slow' && x.executionId === c.executionId)!;
          expect(c.idempotencyKey).toBe(first.idempotencyKey);
          expect(c.attempt).toBe(2);
        }
        await e.close();
        continue;
      }
      const done = await Promise.all(ids.map((id) => e.waitForCompletion(id)));
      expect(done.map((d) => [d.status, d.outputs])).toEqual([
        ['completed', { v: 4 }],
        ['completed', { v: 13 }],
      ]);
      expect(r.calls.filter((c) => c.name === 'slow').map((c) => c.attempt)).toEqual([3, 3]);
      expect(r.calls.filter((c) => c.name === 'inc').length).toBe(2); // step c only: step a completed before the crash
      const events = e.getEventHistory(ids[0]).filter((x) => x.type === 'ActivityCompleted');
      expect(events.length).toBe(3);
      expect(e.verifyReplay()).toBe(e.store.headTx);
      await e.close();
    }
  });

  it('fires timers that fell due while the process was down, and re-arms retry back-offs', async () => {
    const path = newFile();
    const wf = workflow('timed', {
      op: 'seq',
      strategies: [
        { op: 'wait', condition: { type: 'timer', duration: 'PT10S' } },
        act('flaky', { name: 'f', retry_policy: { initial_interval: 'PT30S', backoff_coefficient: 1, maximum_interval: 'PT30S', maximum_attempts: 3 } }),
      ],
    } as never);
    const r1 = recorder({ flaky: failFirst('BOOM') });
    const e1 = sqliteEngine(path, r1.registry, new VirtualClock({ start: 1_000 }));
    e1.registerWorkflow(wf);
    const id = e1.startWorkflow('timed');
    await e1.sync();
    await e1.close();

    // Down for 20 s: the timer (due at 11 s) fires on start, the attempt fails and backs off 30 s.
    const clock2 = new VirtualClock({ start: 21_000 });
    const r2 = recorder({ flaky: failFirst('BOOM') });
    const e2 = sqliteEngine(path, r2.registry, clock2);
    e2.registerWorkflow(wf);
    clock2.advance(0);
    await until(() => e2.getEventHistory(id).some((x) => x.type === 'ActivityFailed'));
    expect(e2.getEventHistory(id).map((x) => x.type)).toContain('TimerFired');
    expect(r2.calls.map((c) => c.attempt)).toEqual([1]);
    await e2.close();

    // Down past the back-off: the retry fires on start and completes.
    const clock3 = new VirtualClock({ start: 100_000 });
    const r3 = recorder({ flaky: failFirst('BOOM') });
    const e3 = sqliteEngine(path, r3.registry, clock3);
    e3.registerWorkflow(wf);
    clock3.advance(0);
    const done = await e3.waitForCompletion(id);
    expect(done.status).toBe('completed');
    expect(r3.calls.map((c) => c.attempt)).toEqual([2]);
    await e3.close();
  });

  it('a workflow timeout that fired before the restart is not armed again: the saga finishes compensating', async () => {
    const path = newFile();
    const wait = (duration: string) => ({ op: 'wait', condition: { type: 'timer', duration } });
    // The compensation flow waits 20 minutes, past the restart.
    const wf = workflow('timed_saga', {
      op: 'saga',
      main_flow: { op: 'seq', strategies: [act('a', { compensate: 'ua' }), wait('PT1H')] },
      compensation: { op: 'seq', strategies: [wait('PT20M'), act('c1')] },
    } as never, { timeout: 'PT10M' });
    const ok: Behaviour = () => ({});
    const clock1 = new VirtualClock();
    const r1 = recorder({ a: ok, ua: ok, c1: ok });
    const e1 = sqliteEngine(path, r1.registry, clock1);
    e1.registerWorkflow(wf);
    const id = e1.startWorkflow('timed_saga');
    await until(() => r1.calls.length === 1);
    clock1.advance(600_000);
    await until(() => r1.calls.length === 2);
    await e1.sync();
    await e1.close();

    const r2 = recorder({ a: ok, ua: ok, c1: ok });
    const e2 = sqliteEngine(path, r2.registry, new VirtualClock({ start: 600_000, autoAdvance: true }));
    e2.registerWorkflow(wf);
    const done = await e2.waitForCompletion(id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'WORKFLOW_TIMEOUT', compensated: true });
    expect(r2.calls.map((c) => c.name)).toEqual(['c1']);
    expect(e2.verifyReplay()).toBe(e2.store.headTx);
    await e2.close();
  });

  it('a broadcast event skips the executions of workflows not registered yet (no partial delivery, no error)', async () => {
    const path = newFile();
    const waitE = { op: 'wait', name: 'ev', condition: { type: 'event', event_type: 'price_changed' } } as never;
    const current = workflow('current', waitE);
    const retired = workflow('retired', waitE);
    const e1 = sqliteEngine(path, recorder({}).registry, new VirtualClock());
    e1.registerWorkflow(retired);
    const old = e1.startWorkflow('retired');
    e1.registerWorkflow(current);
    const cur = e1.startWorkflow('current');
    await e1.close();

    const e2 = sqliteEngine(path, recorder({}).registry, new VirtualClock());
    e2.registerWorkflow(current);
    expect(e2.sendEvent('price_changed', { p: 1 })).toBe(1);
    expect((await e2.waitForCompletion(cur)).steps).toEqual({ ev: { output: { p: 1 }, seq: 1 } });
    expect(e2.getExecution(old)!.status).toBe('running');
    // Addressed to one execution, an unregistered workflow is an error.
    expect(() => e2.sendEvent('price_changed', { p: 2 }, { execution: old })).toThrow(expect.objectContaining({ code: 'UNKNOWN_WORKFLOW' }));
    e2.registerWorkflow(retired);
    expect(e2.sendEvent('price_changed', { p: 3 })).toBe(1);
    expect((await e2.waitForCompletion(old)).steps).toEqual({ ev: { output: { p: 3 }, seq: 1 } });
    expect(e2.verifyReplay()).toBe(e2.store.headTx);
    await e2.close();
  });

  it('keeps waits for signals and events waiting; they complete after the restart', async () => {
    const path = newFile();
    const wf = workflow('waits', {
      op: 'seq',
      strategies: [
        { op: 'wait', name: 'approval', condition: { type: 'signal', signal_name: 'approve' } },
        { op: 'wait', name: 'paid', condition: { type: 'event', event_type: 'payment', filter: { order: '$.inputs.order' } } },
      ],
    } as never, { inputs: [{ name: 'order', type: 'string', required: true }], outputs: [] });
    const e1 = sqliteEngine(path, recorder({}).registry, new VirtualClock());
    e1.registerWorkflow(wf);
    const id = e1.startWorkflow('waits', { order: 'o-1' });
    await e1.close();

    const e2 = sqliteEngine(path, recorder({}).registry, new VirtualClock());
    // Before the workflow is registered again, its executions cannot move.
    expect(() => e2.signal(id, 'approve', { ok: true })).toThrow(expect.objectContaining({ code: 'UNKNOWN_WORKFLOW' }));
    e2.registerWorkflow(wf);
    expect(e2.getExecution(id)!.status).toBe('running');
    expect(e2.signal(id, 'approve', { ok: true })).toBe(true);
    await e2.close();

    const e3 = sqliteEngine(path, recorder({}).registry, new VirtualClock());
    e3.registerWorkflow(wf);
    expect(e3.sendEvent('payment', { order: 'o-2' })).toBe(0);
    expect(e3.sendEvent('payment', { order: 'o-1', amount: 5 })).toBe(1);
    const done = await e3.waitForCompletion(id);
    expect(done.status).toBe('completed');
    expect(done.steps).toEqual({ approval: { output: { ok: true }, seq: 1 }, paid: { output: { order: 'o-1', amount: 5 }, seq: 2 } });
    await e3.close();
  });
});

describe('snapshots and retention (the promise of docs/durability.md)', () => {
  async function fill(path: string, snapshots: Parameters<ReturnType<typeof WorkflowEngine.builder>['withSnapshots']>[0], workflows: number) {
    const e = sqliteEngine(path, recorder({ inc, slow: inc }).registry, new VirtualClock({ autoAdvance: true }), snapshots);
    e.registerWorkflow(SEQ3);
    for (let i = 0; i < workflows; i++) await e.waitForCompletion(e.startWorkflow('seq3', { n: i }));
    const cids = new Map<number, string>();
    // In the process that made them, the same TxIds are readable as after reopening (it keeps only those since its latest snapshot in memory).
    for (let tx = 0; tx <= e.store.headTx; tx++) {
      if (tx >= e.store.oldestTx) cids.set(tx, e.store.cid(tx).toString());
      else expect(() => e.store.at(tx)).toThrow(expect.objectContaining({ code: 'TX_NOT_FOUND' }));
    }
    await e.close();
    return cids;
  }

  it('a running engine keeps only the history since its latest snapshot in memory; older executions read the same from the file', async () => {
    const e = sqliteEngine(newFile(), recorder({ inc, slow: inc }).registry, new VirtualClock({ autoAdvance: true }), { every: 10 });
    e.registerWorkflow(SEQ3);
    const first = e.startWorkflow('seq3', { n: 7 });
    await e.waitForCompletion(first);
    const txs = e.getExecutionHistory(first).map((x) => x.tx);
    const read = () => ({
      events: JSON.stringify(e.getEventHistory(first)),
      history: JSON.stringify(e.getExecutionHistory(first)),
      atEachTx: JSON.stringify(txs.map((tx) => e.getExecutionAtTx(first, tx))),
      cids: txs.map((tx) => e.store.cid(tx).toString()),
    });
    const inMemory = read();
    expect(e.store.inMemoryFrom).toBeLessThanOrEqual(txs[0]);
    for (let i = 0; i < 10; i++) await e.waitForCompletion(e.startWorkflow('seq3', { n: i }));
    // 1 + 11 * 4 = 45 commits, snapshots at 10, 20, 30, 40: the first execution's commits (2..5) are read back from the file.
    expect(e.store.inMemoryFrom).toBe(40);
    expect(read()).toEqual(inMemory);
    await e.close();
    // inMemory 'all': every commit stays in memory (and memory grows with each).
    const all = sqliteEngine(newFile(), recorder({ inc, slow: inc }).registry, new VirtualClock({ autoAdvance: true }), { every: 10, inMemory: 'all' });
    all.registerWorkflow(SEQ3);
    for (let i = 0; i < 11; i++) await all.waitForCompletion(all.startWorkflow('seq3', { n: i }));
    expect(all.store.inMemoryFrom).toBe(0);
    await all.close();
    expect(() => WorkflowEngine.builder().withSnapshots({ inMemory: 'some' as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => WorkflowEngine.builder().withStorage('memory').withSnapshots({ inMemory: 'since-snapshot' }).build()).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/needs a durable store/) }));
  });

  it('log "all" (default): every TxId from 0 to the head stays readable after reopening', async () => {
    const path = newFile();
    const cids = await fill(path, { every: 10, retention: { snapshots: 1 } }, 14); // 1 + 14 * 4 = 57 commits
    const e = sqliteEngine(path, recorder({}).registry);
    expect(e.store.headTx).toBe(57);
    expect(e.store.oldestTx).toBe(0);
    for (const [tx, cid] of cids) expect(e.store.cid(tx).toString()).toBe(cid);
    await e.close();
  });

  it('log "since-oldest-snapshot" with K snapshots: exactly the TxIds from the K-th latest snapshot on', async () => {
    const path = newFile();
    const settings = { every: 10, retention: { snapshots: 2, log: 'since-oldest-snapshot' as const } };
    const cids = await fill(path, settings, 14);
    // Opened without the settings, the pruned TxIds are still refused, never rebuilt wrong.
    const plain = sqliteEngine(path, recorder({}).registry);
    expect(() => plain.store.at(39)).toThrow(expect.objectContaining({ code: 'TX_NOT_FOUND' }));
    expect(plain.store.cid(40).toString()).toBe(cids.get(40));
    await plain.close();
    const e = sqliteEngine(path, recorder({}).registry, new VirtualClock(), settings);
    // Snapshots at 10, 20, 30, 40, 50; the two latest are kept: TxIds 40..57 are readable, 0..39 are not (nor were they in the process that made them).
    expect(e.store.oldestTx).toBe(40);
    expect([...cids.keys()]).toEqual(Array.from({ length: 18 }, (_, i) => 40 + i));
    for (let tx = 0; tx <= 57; tx++) {
      if (tx >= 40) expect(e.store.cid(tx).toString()).toBe(cids.get(tx));
      else expect(() => e.store.at(tx)).toThrow(expect.objectContaining({ code: 'TX_NOT_FOUND' }));
    }
    await e.close();
  });

  it('every: 0 never snapshots: the head is restored from the whole log', async () => {
    const path = newFile();
    const cids = await fill(path, { every: 0 }, 3);
    const e = sqliteEngine(path, recorder({}).registry);
    expect(e.store.cid().toString()).toBe(cids.get(e.store.headTx));
    expect(e.store.oldestTx).toBe(0);
    await e.close();
  });
});

describe('corruption', () => {
  async function made(): Promise<string> {
    const path = newFile();
    const e = sqliteEngine(path, recorder({ inc, slow: inc }).registry, new VirtualClock({ autoAdvance: true }), { every: 5 });
    e.registerWorkflow(SEQ3);
    for (let i = 0; i < 5; i++) await e.waitForCompletion(e.startWorkflow('seq3', { n: i }));
    await e.close();
    return path;
  }

  it('a block with flipped bytes is a CORRUPT_BLOCK error naming the block, never a wrong graph', async () => {
    const path = await made();
    const b = new SqliteBackend(path);
    const root = b.snapshots().at(-1)!.root;
    await b.close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path);
    const row = db.prepare('SELECT bytes FROM blocks WHERE digest = ?').get(Buffer.from(root, 'latin1')) as { bytes: Buffer };
    const bytes = Buffer.from(row.bytes);
    bytes[bytes.length >> 1] ^= 0xff;
    db.prepare('UPDATE blocks SET bytes = ? WHERE digest = ?').run(bytes, Buffer.from(root, 'latin1'));
    db.close();
    const hex = Buffer.from(root, 'latin1').toString('hex');
    expect(() => sqliteEngine(path, recorder({}).registry)).toThrow(expect.objectContaining({ code: 'CORRUPT_BLOCK', message: expect.stringContaining(hex) }));
  });

  it('a truncated file is a corruption error naming the file, never a wrong graph', async () => {
    const path = await made();
    const { statSync, truncateSync } = await import('node:fs');
    truncateSync(path, Math.floor(statSync(path).size / 2));
    let error: unknown;
    try {
      const e = sqliteEngine(path, recorder({}).registry);
      await e.close();
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'CORRUPT_BLOCK', message: expect.stringContaining(path) });
  });
});

describe('sub-workflows across a restart', () => {
  it('reconnects a parent to its child, whichever workflow is registered first', async () => {
    const path = newFile();
    const childWf = workflow('child', act('slow', { name: 's', input_mapping: { v: '$.inputs.v' } }), { inputs: [{ name: 'v', type: 'number', required: true }], outputs: [{ name: 'v', type: 'number' }] });
    const parentWf = workflow('parent', { op: 'subworkflow', name: 'sub', workflow_ref: 'child', input_mapping: { v: 41 } } as never, { outputs: [{ name: 'v', type: 'number' }] });
    const r1 = recorder({ slow: never() });
    const e1 = sqliteEngine(path, r1.registry, new VirtualClock());
    e1.registerWorkflow(childWf);
    e1.registerWorkflow(parentWf);
    const id = e1.startWorkflow('parent');
    await until(() => r1.calls.length === 1);
    await e1.close();

    const r2 = recorder({ slow: inc });
    const e2 = sqliteEngine(path, r2.registry, new VirtualClock());
    e2.registerWorkflow(parentWf); // the parent first: its call waits for the child's workflow
    e2.registerWorkflow(childWf);
    const done = await e2.waitForCompletion(id);
    expect(done.status).toBe('completed');
    expect(done.steps).toEqual({ sub: { output: { v: 42 }, seq: 1 } });
    expect(r2.calls.map((c) => [c.attempt, c.idempotencyKey])).toEqual([[2, r1.calls[0].idempotencyKey]]);
    expect(e2.listExecutions({ workflowId: 'child' }).length).toBe(1);
    await e2.close();
  });
});
