import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/workflow/clock.ts';
import { loadWorkflowFile } from '../../../src/workflow/ir/index.ts';
import { WorkflowEngine } from '../../../src/workflow/engine/index.ts';
import { complexWorkflowActivities } from '../../../examples/activities/complex-workflow.ts';
import type { ComplexWorkflowOptions } from '../../../examples/activities/complex-workflow.ts';

const SEED = fileURLToPath(new URL('../../../../shared/seed-workflows/complex_workflow.kotoba', import.meta.url));
const inputs = (priority: string) => ({ documentId: 'd-1', documentType: 'contract', priority, content: 'text', requester: 'bob' });
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

async function setup(options: ComplexWorkflowOptions = {}) {
  const ir = await loadWorkflowFile(SEED);
  const { registry, predicates, calls } = complexWorkflowActivities(options);
  const clock = new VirtualClock({ autoAdvance: true });
  let b = WorkflowEngine.builder().withStorage('memory').withClock(clock).withActivities(registry);
  for (const [name, p] of Object.entries(predicates)) b = b.withPredicate(name, p);
  const engine = b.build();
  engine.registerWorkflow(ir);
  return { engine, calls, clock };
}

describe('complex_workflow.kotoba', () => {
  it('high priority: the auto-approval wins the "any" race; the reviewer branch is cancelled', async () => {
    const { engine, calls } = await setup();
    const id = engine.startWorkflow('document_processing', inputs('high'));
    const done = await engine.waitForCompletion(id);
    expect(done.status).toBe('completed');
    const names = calls.map((c) => c.name);
    expect(names).toContain('auto_approve_high_priority');
    expect(names.slice(-3, -2)).toEqual(['finalize_document']);
    expect(new Set(names.slice(-2))).toEqual(new Set(['notify_requester', 'update_audit_log']));
    expect(done.outputs).toMatchObject({ processed: true, approved: true });
    const events = engine.getEventHistory(id);
    expect(events.find((e) => e.type === 'DecisionMade')).toMatchObject({ branch: 0 });
    let waits = 0;
    engine.store.head().forEachNodeWithLabel('Wait', () => void waits++);
    expect(waits).toBe(0);
  });

  it('high priority without auto-approval: the review_completed event decides', async () => {
    const { engine, calls } = await setup({ autoApprove: false });
    const id = engine.startWorkflow('document_processing', inputs('high'));
    await settle();
    expect(engine.sendEvent('review_completed', { document_id: 'other' })).toBe(0);
    expect(engine.sendEvent('review_completed', { document_id: 'd-1', approved: true })).toBe(1);
    const done = await engine.waitForCompletion(id);
    expect(done.status).toBe('completed');
    expect(calls.map((c) => c.name)).toContain('assign_reviewer');
    expect(engine.getEventHistory(id).map((e) => e.type)).toContain('EventReceived');
  });

  it('medium priority: assign a reviewer, then wait for the event', async () => {
    const { engine, calls } = await setup();
    const id = engine.startWorkflow('document_processing', inputs('medium'));
    await settle();
    expect(engine.getExecution(id)!.status).toBe('running');
    expect(engine.sendEvent('review_completed', { document_id: 'd-1' })).toBe(1);
    const done = await engine.waitForCompletion(id);
    expect(done.status).toBe('completed');
    expect(calls.find((c) => c.name === 'assign_reviewer')!.input).toEqual({ document_type: 'contract', priority: 'medium' });
  });

  it('an event addressed to one execution reaches only that execution\'s waits', async () => {
    const { engine } = await setup();
    const a = engine.startWorkflow('document_processing', inputs('medium'));
    const b = engine.startWorkflow('document_processing', inputs('medium'));
    await settle();
    // Both wait for review_completed of d-1; offered to b only, a keeps waiting.
    expect(engine.sendEvent('review_completed', { document_id: 'd-1' }, { execution: b })).toBe(1);
    expect((await engine.waitForCompletion(b)).status).toBe('completed');
    expect(engine.getExecution(a)!.status).toBe('running');
    expect(engine.sendEvent('review_completed', { document_id: 'd-1' }, { execution: b })).toBe(0);
    expect(engine.sendEvent('review_completed', { document_id: 'd-1' }, { execution: 'no-such-execution' })).toBe(0);
    expect(engine.sendEvent('review_completed', { document_id: 'd-1' })).toBe(1);
    expect((await engine.waitForCompletion(a)).status).toBe('completed');
  });

  it('low priority: two events in order, days apart on the virtual clock', async () => {
    const { engine, clock } = await setup();
    const id = engine.startWorkflow('document_processing', inputs('low'));
    await settle();
    clock.advance(20 * 3600_000);
    expect(engine.sendEvent('review_completed', { document_id: 'd-1' })).toBe(0); // not waiting for it yet
    expect(engine.sendEvent('review_assigned', { document_id: 'd-1' })).toBe(1);
    await settle();
    clock.advance(40 * 3600_000);
    expect(engine.sendEvent('review_completed', { document_id: 'd-1' })).toBe(1);
    const done = await engine.waitForCompletion(id);
    expect(done.status).toBe('completed');
    expect(done.endedAt).toBe(60 * 3600_000);
  });

  it('a wait that times out fails the execution (WAIT_TIMEOUT)', async () => {
    const { engine } = await setup();
    const id = engine.startWorkflow('document_processing', inputs('medium'));
    const done = await engine.waitForCompletion(id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'WAIT_TIMEOUT' });
    expect(done.endedAt).toBe(4 * 3600_000);
    expect(engine.getEventHistory(id).map((e) => e.type)).toContain('WaitTimedOut');
  });
});
