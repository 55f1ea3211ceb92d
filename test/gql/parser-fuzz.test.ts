import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GqlSyntaxError } from '../../src/gql/errors.ts';
import { parse, parseExpression, parsePattern } from '../../src/gql/parser/index.ts';

/** Valid queries covering most of the grammar; the mutation fuzzers start from these. */
const seeds = [
  'MATCH (a:A)-[r:T*1..3]->(b) WHERE a.x > 1 AND NOT b:B RETURN a, count(*) AS c ORDER BY c DESC SKIP 1 LIMIT 3',
  "OPTIONAL MATCH p = (a {name: 'x'})<-[:T1|:T2]-(b)-->(c) WITH DISTINCT a, collect(b) AS bs WHERE size(bs) > 0 RETURN *",
  'UNWIND [1, 2.5, -.5e3, 0x1F, 0o17, "s\\n"] AS x RETURN x IS NULL, x IN [1], x STARTS WITH \'a\' AS y',
  'RETURN CASE WHEN a THEN 1 ELSE 2 END, CASE x WHEN 1 THEN [y IN ys WHERE y | y ^ 2] END, all(z IN zs WHERE z)',
  'CREATE (a:A:B {k: [1, {m: null}]}), (a)-[:T {w: $w}]->(:C) MERGE (d) ON CREATE SET d.x = 1 DETACH DELETE a',
  'AT TX $tx MATCH (n IS A|B&!C)-[e]->{1,3}(m:%) WHERE (n)-[:K]->(m) RETURN n.`weird name`[0..2] UNION ALL RETURN 1',
  'MATCH (a) // comment\nWHERE a.p1 < a.p2 = a.p3 /* block */ RETURN -a.x ^ 2 % 3, xs[1], m.k.j',
];

/** Fragments that recombine into almost-queries. */
const fragments = [
  'MATCH', 'OPTIONAL', 'WHERE', 'WITH', 'RETURN', 'UNWIND', 'AS', 'CREATE', 'ORDER BY', 'SKIP', 'LIMIT', 'DISTINCT',
  'AND', 'OR', 'XOR', 'NOT', 'IS', 'NULL', 'IN', 'STARTS WITH', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'UNION', 'ALL',
  'AT', 'TX', '(', ')', '[', ']', '{', '}', '<', '>', '-', '--', '->', '<-', '*', '..', '.', ',', ':', '|', '&', '!', '%',
  '=', '<>', '+', '/', '^', '$p', 'a', 'b', 'n', 'count', 'all', 'x', '1', '2.5', "'s'", '"t"', '`q`', 'true', '0x', '//', '/*',
];

function expectParsedOrSyntaxError(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof GqlSyntaxError)) throw e;
    expect(e.code).toBe('GQL_SYNTAX');
    expect(e.message).not.toMatch(/internal parser error/);
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.column).toBeGreaterThanOrEqual(1);
  }
}

type Mutation = { readonly op: 'delete' | 'insert' | 'swap'; readonly at: number; readonly ch: string };

function mutate(text: string, ms: readonly Mutation[]): string {
  let s = text;
  for (const m of ms) {
    const i = s.length === 0 ? 0 : m.at % s.length;
    if (m.op === 'delete') s = s.slice(0, i) + s.slice(i + 1);
    else if (m.op === 'insert') s = s.slice(0, i) + m.ch + s.slice(i);
    else if (i + 1 < s.length) s = s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
  }
  return s;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('delete' as const, 'insert' as const, 'swap' as const),
  at: fc.nat(),
  ch: fc.constantFrom('(', ')', '[', ']', '{', '}', '-', '>', '<', ':', '.', ',', "'", '"', '`', '*', '$', ' ', 'a', '1', '|', '/', '\\'),
});

describe('parser fuzzing', () => {
  it('seeds are valid', () => {
    for (const s of seeds) expect(parse(s).kind).toBe('Query');
  });

  it('random strings: parse returns or throws GqlSyntaxError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
        expectParsedOrSyntaxError(() => parse(s));
        expectParsedOrSyntaxError(() => parseExpression(s));
        expectParsedOrSyntaxError(() => parsePattern(s));
      }),
      { numRuns: 500 },
    );
  });

  it('random token soups: parse returns or throws GqlSyntaxError', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 40 }), fc.boolean(), (parts, spaced) => {
        const s = parts.join(spaced ? ' ' : '');
        expectParsedOrSyntaxError(() => parse(s));
        expectParsedOrSyntaxError(() => parseExpression(s));
        expectParsedOrSyntaxError(() => parsePattern(s));
      }),
      { numRuns: 1000 },
    );
  });

  it('mutated valid queries: parse returns or throws GqlSyntaxError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, ms) => {
        expectParsedOrSyntaxError(() => parse(mutate(seed, ms)));
      }),
      { numRuns: 1000 },
    );
  });

  it('errors point inside the text or just past its end', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 3 }), (seed, ms) => {
        const text = mutate(seed, ms);
        try {
          parse(text);
        } catch (e) {
          if (!(e instanceof GqlSyntaxError)) throw e;
          expect(e.offset).toBeGreaterThanOrEqual(0);
          expect(e.offset).toBeLessThanOrEqual(text.length);
          const before = text.slice(0, e.offset).split('\n');
          expect(e.line).toBe(before.length);
          expect(e.column).toBe(before[before.length - 1]!.length + 1);
        }
      }),
      { numRuns: 300 },
    );
  });
});
