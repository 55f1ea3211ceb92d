import { describe, expect, it } from 'vitest';
import { act, engineWith, fail, never, ok, runOnce, settle, workflow } from './_helpers.ts';
import type { Strategy } from '../../../src/workflow/ir/index.ts';
import { VirtualClock } from '../../../src/workflow/clock.ts';
import { ActivityError, ActivityRegistry, FunctionActivity } from '../../../src/workflow/activities/index.ts';
import { WorkflowEngine } from '../../../src/workflow/engine/index.ts';
import { validateWorkflow } from '../../../src/workflow/ir/index.ts';
import { MemoryBackend } from '../../../src/graph/index.ts';
import type { CommitEntry, Json } from '../../../src/graph/index.ts';

const seq = (...strategies: Strategy[]): Strategy => ({ op: 'seq', strategies });
const par = (completion_condition: string, branches: Strategy[], count?: number): Strategy =>
  ({ op: 'parallel', completion_condition, branches, ...(count === undefined ? {} : { count }) }) as Strategy;

describe('seq and activity', () => {
  it('runs children in order, maps inputs, records outputs and vars', async () => {
    const { done, log } = await runOnce(
      seq(
        act('a', { input_mapping: { x: '$.inputs.n', lit: 'now' }, output_mapping: { total: '$.output.sum' } }),
        act('b', { input_mapping: { t: '$.vars.total', s: '$.steps.a.output.sum' } }),
      ),
      { a: ok({ sum: 3 }), b: ok({ fine: true }) },
      { extra: { inputs: [{ name: 'n', type: 'number', required: true }] }, inputs: { n: 7 } },
    );
    expect(done.status).toBe('completed');
    expect(log.map((l) => [l.name, l.input])).toEqual([
      ['a', { x: 7, lit: 'now' }],
      ['b', { t: 3, s: 3 }],
    ]);
    expect(done.vars).toEqual({ total: 3 });
    expect(done.steps).toEqual({ a: { output: { sum: 3 }, seq: 1 }, b: { output: { fine: true }, seq: 2 } });
  });

  it('fills declared outputs from vars, then from the latest step output', async () => {
    const { done } = await runOnce(seq(act('a', { output_mapping: { x: '$.output.v' } }), act('b')), { a: ok({ v: 1, y: 'a' }), b: ok({ y: 'b' }) }, {
      extra: { outputs: [{ name: 'x', type: 'number' }, { name: 'y', type: 'string' }, { name: 'z', type: 'string', default: 'dz' }] },
    });
    expect(done.outputs).toEqual({ x: 1, y: 'b', z: 'dz' });
  });

  it('"the latest step output" is the one recorded last, whatever the step names (stored keys are in canonical order)', async () => {
    // zz (recorded first) sorts after a: the latest must still be a's.
    const { done } = await runOnce(seq(act('zz'), act('a')), { zz: ok({ v: 1 }), a: ok({ v: 2 }) }, { extra: { outputs: [{ name: 'v', type: 'number' }] } });
    expect(Object.keys(done.steps)).toEqual(['a', 'zz']);
    expect(done.outputs).toEqual({ v: 2 });
  });

  it('declared outputs are a contract: a required one missing or one of the wrong type fails the execution with OUTPUT_INVALID naming them', async () => {
    const outputs = [{ name: 'id', type: 'string', required: true }, { name: 'n', type: 'number' }, { name: 'ok', type: 'boolean', required: true }];
    const bad = await runOnce(seq(act('a')), { a: ok({ n: 'three' }) }, { extra: { outputs } });
    expect(bad.done.status).toBe('failed');
    expect(bad.done.error).toMatchObject({ code: 'OUTPUT_INVALID' });
    const message = (bad.done.error as { message: string }).message;
    for (const part of ['missing required output "id" (string)', 'output "n" must be a number, got string', 'missing required output "ok"']) expect(message).toContain(part);
    expect(bad.engine.getEventHistory(bad.id).map((e) => e.type)).toContain('WorkflowFailed');
    // Filled as declared: completed; optional outputs may be absent.
    const good = await runOnce(seq(act('a')), { a: ok({ id: 'x', ok: false }) }, { extra: { outputs } });
    expect([good.done.status, good.done.outputs]).toEqual(['completed', { id: 'x', ok: false }]);
  });

  it("an application's patches are the data it wrote: an execution's end records its outputs once, a broken output contract none", async () => {
    const outputs = [{ name: 'v', type: 'number', required: true }];
    const patchesOf = (engine: WorkflowEngine, rule: string): unknown[] =>
      engine.store.history().flatMap((c) => ((c.meta as { applications?: { rule: string; patches: unknown[] }[] } | null)?.applications ?? []).filter((a) => a.rule === rule).map((a) => a.patches));
    const good = await runOnce(act('a', { output_mapping: { v: '$.output.v' } }), { a: ok({ v: 2 }) }, { extra: { outputs } });
    expect(good.done.outputs).toEqual({ v: 2 });
    expect(patchesOf(good.engine, 'execution.complete')).toEqual([[{ op: 'add', path: ['outputs', 'v'], value: 2 }]]);
    const bad = await runOnce(act('a', { output_mapping: { v: '$.output.v' } }), { a: ok({ v: 'two' }) }, { extra: { outputs } });
    expect([bad.done.status, bad.done.outputs]).toEqual(['failed', {}]);
    expect(patchesOf(bad.engine, 'execution.outputs_invalid')).toEqual([[]]);
    for (const { engine } of [good, bad]) expect(engine.verifyReplay()).toBe(engine.store.headTx);
  });

  it('a log whose ends record outputs patches as builds before 2026-11-28 did (twice; on a broken contract too) still replays', async () => {
    // Rewrites each commit's meta as such a build wrote it, on its way to the backend.
    class EarlierBuild extends MemoryBackend {
      override append(entry: CommitEntry): void {
        const meta = entry.meta as { applications?: { rule: string; patches: { path: unknown[] }[] }[] } | null;
        const applications = meta?.applications?.map((a) =>
          a.rule === 'execution.complete' ? { ...a, patches: [...a.patches, ...a.patches] } : a.rule === 'execution.outputs_invalid' ? { ...a, patches: [{ op: 'add', path: ['outputs', 'v'], value: 'two' }] } : a,
        );
        super.append(applications === undefined ? entry : { ...entry, meta: { ...meta, applications } as unknown as Json });
      }
    }
    const outputs = [{ name: 'v', type: 'number', required: true }];
    for (const v of [2, 'two']) {
      const backend = new EarlierBuild();
      const registry = new ActivityRegistry().register(new FunctionActivity('a', () => ({ v })));
      const build = () => WorkflowEngine.builder().withBackend(backend).withClock(new VirtualClock({ autoAdvance: true })).withActivities(registry).build();
      const wf = workflow(act('a', { output_mapping: { v: '$.output.v' } }), { outputs });
      const first = build();
      const id = first.startWorkflow(wf, {});
      await first.waitForCompletion(id);
      const reopened = build();
      reopened.registerWorkflow(wf);
      const rule = v === 2 ? 'execution.complete' : 'execution.outputs_invalid';
      const recorded = reopened.store.history().flatMap((c) => (c.meta as { applications?: { rule: string; patches: unknown[] }[] }).applications ?? []).find((a) => a.rule === rule);
      expect(recorded?.patches).toHaveLength(v === 2 ? 2 : 1);
      expect(reopened.verifyReplay()).toBe(reopened.store.headTx);
      expect(reopened.rebuildExecutionFromEvents(id).status).toBe(v === 2 ? 'completed' : 'failed');
    }
  });

  it('a missing input path fails the step with IR_MAPPING before any attempt', async () => {
    const { done, calls } = await runOnce(seq(act('a', { input_mapping: { v: '$.steps.b.output' } }), act('b')), { a: ok(), b: ok() });
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'IR_MAPPING' });
    expect(calls).toEqual([]);
  });

  it('an unknown activity fails with UNKNOWN_ACTIVITY', async () => {
    const { done } = await runOnce(act('ghost'), {});
    expect(done.error).toMatchObject({ code: 'UNKNOWN_ACTIVITY' });
  });
});

