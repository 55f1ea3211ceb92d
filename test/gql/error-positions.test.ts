// Every error found after parsing says where in the query text it comes from: "(line L, column C)".
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/graph/index.ts';
import { GqlEvalError, execute } from '../../src/gql/index.ts';

const setup = "CREATE (a:P {name: 'a', age: 30})-[:K]->(b:P {name: 'b'})";

function store(): Store {
  const s = new Store();
  execute(s, setup);
  return s;
}

/** The error a query raises (fails the test if it raises none, or not a GqlEvalError). */
function failure(q: string, params: Record<string, unknown> = {}): GqlEvalError {
  try {
    execute(store(), q, params);
  } catch (e) {
    expect(e).toBeInstanceOf(GqlEvalError);
    return e as GqlEvalError;
  }
  throw new Error(`no error: ${q}`);
}

/** [query, detail, phase, line, column, message start]: the position is the offending expression's or clause's start. */
const cases: [string, string, 'compile' | 'runtime', number, number, string][] = [
  ['MATCH (n)\nRETURN fooBar(n)', 'UnknownFunction', 'compile', 2, 8, 'GQL: unknown function fooBar()'],
  ['MATCH (n)\nRETURN size(n, 1)', 'InvalidNumberOfArguments', 'compile', 2, 8, 'GQL: size() called with 2 arguments'],
  ['MATCH (n)-[r]->(m)\nMATCH (r)\nRETURN n', 'VariableTypeConflict', 'compile', 2, 7, 'GQL: variable `r` is an edge, used as a node'],
  ['MATCH (n)\nRETURN n.name AS a, n.name AS a', 'ColumnNameConflict', 'compile', 2, 21, 'GQL: column `a` is defined twice'],
  ['MATCH (n)\nWITH n.name\nRETURN 1', 'NoExpressionAlias', 'compile', 2, 6, 'GQL: WITH n.name: expression must be aliased'],
  ['UNWIND [1] AS x\nUNWIND [2] AS x\nRETURN x', 'VariableAlreadyBound', 'compile', 2, 1, 'GQL: UNWIND: `x` is already bound'],
  ['MATCH (n)\nRETURN n\nLIMIT n.x', 'NonConstantExpression', 'compile', 3, 7, 'GQL: LIMIT must be a constant expression'],
  ['MATCH (n)\nRETURN n\nLIMIT -1', 'NegativeIntegerArgument', 'compile', 3, 7, 'GQL: LIMIT must not be negative'],
  ['MATCH (n)\nRETURN count(count(*))', 'NestedAggregation', 'compile', 2, 8, 'GQL: aggregates cannot be nested in count()'],
  ['MATCH (n)\nRETURN n.name\nUNION\nRETURN 1 AS y', 'DifferentColumnsInUnion', 'compile', 4, 1, 'GQL: UNION: all parts must return the same columns'],
  ['MATCH (n $p)\nRETURN n', 'InvalidParameterUse', 'compile', 1, 10, 'GQL: MATCH: a parameter cannot give'],
  ['MATCH (n)\nRETURN count(n) + n', 'AmbiguousAggregationExpression', 'compile', 2, 8, 'GQL: `count(n) + n` mixes'],
  ['RETURN 1 +\n  true', 'InvalidArgumentType', 'compile', 1, 8, 'GQL: operator +: cannot apply to integer and boolean'],
  ['RETURN 1,\n  9223372036854775808', 'IntegerOverflow', 'compile', 2, 3, 'GQL: integer literal out of range'],
  ['CREATE (n)-[:A|B]->(m)', 'InvalidLabelExpression', 'compile', 1, 11, 'GQL: CREATE: a relationship needs plain labels'],
  // Run time: the failing operator's or call's position (a binary expression starts at its left operand).
  ['MATCH (n)\nRETURN\n  n.name + 1 - true', 'InvalidArgumentType', 'runtime', 3, 3, 'GQL: operator -: cannot apply to string and boolean'],
  ['MATCH (n)\nRETURN 1, toUpper(n.age)', 'InvalidArgumentType', 'runtime', 2, 11, 'GQL: toUpper(): invalid argument of type integer'],
  ['MATCH (n)\nWHERE n.age / 0 = 1\nRETURN n', 'DivisionByZero', 'runtime', 2, 7, 'GQL: integer division by zero'],
  ['MATCH (n)\nRETURN sum(n.name)', 'InvalidArgumentType', 'runtime', 2, 8, 'GQL: sum(): cannot add string'],
  ['MATCH (n)\nRETURN n LIMIT $l', 'InvalidArgumentType', 'runtime', 2, 16, 'GQL: LIMIT must be an integer'],
  ['MATCH (n {name: $missing})\nRETURN n', 'MissingParameter', 'runtime', 1, 17, 'GQL: missing parameter $missing'],
  ["MATCH (n:P)\nSET n.x = {a: 1}", 'InvalidPropertyType', 'runtime', 2, 5, 'GQL: SET: a map cannot be stored'],
];

describe('error positions', () => {
  for (const [q, detail, phase, line, column, message] of cases)
    it(`${detail}: ${q.replace(/\n/g, ' ')}`, () => {
      const e = failure(q, { l: 'x' });
      expect(e.detail).toBe(detail);
      expect(e.phase).toBe(phase);
      expect([e.line, e.column]).toEqual([line, column]);
      expect(e.message.startsWith(message), e.message).toBe(true);
      expect(e.message.endsWith(`(line ${line}, column ${column})`), e.message).toBe(true);
    });

  it('the innermost failing expression wins, and the position is given once', () => {
    const e = failure("MATCH (n)\nRETURN [x IN [1] | toUpper(n.age)] + 'a'");
    expect([e.line, e.column]).toEqual([2, 20]);
    expect(e.message.match(/\(line/g)).toHaveLength(1);
  });
});

describe('a path variable declared twice', () => {
  it('is VariableAlreadyBound, not a kind conflict', () => {
    const e = failure('MATCH p = (n)\nMATCH p = (m)\nRETURN p');
    expect(e.detail).toBe('VariableAlreadyBound');
    expect(e.message).toBe('GQL: variable `p` is already bound to a path (line 2, column 7)');
    expect(failure('MATCH p = (n), p = (m) RETURN p').detail).toBe('VariableAlreadyBound');
    expect(failure('MATCH (p) MATCH p = (m) RETURN p').detail).toBe('VariableTypeConflict');
  });
});
