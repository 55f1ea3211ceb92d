import { describe, expect, it } from 'vitest';
import { activitySummary } from '../../src/cli/events-view.ts';
import { act, never, ok, runOnce } from '../workflow/engine/_helpers.ts';
import type { Strategy } from '../../src/workflow/ir/index.ts';

describe('activitySummary (status, progress)', () => {
  it('a Task the graph dropped without an outcome counts as cancelled, not running', async () => {
    const par = { op: 'parallel', completion_condition: 'any', branches: [act('a'), act('b')] } as Strategy;
    const { engine, id, done } = await runOnce(par, { a: ok(), b: never() });
    expect(done.status).toBe('completed');
    const head = engine.store.head();
    expect(activitySummary(engine.getEventHistory(id), (task) => head.hasNode(task))).toEqual({ scheduled: 2, running: [], done: 1, retries: 0, failed: 0, cancelled: 1 });
  });
});
