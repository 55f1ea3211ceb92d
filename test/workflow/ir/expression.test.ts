import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpressionEvaluationError, ExpressionSyntaxError } from '../../../src/workflow/ir/errors.ts';
import { classifyCondition, compileExpression, printExpression, referencedPaths } from '../../../src/workflow/ir/expression.ts';
import { node, type BinaryOp, type ExprNode } from '../../../src/workflow/ir/_internals/expr-ast.ts';

const data = {
  inputs: { priority: 'High', amount: 120, items: ['a', 'b', 'c'], flag: true, nothing: null, customer: { tier: 'gold', tags: ['x'] } },
  steps: { validate: { output: { ok: true, score: 0.75, list: [{ id: 7 }] } } },
  vars: { count: 3, name: 'Ada' },
};
const ev = (src: string): unknown => compileExpression(src).evaluate(data);

describe('compileExpression', () => {
  it.each<[string, unknown]>([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['2 * 3 % 4', 2],
    ['-2 * 3', -6],
    ['- -2', 2],
    ['!true || true', true],
    ['!(true || true)', false],
    ['true || false && false', true],
    ['1 < 2 == true', true],
    ['1 + 1 == 2 && 3 > 2', true],
    ['"a" + \'b\'', 'ab'],
    ['"a\\"b\\n"', 'a"b\n'],
    ['$.inputs.amount >= 100', true],
    ['$.inputs.amount / 8', 15],
    ['$.inputs.priority == "High"', true],
    ['lower($.inputs.priority) == "high"', true],
    ['upper($.vars.name)', 'ADA'],
    ['$.steps.validate.output.score', 0.75],
    ['$.steps.validate.output.list[0].id', 7],
    ['$.steps["validate"].output["ok"]', true],
    ['$.inputs.items[$.vars.count - 1]', 'c'],
    ['$.inputs.items[9]', null],
    ['"b" in $.inputs.items', true],
    ['"z" in $.inputs.items', false],
    ['"tier" in $.inputs.customer', true],
    ['"ol" in "gold"', true],
    ['$.inputs.priority in ["High", "Medium"]', true],
    ['len($.inputs.items)', 3],
    ['len("héllo")', 5],
    ['len($.inputs.customer)', 2],
    ['contains($.inputs.customer.tags, "x")', true],
    ['startsWith($.vars.name, "A")', true],
    ['endsWith($.vars.name, "a")', true],
    ['exists($.inputs.amount)', true],
    ['1.5e2', 150],
    ['[1, [2]] == [1, [2]]', true],
    ['null', null],
  ])('%s → %j', (src, expected) => {
    expect(ev(src)).toEqual(expected);
  });

  describe('null handling', () => {
    it.each<[string, unknown]>([
      ['$.inputs.missing', null],
      ['$.inputs.missing.deeper[3]', null],
      ['$.inputs.nothing', null],
      ['$.nope_root_is_not_allowed', 'syntax'],
      ['$.inputs.missing == null', true],
      ['$.inputs.nothing != null', false],
      ['exists($.inputs.missing)', false],
      ['exists($.inputs.nothing)', false],
      ['$.inputs.missing > 1', false],
      ['$.inputs.missing <= 1', false],
      ['$.inputs.missing + 1', null],
      ['-$.inputs.missing', null],
      ['!$.inputs.missing', true],
      ['$.inputs.missing && true', false],
      ['$.inputs.missing || true', true],
      ['len($.inputs.missing)', 0],
      ['lower($.inputs.missing)', null],
      ['1 in $.inputs.missing', false],
      ['startsWith($.inputs.missing, "a")', false],
      ['$.vars.count.field', null],
    ])('%s → %j', (src, expected) => {
      if (expected === 'syntax') expect(() => ev(src)).toThrow(ExpressionSyntaxError);
      else expect(ev(src)).toEqual(expected);
    });

    it('missing data roots read as null', () => {
      expect(compileExpression('$.vars.x == null').evaluate({})).toBe(true);
    });
  });

  it('short-circuits', () => {
    expect(ev('false && 1 / 0 == 1')).toBe(false);
    expect(ev('true || "x" < 1')).toBe(true);
  });

  it.each([
    ['1 +', 4, 'unexpected end of input'],
    ['(1 + 2', 7, 'expected ")"'],
    ['1 2', 3, 'unexpected "2" after the end'],
    ['foo + 1', 1, 'unknown name "foo"'],
    ['nope(1)', 1, 'unknown function "nope"'],
    ['len(1, 2)', 1, 'len() takes 1 argument(s), got 2'],
    ['$.inputs.', 10, 'expected a field name'],
    ['$inputs', 2, 'expected "."'],
    ['"abc', 1, 'unterminated string'],
    ['1 # 2', 3, 'unexpected character "#"'],
    ['', 1, 'empty expression'],
    ['1 = 2', 3, 'unexpected character "="'],
  ])('syntax error in %j at column %d', (src, column, reason) => {
    try {
      compileExpression(src);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExpressionSyntaxError);
      const err = e as ExpressionSyntaxError;
      expect(err.code).toBe('IR_EXPR_SYNTAX');
      expect(err.column).toBe(column);
      expect(err.reason).toContain(reason);
      expect(err.message).toContain(`column ${column}`);
    }
  });

  it.each([
    ['1 + "a"', 'type'],
    ['"a" < 1', 'type'],
    ['!1', 'type'],
    ['1 && true', 'type'],
    ['-"a"', 'type'],
    ['lower(1)', 'type'],
    ['len(true)', 'type'],
    ['1 in 2', 'type'],
    ['1 / 0', 'division_by_zero'],
    ['1 % 0', 'division_by_zero'],
    ['1e308 * 10', 'not_finite'],
  ])('evaluation error in %j (%s)', (src, reason) => {
    try {
      ev(src);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExpressionEvaluationError);
      expect((e as ExpressionEvaluationError).code).toBe('IR_EXPR_EVAL');
      expect((e as ExpressionEvaluationError).reason).toBe(reason);
    }
  });

  it('test() requires a boolean (null is false)', () => {
    expect(compileExpression('$.inputs.flag').test(data)).toBe(true);
    expect(compileExpression('$.inputs.missing').test(data)).toBe(false);
    expect(() => compileExpression('$.inputs.amount').test(data)).toThrow(ExpressionEvaluationError);
  });

  it('never evaluates JavaScript', () => {
    expect(() => compileExpression('constructor.constructor("return 1")()')).toThrow(ExpressionSyntaxError);
    expect(ev('$.inputs.customer["constructor"]')).toBe(null);
    expect(ev('$.inputs.items["length"]')).toBe(null);
    expect(ev('"toString" in $.inputs.customer')).toBe(false);
  });

  it('referencedPaths lists the paths read', () => {
    const e = compileExpression('$.inputs.a > 1 && $.steps.s.output[$.vars.i] == 2');
    expect(referencedPaths(e.ast).map((p) => `${p.root}:${p.segments.length}`)).toEqual(['inputs:1', 'steps:3', 'vars:1']);
  });
});

