import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFile, validateWorkflow } from '../../../src/workflow/ir/index.ts';
import { buildProgramGraph, buildRuleSet, compileWorkflow, triggerPhases } from '../../../src/workflow/compiler/index.ts';
import { tokenNeeds } from '../../../src/workflow/compiler/rules.ts';
import { defineRule } from '../../../src/rules/index.ts';

const SEEDS = fileURLToPath(new URL('../../../../shared/seed-workflows', import.meta.url));

describe('program graph', () => {
  it('order_processing: one Step per strategy node, structure edges', async () => {
    const ir = await loadWorkflowFile(`${SEEDS}/order_processing.kotoba`);
    const g = buildProgramGraph(ir);
    expect(g.key).toBe('order_processing_saga@1.0.0');
    expect(g.workflowNodeId).toBe('workflow:order_processing_saga@1.0.0');
    const steps = g.nodes.filter((n) => n.labels.includes('Step'));
    expect(steps).toHaveLength(14);
    const count = (t: string) => g.edges.filter((e) => e.type === t).length;
    expect([count('ROOT'), count('MAIN'), count('COMPENSATION'), count('FIRST'), count('BRANCH'), count('NEXT')]).toEqual([1, 1, 1, 3, 3, 5]);
    const pay = steps.find((s) => s.props.activity_ref === 'process_payment')!;
    expect(pay.id).toBe('step:order_processing_saga@1.0.0:strategy.main_flow.strategies[1].branches[0]');
    expect(pay.props).toMatchObject({
      op: 'activity',
      name: 'process_payment',
      retry_policy: { initialIntervalMs: 2000, backoffCoefficient: 1.5, maximumIntervalMs: 60_000, maximumAttempts: 5, nonRetryableErrors: ['INSUFFICIENT_FUNDS'] },
    });
    const par = steps.find((s) => s.props.op === 'parallel')!;
    expect(par.props).toMatchObject({ completion: 'all', branches: 3, need: 3 });
    const timer = steps.find((s) => s.props.op === 'wait')!;
    expect(timer.props).toMatchObject({ wait: 'timer', duration_ms: 10_000 });
    const w = g.nodes[0];
    expect(w.props).toMatchObject({ timeout_ms: 600_000, retry_policy: { initialIntervalMs: 30_000, maximumAttempts: 2 } });
  });

  it('decision branches carry their condition; the default comes last', async () => {
    const ir = await loadWorkflowFile(`${SEEDS}/complex_workflow.kotoba`);
    const g = buildProgramGraph(ir);
    const dec = g.nodes.find((n) => n.props.op === 'decision')!;
    const branches = g.edges.filter((e) => e.type === 'BRANCH' && e.src === dec.id).map((e) => e.props);
    expect(branches).toEqual([{ index: 0, condition: 'is_high_priority' }, { index: 1, condition: 'is_medium_priority' }, { index: 2, default: true }]);
    expect(dec.props).toMatchObject({ conditions: ['is_high_priority', 'is_medium_priority'], has_default: true });
  });

  it('at_least and any set `need`', () => {
    const ir = validateWorkflow({
      id: 'p',
      name: 'p',
      version: '1',
      strategy: {
        op: 'seq',
        strategies: [
          { op: 'parallel', completion_condition: 'at_least', count: 2, branches: [1, 2, 3].map((i) => ({ op: 'activity', activity_ref: `a${i}` })) },
          { op: 'parallel', completion_condition: 'any', branches: [1, 2].map((i) => ({ op: 'activity', activity_ref: `b${i}` })) },
        ],
      },
    });
    const needs = buildProgramGraph(ir).nodes.filter((n) => n.props.op === 'parallel').map((n) => n.props.need);
    expect(needs).toEqual([2, 1]);
  });
});

describe('rule set', () => {
  it('every rule compiles with src/rules, and a workflow gets only the rules of its ops', async () => {
    const set = buildRuleSet();
    for (const r of [...set.internal, ...Object.values(set.facts)]) expect(() => defineRule(r)).not.toThrow();
    const ir = await loadWorkflowFile(`${SEEDS}/simple_sequence.kotoba`);
    const names = compileWorkflow(ir, set).rules.map((r) => r.name);
    expect(names).toContain('seq.enter');
    expect(names).toContain('activity.schedule');
    expect(names.some((n) => n.startsWith('parallel.') || n.startsWith('saga.') || n.startsWith('decision.'))).toBe(false);
  });

  it('trigger phases name what each internal rule needs', () => {
    const set = buildRuleSet();
    const byName = new Map(set.internal.map((r) => [r.name, triggerPhases(r)]));
    expect(byName.get('seq.enter')).toEqual([['enter']]);
    expect(byName.get('child.done')).toEqual([['done'], ['active']]);
    expect(byName.get('cancel.propagate')).toEqual([['enter', 'active', 'done', 'failed', 'compensating'], ['done', 'failed', 'cancelled']]);
  });

  it('token needs refine the trigger phases with what the pattern requires of each token', () => {
    const set = buildRuleSet();
    for (const r of set.internal) expect(tokenNeeds(r).map((n) => n.phases)).toEqual(triggerPhases(r));
    const needs = new Map(set.internal.map((r) => [r.name, tokenNeeds(r)]));
    expect(needs.get('seq.enter')).toEqual([{ phases: ['enter'], ops: ['seq'], root: null, kids: null, next: null }]);
    // Deleted in DPO mode with no PARENT edge deleted: a root token without children (dangling condition).
    expect(needs.get('execution.complete')).toEqual([{ phases: ['done'], ops: null, root: true, kids: false, next: null }]);
    // Its NAC forbids the token a parent: the root token only.
    expect(needs.get('execution.outputs_invalid')).toEqual([{ phases: ['done'], ops: null, root: true, kids: null, next: null }]);
    // Its NAC: the token moves on only without child tokens.
    expect(needs.get('step.next')).toEqual([
      { phases: ['done'], ops: null, root: false, kids: false, next: true },
      { phases: ['active'], ops: null, root: null, kids: true, next: null },
    ]);
    expect(needs.get('child.done')).toEqual([
      { phases: ['done'], ops: null, root: false, kids: false, next: false },
      { phases: ['active'], ops: ['seq', 'decision'], root: null, kids: true, next: null },
    ]);
    expect(needs.get('cancel.propagate')![1]).toEqual({ phases: ['done', 'failed', 'cancelled'], ops: null, root: null, kids: true, next: null });
    // SPO: the dangling condition does not apply.
    expect(needs.get('cancel.reap')).toEqual([{ phases: ['cancelled'], ops: null, root: null, kids: false, next: null }]);
  });
});
