import { describe, expect, it } from 'vitest';
import { Store } from '../../src/graph/index.ts';
import { RuleSyntaxError, apply, once, parseRule, parseRules, repeat, run, seq } from '../../src/rules/index.ts';
import type { Rule } from '../../src/rules/index.ts';
import { mutexRules } from '../../src/rules/examples/mutex.ts';

const MUTEX = `
// the mutex STS rules, as in ANCHORS.md
rule newRule {
  match (p1:Process)-[n:next]->(p2:Process)
  delete n
  create (p1)-[:next]->(p:Process)-[:next]->(p2)
}
rule mountRule {
  match (p:Process)
  create (r:Resource)-[:token]->(p)
}
rule requestRule {
  match (p:Process), (r:Resource)
  where not (r)-[:held_by]->(p)
    and not (p)-[:request]->(:Resource)
    and not (p)-[:request]->(r)
  create (p)-[:request]->(r)
}
rule takeRule {
  match (r:Resource)-[t:token]->(p:Process)-[q:request]->(r)
  delete t, q
  create (r)-[:held_by]->(p)
}
rule releaseRule {
  match (r:Resource)-[h:held_by]->(p:Process)
  where not (p)-[:request]->(:Resource) and not (p)-[:request]->(r)
  delete h
  create (r)-[:release]->(p)
}
rule giveRule {
  match (r:Resource)-[rel:release]->(p1:Process)-[:next]->(p2:Process)
  delete rel
  create (r)-[:token]->(p2)
}
`;

function stsCid(rules: Record<string, Rule>, n: number): string {
  const s = new Store({ now: () => 0 });
  s.transact((tx) => {
    tx.addNode('p0', ['Process']);
    tx.addNode('p1', ['Process']);
    tx.addEdge('n0', 'next', 'p0', 'p1');
    tx.addEdge('n1', 'next', 'p1', 'p0');
  });
  const r = run(s, seq(repeat(rules.newRule, n - 2), once(rules.mountRule), repeat(rules.requestRule, n), repeat(seq(rules.takeRule, rules.releaseRule, rules.giveRule), n)), { commit: 'each' });
  expect(r.success).toBe(true);
  return s.cid().toString();
}

describe('textual rules', () => {
  it('the mutex rules in text behave as the TypeScript ones (same root CID)', () => {
    const text = Object.fromEntries(parseRules(MUTEX).map((r) => [r.name, r]));
    const ts = mutexRules() as unknown as Record<string, Rule>;
    expect(stsCid(text, 20)).toBe(stsCid(ts, 20));
  });

  it('set, param, guards and allow', () => {
    const s = new Store();
    s.transact((tx) => {
      tx.addNode('a', ['Acct'], { balance: 10 });
      tx.addNode('b', ['Acct'], { balance: 0 });
    });
    const transfer = parseRule(`
      rule transfer {
        param $amount
        match (x:Acct), (y:Acct)
        where x.balance >= $amount
        set x.balance = x.balance - $amount, y.balance = y.balance + $amount
        create (x)-[:paid {amount: $amount}]->(y)
      }`);
    const r = apply(s, transfer, { params: { amount: 4 }, bindings: { x: 'a' } })!;
    expect(r.application.match).toMatchObject({ x: 'a', y: 'b' });
    expect(s.head().getNode('a')!.props.balance).toBe(6);
    expect(s.head().getNode('b')!.props.balance).toBe(4);
    expect(s.head().countType('paid')).toBe(1);
    const loop = parseRule(`rule selfie { match (x:Acct), (y:Acct) allow x = y where id(x) = id(y) and x.balance > 5 create (x)-[:self]->(y) }`);
    const r2 = apply(s, loop)!;
    expect(r2.application.match).toMatchObject({ x: 'a', y: 'a' });
    expect(run(s, repeat(loop, 3)).applications).toBe(3);
  });

  it('syntax errors carry line and column', () => {
    const bad = `rule r {\n  match (a:A)-[->(b)\n}`;
    try {
      parseRule(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RuleSyntaxError);
      expect((e as RuleSyntaxError).code).toBe('SYNTAX');
      expect((e as RuleSyntaxError).line).toBe(2);
      expect((e as RuleSyntaxError).column).toBe(16); // the "-" after "["
    }
    expect(() => parseRule(`rule r {\n  match (a)\n  delete b\n}`)).toThrowError(expect.objectContaining({ code: 'SYNTAX', line: 3, column: 10 }));
    expect(() => parseRule(`rule r { match (a) `)).toThrowError(expect.objectContaining({ code: 'SYNTAX' }));
    expect(() => parseRule(`rul r { }`)).toThrowError(expect.objectContaining({ code: 'SYNTAX', line: 1, column: 1 }));
  });
});
