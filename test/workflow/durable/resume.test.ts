/**
 * Resuming a store file: sub-workflows across a restart (one child per call,
 * children of parents that no longer wait are cancelled), and deadlines that
 * fell due while the engine was down are applied before `registerWorkflow`
 * returns.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteBackend } from '../../../src/graph/index.ts';
import type { CommitEntry, SnapshotEntry } from '../../../src/graph/index.ts';
import { VirtualClock } from '../../../src/workflow/clock.ts';
import { WorkflowEngine } from '../../../src/workflow/engine/index.ts';
import type { ActivityRegistry } from '../../../src/workflow/activities/index.ts';
import type { Strategy } from '../../../src/workflow/ir/index.ts';
import { act, never, recorder, tempDir, until, workflow } from './_helpers.ts';

const tmp = tempDir('itonami-resume-');
afterAll(() => tmp.cleanup());
let fileNo = 0;
const newFile = (): string => join(tmp.dir, `r${fileNo++}.db`);

/** A SQLite backend that loses every commit after `keepUpTo` (and snapshots): a crash before they were written. */
class Losing extends SqliteBackend {
  keepUpTo = Infinity;
  override append(entry: CommitEntry): void {
    if (entry.tx <= this.keepUpTo) super.append(entry);
  }
  override putSnapshot(s: SnapshotEntry): void {
    if (s.tx <= this.keepUpTo) super.putSnapshot(s);
  }
}

const CHILD = workflow('child', act('slow'));
const call: Strategy = { op: 'subworkflow', workflow_ref: 'child' } as Strategy;
const engine = (backendOrPath: SqliteBackend | string, registry: ActivityRegistry, clock = new VirtualClock({ autoAdvance: true })) => {
  const b = WorkflowEngine.builder().withClock(clock).withActivities(registry);
  return (typeof backendOrPath === 'string' ? b.withStorage(`sqlite:${backendOrPath}`) : b.withBackend(backendOrPath)).build();
};
const children = (e: WorkflowEngine) => e.listExecutions({ workflowId: 'child' });

describe('resuming sub-workflows', () => {
  it('a pending call whose child started before the crash keeps that one child, beside a task of the parent', async () => {
    const path = newFile();
    const backend = new Losing(path);
    const e1 = engine(backend, recorder({ other: never(), slow: never() }).registry);
    const parent = workflow('parent', { op: 'parallel', completion_condition: 'all', branches: [act('other'), call] } as Strategy);
    e1.registerWorkflow(CHILD);
    e1.registerWorkflow(parent);
    // The parent's start and the child's start are written; `subworkflow.started` is lost.
    backend.keepUpTo = e1.store.headTx + 2;
    const id = e1.startWorkflow('parent', {});
    await until(() => children(e1).length === 1);
    await e1.close();
    const r2 = recorder({ other: () => ({}), slow: () => ({}) });
    const e2 = engine(path, r2.registry);
    e2.registerWorkflow(CHILD);
    e2.registerWorkflow(parent);
    expect((await e2.waitForCompletion(id)).status).toBe('completed');
    expect(children(e2).map((c) => c.status)).toEqual(['completed']);
    expect(r2.calls.filter((c) => c.name === 'slow')).toHaveLength(1);
    expect(e2.getEventHistory(id).filter((e) => e.type === 'SubworkflowStarted')).toHaveLength(1);
    await e2.close();
  });

  it('a child whose parent was cancelled, with the child cancel lost in the crash, is cancelled on resume without running again', async () => {
    const path = newFile();
    const backend = new Losing(path);
    const e1 = engine(backend, recorder({ slow: never() }).registry);
    e1.registerWorkflow(CHILD);
    const id = e1.startWorkflow(workflow('parent', call), {});
    await until(() => children(e1).length === 1);
    backend.keepUpTo = e1.store.headTx + 1;
    e1.cancel(id);
    await e1.close();
    const r2 = recorder({ slow: () => ({}) });
    const e2 = engine(path, r2.registry);
    e2.registerWorkflow(workflow('parent', call));
    e2.registerWorkflow(CHILD);
    expect(e2.getExecution(id)?.status).toBe('cancelled');
    expect(children(e2).map((c) => c.status)).toEqual(['cancelled']);
    expect(r2.calls).toEqual([]);
    await e2.close();
  });

  it('a parent that ends while its child workflow is not registered yet: it ends cleanly, and the child is cancelled once registered', async () => {
    const path = newFile();
    const parent = workflow('parent', { op: 'parallel', completion_condition: 'any', branches: [act('other'), call] } as Strategy);
    const e1 = engine(path, recorder({ other: never(), slow: never() }).registry);
    e1.registerWorkflow(CHILD);
    const id = e1.startWorkflow(parent, {});
    await until(() => children(e1).length === 1);
    await e1.close();
    const r2 = recorder({ other: () => ({}), slow: () => ({}) });
    const e2 = engine(path, r2.registry);
    e2.registerWorkflow(parent);
    expect((await e2.waitForCompletion(id)).status).toBe('completed');
    expect(children(e2).map((c) => c.status)).toEqual(['running']);
    e2.registerWorkflow(CHILD);
    expect(children(e2).map((c) => c.status)).toEqual(['cancelled']);
    expect(r2.calls.map((c) => c.name)).toEqual(['other']);
    await e2.close();
  });
});

describe('deadlines that fell due while the engine was down', () => {
  it("are applied before registerWorkflow returns: a signal sent right after does not beat the wait's timeout", async () => {
    const path = newFile();
    const wf = workflow('w', { op: 'seq', strategies: [{ op: 'wait', name: 'go', condition: { type: 'signal', signal_name: 's1' }, timeout: 'PT1M' }, act('after')] } as Strategy);
    const e1 = engine(path, recorder({ after: () => ({}) }).registry, new VirtualClock());
    e1.registerWorkflow(wf);
    const id = e1.startWorkflow('w', {});
    await e1.close();
    const e2 = engine(path, recorder({ after: () => ({}) }).registry, new VirtualClock({ start: 3_600_000 }));
    e2.registerWorkflow(wf);
    expect(e2.getEventHistory(id).map((e) => e.type)).toContain('WaitTimedOut');
    e2.signal(id, 's1', { late: true });
    expect(e2.getEventHistory(id).filter((e) => e.type === 'SignalReceived' && e.waitId !== null)).toEqual([]);
    await e2.close();
  });

  it('the workflow timeout too', async () => {
    const path = newFile();
    const wf = workflow('w', { op: 'wait', condition: { type: 'signal', signal_name: 's1' } } as Strategy, { timeout: 'PT10M' });
    const e1 = engine(path, recorder({}).registry, new VirtualClock());
    e1.registerWorkflow(wf);
    const id = e1.startWorkflow('w', {});
    await e1.close();
    const e2 = engine(path, recorder({}).registry, new VirtualClock({ start: 3_600_000 }));
    e2.registerWorkflow(wf);
    expect(e2.getExecution(id)?.status).toBe('timed_out');
    expect(e2.signal(id, 's1', {})).toBe(false);
    await e2.close();
  });
});
