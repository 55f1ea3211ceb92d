/**
 * Event views read each element as the application that made or changed it
 * left it, also when a later application of the same commit changed or
 * dropped it (a step that ends at once); every Task gets its
 * ActivityScheduled, compensate activities included.
 */
import { describe, expect, it } from 'vitest';
import { act, fail, ok, runOnce } from './_helpers.ts';
import type { Strategy } from '../../../src/workflow/ir/index.ts';
import { eventsOf } from '../../../src/workflow/engine/index.ts';
import type { WorkflowEvent } from '../../../src/workflow/engine/index.ts';

const seq = (...strategies: Strategy[]): Strategy => ({ op: 'seq', strategies }) as Strategy;
const saga = (main_flow: Strategy, compensation: Strategy): Strategy => ({ op: 'saga', main_flow, compensation }) as Strategy;
const timer = (duration: string): Strategy => ({ op: 'wait', condition: { type: 'timer', duration } }) as Strategy;
// A decision whose predicate is not registered fails at once (UNKNOWN_PREDICATE).
const decide = (condition: string, branch: Strategy): Strategy => ({ op: 'decision', conditions: [{ condition, branch }] }) as Strategy;

const ofType = <T extends WorkflowEvent['type']>(events: WorkflowEvent[], type: T) => events.filter((e): e is Extract<WorkflowEvent, { type: T }> => e.type === type);

describe('event views', () => {
  it('a Task and a Timer dropped in the commit that made them are reported as they were scheduled', async () => {
    const par: Strategy = { op: 'parallel', completion_condition: 'all', branches: [act('a', { input_mapping: { v: '$.inputs.n' } }), timer('PT1S'), decide('nopred', act('x'))] } as Strategy;
    const { engine, id, done, calls } = await runOnce(par, { a: ok() }, { extra: { inputs: [{ name: 'n', type: 'number', required: true }] }, inputs: { n: 7 } });
    expect(done.status).toBe('failed');
    expect(calls).toEqual([]);
    const events = engine.getEventHistory(id);
    const [scheduled] = ofType(events, 'ActivityScheduled');
    expect(scheduled).toMatchObject({ activityRef: 'a', input: { v: 7 } });
    expect(scheduled.step).toMatch(/^step:/);
    const [timerEvent] = ofType(events, 'TimerScheduled');
    expect(timerEvent.fireAt).toBe(done.startedAt + 1000);
    // Both were gone by the end of that commit.
    expect(engine.store.at(scheduled.tx).hasNode(scheduled.taskId)).toBe(false);
  });

  it("CompensationStarted's error is the one that started the compensation, also when the compensation ended in the same commit", async () => {
    const { engine, id, done } = await runOnce(seq(act('a'), saga(decide('nopred', act('x')), decide('no', act('y'))), act('b')), { a: ok(), b: ok() }, { predicates: { no: () => false } });
    expect(done.status).toBe('failed');
    const [started] = ofType(engine.getEventHistory(id), 'CompensationStarted');
    expect(started.error).toMatchObject({ code: 'UNKNOWN_PREDICATE' });
    expect(started.error).not.toHaveProperty('compensated');
    // Without the rules a view reads the commit's state: the saga's token is gone by then.
    const commit = engine.store.commitInfo(started.tx);
    const [plain] = ofType(eventsOf(engine.store, commit), 'CompensationStarted');
    expect(plain.error).toBeNull();
  });

  it('a failed compensate activity: it was scheduled, and the compensation completed uncompensated', async () => {
    const { engine, id, done } = await runOnce(saga(seq(act('a', { compensate: 'ua' }), act('b')), act('flow')), { a: ok(), b: fail('B'), ua: fail('UA'), flow: ok() });
    expect(done.error).toMatchObject({ code: 'COMPENSATION_FAILED', compensated: false });
    const events = engine.getEventHistory(id);
    const types = events.map((e) => e.type);
    expect(types.slice(types.indexOf('CompensationStarted'))).toEqual(['CompensationStarted', 'ActivityScheduled', 'ActivityStarted', 'ActivityFailed', 'CompensationCompleted', 'WorkflowFailed']);
    const undo = ofType(events, 'ActivityScheduled').at(-1)!;
    expect(undo.activityRef).toBe('ua');
    expect(ofType(events, 'ActivityFailed').at(-1)!.taskId).toBe(undo.taskId);
    expect(ofType(events, 'CompensationCompleted')[0].compensated).toBe(false);
  });
});
