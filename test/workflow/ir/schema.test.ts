import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IrValidationError } from '../../../src/workflow/ir/errors.ts';
import { validateWorkflow, validateWorkflowDocument } from '../../../src/workflow/ir/schema.ts';

/** A small valid workflow: saga whose main flow is a seq of 3. */
function base(): any {
  return {
    id: 'order',
    name: 'Order',
    version: '1.0.0',
    inputs: [
      { name: 'orderId', type: 'string', required: true },
      { name: 'amount', type: 'number' },
    ],
    outputs: [],
    strategy: {
      op: 'saga',
      main_flow: {
        op: 'seq',
        strategies: [
          { op: 'activity', activity_ref: 'validate', input_mapping: { id: '$.inputs.orderId' } },
          { op: 'activity', activity_ref: 'charge', name: 'pay', output_mapping: { receipt: '$.output.receipt' } },
          { op: 'activity', activity_ref: 'confirm', input_mapping: { r: '$.steps.pay.output.receipt', v: '$.vars.receipt' } },
        ],
      },
      compensation: { op: 'activity', activity_ref: 'refund' },
    },
  };
}

function issuesOf(wf: unknown): IrValidationError {
  try {
    validateWorkflow(wf, { filename: 'order.kotoba' });
  } catch (e) {
    expect(e).toBeInstanceOf(IrValidationError);
    expect((e as IrValidationError).code).toBe('IR_INVALID');
    return e as IrValidationError;
  }
  throw new Error('expected a validation error');
}

