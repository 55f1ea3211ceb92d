import { describe, expect, it } from 'vitest';
import { Store } from '../../src/graph/index.ts';
import { all, alap, apply, choice, countMatches, defineRule, match, once, priority, repeat, run, seq } from '../../src/rules/index.ts';
import { mutexRules } from '../../src/rules/examples/mutex.ts';
import { sierpinskiRule, sierpinskiStart } from '../../src/rules/examples/sierpinski.ts';

function ring(): Store {
  const s = new Store();
  s.transact((tx) => {
    tx.addNode('p0', ['Process']);
    tx.addNode('p1', ['Process']);
    tx.addEdge('n0', 'next', 'p0', 'p1');
    tx.addEdge('n1', 'next', 'p1', 'p0');
  });
  return s;
}

function sts(n: number, commit: 'each' | 'step'): { store: Store; applications: number } {
  const m = mutexRules();
  const store = ring();
  const r = run(store, seq(repeat(m.newRule, n - 2), once(m.mountRule), repeat(m.requestRule, n), repeat(seq(m.takeRule, m.releaseRule, m.giveRule), n)), { commit });
  expect(r.success).toBe(true);
  return { store, applications: r.applications };
}

describe('control programs', () => {
  it('mutex STS: both commit modes reach the same graph', () => {
    const a = sts(50, 'each');
    const b = sts(50, 'step');
    expect(a.applications).toBe(48 + 1 + 50 + 150);
    expect(b.applications).toBe(a.applications);
    expect(a.store.headTx).toBe(1 + a.applications);
    expect(b.store.headTx).toBe(1 + 4);
    const h = b.store.head();
    expect(h.countLabel('Process')).toBe(50);
    expect(h.countType('next')).toBe(50);
    expect(h.countType('token')).toBe(1);
    expect(h.countType('request')).toBe(0);
    expect(a.store.cid().toString()).not.toBe(''); // CIDs of the two modes differ only by the ids' TxIds
    // same sequence again: same root CID
    expect(sts(50, 'each').store.cid().toString()).toBe(a.store.cid().toString());
  });

  it('commit meta records rule, match and params', () => {
    const m = mutexRules();
    const s = ring();
    const r = apply(s, m.newRule)!;
    expect(s.commitInfo(r.commit.tx).meta).toEqual({ rule: 'newRule', match: r.application.match, params: {} });
    expect(r.application.created.p).toBe(`newRule:${r.commit.tx}.0:2`);
  });

  it('alap, priority, choice, rule[n]', () => {
    const m = mutexRules();
    const s = ring();
    expect(run(s, repeat(m.newRule, 3)).applications).toBe(3);
    expect(run(s, once(m.takeRule)).success).toBe(false);
    expect(run(s, priority(m.takeRule, m.mountRule)).applications).toBe(1);
    const r = run(s, alap(m.requestRule), { commit: 'step' });
    expect(r.applications).toBe(5);
    expect(run(s, choice([m.takeRule, m.killRule], 7)).applications).toBe(1);
  });

  it('all matches at once: Sierpinski generations', () => {
    const s = sierpinskiStart(new Store());
    const rule = sierpinskiRule();
    for (let k = 1; k <= 5; k++) {
      const r = run(s, all(rule), { commit: 'step' });
      expect(r.applications).toBe(3 ** (k - 1));
      expect(s.head().nodeCount).toBe((3 * (3 ** k + 1)) / 2);
    }
  });

  it("all matches at once in 'each' mode: one commit per application, the same graphs as step mode", () => {
    const each = sierpinskiStart(new Store());
    const step = sierpinskiStart(new Store());
    const rule = sierpinskiRule();
    for (let k = 1; k <= 4; k++) {
      const before = each.headTx;
      const r = run(each, all(rule));
      const t = run(step, all(rule), { commit: 'step' });
      expect(r.applications).toBe(3 ** (k - 1));
      expect(r.commits.length).toBe(r.applications);
      expect(each.headTx).toBe(before + r.applications);
      for (const c of r.commits) expect((c.meta as { rule: string }).rule).toBe('sierpinski');
      expect(t.commits.length).toBe(1);
      const shape = (st: Store): number[] => [st.head().nodeCount, st.head().edgeCount, st.head().countType('A'), st.head().countType('B'), st.head().countType('C')];
      expect(shape(each)).toEqual(shape(step));
    }
  });

  it('guards, parameters and assignments', () => {
    const s = new Store();
    s.transact((tx) => {
      tx.addNode('a', ['C'], { n: 1 });
      tx.addNode('b', ['C'], { n: 5 });
    });
    const inc = defineRule({
      name: 'inc',
      params: ['by', 'max'],
      nodes: [{ var: 'c', labels: ['C'], set: { n: (m, p) => (m.node('c').props.n as number) + (p.by as number) } }],
      guards: [{ vars: ['c'], test: (m, p) => (m.node('c').props.n as number) < (p.max as number) }],
    });
    expect(() => apply(s, inc)).toThrowError(expect.objectContaining({ code: 'PARAM_MISSING' }));
    const r = run(s, alap(once(inc, { by: 2, max: 6 })));
    expect(r.applications).toBe(4); // a: 1,3,5,7 ; b: 5,7
    expect(s.head().getNode('a')!.props.n).toBe(7);
    expect(s.head().getNode('b')!.props.n).toBe(7);
  });
});

describe('matcher extras', () => {
  it('variable-length edges (cypher mode)', () => {
    const s = new Store();
    s.transact((tx) => {
      for (let i = 0; i < 4; i++) tx.addNode(`n${i}`, ['N']);
      for (let i = 0; i < 3; i++) tx.addEdge(`e${i}`, 'T', `n${i}`, `n${i + 1}`);
    });
    const p = {
      nodes: [{ var: 'a' }, { var: 'b' }],
      edges: [{ var: 'r', src: 'a', dst: 'b', types: ['T'], length: { min: 1, max: 2 } }],
      homomorphism: 'cypher' as const,
    };
    expect(countMatches(s.head(), p, { bindings: { a: 'n0' } })).toBe(2);
    const ms = match(s.head(), { ...p, edges: [{ ...p.edges[0], length: { min: 0, max: null } }] }, { bindings: { a: 'n0' } });
    expect(ms.map((m) => m.path('r').length).sort()).toEqual([0, 1, 2, 3]);
  });
});
