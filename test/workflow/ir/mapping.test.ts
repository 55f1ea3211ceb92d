import { describe, expect, it } from 'vitest';
import { MappingError } from '../../../src/workflow/ir/errors.ts';
import { applyOutputMapping, parseMappingValue, resolveMapping } from '../../../src/workflow/ir/mapping.ts';

const data = {
  inputs: { orderId: 'o-1', amount: 12.5, items: [{ sku: 'A' }, { sku: 'B' }], nothing: null },
  steps: { validate_order: { output: { ok: true, customer: { id: 'c-9' } } } },
  vars: { idx: 1 },
};

describe('resolveMapping', () => {
  it('resolves paths and keeps literals as they are', () => {
    expect(
      resolveMapping(
        {
          order_id: '$.inputs.orderId',
          amount: '$.inputs.amount',
          sku: '$.inputs.items[$.vars.idx].sku',
          customer: '$.steps.validate_order.output.customer.id',
          whole: '$.steps.validate_order.output',
          nothing: '$.inputs.nothing',
          priority: 'high',
          approved: 'true',
          timestamp: 'now',
          n: 3,
          flag: false,
          nested: { a: '$.inputs.orderId' },
          list: ['$.inputs.orderId'],
          dollars: '$5',
          escaped: '$$.inputs.orderId',
        },
        data,
      ),
    ).toEqual({
      order_id: 'o-1',
      amount: 12.5,
      sku: 'B',
      customer: 'c-9',
      whole: { ok: true, customer: { id: 'c-9' } },
      nothing: null,
      priority: 'high',
      approved: 'true',
      timestamp: 'now',
      n: 3,
      flag: false,
      nested: { a: '$.inputs.orderId' },
      list: ['$.inputs.orderId'],
      dollars: '$5',
      escaped: '$.inputs.orderId',
    });
  });

  it('a missing required path is an error naming the key', () => {
    try {
      resolveMapping({ ok: '$.inputs.orderId', customer_id: '$.inputs.customerId' }, data);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MappingError);
      expect((e as MappingError).code).toBe('IR_MAPPING');
      expect((e as MappingError).key).toBe('customer_id');
      expect((e as MappingError).message).toBe(
        'resolveMapping: key "customer_id": $.inputs.customerId does not exist in the execution data (append "?" to make the path optional)',
      );
    }
  });

  it('an optional path that is missing leaves the key out', () => {
    expect(resolveMapping({ a: '$.inputs.customerId?', b: '$.steps.nope.output?', c: '$.inputs.orderId?' }, data)).toEqual({ c: 'o-1' });
  });

  it('bad paths are mapping errors', () => {
    expect(() => resolveMapping({ a: '$.inputz.x' }, data)).toThrow(MappingError);
    expect(() => resolveMapping({ a: '$.inputs.x +' }, data)).toThrow(/key "a": bad path/);
    // Every time: a path is parsed once and kept, a bad one is not kept.
    expect(() => resolveMapping({ b: '$.inputs.x +' }, data)).toThrow(/key "b": bad path/);
  });

  it('a path parsed once resolves against each call\'s data; input and output mappings keep their own roots', () => {
    expect(resolveMapping({ a: '$.inputs.orderId' }, data)).toEqual({ a: 'o-1' });
    expect(resolveMapping({ a: '$.inputs.orderId' }, { ...data, inputs: { orderId: 'o-2' } })).toEqual({ a: 'o-2' });
    expect(applyOutputMapping({ t: '$.output.total' }, { total: 3 })).toEqual({ t: 3 });
    // `$.output` parsed for an output mapping is still refused in an input mapping.
    expect(() => resolveMapping({ t: '$.output.total' }, data)).toThrow(/key "t": bad path/);
  });

  it('undefined mapping resolves to {}', () => {
    expect(resolveMapping(undefined, data)).toEqual({});
  });

  it('parseMappingValue classifies', () => {
    expect(parseMappingValue('$.inputs.a?')).toMatchObject({ kind: 'path', optional: true });
    expect(parseMappingValue('high')).toEqual({ kind: 'literal', value: 'high' });
    expect(parseMappingValue(null)).toEqual({ kind: 'literal', value: null });
  });
});

describe('applyOutputMapping', () => {
  it('reads $.output and the execution data', () => {
    expect(
      applyOutputMapping(
        { total: '$.output.total', receipt: '$.output', order: '$.inputs.orderId', source: 'payment', maybe: '$.output.none?' },
        { total: 42 },
        data,
      ),
    ).toEqual({ total: 42, receipt: { total: 42 }, order: 'o-1', source: 'payment' });
  });
  it('missing output fields are errors naming the key', () => {
    expect(() => applyOutputMapping({ total: '$.output.sum' }, { total: 1 })).toThrow(/applyOutputMapping: key "total"/);
  });
  it('no mapping assigns nothing', () => {
    expect(applyOutputMapping(undefined, { a: 1 })).toEqual({});
  });
});
