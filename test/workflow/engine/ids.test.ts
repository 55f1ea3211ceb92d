import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defineRule } from '../../../src/rules/index.ts';
import type { Rule } from '../../../src/rules/index.ts';
import { VirtualClock } from '../../../src/workflow/clock.ts';
import { buildRuleSet } from '../../../src/workflow/compiler/index.ts';
import { loadWorkflowFile } from '../../../src/workflow/ir/index.ts';
import { EngineError, replayLog, WorkflowEngine } from '../../../src/workflow/engine/index.ts';
import { orderProcessingActivities } from '../../../examples/activities/order-processing.ts';

const SEED = fileURLToPath(new URL('../../../../shared/seed-workflows/order_processing.kotoba', import.meta.url));
const INPUTS = { orderId: 'o-1', customerId: 'c-1', amount: 42, items: [{ sku: 'a', qty: 1 }] };

async function run(options = {}): Promise<{ engine: WorkflowEngine; id: string }> {
  const { registry } = orderProcessingActivities(options);
  const engine = WorkflowEngine.builder().withClock(new VirtualClock({ autoAdvance: true })).withActivities(registry).build();
  const id = engine.startWorkflow(await loadWorkflowFile(SEED), INPUTS);
  await engine.waitForCompletion(id);
  return { engine, id };
}

/** The engine's rules as plain `defineRule` makes them: created ids start with the rule's full name. */
function fullNameRules(): Map<string, Rule> {
  const set = buildRuleSet();
  const m = new Map<string, Rule>();
  for (const def of [...Object.values(set.facts), ...set.internal]) m.set(def.name, defineRule(def));
  return m;
}

describe('ids of created elements', () => {
  it('start with the initials of the engine rule that made them', async () => {
    const { engine, id } = await run();
    expect(id).toMatch(/^es:\d+\.0:\d+$/);
    expect(engine.query('MATCH (e:Execution) RETURN id(e)').rows).toEqual([[id]]);
    // Tasks are gone once done: their ids are in the events.
    const tasks = engine.getEventHistory(id).flatMap((e) => (e.type === 'ActivityScheduled' ? [e.taskId] : []));
    expect(tasks.length).toBeGreaterThanOrEqual(4);
    for (const t of tasks) expect(t).toMatch(/^as:\d+\.\d+:\d+$/);
  });

  it('are replayed as recorded: rules that would make other ids re-derive every root CID', async () => {
    for (const options of [{}, { failPayment: true }]) {
      const { engine } = await run(options);
      const rules = fullNameRules();
      // These rules make `execution.start:...` ids, not `es:...`: replay takes the log's.
      expect(rules.get('execution.start')!.idPrefix).toBe('execution.start');
      expect(replayLog(engine.store, rules).verified).toBe(engine.store.headTx);
    }
  });

  it('a replay whose rule creates an element the record has no id for is a determinism error', async () => {
    const { engine } = await run();
    const rules = fullNameRules();
    const start = buildRuleSet().facts['execution.start'];
    // One more created node than the recorded application made.
    rules.set('execution.start', defineRule({ ...start, nodes: [...start.nodes, { var: 'extra', labels: ['Extra'], action: 'create' }] }));
    expect(() => replayLog(engine.store, rules)).toThrow(EngineError);
    expect(() => replayLog(engine.store, rules)).toThrow(/rule "execution.start" does not apply at its recorded match: .*no id given for created "extra"/);
  });
});
