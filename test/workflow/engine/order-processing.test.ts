import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ActivityRegistry, FunctionActivity } from '../../../src/workflow/activities/index.ts';
import { VirtualClock } from '../../../src/workflow/clock.ts';
import { loadWorkflowFile } from '../../../src/workflow/ir/index.ts';
import { WorkflowEngine } from '../../../src/workflow/engine/index.ts';
import { orderProcessingActivities } from '../../../examples/activities/order-processing.ts';
import type { OrderProcessingOptions } from '../../../examples/activities/order-processing.ts';

const SEED = fileURLToPath(new URL('../../../../shared/seed-workflows/order_processing.kotoba', import.meta.url));
const INPUTS = { orderId: 'o-1', customerId: 'c-1', amount: 42, items: [{ sku: 'a', qty: 1 }] };

async function run(options: OrderProcessingOptions = {}) {
  const ir = await loadWorkflowFile(SEED);
  const { registry, calls } = orderProcessingActivities(options);
  const clock = new VirtualClock({ autoAdvance: true });
  const engine = WorkflowEngine.builder().withStorage('memory').withClock(clock).withActivities(registry).build();
  const id = engine.startWorkflow(ir, INPUTS);
  const done = await engine.waitForCompletion(id);
  return { engine, id, done, calls, clock };
}

describe('order_processing.kotoba', () => {
  it('happy path: saga main flow with parallel branches and a timer', async () => {
    const { engine, id, done, calls } = await run();
    expect(done.status).toBe('completed');
    const names = calls.map((c) => c.name);
    expect(names[0]).toBe('validate_order');
    expect(names.at(-1)).toBe('send_confirmation');
    expect(new Set(names.slice(1, 4))).toEqual(new Set(['process_payment', 'reserve_inventory', 'fraud_check']));
    // The fraud check waits PT10S on the virtual clock.
    expect(calls.find((c) => c.name === 'fraud_check')!.at).toBe(10_000);
    expect(done.outputs).toEqual({ processed: true, confirmationId: 'conf-o-1', totalAmount: 42 });
    const types = engine.getEventHistory(id).map((e) => e.type);
    expect(types).toContain('TimerScheduled');
    expect(types).toContain('TimerFired');
    expect(types).not.toContain('CompensationStarted');
  });

  it('failing payment: compensation runs in order and the execution ends failed-and-compensated', async () => {
    const { engine, id, done, calls } = await run({ failPayment: true });
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'INSUFFICIENT_FUNDS', compensated: true });
    const names = calls.map((c) => c.name);
    expect(names.slice(-3)).toEqual(['cancel_payment', 'release_inventory', 'send_failure_notification']);
    expect(names).not.toContain('fraud_check'); // its branch was cancelled while waiting on the timer
    expect(names).not.toContain('send_confirmation');
    expect(calls.find((c) => c.name === 'send_failure_notification')!.input).toEqual({ order_id: 'o-1', customer_id: 'c-1', reason: 'ORDER_PROCESSING_FAILED' });
    const types = engine.getEventHistory(id).map((e) => e.type);
    expect(types).toContain('CompensationStarted');
    expect(types).toContain('CompensationCompleted');
    expect(types.at(-1)).toBe('WorkflowFailed');
    expect(done.tokens).toEqual([]);
    // Nothing of the execution is left in flight: no tasks, no timers.
    let left = 0;
    engine.store.head().forEachNodeWithLabel('Task', () => void left++);
    engine.store.head().forEachNodeWithLabel('Timer', () => void left++);
    expect(left).toBe(0);
  });

  it('retries a flaky payment with the step policy (2 s, then 3 s)', async () => {
    const { engine, id, done, calls } = await run({ flakyPayment: 2 });
    expect(done.status).toBe('completed');
    const pay = calls.filter((c) => c.name === 'process_payment').map((c) => c.at);
    expect(pay).toEqual([0, 2000, 5000]);
    const failed = engine.getEventHistory(id).filter((e) => e.type === 'ActivityFailed');
    expect(failed.map((e) => (e.type === 'ActivityFailed' ? [e.attempt, e.willRetry] : null))).toEqual([
      [1, true],
      [2, true],
    ]);
  });
});

describe('replay', () => {
  it('rebuilds executions from the rewrite log, reproducing every root CID', async () => {
    for (const options of [{}, { failPayment: true }, { flakyPayment: 2 }]) {
      const { engine, id, done } = await run(options);
      expect(engine.verifyReplay()).toBe(engine.store.headTx);
      const rebuilt = engine.rebuildExecutionFromEvents(id);
      expect({ ...rebuilt, tx: 0 }).toEqual({ ...done, tx: 0 });
    }
  });
});

describe('workflow timeout in a saga', () => {
  it('cancels the main flow, compensates, and fails with WORKFLOW_TIMEOUT', async () => {
    const ir = await loadWorkflowFile(SEED);
    const { registry, calls } = orderProcessingActivities();
    const hung = new FunctionActivity('process_payment', () => new Promise(() => undefined));
    const reg2 = new ActivityRegistry();
    for (const name of registry.list()) reg2.register(name === 'process_payment' ? hung : registry.get(name));
    const clock = new VirtualClock();
    const engine = WorkflowEngine.builder().withClock(clock).withActivities(reg2).build();
    const id = engine.startWorkflow(ir, INPUTS);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    clock.advance(600_000);
    const done = await engine.waitForCompletion(id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'WORKFLOW_TIMEOUT', compensated: true });
    expect(calls.map((c) => c.name).slice(-3)).toEqual(['cancel_payment', 'release_inventory', 'send_failure_notification']);
    expect(engine.getEventHistory(id).map((e) => e.type)).toEqual(expect.arrayContaining(['WorkflowTimedOut', 'CompensationStarted', 'CompensationCompleted', 'WorkflowFailed']));
    expect(engine.verifyReplay()).toBe(engine.store.headTx);
  });
});
