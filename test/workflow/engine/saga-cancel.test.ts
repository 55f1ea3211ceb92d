/** Cancel with sagas running: every running saga compensates, then the execution ends cancelled. */
import { describe, expect, it } from 'vitest';
import type { Strategy } from '../../../src/workflow/ir/index.ts';
import { validateWorkflow } from '../../../src/workflow/ir/index.ts';
import { act, engineWith, fail, never, ok, settle, workflow } from './_helpers.ts';
import type { Behaviour } from './_helpers.ts';

const seq = (...strategies: Strategy[]): Strategy => ({ op: 'seq', strategies });
const saga = (main_flow: Strategy, compensation: Strategy): Strategy => ({ op: 'saga', main_flow, compensation }) as Strategy;
const wait = (duration: string): Strategy => ({ op: 'wait', condition: { type: 'timer', duration } }) as Strategy;
const par = (completion_condition: string, ...branches: Strategy[]): Strategy => ({ op: 'parallel', completion_condition, branches }) as Strategy;

/** Starts `strategy`, lets it reach its waits, cancels it and waits for its end. */
async function cancelled(strategy: Strategy, behaviours: Record<string, Behaviour>) {
  const env = engineWith(behaviours);
  const id = env.engine.startWorkflow(workflow(strategy), {});
  await settle();
  const first = env.engine.cancel(id);
  const second = env.engine.cancel(id);
  const done = await env.engine.waitForCompletion(id);
  expect(done.tokens).toEqual([]);
  expect(env.engine.verifyReplay()).toBe(env.engine.store.headTx);
  expect(env.engine.rebuildExecutionFromEvents(id)).toMatchObject({ status: done.status, error: done.error });
  return { ...env, id, done, first, second };
}

