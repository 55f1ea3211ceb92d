import { describe, expect, it } from 'vitest';
import { WorkflowRefError } from '../../../src/workflow/ir/errors.ts';
import { checkWorkflowRefs } from '../../../src/workflow/ir/registry-check.ts';
import { validateWorkflow } from '../../../src/workflow/ir/schema.ts';
import type { Strategy, WorkflowIR } from '../../../src/workflow/ir/types.ts';

function wf(id: string, strategy: unknown): WorkflowIR {
  return validateWorkflow({ id, name: id, version: '1', strategy });
}
const call = (ref: string): unknown => ({ op: 'subworkflow', workflow_ref: ref });
const act = (ref: string): unknown => ({ op: 'activity', activity_ref: ref });

function refError(m: Map<string, WorkflowIR>): WorkflowRefError {
  try {
    checkWorkflowRefs(m);
  } catch (e) {
    expect(e).toBeInstanceOf(WorkflowRefError);
    return e as WorkflowRefError;
  }
  throw new Error('expected an error');
}

describe('checkWorkflowRefs', () => {
  it('accepts a DAG of sub-workflows', () => {
    const m = new Map([
      ['a', wf('a', { op: 'seq', strategies: [call('b'), call('c')] })],
      ['b', wf('b', call('c'))],
      ['c', wf('c', act('x'))],
    ]);
    expect(() => checkWorkflowRefs(m)).not.toThrow();
  });

  it('names the path of an unknown workflow_ref', () => {
    const m = new Map([['a', wf('a', { op: 'seq', strategies: [act('x'), { op: 'parallel', branches: [act('y'), call('missing')] }] })]]);
    const e = refError(m);
    expect(e.code).toBe('IR_UNKNOWN_REF');
    expect(e.issues).toEqual([{ path: 'a: strategy.strategies[1].branches[1].workflow_ref', message: 'unknown workflow "missing"' }]);
    expect(e.message).toBe('checkWorkflowRefs: a: strategy.strategies[1].branches[1].workflow_ref: unknown workflow "missing" (known: a)');
  });

  it('lists a cycle a → b → a', () => {
    const m = new Map([
      ['a', wf('a', { op: 'seq', strategies: [act('x'), call('b')] })],
      ['b', wf('b', { op: 'saga', main_flow: call('a'), compensation: act('undo') })],
    ]);
    const e = refError(m);
    expect(e.code).toBe('IR_REF_CYCLE');
    expect(e.cycles).toEqual([['a', 'b', 'a']]);
    expect(e.message).toBe('checkWorkflowRefs: b: strategy.main_flow.workflow_ref: sub-workflow cycle a → b → a');
  });

  it('finds self-calls and longer cycles', () => {
    const m = new Map<string, WorkflowIR>([
      ['s', wf('s', call('s'))],
      ['p', wf('p', call('q'))],
      ['q', wf('q', { op: 'decision', conditions: [{ condition: 'go', branch: call('r') }] })],
      ['r', wf('r', call('p'))],
    ]);
    const e = refError(m);
    expect(e.cycles).toEqual([
      ['p', 'q', 'r', 'p'],
      ['s', 's'],
    ]);
  });

  it('walks every kind of child strategy', () => {
    const s: Strategy = wf('z', { op: 'decision', conditions: [{ condition: 'c', branch: act('a') }], default_branch: call('nope') }).strategy;
    const e = refError(new Map([['z', { ...wf('z', act('a')), strategy: s }]]));
    expect(e.issues[0]!.path).toBe('z: strategy.default_branch.workflow_ref');
  });
});
