import { describe, expect, it } from 'vitest';
import { act, engineWith, fail, never, ok, settle } from './_helpers.ts';
import { validateWorkflow } from '../../../src/workflow/ir/index.ts';

const child = (strategy: unknown, extra: Record<string, unknown> = {}) =>
  validateWorkflow({ id: 'child', name: 'child', version: '1', inputs: [{ name: 'n', type: 'number', required: true }], outputs: [{ name: 'doubled', type: 'number' }], strategy, ...extra });
const parent = validateWorkflow({
  id: 'parent',
  name: 'parent',
  version: '1',
  inputs: [{ name: 'n', type: 'number', required: true }],
  strategy: { op: 'seq', strategies: [{ op: 'subworkflow', workflow_ref: 'child', input_mapping: { n: '$.inputs.n' } }, { op: 'activity', activity_ref: 'after', input_mapping: { d: '$.steps.child.output.doubled' } }] },
});

describe('subworkflow', () => {
  it('runs the referenced workflow as a child execution and records its outputs', async () => {
    const env = engineWith({ dbl: (i) => ({ doubled: (i.n as number) * 2 }), after: ok() });
    env.engine.registerWorkflow(child(act('dbl', { input_mapping: { n: '$.inputs.n' } })));
    env.engine.registerWorkflow(parent);
    const id = env.engine.startWorkflow('parent', { n: 21 });
    const done = await env.engine.waitForCompletion(id);
    expect(done.status).toBe('completed');
    expect(done.steps.child).toEqual({ output: { doubled: 42 }, seq: 1 });
    expect(env.log.at(-1)!.input).toEqual({ d: 42 });
    const started = env.engine.getEventHistory(id).find((e) => e.type === 'SubworkflowStarted');
    expect(started).toBeDefined();
    const childId = started!.type === 'SubworkflowStarted' ? started!.childExecutionId : '';
    expect(env.engine.getExecution(childId)).toMatchObject({ status: 'completed', parent: { execution: id } });
    expect(env.engine.getEventHistory(id).map((e) => e.type)).toContain('SubworkflowCompleted');
  });

  it('a child that ends at once (nothing to wait for): the parent records its start, then its end, and moves on', async () => {
    // A decision with no condition true and no default ends the child in its first commit.
    const env = engineWith({ x: ok(), after: ok() }, { no: () => false });
    env.engine.registerWorkflow(child({ op: 'decision', conditions: [{ condition: 'no', branch: act('x') }] }, { outputs: [] }));
    const seq = { op: 'seq', strategies: [{ op: 'subworkflow', workflow_ref: 'child', input_mapping: { n: '$.inputs.n' } }, act('after')] };
    const id = env.engine.startWorkflow(validateWorkflow({ ...parent, strategy: seq }), { n: 1 });
    const done = await env.engine.waitForCompletion(id);
    expect([done.status, done.error ?? null]).toEqual(['completed', null]);
    expect(env.calls).toEqual(['after']);
    const events = env.engine.getEventHistory(id);
    expect(events.map((e) => e.type)).toEqual(['WorkflowStarted', 'SubworkflowStarted', 'SubworkflowCompleted', 'ActivityScheduled', 'ActivityStarted', 'ActivityCompleted', 'WorkflowCompleted']);
    const started = events.find((e) => e.type === 'SubworkflowStarted');
    const childId = started?.type === 'SubworkflowStarted' ? started.childExecutionId : '';
    expect(env.engine.getExecution(childId)).toMatchObject({ status: 'completed', parent: { execution: id } });
    expect(env.engine.verifyReplay()).toBe(env.engine.store.headTx);
  });

  it('a failing child fails the parent step', async () => {
    const env = engineWith({ dbl: fail('NOPE'), after: ok() });
    env.engine.registerWorkflow(child(act('dbl')));
    const id = env.engine.startWorkflow(parent, { n: 1 });
    const done = await env.engine.waitForCompletion(id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'SUBWORKFLOW_FAILED', cause: { code: 'NOPE' } });
  });

  it('an unregistered workflow_ref fails with UNKNOWN_WORKFLOW', async () => {
    const env = engineWith({ after: ok() });
    const id = env.engine.startWorkflow(parent, { n: 1 });
    const done = await env.engine.waitForCompletion(id);
    expect(done.error).toMatchObject({ code: 'UNKNOWN_WORKFLOW' });
  });

  it('cancelling the parent cancels the child', async () => {
    const env = engineWith({ dbl: never(), after: ok() });
    env.engine.registerWorkflow(child(act('dbl')));
    const id = env.engine.startWorkflow(parent, { n: 1 });
    await settle();
    env.engine.cancel(id);
    await env.engine.waitForCompletion(id);
    const kids = env.engine.listExecutions({ workflowId: 'child' });
    expect(kids.map((k) => k.status)).toEqual(['cancelled']);
  });
});

describe('subworkflow registration', () => {
  it('refuses a cycle of sub-workflows (IR_REF_CYCLE)', () => {
    const env = engineWith({});
    const wf = (id: string, ref: string) => validateWorkflow({ id, name: id, version: '1', strategy: { op: 'subworkflow', workflow_ref: ref } });
    env.engine.registerWorkflow(wf('a', 'b'));
    expect(() => env.engine.registerWorkflow(wf('b', 'a'))).toThrow(expect.objectContaining({ code: 'IR_REF_CYCLE' }));
  });
});