describe('cancel with sagas', () => {
  it('a saga mid-way compensates its completed activities in reverse order, then the execution ends cancelled', async () => {
    const { done, calls, first, second, engine, id } = await cancelled(saga(seq(act('a', { compensate: 'ua' }), act('b', { compensate: 'ub' }), act('hang'), act('late')), act('comp')), {
      a: ok(), b: ok(), hang: never(), late: ok(), ua: ok(), ub: ok(), comp: ok(),
    });
    expect([first, second]).toEqual([true, false]); // a second cancel does not cut the compensation short
    expect(done.status).toBe('cancelled');
    expect(done.error).toMatchObject({ code: 'CANCELLED', compensated: true });
    expect(calls).toEqual(['a', 'b', 'hang', 'ub', 'ua', 'comp']);
    const types = engine.getEventHistory(id).map((e) => e.type);
    expect(types).toContain('CompensationStarted');
    expect(types.at(-1)).toBe('WorkflowCancelled');
    expect(types).not.toContain('WorkflowFailed');
  });

  it('nested sagas: inner first, then outer, each activity compensated once', async () => {
    const inner = saga(seq(act('b', { compensate: 'ub' }), wait('PT1H')), act('innerComp'));
    const { done, calls } = await cancelled(saga(seq(act('a', { compensate: 'ua' }), inner), act('outerComp')), {
      a: ok(), b: ok(), ua: ok(), ub: ok(), innerComp: ok(), outerComp: ok(),
    });
    expect(done.status).toBe('cancelled');
    expect(calls).toEqual(['a', 'b', 'ub', 'innerComp', 'ua', 'outerComp']);
  });

  it('without a running saga everything stops at once (the completed saga is not undone)', async () => {
    const { done, calls, first } = await cancelled(seq(saga(act('a', { compensate: 'ua' }), act('c1')), wait('PT1H'), act('late')), { a: ok(), ua: ok(), c1: ok(), late: ok() });
    expect(first).toBe(true);
    expect(done.status).toBe('cancelled');
    expect(done.error).toBeNull();
    expect(calls).toEqual(['a']);
  });

  it("a parent that times out cancels its child, and the child's saga compensates", async () => {
    const env = engineWith({ a: ok(), ua: ok(), comp: ok(), pcomp: ok() });
    env.engine.registerWorkflow(validateWorkflow({ id: 'child', name: 'child', version: '1', strategy: saga(seq(act('a', { compensate: 'ua' }), wait('PT1H')), act('comp')) }));
    const parent = workflow(saga({ op: 'subworkflow', workflow_ref: 'child' } as Strategy, act('pcomp')), { timeout: 'PT10M' });
    const id = env.engine.startWorkflow(parent, {});
    const done = await env.engine.waitForCompletion(id);
    expect(done.error).toMatchObject({ code: 'WORKFLOW_TIMEOUT' });
    const [kid] = env.engine.listExecutions({ workflowId: 'child' });
    const child = await env.engine.waitForCompletion(kid.id);
    expect(child.status).toBe('cancelled');
    expect(child.error).toMatchObject({ code: 'CANCELLED', compensated: true });
    expect([...env.calls].sort()).toEqual(['a', 'comp', 'pcomp', 'ua']);
    expect(env.calls.indexOf('ua')).toBeLessThan(env.calls.indexOf('comp'));
  });

  it('the losing saga of a parallel any compensates what it completed before the parallel ends', async () => {
    const env = engineWith({ a: ok(), x: ok(), ua: ok(), comp: ok() });
    const id = env.engine.startWorkflow(workflow(par('any', seq(wait('PT1M'), act('x')), saga(seq(act('a', { compensate: 'ua' }), wait('PT1H')), act('comp')))), {});
    const done = await env.engine.waitForCompletion(id);
    expect(done.status).toBe('completed');
    expect(env.calls).toEqual(['a', 'x', 'ua', 'comp']);
    expect(env.engine.getEventHistory(id).map((e) => e.type)).toContain('CompensationStarted');
    expect(done.tokens).toEqual([]);
    expect(env.engine.verifyReplay()).toBe(env.engine.store.headTx);
  });

  it('a saga whose sibling fails a parallel all compensates; the execution fails with the sibling\'s error', async () => {
    const env = engineWith({ a: ok(), f: fail('F'), ua: ok(), comp: ok() });
    const id = env.engine.startWorkflow(workflow(par('all', seq(wait('PT1M'), act('f')), saga(seq(act('a', { compensate: 'ua' }), wait('PT1H')), act('comp')))), {});
    const done = await env.engine.waitForCompletion(id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'F' });
    expect(env.calls).toEqual(['a', 'f', 'ua', 'comp']);
  });

  it('a saga already compensating when the step around it ends finishes its compensation first', async () => {
    const env = engineWith({ a: ok(), f: fail('F'), x: ok(), ua: ok(), comp: ok() });
    const slowComp = seq(wait('PT10M'), act('comp'));
    const id = env.engine.startWorkflow(workflow(par('any', seq(wait('PT1M'), act('x')), saga(seq(act('a', { compensate: 'ua' }), act('f')), slowComp))), {});
    const done = await env.engine.waitForCompletion(id);
    expect(done.status).toBe('completed');
    expect(env.calls).toEqual(['a', 'f', 'ua', 'x', 'comp']);
    expect(done.endedAt).toBeGreaterThanOrEqual(600_000);
  });

  it('the step after a parallel whose losing saga compensates starts once that saga is done, and its failure is not reported to it', async () => {
    const env = engineWith({ a: ok(), x: ok(), ua: ok(), comp: ok(), next: ok() });
    const st = seq(par('any', seq(wait('PT1M'), act('x')), saga(seq(act('a', { compensate: 'ua' }), wait('PT1H')), act('comp'))), act('next'));
    const id = env.engine.startWorkflow(workflow(st), {});
    const done = await env.engine.waitForCompletion(id);
    expect([done.status, done.error]).toEqual(['completed', null]);
    expect(env.calls).toEqual(['a', 'x', 'ua', 'comp', 'next']);
  });

  it('cancel() that returned true ends the execution cancelled, even when only compensation was left to run', async () => {
    // The compensation's attempt takes 50 real ms: in flight, the virtual clock stays put.
    const slow: Behaviour = () => new Promise((r) => setTimeout(() => r({}), 50));
    const env = engineWith({ a: ok(), x: ok(), ua: ok(), comp: slow });
    const id = env.engine.startWorkflow(workflow(par('any', seq(wait('PT1M'), act('x')), saga(seq(act('a', { compensate: 'ua' }), wait('PT1H')), act('comp')))), {});
    const ended = env.engine.waitForCompletion(id); // the virtual clock moves while someone waits
    while (!env.calls.includes('comp')) await settle();
    expect(env.engine.cancel(id)).toBe(true); // the losing saga is compensating: it finishes, then the execution ends
    const done = await ended;
    expect(done.status).toBe('cancelled');
    expect(env.calls).toEqual(['a', 'x', 'ua', 'comp']);
    expect(env.engine.getEventHistory(id).at(-1)?.type).toBe('WorkflowCancelled');
  });
});
