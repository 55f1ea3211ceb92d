import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/workflow/clock.ts';
import { loadWorkflowFile } from '../../../src/workflow/ir/index.ts';
import { WorkflowEngine } from '../../../src/workflow/engine/index.ts';
import { simpleSequenceActivities } from '../../../examples/activities/simple-sequence.ts';

const SEED = fileURLToPath(new URL('../../../../shared/seed-workflows/simple_sequence.kotoba', import.meta.url));
const INPUTS = { username: 'ada', email: 'ada@example.org', password: 'correct horse' };

describe('simple_sequence.kotoba', () => {
  it('runs to completion with a virtual clock', async () => {
    const ir = await loadWorkflowFile(SEED);
    const { registry, calls } = simpleSequenceActivities();
    const engine = WorkflowEngine.builder().withStorage('memory').withClock(new VirtualClock({ autoAdvance: true })).withActivities(registry).build();
    engine.registerWorkflow(ir);
    const id = engine.startWorkflow('user_registration', INPUTS);
    const done = await engine.waitForCompletion(id);
    expect(done.status).toBe('completed');
    expect(calls.map((c) => c.name)).toEqual(['validate_user_data', 'check_username_availability', 'create_user_account', 'send_welcome_email']);
    expect(calls[0].input).toEqual(INPUTS);
    expect(calls[1].input).toEqual({ username: 'ada' });
    expect(done.steps.create_user_account).toEqual({ output: { userId: 'user-ada', createdAt: 0 }, seq: 3 });
    expect(done.outputs).toEqual({ userId: 'user-ada', registrationComplete: true });
    expect(done.tokens).toEqual([]);
    const types = engine.getEventHistory(id).map((e) => e.type);
    expect(types[0]).toBe('WorkflowStarted');
    expect(types.at(-1)).toBe('WorkflowCompleted');
    expect(types.filter((t) => t === 'ActivityCompleted')).toHaveLength(4);
  });

  it('fails when an activity fails without retry', async () => {
    const ir = await loadWorkflowFile(SEED);
    const { registry, calls } = simpleSequenceActivities({ taken: ['ada'] });
    const engine = WorkflowEngine.builder().withClock(new VirtualClock({ autoAdvance: true })).withActivities(registry).build();
    const id = engine.startWorkflow(ir, INPUTS);
    const done = await engine.waitForCompletion(id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'USERNAME_TAKEN', step: 'strategy.strategies[1]' });
    expect(calls.map((c) => c.name)).toEqual(['validate_user_data', 'check_username_availability']);
  });
});