describe('retries', () => {
  it('uses the workflow-level policy by default and stops at maximum_attempts', async () => {
    const { done, log } = await runOnce(act('a'), { a: fail('BOOM', true) }, { extra: { retry_policy: { initial_interval: 'PT10S', backoff_coefficient: 3, maximum_attempts: 3 } } });
    expect(done.status).toBe('failed');
    expect(log.map((l) => [l.attempt, l.at])).toEqual([
      [1, 0],
      [2, 10_000],
      [3, 40_000],
    ]);
    expect(done.error).toMatchObject({ code: 'BOOM', retryable: true });
  });

  it('non_retryable_errors stop at once; the step policy overrides the workflow one', async () => {
    const { done, log } = await runOnce(act('a', { retry_policy: { non_retryable_errors: ['NOPE'] } }), { a: fail('NOPE', true) }, { extra: { retry_policy: { maximum_attempts: 5 } } });
    expect(done.status).toBe('failed');
    expect(log).toHaveLength(1);
    // The activity called it retryable; the policy did not retry it, and the recorded error says so.
    expect(done.error).toMatchObject({ code: 'NOPE', retryable: false });
  });

  it('an attempt timeout aborts and retries (a hung attempt counts as in flight: drive the clock)', async () => {
    let n = 0;
    const env = engineWith({ a: () => (++n === 1 ? new Promise(() => undefined) : { ok: true }) }, {}, new VirtualClock());
    const id = env.engine.startWorkflow(workflow(act('a', { timeout: 'PT5S', retry_policy: { initial_interval: 'PT1S', maximum_attempts: 2 } })), {});
    await settle();
    env.clock.advance(5000);
    await settle();
    env.clock.advance(1000);
    const done = await env.engine.waitForCompletion(id);
    expect(done.status).toBe('completed');
    expect(env.log.map((l) => l.at)).toEqual([0, 6000]);
    const failed = env.engine.getEventHistory(id).find((e) => e.type === 'ActivityFailed');
    expect(failed).toMatchObject({ error: { code: 'ACTIVITY_TIMEOUT' }, willRetry: true });
  });
});