describe('classifyCondition', () => {
  it('bare identifiers are predicates', () => {
    expect(classifyCondition('is_high_priority')).toEqual({ kind: 'predicate', name: 'is_high_priority' });
    expect(classifyCondition(' isVip ')).toEqual({ kind: 'predicate', name: 'isVip' });
  });
  it('anything else is an expression', () => {
    for (const c of ['true', 'null', '$.inputs.priority == "high"', 'is_high && is_low'.replace(/is_\w+/g, '$.vars.x')]) {
      expect(classifyCondition(c).kind).toBe('expression');
    }
    expect(() => classifyCondition('is_high &&')).toThrow(ExpressionSyntaxError);
  });
});

// ---------------------------------------------------------------------------
// property: printed ASTs parse back to trees that evaluate the same

const OPS: BinaryOp[] = ['||', '&&', '==', '!=', '<', '<=', '>', '>=', 'in', '+', '-', '*', '/', '%'];

const arbExpr: fc.Arbitrary<ExprNode> = fc.letrec<{ e: ExprNode }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(
      fc.integer({ min: -20, max: 20 }).map((n) => node.literal(n)),
      fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }).map((n) => node.literal(n)),
      fc.string({ maxLength: 4 }).map((s) => node.literal(s)),
      fc.constantFrom(true, false, null).map((v) => node.literal(v)),
      fc.constantFrom(
        node.path('inputs', [{ kind: 'field', name: 'n' }]),
        node.path('inputs', [{ kind: 'field', name: 's' }]),
        node.path('vars', [{ kind: 'field', name: 'b' }]),
        node.path('vars', [{ kind: 'field', name: 'list' }]),
        node.path('steps', [{ kind: 'field', name: 'x y' }, { kind: 'field', name: 'output' }]),
        node.path('inputs', [{ kind: 'field', name: 'missing' }]),
      ),
    ),
    fc.tuple(fc.constantFrom(...OPS), tie('e'), tie('e')).map(([op, l, r]) => node.binary(op, l, r)),
    fc.tuple(fc.constantFrom('!' as const, '-' as const), tie('e')).map(([op, x]) => node.unary(op, x)),
    fc.array(tie('e'), { maxLength: 3 }).map((items) => node.array(items)),
    fc.tuple(fc.constantFrom('len', 'exists', 'lower', 'upper'), tie('e')).map(([f, a]) => node.call(f, [a])),
    fc.tuple(fc.constantFrom('contains', 'startsWith'), tie('e'), tie('e')).map(([f, a, b]) => node.call(f, [a, b])),
    fc.tuple(tie('e')).map(([i]) => node.path('vars', [{ kind: 'field', name: 'list' }, { kind: 'index', index: i }])),
  ),
})).e;

