import { describe, expect, it } from 'vitest';
import { act, fail, ok, runOnce } from './_helpers.ts';
import type { Strategy } from '../../../src/workflow/ir/index.ts';

const seq = (...strategies: Strategy[]): Strategy => ({ op: 'seq', strategies });
const saga = (main_flow: Strategy, compensation: Strategy): Strategy => ({ op: 'saga', main_flow, compensation }) as Strategy;
const inputs = { inputs: [{ name: 'id', type: 'string', required: true }] };

describe('saga', () => {
  it('main flow done: no compensation', async () => {
    const { done, calls } = await runOnce(saga(seq(act('a'), act('b')), act('undo')), { a: ok(), b: ok(), undo: ok() });
    expect(done.status).toBe('completed');
    expect(calls).toEqual(['a', 'b']);
  });

  it('per-activity compensate runs in reverse order of completion with the same input, then the compensation flow', async () => {
    const { done, log, engine, id } = await runOnce(
      saga(
        seq(
          act('a', { input_mapping: { id: '$.inputs.id', n: 1 }, compensate: 'undo_a' }),
          act('b', { input_mapping: { id: '$.inputs.id', n: 2 }, compensate: 'undo_b' }),
          act('c'),
        ),
        act('flow', { input_mapping: { id: '$.inputs.id' } }),
      ),
      { a: ok(), b: ok(), c: fail('C_FAILED'), undo_a: ok(), undo_b: ok(), flow: ok() },
      { extra: inputs, inputs: { id: 'x' } },
    );
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'C_FAILED', compensated: true });
    expect(log.map((l) => l.name)).toEqual(['a', 'b', 'c', 'undo_b', 'undo_a', 'flow']);
    expect(log[3].input).toEqual({ id: 'x', n: 2 });
    expect(log[4].input).toEqual({ id: 'x', n: 1 });
    // Compensate activities do not overwrite step results.
    expect(Object.keys(done.steps).sort()).toEqual(['a', 'b', 'flow']);
    const types = engine.getEventHistory(id).map((e) => e.type);
    expect(types.filter((t) => t === 'CompensationStarted')).toHaveLength(1);
    expect(types.filter((t) => t === 'CompensationCompleted')).toHaveLength(1);
  });

  it('a failing compensation ends the execution failed and not compensated', async () => {
    const { done } = await runOnce(saga(act('a'), act('flow')), { a: fail('A'), flow: fail('F') });
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'COMPENSATION_FAILED', compensated: false, cause: { code: 'A' }, compensation: { code: 'F' } });
  });

  it('a saga nested in a seq: the enclosing flow fails after compensating', async () => {
    const { done, calls } = await runOnce(seq(act('pre'), saga(act('a'), act('flow')), act('post')), { pre: ok(), a: fail('A'), flow: ok(), post: ok() });
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'A', compensated: true });
    expect(calls).toEqual(['pre', 'a', 'flow']);
  });
  it('nested sagas: the inner saga compensates its own activities, the outer only what is left (each once)', async () => {
    const inner = saga(seq(act('b', { compensate: 'ub' }), act('f')), act('innerComp'));
    const { done, calls, engine, id } = await runOnce(saga(seq(act('a', { compensate: 'ua' }), inner), act('outerComp')), {
      a: ok(), b: ok(), f: fail('F'), ua: ok(), ub: ok(), innerComp: ok(), outerComp: ok(),
    });
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'F', compensated: true });
    expect(calls).toEqual(['a', 'b', 'f', 'ub', 'innerComp', 'ua', 'outerComp']);
    expect(engine.verifyReplay()).toBe(engine.store.headTx);
    expect(engine.rebuildExecutionFromEvents(id)).toMatchObject({ status: 'failed', error: { code: 'F', compensated: true } });
  });

  it('nested sagas: an inner saga that completed is compensated by the outer one', async () => {
    const inner = saga(act('b', { compensate: 'ub' }), act('innerComp'));
    const { done, calls, engine } = await runOnce(saga(seq(act('a', { compensate: 'ua' }), inner, act('f')), act('outerComp')), {
      a: ok(), b: ok(), f: fail('F'), ua: ok(), ub: ok(), innerComp: ok(), outerComp: ok(),
    });
    expect(done.error).toMatchObject({ code: 'F', compensated: true });
    expect(calls).toEqual(['a', 'b', 'f', 'ub', 'ua', 'outerComp']);
    expect(engine.verifyReplay()).toBe(engine.store.headTx);
  });
});
