/**
 * Guards and assignments of textual rules are compiled by GQL's expression
 * compiler: a rule `where` selects the matches a GQL `MATCH … WHERE` selects,
 * and errors are the rule layer's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/graph/index.ts';
import { query } from '../../src/gql/index.ts';
import { RuleError, apply, matchesOf, parseRule } from '../../src/rules/index.ts';

function accounts(): Store {
  const s = new Store();
  s.transact((tx) => {
    tx.addNode('a', ['Acct'], { name: 'alice', balance: 10, tags: ['old', 'vip'] });
    tx.addNode('b', ['Acct'], { name: 'bob', balance: 0 });
    tx.addEdge('ab', 'knows', 'a', 'b', { since: 2020 });
  });
  return s;
}

describe('rule expressions are GQL expressions', () => {
  it('GQL functions, list comprehensions, maps and null logic in guards and assignments', () => {
    const s = accounts();
    const r = parseRule(`
      rule tidy {
        match (x:Acct)-[k:knows]->(y:Acct)
        where toUpper(x.name) STARTS WITH 'AL' and y.missing IS NULL and k.since >= 2000
        set x.tags = [t IN x.tags WHERE t <> 'old'], x.summary = {n: size(x.tags), who: y.name + '!'}, k.years = 2024 - k.since
      }`);
    expect(apply(s, r)).not.toBeNull();
    const a = s.head().getNode('a')!.props;
    expect(a.tags).toEqual(['vip']);
    expect(a.summary).toEqual({ n: 2, who: 'bob!' });
    expect(s.head().getEdge('ab')!.props.years).toBe(4);
    // A guard that is null (a missing property compared) selects nothing.
    expect(matchesOf(s.head(), parseRule(`rule r { match (x:Acct) where x.nope > 1 set x.seen = true }`))).toHaveLength(0);
  });

  it('errors are RuleErrors: EVAL at run time (the store unchanged), PARAM_MISSING, INVALID_RULE when compiled', () => {
    const s = accounts();
    const before = s.headTx;
    const div = parseRule(`rule r { match (x:Acct) set x.v = x.balance / 0 }`);
    expect(() => apply(s, div, { bindings: { x: 'a' } })).toThrowError(expect.objectContaining({ code: 'EVAL' }));
    const node = parseRule(`rule r { match (x:Acct), (y:Acct) set x.v = y }`);
    expect(() => apply(s, node)).toThrowError(expect.objectContaining({ code: 'EVAL', message: expect.stringMatching(/node is not a property value/) }));
    // A function that reads the graph beyond the match is refused when the rule is parsed, where it is.
    expect(() => parseRule(`rule r { match (x:Acct)-[k:knows]->(y:Acct) set x.v = id(startNode(k)) }`)).toThrowError(
      expect.objectContaining({ code: 'INVALID_RULE', message: 'parseRules: rule "r" at line 1, column 58: startNode() reads the graph beyond the match, which a rule expression may not; match what you need in the pattern' }),
    );
    expect(s.headTx).toBe(before);
    const param = parseRule(`rule r { param $p match (x:Acct) where x.balance > $p set x.v = 1 }`);
    expect(() => matchesOf(s.head(), param, {})).toThrowError(RuleError);
    expect(() => parseRule(`rule r { match (x:Acct) set x.v = count(x) }`)).toThrowError(expect.objectContaining({ code: 'INVALID_RULE' }));
    expect(() => parseRule(`rule r { match (x:Acct) where x.balance > z.balance set x.v = 1 }`)).toThrowError(expect.objectContaining({ code: 'INVALID_RULE', message: expect.stringMatching(/z/) }));
    // Positions are the rule text's, in every clause that holds expressions.
    const at = (text: string): string => {
      try {
        parseRule(text);
      } catch (e) {
        expect(e).toMatchObject({ code: 'INVALID_RULE' });
        return (e as Error).message;
      }
      throw new Error('parsed');
    };
    expect(at('rule x {\n  match (a:A)\n  where zz.x = 1\n}')).toBe('parseRules: rule "x" at line 3, column 9: variable `zz` not defined');
    expect(at('rule w {\n  match (a:A {v: qq})\n}')).toBe('parseRules: rule "w" at line 2, column 18: variable `qq` not defined');
    expect(at('rule u {\n  match (a:A)\n  set a.v = 1,\n      a.w = nope + 1\n}')).toBe('parseRules: rule "u" at line 4, column 13: variable `nope` not defined');
    expect(at('rule y {\n  match (a:A)\n  where count(*) > 1\n}')).toBe('parseRules: rule "y" at line 3, column 9: count(*) is not allowed here');
    expect(() => parseRule(`rule r { match (x:Acct) where x.v = 1 or (x)-->() set x.v = 1 }`)).toThrowError(expect.objectContaining({ code: 'INVALID_RULE' }));
  });

  it('a rule guard selects exactly the matches GQL WHERE selects (random graphs, a pool of guards)', () => {
    const guards = [
      'x.v > y.v',
      'x.v + y.v = 3',
      'x.v IS NULL OR y.v IS NOT NULL',
      'x.s STARTS WITH y.s',
      'x.v IN [1, 2] XOR y.v % 2 = 0',
      'coalesce(x.v, 0) * 2 >= size(coalesce(y.s, ""))',
      'NOT (x.v <> y.v)',
      'CASE WHEN x.v > 1 THEN y.v ELSE x.v END = 1',
      'x:Hot AND NOT y:Hot',
      'abs(x.v - coalesce(y.v, 5)) < $k',
    ];
    const node = fc.record({ hot: fc.boolean(), v: fc.option(fc.integer({ min: -2, max: 3 }), { nil: undefined }), s: fc.option(fc.constantFrom('', 'a', 'ab', 'b'), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(node, { minLength: 1, maxLength: 5 }), fc.constantFrom(...guards), fc.integer({ min: 0, max: 3 }), (nodes, guard, k) => {
        const s = new Store();
        s.transact((tx) => {
          nodes.forEach((n, i) => {
            const props: Record<string, unknown> = {};
            if (n.v !== undefined) props.v = n.v;
            if (n.s !== undefined) props.s = n.s;
            tx.addNode(`n${i}`, n.hot ? ['N', 'Hot'] : ['N'], props as never);
          });
        });
        const rule = parseRule(`rule r { param $k match (x:N), (y:N) allow x = y where ${guard} set x.seen = true }`);
        const byRule = matchesOf(s.head(), rule, { k }).map((m) => `${m.node('x').id},${m.node('y').id}`).sort();
        const ids = query(s.head(), `MATCH (x:N), (y:N) WHERE ${guard} RETURN id(x) AS a, id(y) AS b`, { k }).rows.map((r) => `${r[0]},${r[1]}`).sort();
        expect(byRule).toEqual(ids);
      }),
      { numRuns: 150 },
    );
  });
});
