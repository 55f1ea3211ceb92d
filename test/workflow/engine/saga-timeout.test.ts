/** The workflow timeout with sagas running: every running saga compensates, nothing else runs on. */
import { describe, expect, it } from 'vitest';
import type { Strategy } from '../../../src/workflow/ir/index.ts';
import { act, engineWith, fail, ok, workflow } from './_helpers.ts';
import type { Behaviour } from './_helpers.ts';

const seq = (...strategies: Strategy[]): Strategy => ({ op: 'seq', strategies });
const saga = (main_flow: Strategy, compensation: Strategy): Strategy => ({ op: 'saga', main_flow, compensation }) as Strategy;
const par = (completion_condition: string, ...branches: Strategy[]): Strategy => ({ op: 'parallel', completion_condition, branches }) as Strategy;
const wait = (duration: string): Strategy => ({ op: 'wait', condition: { type: 'timer', duration } }) as Strategy;
/** Settles after a few real milliseconds: an attempt in flight, so the clock does not jump meanwhile. */
const slow = (ms: number): Behaviour => () => new Promise((r) => setTimeout(() => r({}), ms));

async function run(strategy: Strategy, behaviours: Record<string, Behaviour>) {
  const env = engineWith(behaviours);
  const id = env.engine.startWorkflow(workflow(strategy, { timeout: 'PT10M' }), {});
  const done = await env.engine.waitForCompletion(id);
  expect(done.tokens).toEqual([]);
  expect(env.engine.verifyReplay()).toBe(env.engine.store.headTx);
  expect(env.engine.rebuildExecutionFromEvents(id)).toMatchObject({ status: done.status, error: done.error });
  return { ...env, id, done };
}

const two = (completion: string): Strategy =>
  par(
    completion,
    saga(seq(act('a', { compensate: 'ua' }), wait('PT1H')), act('c1')),
    saga(seq(act('b', { compensate: 'ub' }), wait('PT2H'), act('late')), act('c2')),
  );

describe('workflow timeout with sagas', () => {
  for (const completion of ['any', 'all']) {
    it(`parallel ${completion} of two sagas: both compensate and the execution fails at the timeout`, async () => {
      const { done, calls } = await run(two(completion), { a: ok(), b: ok(), ua: ok(), ub: ok(), c1: ok(), c2: ok(), late: ok() });
      expect(done.status).toBe('failed');
      expect(done.error).toMatchObject({ code: 'WORKFLOW_TIMEOUT', compensated: true });
      expect(done.endedAt).toBe(600_000);
      expect(calls.filter((c) => c !== 'a' && c !== 'b').sort()).toEqual(['c1', 'c2', 'ua', 'ub']);
    });
  }

  it('parallel all: a saga that finishes compensating first does not cancel the other one', async () => {
    const { done, calls } = await run(two('all'), { a: ok(), b: ok(), ua: ok(), ub: slow(20), c1: ok(), c2: slow(20), late: ok() });
    expect(done.error).toMatchObject({ code: 'WORKFLOW_TIMEOUT', compensated: true });
    expect(calls).toEqual(expect.arrayContaining(['ua', 'c1', 'ub', 'c2']));
    expect(calls).not.toContain('late');
  });

  it('a saga next to a plain step: the saga compensates, the plain step stops', async () => {
    const { done, calls } = await run(par('any', saga(seq(act('a', { compensate: 'ua' }), wait('PT1H')), act('c1')), seq(wait('PT2H'), act('late'))), {
      a: ok(), ua: ok(), c1: ok(), late: ok(),
    });
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'WORKFLOW_TIMEOUT' });
    expect(done.endedAt).toBe(600_000);
    expect(calls).toEqual(['a', 'ua', 'c1']);
  });

  it('nested sagas: the inner saga compensates first, then the outer one, each activity once', async () => {
    const inner = saga(seq(act('b', { compensate: 'ub' }), wait('PT1H')), act('innerComp'));
    const { done, calls } = await run(saga(seq(act('a', { compensate: 'ua' }), inner), act('outerComp')), {
      a: ok(), b: ok(), ua: ok(), ub: ok(), innerComp: ok(), outerComp: ok(),
    });
    expect(done.error).toMatchObject({ code: 'WORKFLOW_TIMEOUT', compensated: true });
    expect(calls).toEqual(['a', 'b', 'ub', 'innerComp', 'ua', 'outerComp']);
  });

  it('a saga already compensating when the timeout fires finishes its compensation', async () => {
    // The compensation flow waits 20 minutes: it straddles the timeout.
    const { done, calls } = await run(saga(seq(act('a', { compensate: 'ua' }), act('f')), seq(wait('PT20M'), act('c1'))), {
      a: ok(), f: fail('F'), ua: ok(), c1: ok(),
    });
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'F', compensated: true });
    expect(calls).toEqual(['a', 'f', 'ua', 'c1']);
  });

  it('without a running saga the timeout still cancels everything (timed_out)', async () => {
    const { done, calls } = await run(seq(saga(act('a', { compensate: 'ua' }), act('c1')), wait('PT1H'), act('late')), { a: ok(), ua: ok(), c1: ok(), late: ok() });
    expect(done.status).toBe('timed_out');
    expect(calls).toEqual(['a']);
  });
});
