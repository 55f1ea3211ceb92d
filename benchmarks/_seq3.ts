/**
 * The three-step workflow the durable and distributed benchmarks run (and
 * DBOS runs as three steps): inc, double, inc on `n`, output `v` =
 * (n + 1) * 2 + 1. Also the activities module the distributed benchmark's
 * workers load (`itonami worker --activities benchmarks/_seq3.ts`).
 */
import { ActivityRegistry, FunctionActivity, validateWorkflow } from '../src/workflow/index.ts';
import type { WorkflowIR } from '../src/workflow/index.ts';

export const SEQ3: WorkflowIR = validateWorkflow({
  id: 'seq3',
  name: 'seq3',
  version: '1',
  inputs: [{ name: 'n', type: 'number', required: true }],
  outputs: [{ name: 'v', type: 'number' }],
  strategy: {
    op: 'seq',
    strategies: [
      { op: 'activity', name: 'a', activity_ref: 'inc', input_mapping: { v: '$.inputs.n' } },
      { op: 'activity', name: 'b', activity_ref: 'double', input_mapping: { v: '$.steps.a.output.v' } },
      { op: 'activity', name: 'c', activity_ref: 'inc', input_mapping: { v: '$.steps.b.output.v' }, output_mapping: { v: '$.output.v' } },
    ],
  },
});

export function activities(): ActivityRegistry {
  return new ActivityRegistry()
    .register(new FunctionActivity('inc', (input) => ({ v: (input.v as number) + 1 })))
    .register(new FunctionActivity('double', (input) => ({ v: (input.v as number) * 2 })));
}

/** The output `v` of SEQ3 for input `n`. */
export const expected = (n: number): number => (n + 1) * 2 + 1;