const propData = {
  inputs: { n: 4, s: 'Ab' },
  vars: { b: true, list: [1, 'two', null, [3]] },
  steps: { 'x y': { output: 5 } },
};

function outcome(e: ExprNode | string): unknown {
  try {
    const src = typeof e === 'string' ? e : printExpression(e);
    const v = compileExpression(src).evaluate(propData);
    return { ok: typeof v === 'number' && Object.is(v, -0) ? 0 : v };
  } catch (err) {
    return { err: (err as ExpressionEvaluationError).code + ':' + (err as ExpressionEvaluationError).reason };
  }
}

function directEval(e: ExprNode): unknown {
  // evaluate the tree without printing: compile a source-free clone by printing fully parenthesized
  return outcome(fullParens(e));
}

/** An independent printer that parenthesizes everything, so precedence cannot matter. */
function fullParens(e: ExprNode): string {
  switch (e.kind) {
    case 'literal':
      return typeof e.value === 'string' ? JSON.stringify(e.value) : typeof e.value === 'number' ? `(${e.value < 0 || Object.is(e.value, -0) ? `-${-e.value}` : e.value})` : String(e.value);
    case 'array':
      return `[${e.items.map(fullParens).join(', ')}]`;
    case 'path':
      return `$.${e.root}${e.segments.map((s) => (s.kind === 'field' ? `[${JSON.stringify(s.name)}]` : `[${fullParens(s.index)}]`)).join('')}`;
    case 'unary':
      return `(${e.op}${fullParens(e.operand)})`;
    case 'binary':
      return `(${fullParens(e.left)} ${e.op} ${fullParens(e.right)})`;
    case 'call':
      return `${e.name}(${e.args.map(fullParens).join(', ')})`;
  }
}

describe('expression properties', () => {
  it('print → parse → print is stable, and evaluation agrees with a fully parenthesized form', () => {
    fc.assert(
      fc.property(arbExpr, (e) => {
        const printed = printExpression(e);
        const reparsed = compileExpression(printed).ast;
        expect(printExpression(reparsed)).toBe(printed);
        expect(outcome(printed)).toEqual(directEval(e));
      }),
      { numRuns: 1500 },
    );
  });
});
