import { GqlTypeError } from '../eval-errors.ts';
import type { Ctx, Row } from './context.ts';
import type { AggSpec } from './expr.ts';
import { Float, groupKey, intOp, kindOf, orderCompare } from './values.ts';
import type { Value } from './values.ts';

/** The running state of one aggregate over one group. */
export interface AggState {
  add(row: Row, ctx: Ctx): void;
  result(): Value;
}

export function newAggState(spec: AggSpec): AggState {
  const seen = spec.distinct ? new Set<string>() : null;
  const arg = spec.arg;
  const take = (row: Row, ctx: Ctx): Value | undefined => {
    const v = arg === null ? true : arg(row, ctx);
    if (v === null) return undefined;
    if (seen !== null) {
      const k = groupKey(v);
      if (seen.has(k)) return undefined;
      seen.add(k);
    }
    return v;
  };
  switch (spec.name) {
    case 'count': {
      let n = 0;
      return { add: (r, c) => void (take(r, c) !== undefined && n++), result: () => n };
    }
    case 'collect': {
      const xs: Value[] = [];
      return { add: (r, c) => void ((v) => v !== undefined && xs.push(v))(take(r, c)), result: () => xs };
    }
    case 'sum': {
      let s: number | bigint = 0;
      let f: number | null = null;
      return {
        add: (r, c) => {
          const v = take(r, c);
          if (v === undefined) return;
          if (typeof v === 'number' || typeof v === 'bigint') {
            if (f === null) s = intOp(s, v, '+');
            else f += Number(v);
          } else if (v instanceof Float) f = (f ?? Number(s)) + v.v;
          else throw new GqlTypeError(`sum(): cannot add ${kindOf(v)}`);
        },
        result: () => (f === null ? s : new Float(f)),
      };
    }
    case 'avg': {
      let s = 0;
      let n = 0;
      return {
        add: (r, c) => {
          const v = take(r, c);
          if (v === undefined) return;
          if (typeof v === 'number' || typeof v === 'bigint') s += Number(v);
          else if (v instanceof Float) s += v.v;
          else throw new GqlTypeError(`avg(): cannot average ${kindOf(v)}`);
          n++;
        },
        result: () => (n === 0 ? null : new Float(s / n)),
      };
    }
    case 'min':
    case 'max': {
      const sign = spec.name === 'min' ? 1 : -1;
      let best: Value | undefined;
      return {
        add: (r, c) => {
          const v = take(r, c);
          if (v === undefined) return;
          if (best === undefined || sign * orderCompare(v, best) < 0) best = v;
        },
        result: () => best ?? null,
      };
    }
  }
}
