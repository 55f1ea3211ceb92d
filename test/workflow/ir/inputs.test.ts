import { describe, expect, it } from 'vitest';
import { InputValidationError } from '../../../src/workflow/ir/errors.ts';
import { validateInputs, validateOutputs } from '../../../src/workflow/ir/inputs.ts';
import type { IOSpec } from '../../../src/workflow/ir/types.ts';

const specs: IOSpec[] = [
  { name: 'orderId', type: 'string', required: true },
  { name: 'amount', type: 'number', required: true },
  { name: 'items', type: 'array', required: false, default: [] },
  { name: 'options', type: 'object', required: false, default: { fast: true } },
  { name: 'express', type: 'boolean', required: false },
  { name: 'extra', type: 'any', required: false },
];

function err(fn: () => unknown): InputValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputValidationError);
    expect((e as InputValidationError).code).toBe('IR_INPUT');
    return e as InputValidationError;
  }
  throw new Error('expected an error');
}

describe('validateInputs', () => {
  it('fills defaults (copied) and keeps given values', () => {
    const out = validateInputs(specs, { orderId: 'o', amount: 2, extra: [1] });
    expect(out).toEqual({ orderId: 'o', amount: 2, items: [], options: { fast: true }, extra: [1] });
    (out.options as { fast: boolean }).fast = false;
    expect(specs[3]!.default).toEqual({ fast: true });
  });

  it('names a missing required input', () => {
    const e = err(() => validateInputs(specs, { amount: 1 }, { workflowId: 'order' }));
    expect(e.names).toEqual(['orderId']);
    expect(e.message).toBe('validateInputs: workflow "order": missing required input "orderId" (string)');
  });

  it('names every input of the wrong type', () => {
    const e = err(() => validateInputs(specs, { orderId: 1, amount: '2', items: {}, options: [], express: 'yes' }));
    expect(e.names).toEqual(['orderId', 'amount', 'items', 'options', 'express']);
    expect(e.message).toContain('input "amount" must be a number, got string');
    expect(e.message).toContain('input "items" must be an array, got object');
  });

  it('rejects non-finite numbers and unknown inputs unless allowed', () => {
    expect(err(() => validateInputs(specs, { orderId: 'o', amount: Infinity })).names).toEqual(['amount']);
    expect(err(() => validateInputs(specs, { orderId: 'o', amount: Infinity })).message).toContain('input "amount" must be a finite number, got Infinity');
    expect(err(() => validateInputs(specs, { orderId: 'o', amount: NaN })).message).toContain('input "amount" must be a finite number, got NaN');
    const e = err(() => validateInputs(specs, { orderId: 'o', amount: 1, orderID: 'x' }));
    expect(e.message).toContain('unknown input "orderID"');
    expect(validateInputs(specs, { orderId: 'o', amount: 1, orderID: 'x' }, { allowUnknown: true }).orderID).toBe('x');
  });

  it('null: accepted for optional inputs, rejected for required ones', () => {
    expect(validateInputs(specs, { orderId: 'o', amount: 1, express: null }).express).toBeNull();
    expect(err(() => validateInputs(specs, { orderId: null, amount: 1 })).message).toContain('required input "orderId" is null');
  });

  it('inputs must be an object', () => {
    expect(err(() => validateInputs(specs, [1])).message).toBe('validateInputs: inputs must be an object, got array');
    expect(validateInputs([], undefined)).toEqual({});
  });

  it('validateOutputs checks types and allows extra fields', () => {
    const outs: IOSpec[] = [{ name: 'processed', type: 'boolean', required: false }];
    expect(validateOutputs(outs, { processed: true, other: 1 })).toEqual({ processed: true, other: 1 });
    expect(err(() => validateOutputs(outs, { processed: 'yes' })).message).toContain('output "processed" must be a boolean');
  });
});