describe('validateWorkflow', () => {
  it('reports every problem at once: reference problems beside structural ones, and a stray top-level field beside the workflow\'s', () => {
    const wf = base();
    wf.inputs.push({ name: 'amount', type: 'number' });
    wf.strategy.main_flow.strategies.push({ op: 'teleport' }, { op: 'activity', activity_ref: 'x', input_mapping: { q: '$.inputs.zzz' } });
    const issues = (f: () => unknown): { path: string; message: string }[] => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(IrValidationError);
        return [...(e as IrValidationError).issues];
      }
      throw new Error('valid');
    };
    const all = issues(() => validateWorkflow(wf));
    expect(all.map((i) => i.path)).toEqual(['strategy.main_flow.strategies[3].op', 'inputs[2].name', 'strategy.main_flow.strategies[4].input_mapping.q']);
    expect(all[1].message).toBe('duplicate input name "amount"');
    const doc = issues(() => validateWorkflowDocument({ workflow: wf, helper: 1 }));
    expect(doc.map((i) => i.path)).toEqual(['', ...all.map((i) => i.path)]);
    expect(doc[0].message).toMatch(/unknown top-level field\(s\) "helper"/);
  });

  it('accepts the base workflow and normalizes defaults', () => {
    const ir = validateWorkflow(base());
    expect(ir.inputs[1]!.required).toBe(false);
    expect(Object.isFrozen(ir)).toBe(true);
  });

  it('returns an IR it validated as it is, and validates any other object', () => {
    const ir = validateWorkflow(base());
    expect(validateWorkflow(ir)).toBe(ir);
    // An equal but separate object is checked again (and a broken copy refused).
    const copy = JSON.parse(JSON.stringify(ir)) as ReturnType<typeof base>;
    expect(validateWorkflow(copy)).not.toBe(copy);
    copy.strategy.main_flow.strategies[2].op = 'sequence';
    expect(() => validateWorkflow(copy)).toThrow(IrValidationError);
  });

  it('unknown op names the path and lists the ops', () => {
    const wf = base();
    wf.strategy.main_flow.strategies[2].op = 'sequence';
    const e = issuesOf(wf);
    expect(e.issues[0]!.path).toBe('strategy.main_flow.strategies[2].op');
    expect(e.message).toBe(
      'order.kotoba: strategy.main_flow.strategies[2].op: unknown op "sequence" (expected one of seq, parallel, decision, wait, saga, activity, subworkflow)',
    );
  });

  it('suggests the closest op', () => {
    const wf = base();
    wf.strategy.main_flow.op = 'sqe';
    expect(issuesOf(wf).message).toContain('did you mean "seq"?');
  });

  it('missing op', () => {
    const wf = base();
    delete wf.strategy.compensation.op;
    const e = issuesOf(wf);
    expect(e.issues).toEqual([{ path: 'strategy.compensation.op', message: expect.stringContaining('missing "op"') }]);
  });

  it('missing activity_ref', () => {
    const wf = base();
    delete wf.strategy.main_flow.strategies[0].activity_ref;
    const e = issuesOf(wf);
    expect(e.issues).toEqual([{ path: 'strategy.main_flow.strategies[0].activity_ref', message: 'missing required field (expected string)' }]);
    expect(e.message).toContain('order.kotoba: strategy.main_flow.strategies[0].activity_ref: missing required field');
  });

  it('wrong types', () => {
    const wf = base();
    wf.strategy.main_flow.strategies[1].activity_ref = 42;
    wf.version = 1;
    const e = issuesOf(wf);
    expect(e.issues).toContainEqual({ path: 'strategy.main_flow.strategies[1].activity_ref', message: 'expected string, got number' });
    expect(e.issues).toContainEqual({ path: 'version', message: 'expected string, got number' });
  });

  it('a number of the wrong kind is named by its value: an integer expected, or a finite number', () => {
    const wf = base();
    wf.strategy.main_flow.strategies[0].retry_policy = { maximum_attempts: 1.5, backoff_coefficient: Infinity };
    const e = issuesOf(wf);
    expect(e.issues).toContainEqual({ path: 'strategy.main_flow.strategies[0].retry_policy.maximum_attempts', message: 'expected an integer, got 1.5' });
    expect(e.issues).toContainEqual({ path: 'strategy.main_flow.strategies[0].retry_policy.backoff_coefficient', message: 'expected a finite number, got Infinity' });
  });

  it('a strategy that is not an object', () => {
    const wf = base();
    wf.strategy.main_flow.strategies[1] = 'activity';
    expect(issuesOf(wf).issues[0]!.path).toBe('strategy.main_flow.strategies[1]');
  });

  it('unknown fields are rejected with a hint', () => {
    const wf = base();
    wf.strategy.main_flow.strategies[0].input_maping = {};
    wf.colour = 'blue';
    const e = issuesOf(wf);
    expect(e.issues).toContainEqual({
      path: 'strategy.main_flow.strategies[0].input_maping',
      message: 'unknown field "input_maping"; did you mean "input_mapping"?',
    });
    expect(e.issues.map((i) => i.path)).toContain('colour');
  });

  it('at_least without count, count > branches, count without at_least', () => {
    const par = (extra: object): any => {
      const wf = base();
      wf.strategy.main_flow.strategies[1] = {
        op: 'parallel',
        branches: [{ op: 'activity', activity_ref: 'a' }, { op: 'activity', activity_ref: 'b' }],
        ...extra,
      };
      // The pay step is gone: drop its reader too, so that only the parallel's problem is left.
      wf.strategy.main_flow.strategies[2].input_mapping = {};
      return wf;
    };
    expect(issuesOf(par({ completion_condition: 'at_least' })).issues).toEqual([
      { path: 'strategy.main_flow.strategies[1].count', message: 'completion_condition "at_least" needs a count' },
    ]);
    expect(issuesOf(par({ completion_condition: 'at_least', count: 3 })).issues).toEqual([
      { path: 'strategy.main_flow.strategies[1].count', message: 'count 3 is greater than the number of branches (2)' },
    ]);
    expect(issuesOf(par({ completion_condition: 'any', count: 1 })).issues[0]!.path).toBe('strategy.main_flow.strategies[1].count');
    expect(issuesOf(par({ completion_condition: 'some' })).issues).toEqual([
      { path: 'strategy.main_flow.strategies[1].completion_condition', message: 'expected one of "all", "any", "at_least", got "some"' },
    ]);
    // the saga's pay step is gone, so its reference now fails: replace the reader too
    const ok = par({ completion_condition: 'at_least', count: 2 });
    ok.strategy.main_flow.strategies[2].input_mapping = {};
    const ir = validateWorkflow(ok);
    expect(ir.strategy.op === 'saga' && ir.strategy.main_flow.op === 'seq' && ir.strategy.main_flow.strategies[1]).toMatchObject({ count: 2 });
  });

  it('bad durations, everywhere they occur', () => {
    const wf = base();
    wf.timeout = 'PT';
    wf.strategy.main_flow.strategies[0].retry_policy = { initial_interval: '1S', maximum_attempts: 3 };
    wf.strategy.compensation = { op: 'wait', condition: { type: 'timer', duration: 'P1M' } };
    const e = issuesOf(wf);
    expect(e.issues.map((i) => i.path)).toEqual([
      'strategy.main_flow.strategies[0].retry_policy.initial_interval',
      'strategy.compensation.condition.duration',
      'timeout',
    ]);
    expect(e.issues[1]!.message).toContain('invalid duration "P1M": uses years or months');
    expect(e.issues[2]!.message).toBe('invalid duration "PT": has "T" but no hours, minutes or seconds after it');
  });

  it('a retry policy whose maximum_interval is below its initial_interval, with its path', () => {
    const wf = base();
    wf.retry_policy = { initial_interval: 'PT1M', maximum_interval: 'PT30S' };
    wf.strategy.main_flow.strategies[1].retry_policy = { initial_interval: 'PT10S', maximum_interval: 'PT5S' };
    wf.strategy.main_flow.strategies[2].retry_policy = { initial_interval: 'PT5S', maximum_interval: 'PT5S' }; // equal is fine
    const e = issuesOf(wf);
    expect(e.issues).toEqual([
      { path: 'strategy.main_flow.strategies[1].retry_policy.maximum_interval', message: 'maximum_interval PT5S is less than initial_interval PT10S' },
      { path: 'retry_policy.maximum_interval', message: 'maximum_interval PT30S is less than initial_interval PT1M' },
    ]);
  });

  it('unknown wait condition type', () => {
    const wf = base();
    wf.strategy.compensation = { op: 'wait', condition: { type: 'alarm' } };
    expect(issuesOf(wf).message).toContain(
      'strategy.compensation.condition.type: unknown wait condition type "alarm" (expected one of timer, signal, event)',
    );
  });

  it('decision conditions: expression syntax errors name the column', () => {
    const wf = base();
    wf.strategy.compensation = {
      op: 'decision',
      conditions: [
        { condition: 'is_vip', branch: { op: 'activity', activity_ref: 'a' } },
        { condition: '$.inputs.amount > ', branch: { op: 'activity', activity_ref: 'b' } },
      ],
    };
    const e = issuesOf(wf);
    expect(e.issues).toEqual([
      {
        path: 'strategy.compensation.conditions[1].condition',
        message: 'syntax error at column 19: unexpected end of input in "$.inputs.amount > "',
      },
    ]);
  });

  it('references to undeclared inputs and unknown steps', () => {
    const wf = base();
    wf.strategy.main_flow.strategies[0].input_mapping.id = '$.inputs.orderID';
    wf.strategy.main_flow.strategies[2].input_mapping.r = '$.steps.payy.output.receipt';
    const e = issuesOf(wf);
    expect(e.issues).toEqual([
      {
        path: 'strategy.main_flow.strategies[0].input_mapping.id',
        message: '"$.inputs.orderID" reads input "orderID", which is not declared in inputs; did you mean "orderId"?',
      },
      {
        path: 'strategy.main_flow.strategies[2].input_mapping.r',
        message: '"$.steps.payy.output.receipt" reads step "payy", but no step has that name or activity_ref; did you mean "pay"?',
      },
    ]);
  });

  it('malformed mapping paths', () => {
    const wf = base();
    wf.strategy.main_flow.strategies[0].input_mapping.id = '$.input.orderId';
    expect(issuesOf(wf).issues[0]).toEqual({
      path: 'strategy.main_flow.strategies[0].input_mapping.id',
      message: 'bad path "$.input.orderId": column 3: a path must start with "$.inputs", "$.steps", "$.vars"; found "input"',
    });
  });

  it('duplicate explicit step names and bad names', () => {
    const wf = base();
    wf.strategy.main_flow.strategies[0].name = 'pay';
    wf.strategy.compensation.name = 'not ok';
    const e = issuesOf(wf);
    // Both at once: the bad name (structural) and the duplicate (a reference check).
    expect(e.issues.map((i) => i.path)).toEqual(['strategy.compensation.name', 'strategy.main_flow.strategies[1].name']);
    delete wf.strategy.compensation.name;
    const e2 = issuesOf(wf);
    expect(e2.issues).toEqual([
      { path: 'strategy.main_flow.strategies[1].name', message: 'step name "pay" is already used at strategy.main_flow.strategies[0]' },
    ]);
  });

  it('inputs: defaults must match the type', () => {
    const wf = base();
    wf.inputs.push({ name: 'n', type: 'number', default: 'x' }, { name: 'm', type: 'text' });
    const e = issuesOf(wf);
    expect(e.issues[0]).toEqual({ path: 'inputs[2].default', message: 'default does not match type "number"' });
    expect(e.issues[1]!.path).toBe('inputs[3].type');
  });

  it('collects all issues and shows the first few', () => {
    const wf = base();
    for (const s of wf.strategy.main_flow.strategies) s.bogus = 1;
    wf.a = 1;
    wf.b = 2;
    wf.c = 3;
    const e = issuesOf(wf);
    expect(e.issues.length).toBe(6);
    expect(e.message.split('\n')).toHaveLength(6);
    expect(e.message).toContain('... and 1 more problem(s)');
  });

  it('document wrapper', () => {
    expect(() => validateWorkflowDocument({ workflows: {} }, { filename: 'x.kotoba' })).toThrow(/x.kotoba: .*no "workflow" field/);
    expect(() => validateWorkflowDocument({ workflow: base(), extra: 1 })).toThrow(/unknown top-level field/);
    expect(validateWorkflowDocument({ workflow: base() }).id).toBe('order');
  });
});

