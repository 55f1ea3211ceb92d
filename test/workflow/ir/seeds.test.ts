import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFile } from '../../../src/workflow/ir/loader.ts';
import { stepName, walkStrategies } from '../../../src/workflow/ir/walk.ts';
import { classifyCondition } from '../../../src/workflow/ir/expression.ts';
import type { Strategy } from '../../../src/workflow/ir/types.ts';

const SEEDS = new URL('../../../../shared/seed-workflows/', import.meta.url);
const seed = (name: string): string => fileURLToPath(new URL(name, SEEDS));

function ops(s: Strategy): string[] {
  const out: string[] = [];
  walkStrategies(s, (n) => out.push(n.op));
  return out;
}

describe('seed workflows', () => {
  it('simple_sequence.kotoba loads', async () => {
    const ir = await loadWorkflowFile(seed('simple_sequence.kotoba'));
    expect(ir.id).toBe('user_registration');
    expect(ir.timeout).toBe('PT5M');
    expect(ir.inputs.map((i) => [i.name, i.required])).toEqual([
      ['username', true],
      ['email', true],
      ['password', true],
    ]);
    expect(ir.outputs.every((o) => o.required === false)).toBe(true);
    expect(ir.strategy.op).toBe('seq');
    const names: (string | undefined)[] = [];
    walkStrategies(ir.strategy, (s) => s.op === 'activity' && names.push(stepName(s)));
    expect(names).toEqual(['validate_user_data', 'check_username_availability', 'create_user_account', 'send_welcome_email']);
    expect(Object.isFrozen(ir.strategy)).toBe(true);
  });

  it('order_processing.kotoba loads with saga, parallel and retry policies', async () => {
    const ir = await loadWorkflowFile(seed('order_processing.kotoba'));
    expect(ir.id).toBe('order_processing_saga');
    expect(ir.strategy.op).toBe('saga');
    if (ir.strategy.op !== 'saga') throw new Error('unreachable');
    const main = ir.strategy.main_flow;
    if (main.op !== 'seq') throw new Error('expected seq');
    const par = main.strategies[1]!;
    if (par.op !== 'parallel') throw new Error('expected parallel');
    expect(par.completion_condition).toBe('all');
    expect(par.branches).toHaveLength(3);
    const pay = par.branches[0]!;
    expect(pay.op === 'activity' && pay.retry_policy?.backoff_coefficient).toBe(1.5);
    expect(pay.op === 'activity' && pay.retry_policy?.non_retryable_errors).toEqual(['INSUFFICIENT_FUNDS']);
    expect(ir.retry_policy).toEqual({ initial_interval: 'PT30S', backoff_coefficient: 1.2, maximum_interval: 'PT5M', maximum_attempts: 2 });
    expect(ir.metadata?.tags).toEqual(['ecommerce', 'saga', 'compensation']);
    expect(ops(ir.strategy)).toContain('wait');
  });

  it('complex_workflow.kotoba loads with predicates, any-parallel and event waits', async () => {
    const ir = await loadWorkflowFile(seed('complex_workflow.kotoba'));
    expect(ir.id).toBe('document_processing');
    expect(ir.timeout).toBe('PT72H');
    const conditions: string[] = [];
    const waits: string[] = [];
    walkStrategies(ir.strategy, (s) => {
      if (s.op === 'decision') conditions.push(...s.conditions.map((c) => c.condition));
      if (s.op === 'wait' && s.condition.type === 'event') waits.push(`${s.condition.event_type}@${s.timeout}`);
      if (s.op === 'parallel' && s.completion_condition === 'any') waits.push('any');
    });
    expect(conditions.map((c) => classifyCondition(c))).toEqual([
      { kind: 'predicate', name: 'is_high_priority' },
      { kind: 'predicate', name: 'is_medium_priority' },
    ]);
    expect(waits).toContain('review_completed@PT48H');
    expect(waits).toContain('any');
    // literal strings stay literal
    let finalize: unknown;
    walkStrategies(ir.strategy, (s) => {
      if (s.op === 'activity' && s.activity_ref === 'finalize_document') finalize = s.input_mapping;
    });
    expect(finalize).toEqual({ document_id: '$.inputs.documentId', approved: 'true' });
  });
});
