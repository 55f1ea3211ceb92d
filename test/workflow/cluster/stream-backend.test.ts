/** A stream's group-commit batches report the executions that ended in them (no PostgreSQL: the group commit is a stub). */
import { describe, expect, it } from 'vitest';
import { StreamBackend } from '../../../src/workflow/cluster/_internals/stream-backend.ts';
import type { StreamBatch } from '../../../src/workflow/cluster/_internals/stream-backend.ts';
import { ActivityRegistry, FunctionActivity, VirtualClock, WorkflowEngine, validateWorkflow } from '../../../src/workflow/index.ts';
import type { Strategy } from '../../../src/workflow/index.ts';

/** Runs `strategy` on a stream whose group commit takes each batch at once and calls it durable. */
async function terminalsOf(strategy: Strategy): Promise<StreamBatch['terminals'][number][]> {
  const batches: StreamBatch[] = [];
  const group = {
    schedule(b: StreamBackend): void {
      queueMicrotask(() => {
        const batch = b.takeBatch();
        batches.push(batch);
        for (const w of batch.waiters) w.resolve();
      });
    },
  };
  const backend = new StreamBackend('s1', 1, group);
  const activities = new ActivityRegistry().register(new FunctionActivity('noop', () => ({})));
  const engine = WorkflowEngine.builder().withBackend(backend).withActivities(activities).withClock(new VirtualClock({ autoAdvance: true })).withSnapshots({ every: 0 }).build();
  const id = engine.startWorkflow(validateWorkflow({ id: 'wf', name: 'wf', version: '1', inputs: [], outputs: [], strategy }), {});
  backend.mapExecution('C1', id, true);
  expect((await engine.waitForCompletion(id)).status).toBe('completed');
  await engine.close();
  return batches.flatMap((b) => b.terminals);
}

describe('StreamBackend batches', () => {
  it('report an execution that ends in the commit that started it (its net change is one addNode)', async () => {
    // A decision whose only condition is false, with no default, completes at once.
    const strategy = { op: 'decision', conditions: [{ condition: 'false', branch: { op: 'activity', activity_ref: 'noop' } }] } as Strategy;
    expect(await terminalsOf(strategy)).toEqual([{ executionId: 'C1', status: 'completed', outputs: {}, error: null }]);
  });

  it('report an execution that ends in a later commit, once', async () => {
    const strategy = { op: 'activity', activity_ref: 'noop' } as Strategy;
    expect(await terminalsOf(strategy)).toEqual([{ executionId: 'C1', status: 'completed', outputs: {}, error: null }]);
  });
});
