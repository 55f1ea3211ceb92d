import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/graph/index.ts';
import { GqlError, GqlSyntaxError, execute, query } from '../../src/gql/index.ts';
import { GqlEvalError } from '../../src/gql/eval-errors.ts';

function graph(): Store {
  const s = new Store();
  execute(s, "CREATE (a:A {x: 1, s: 'a'})-[:T {w: 2}]->(b:B {x: 2}), (b)-[:T]->(c:A {x: 3}), (c)-[:U]->(a)");
  return s;
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GqlError);
    return (e as GqlError).code;
  }
  throw new Error('expected an error');
}

describe('bad input gives typed GqlErrors', () => {
  const s = graph();

  it('syntax errors name line and column', () => {
    try {
      execute(s, 'MATCH (n)\nRETURN n.');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(GqlSyntaxError);
      expect((e as GqlSyntaxError).line).toBe(2);
    }
  });

  it('unknown functions', () => {
    expect(codeOf(() => execute(s, 'RETURN nope(1)'))).toBe('GQL_UNKNOWN_FUNCTION');
  });

  it('type errors', () => {
    expect(codeOf(() => execute(s, "RETURN 1 + 'a' - 2"))).toBe('GQL_TYPE');
    expect(codeOf(() => execute(s, 'MATCH (n:A) RETURN n.x AND true'))).toBe('GQL_TYPE');
    expect(codeOf(() => execute(s, 'MATCH (n) RETURN toUpper(n.x)'))).toBe('GQL_TYPE');
    expect(codeOf(() => execute(s, 'UNWIND [1, 2] AS x RETURN sum(x + "a")'))).toBe('GQL_TYPE');
  });

  it('missing parameters, even when no row would read them', () => {
    expect(codeOf(() => execute(s, 'MATCH (n) WHERE n.x = $missing RETURN n'))).toBe('GQL_MISSING_PARAMETER');
    expect(codeOf(() => execute(s, 'MATCH (n:Nothing) RETURN $p'))).toBe('GQL_MISSING_PARAMETER');
  });

  it('semantic errors', () => {
    expect(codeOf(() => execute(s, 'MATCH (n) RETURN m'))).toBe('GQL_SEMANTIC');
    expect(codeOf(() => execute(s, 'MATCH (n)-[n]->() RETURN n'))).toBe('GQL_SEMANTIC');
    expect(codeOf(() => execute(s, 'MATCH (n) WHERE count(n) > 1 RETURN n'))).toBe('GQL_SEMANTIC');
    expect(codeOf(() => execute(s, 'MATCH (n) RETURN n SKIP n.x'))).toBe('GQL_SEMANTIC');
  });

  it('arithmetic errors', () => {
    expect(codeOf(() => execute(s, 'UNWIND [0] AS z RETURN 1 / z'))).toBe('GQL_ARITHMETIC');
    expect(codeOf(() => execute(s, 'RETURN 9223372036854775807 + 1'))).toBe('GQL_ARITHMETIC');
  });

  it('writes through query() on a view, past writes, deleting connected nodes, reading deleted ones', () => {
    const w = graph();
    expect(codeOf(() => query(w.head(), 'CREATE (n)'))).toBe('GQL_SEMANTIC');
    expect(codeOf(() => execute(w, 'AT TX 0 CREATE (n)'))).toBe('GQL_SEMANTIC');
    expect(codeOf(() => execute(w, 'MATCH (n:A) DELETE n'))).toBe('GQL_CONSTRAINT');
    expect(codeOf(() => execute(w, 'MATCH (n:A) DETACH DELETE n RETURN n.x'))).toBe('GQL_DELETED');
    expect(w.headTx).toBe(1);
  });

  it('bad parameter values', () => {
    expect(codeOf(() => execute(s, 'RETURN $p', { p: () => 1 }))).toBe('GQL_TYPE');
    expect(codeOf(() => execute(s, 'AT TX $t RETURN 1', { t: 'x' }))).toBe('GQL_TYPE');
  });

  const fragments = [
    'MATCH', 'OPTIONAL MATCH', 'WHERE', 'WITH', 'RETURN', 'UNWIND', 'AS', 'ORDER BY', 'SKIP', 'LIMIT', 'DISTINCT', 'AND', 'OR', 'NOT',
    'IS NULL', 'IN', '(n)', '(m:A)', '-[r:T]->', '<--', '-[*1..2]-', 'n.x', 'm.s', 'r.w', '1', '2.5', "'s'", 'null', 'true', '[1, 2]',
    '{k: 1}', 'count(*)', 'sum(n.x)', 'collect(m)', 'size(', 'toUpper(', 'range(1, 3)', ')', ',', '+', '-', '*', '/', '%', '=', '<',
    'x', 'n', 'm', '$p', 'CASE WHEN', 'THEN', 'ELSE', 'END', '[x IN', '|', ']', 'labels(n)', 'AT TX 1', 'p =', 'p',
  ];

  it('random queries answer or raise a GqlError, never anything else', () => {
    const s2 = graph();
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { minLength: 1, maxLength: 14 }), fc.constantFrom(1, 'a', null, [1, 2], 2.5), (parts, p) => {
        const text = parts.join(' ');
        try {
          execute(s2, text, { p });
        } catch (e) {
          if (!(e instanceof GqlError)) throw new Error(`${text}: ${String(e)}`);
          // The engine's safety net (an unexpected exception wrapped) must not be what answered.
          if (e instanceof GqlEvalError) expect(e.detail, `${text}: ${e.message}`).not.toBe('InternalError');
        }
      }),
      { numRuns: 3000 },
    );
  });

  const valid = [
    'MATCH (n:A)-[r:T]->(m) WHERE n.x < m.x RETURN n.s, r.w, m.x ORDER BY m.x LIMIT 2',
    'MATCH (n) WITH n.x AS x, count(*) AS c RETURN x, c, [y IN range(1, x) | y * c] AS l',
    'UNWIND [1, 2.5, null, "s"] AS v RETURN v, v + 1, toString(v), v IS NULL',
    'MATCH p = (a)-[*1..3]->(b) RETURN length(p), nodes(p), relationships(p)',
    'OPTIONAL MATCH (a:B)-->(b) RETURN a, b, coalesce(b.x, -1)',
  ];

  it('mutated valid queries answer or raise a GqlError', () => {
    const s3 = graph();
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat(), fc.nat({ max: 6 }), fc.constantFrom(...fragments), (q, at, del, ins) => {
        const i = at % (q.length + 1);
        const text = q.slice(0, i) + ' ' + ins + ' ' + q.slice(i + del);
        try {
          execute(s3, text, { p: 1 });
        } catch (e) {
          if (!(e instanceof GqlError)) throw new Error(`${text}: ${String(e)}`);
          if (e instanceof GqlEvalError) expect(e.detail, `${text}: ${e.message}`).not.toBe('InternalError');
        }
      }),
      { numRuns: 3000 },
    );
  });
});