describe('retry policies that contradict themselves', () => {
  it('a maximum_interval below the initial_interval after merging the workflow and step policies is refused at registration, naming the step', () => {
    const { engine } = engineWith({ a: fail('BOOM', true) });
    const ir = workflow(seq(act('x'), act('a', { retry_policy: { maximum_interval: 'PT10S' } })), { retry_policy: { initial_interval: 'PT30S', maximum_interval: 'PT5M' } });
    expect(() => engine.startWorkflow(ir, {})).toThrow(expect.objectContaining({ code: 'INVALID_RETRY_POLICY', name: 'EngineError' }));
    expect(() => engine.registerWorkflow(ir)).toThrow(/workflow "wf@1": strategy\.strategies\[1\]: .*initialIntervalMs \(30000\), got 10000/);
    // The other way round too: the step's initial interval above the workflow's cap.
    expect(() => engine.registerWorkflow(workflow(act('a', { retry_policy: { initial_interval: 'PT10S' } }), { retry_policy: { maximum_interval: 'PT5S' } }))).toThrow(expect.objectContaining({ code: 'INVALID_RETRY_POLICY' }));
    expect(engine.listExecutions()).toEqual([]);
  });

  it("the activity's own layer takes part (for its compensation too): a valid merge is accepted, an invalid one refused", () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const registry = new ActivityRegistry();
    registry.register(new FunctionActivity('quick', () => ({}), { retryPolicy: { initialIntervalMs: 1000 } }));
    registry.register(new FunctionActivity('slow', () => ({}), { retryPolicy: { initialIntervalMs: 60_000 } }));
    const engine = WorkflowEngine.builder().withClock(clock).withActivities(registry).build();
    // Workflow initial 30 s, step cap 10 s: the activity's 1 s initial interval comes first, so the merge holds.
    expect(engine.registerWorkflow(workflow(act('quick', { retry_policy: { maximum_interval: 'PT10S' } }), { retry_policy: { initial_interval: 'PT30S' } }))).toBe('wf@1');
    expect(() => engine.registerWorkflow(validateWorkflow({ ...workflow(act('quick', { compensate: 'slow', retry_policy: { maximum_interval: 'PT10S' } })), id: 'wf2' })))
      .toThrow(/strategy: the step's retry_policy, activity "slow"'s and the workflow's merge into an invalid policy/);
  });

  it('an activity registered after the workflow whose layer makes the policy invalid fails the step at its first retryable failure; the process goes on', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const registry = new ActivityRegistry();
    const engine = WorkflowEngine.builder().withClock(clock).withActivities(registry).build();
    engine.registerWorkflow(workflow(act('late', { retry_policy: { maximum_interval: 'PT10S' } })));
    registry.register(new FunctionActivity('late', () => {
      throw new ActivityError('BOOM', 'BOOM!', { retryable: true });
    }, { retryPolicy: { initialIntervalMs: 60_000 } }));
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const done = await engine.waitForCompletion(engine.startWorkflow('wf', {}), { timeout: 60_000 });
      expect(done.status).toBe('failed');
      expect(done.error).toMatchObject({ code: 'INVALID_RETRY_POLICY', step: 'strategy', details: { error: { code: 'BOOM' } } });
      expect(String((done.error as { message: string }).message)).toMatch(/workflow "wf@1": strategy: activity "late": cannot retry/);
      await settle();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('errors while recording an outcome', () => {
  it('reject the waiters of the execution instead of escaping as an unhandled rejection', async () => {
    class FailingBackend extends MemoryBackend {
      failing = false;
      override append(entry: CommitEntry): void {
        if (this.failing) throw new Error('disk full');
        super.append(entry);
      }
    }
    const backend = new FailingBackend();
    let release: () => void = () => undefined;
    const registry = new ActivityRegistry();
    registry.register(new FunctionActivity('a', () => new Promise<Json>((r) => void (release = () => r({})))));
    const engine = WorkflowEngine.builder().withBackend(backend).withClock(new VirtualClock()).withActivities(registry).build();
    const id = engine.startWorkflow(workflow(act('a')), {});
    const waiting = engine.waitForCompletion(id).then(() => 'resolved', (e: Error) => e.message);
    await settle();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      backend.failing = true;
      release();
      const outcome = await Promise.race([waiting, new Promise((r) => setTimeout(() => r('still waiting'), 1000))]);
      expect(outcome).toBe('disk full');
      await settle();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('parallel', () => {
  it('all: waits for every branch', async () => {
    const { done, calls } = await runOnce(seq(par('all', [act('a'), act('b'), act('c')]), act('d')), { a: ok(), b: ok(), c: ok(), d: ok() });
    expect(done.status).toBe('completed');
    expect(calls.slice(0, 3).sort()).toEqual(['a', 'b', 'c']);
    expect(calls[3]).toBe('d');
  });

  it('all: one failing branch fails the parallel and cancels the others', async () => {
    const { done, engine } = await runOnce(par('all', [act('a'), act('b')]), { a: fail('X'), b: never() });
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'X' });
    let tasks = 0;
    engine.store.head().forEachNodeWithLabel('Task', () => void tasks++);
    expect(tasks).toBe(0);
  });

  it('any: the first finished branch wins, losers are cancelled', async () => {
    const { done, calls } = await runOnce(seq(par('any', [act('slow'), act('fast')]), act('after')), {
      slow: never(),
      fast: ok(),
      after: ok(),
    });
    expect(done.status).toBe('completed');
    expect(calls).toContain('after');
  });

  it('at_least: needs count branches; fails when too many fail', async () => {
    const good = await runOnce(par('at_least', [act('a'), act('b'), act('c')], 2), { a: ok(), b: fail('X'), c: ok() });
    expect(good.done.status).toBe('completed');
    const bad = await runOnce(par('at_least', [act('a'), act('b'), act('c')], 2), { a: fail('X'), b: fail('Y'), c: never() });
    expect(bad.done.status).toBe('failed');
  });
});

describe('decision', () => {
  const decision = (conds: [string, Strategy][], dflt?: Strategy): Strategy =>
    ({ op: 'decision', conditions: conds.map(([condition, branch]) => ({ condition, branch })), ...(dflt ? { default_branch: dflt } : {}) }) as Strategy;
  const inputs = { inputs: [{ name: 'amount', type: 'number', required: true }] };

  it('takes the first branch whose expression holds', async () => {
    const { done, calls, engine, id } = await runOnce(decision([['$.inputs.amount > 100', act('big')], ['$.inputs.amount > 10', act('mid')]], act('small')), { big: ok(), mid: ok(), small: ok() }, { extra: inputs, inputs: { amount: 50 } });
    expect(done.status).toBe('completed');
    expect(calls).toEqual(['mid']);
    expect(engine.getEventHistory(id).find((e) => e.type === 'DecisionMade')).toMatchObject({ branch: 1 });
  });

  it('default branch, and no branch at all', async () => {
    const a = await runOnce(decision([['$.inputs.amount > 100', act('big')]], act('small')), { big: ok(), small: ok() }, { extra: inputs, inputs: { amount: 5 } });
    expect(a.calls).toEqual(['small']);
    const b = await runOnce(decision([['$.inputs.amount > 100', act('big')]]), { big: ok() }, { extra: inputs, inputs: { amount: 5 } });
    expect(b.done.status).toBe('completed');
    expect(b.calls).toEqual([]);
  });

  it('registered predicates, and errors as failures', async () => {
    const a = await runOnce(decision([['is_big', act('big')]], act('small')), { big: ok(), small: ok() }, { extra: inputs, inputs: { amount: 500 }, predicates: { is_big: (d) => (d.inputs as { amount: number }).amount > 100 } });
    expect(a.calls).toEqual(['big']);
    const b = await runOnce(decision([['is_big', act('big')]]), { big: ok() }, { extra: inputs, inputs: { amount: 500 } });
    expect(b.done.error).toMatchObject({ code: 'UNKNOWN_PREDICATE' });
    const c = await runOnce(decision([['$.inputs.amount + 1', act('big')]]), { big: ok() }, { extra: inputs, inputs: { amount: 500 } });
    expect(c.done.error).toMatchObject({ code: 'IR_EXPR_EVAL' });
  });
});

describe('wait, timeout, cancel', () => {
  it('a PT72H timer runs in virtual time', async () => {
    const { done } = await runOnce(seq({ op: 'wait', condition: { type: 'timer', duration: 'PT72H' } } as Strategy, act('a')), { a: ok() });
    expect(done.status).toBe('completed');
    expect(done.endedAt).toBe(72 * 3600_000);
  });

  it('signals: delivered to a waiting execution, payload stored under the step name', async () => {
    const env = engineWith({ a: ok() });
    const id = env.engine.startWorkflow(workflow(seq({ op: 'wait', name: 'approval', condition: { type: 'signal', signal_name: 'approve' } } as Strategy, act('a', { input_mapping: { by: '$.steps.approval.output.by' } }))), {});
    await settle();
    expect(env.engine.signal(id, 'nope')).toBe(true); // kept for a later wait on 'nope'
    expect(env.engine.signal(id, 'approve', { by: 'kim' })).toBe(true);
    const done = await env.engine.waitForCompletion(id);
    expect(done.status).toBe('completed');
    expect(env.log[0].input).toEqual({ by: 'kim' });
  });

  it('the workflow timeout ends the execution as timed_out and drops its work', async () => {
    const env = engineWith({ a: never() }, {}, new VirtualClock());
    const id = env.engine.startWorkflow(workflow(act('a'), { timeout: 'PT1M' }), {});
    await settle();
    env.clock.advance(60_000);
    const done = await env.engine.waitForCompletion(id);
    expect(done.status).toBe('timed_out');
    expect(done.endedAt).toBe(60_000);
    expect(done.tokens).toEqual([]);
    let tasks = 0;
    env.engine.store.head().forEachNodeWithLabel('Task', () => void tasks++);
    expect(tasks).toBe(0);
  });

  it('cancel', async () => {
    const env = engineWith({ a: never() });
    const id = env.engine.startWorkflow(workflow(act('a')), {});
    await settle();
    expect(env.engine.cancel(id)).toBe(true);
    const done = await env.engine.waitForCompletion(id);
    expect(done.status).toBe('cancelled');
    expect(env.engine.getEventHistory(id).at(-1)!.type).toBe('WorkflowCancelled');
    expect(env.engine.cancel(id)).toBe(false);
  });
});

describe('history', () => {
  it('getExecutionAtTx and getExecutionHistory read earlier versions', async () => {
    const { engine, id } = await runOnce(seq(act('a'), act('b')), { a: ok({ n: 1 }), b: ok({ n: 2 }) });
    const versions = engine.getExecutionHistory(id);
    expect(versions[0].status).toBe('running');
    expect(versions.at(-1)!.status).toBe('completed');
    const afterA = engine.getEventHistory(id).find((e) => e.type === 'ActivityCompleted')!;
    const snap = engine.getExecutionAtTx(id, afterA.tx)!;
    expect(snap.steps).toEqual({ a: { output: { n: 1 }, seq: 1 } });
    expect(engine.listExecutions({ status: 'completed' }).map((e) => e.id)).toEqual([id]);
  });
});

describe('signals before the wait', () => {
  it('a signal sent before its wait is kept and taken by the wait', async () => {
    const env = engineWith({ a: () => new Promise((r) => setTimeout(() => r({}), 5)), b: ok() });
    const id = env.engine.startWorkflow(workflow(seq(act('a'), { op: 'wait', name: 'go', condition: { type: 'signal', signal_name: 'go' } } as Strategy, act('b', { input_mapping: { v: '$.steps.go.output.v' } }))), {});
    expect(env.engine.signal(id, 'go', { v: 7 })).toBe(true);
    const done = await env.engine.waitForCompletion(id);
    expect(done.status).toBe('completed');
    expect(env.log.at(-1)!.input).toEqual({ v: 7 });
    expect(env.engine.getEventHistory(id).find((e) => e.type === 'SignalReceived')).toMatchObject({ waitId: null, signalName: 'go' });
    expect(env.engine.signal(id, 'go')).toBe(false);
  });
});

describe('signals kept for later waits', () => {
  it('are taken in arrival order (FIFO), by their seq, and a replay makes the same choices', async () => {
    const env = engineWith({ a: () => new Promise((r) => setTimeout(() => r({}), 5)) });
    const n = 8;
    const waits = Array.from({ length: n }, (_, i) => ({ op: 'wait', name: `w${i}`, condition: { type: 'signal', signal_name: 'go' } }) as Strategy);
    const id = env.engine.startWorkflow(workflow(seq(act('a'), ...waits)), {});
    for (let i = 0; i < n; i++) expect(env.engine.signal(id, i % 3 === 0 ? 'other' : 'go', { i })).toBe(true);
    for (let i = 0; i < n; i++) if (i % 3 === 0) env.engine.signal(id, 'go', { i: 100 + i });
    const kept = env.engine.query('MATCH (:Execution)-[:RECEIVED]->(g:Signal) RETURN g.name AS name, g.seq AS seq, g.payload AS payload ORDER BY seq');
    expect(kept.rows.map((r) => r[1])).toEqual(Array.from({ length: n + 3 }, (_, i) => i + 1));
    const done = await env.engine.waitForCompletion(id);
    expect(done.status).toBe('completed');
    const got = waits.map((_, i) => (done.steps[`w${i}`] as { output: { i: number } }).output.i);
    expect(got).toEqual([1, 2, 4, 5, 7, 100, 103, 106]);
    // The 'other' signals are still kept, oldest first.
    expect(env.engine.query('MATCH (:Execution)-[:RECEIVED]->(g:Signal) RETURN g.seq AS seq ORDER BY seq').rows).toEqual([[1], [4], [7]]);
    expect(env.engine.verifyReplay()).toBe(env.engine.store.headTx);
  });
});

describe('attempt context', () => {
  it('every attempt gets executionId, taskId, attempt and a stable idempotencyKey', async () => {
    const seen: { executionId: string; taskId: string; attempt: number; key: string; aborted: boolean }[] = [];
    const registry = new ActivityRegistry().register(
      new FunctionActivity('a', (_i, ctx) => {
        seen.push({ executionId: ctx.executionId, taskId: ctx.taskId, attempt: ctx.attempt, key: ctx.idempotencyKey, aborted: ctx.signal.aborted });
        if (ctx.attempt < 3) throw new ActivityError('AGAIN', 'again');
        return {};
      }),
    );
    const engine = WorkflowEngine.builder().withClock(new VirtualClock({ autoAdvance: true })).withActivities(registry).build();
    const id = engine.startWorkflow(workflow(act('a')), {});
    expect((await engine.waitForCompletion(id)).status).toBe('completed');
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((s) => s.key)).size).toBe(1);
    expect(new Set(seen.map((s) => s.taskId)).size).toBe(1);
    expect(seen.every((s) => s.executionId === id && !s.aborted)).toBe(true);
    const started = engine.getEventHistory(id).filter((e) => e.type === 'ActivityStarted');
    expect(started.map((e) => (e.type === 'ActivityStarted' ? e.attempt : 0))).toEqual([1, 2, 3]);
    // Default policy: 1 s, then 2 s.
    expect(engine.getExecution(id)!.endedAt).toBe(3000);
  });
});

describe('replay determinism', () => {
  it('a predicate that changes its answer makes the replay fail with DETERMINISM', async () => {
    let flip = true;
    const env = engineWith({ a: ok(), b: ok() }, { coin: () => flip });
    const id = env.engine.startWorkflow(workflow({ op: 'decision', conditions: [{ condition: 'coin', branch: act('a') }], default_branch: act('b') } as Strategy), {});
    await env.engine.waitForCompletion(id);
    expect(env.engine.verifyReplay()).toBe(env.engine.store.headTx);
    flip = false;
    expect(() => env.engine.rebuildExecutionFromEvents(id)).toThrow(expect.objectContaining({ code: 'DETERMINISM' }));
  });
});
