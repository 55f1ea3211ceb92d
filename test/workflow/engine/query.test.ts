import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/workflow/clock.ts';
import { loadWorkflowFile } from '../../../src/workflow/ir/index.ts';
import { WorkflowEngine } from '../../../src/workflow/engine/index.ts';
import { orderProcessingActivities } from '../../../examples/activities/order-processing.ts';
import { settle } from './_helpers.ts';

describe('query (GQL over execution state)', () => {
  it('runs the example queries of docs/execution-graph.md', async () => {
    const ir = await loadWorkflowFile(fileURLToPath(new URL('../../../../shared/seed-workflows/order_processing.kotoba', import.meta.url)));
    const { registry } = orderProcessingActivities();
    const clock = new VirtualClock();
    const engine = WorkflowEngine.builder().withClock(clock).withActivities(registry).build();
    const id = engine.startWorkflow(ir, { orderId: 'o-1', customerId: 'c-1', amount: 42, items: [] });
    await settle();
    // Waiting on the fraud-check timer (PT10S): tokens, and the Timer node.
    const where = engine.query(
      "MATCH (e:Execution {status: 'running', workflow_id: 'order_processing_saga'})-[:OWNS]->(t:Token)-[:AT]->(s:Step) WHERE t.phase = 'active' AND s.op = 'wait' RETURN s.path AS path",
    );
    expect(where.rows).toEqual([['strategy.main_flow.strategies[1].branches[2].strategies[0]']]);
    const timers = engine.query('MATCH (:Execution)-[:OWNS]->(:Token)-[:WAITS]->(x:Timer) RETURN x.fire_at AS at');
    expect(timers.rows).toEqual([[10_000]]);
    const par = engine.query("MATCH (t:Token {phase: 'active'})-[:AT]->(s:Step {op: 'parallel'}) RETURN t.completed AS done, s.need AS need");
    expect(par.rows).toEqual([[2, 3]]);
    clock.advance(10_000);
    await engine.waitForCompletion(id);
    expect(engine.query("MATCH (e:Execution {status: 'completed'}) RETURN count(e) AS n").rows).toEqual([[1]]);
    expect(engine.createSnapshot().tx).toBe(engine.store.headTx);
  });
});