describe('validateWorkflow never crashes', () => {
  it('property: arbitrary JSON gives a workflow or an IrValidationError', () => {
    const strategyish = fc.letrec<{ s: unknown }>((tie) => ({
      s: fc.oneof(
        { depthSize: 'small' },
        fc.record(
          {
            op: fc.constantFrom('seq', 'parallel', 'decision', 'wait', 'saga', 'activity', 'subworkflow', 'bogus'),
            strategies: fc.array(tie('s'), { maxLength: 3 }),
            branches: fc.array(tie('s'), { maxLength: 3 }),
            activity_ref: fc.oneof(fc.string(), fc.integer()),
            completion_condition: fc.constantFrom('all', 'any', 'at_least', 'x'),
            count: fc.integer({ min: -1, max: 4 }),
            condition: fc.oneof(fc.string(), fc.record({ type: fc.constantFrom('timer', 'event'), duration: fc.string() })),
            input_mapping: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.constant('$.inputs.a'), fc.constant('$.steps.'))),
            timeout: fc.oneof(fc.constant('PT1S'), fc.string()),
          },
          { requiredKeys: ['op'] },
        ),
        fc.anything(),
      ),
    })).s;
    fc.assert(
      fc.property(fc.record({ id: fc.string(), name: fc.string(), version: fc.string(), strategy: strategyish }, { requiredKeys: [] }), (wf) => {
        try {
          validateWorkflow(wf);
        } catch (e) {
          expect(e).toBeInstanceOf(IrValidationError);
          expect((e as IrValidationError).issues.length).toBeGreaterThan(0);
          for (const i of (e as IrValidationError).issues) expect(typeof i.path).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
  });
});
