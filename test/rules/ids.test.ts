import { describe, expect, it } from 'vitest';
import { Store } from '../../src/graph/index.ts';
import { apply, applyInTx, defineRule, RuleError } from '../../src/rules/index.ts';
import type { RuleDef } from '../../src/rules/index.ts';

const grow: RuleDef = {
  name: 'grow.leaf',
  nodes: [
    { var: 'a', labels: ['N'] },
    { var: 'b', labels: ['N'], action: 'create' },
  ],
  edges: [{ var: 'ab', type: 'E', src: 'a', dst: 'b', action: 'create' }],
};

function one(): Store {
  const s = new Store();
  s.transact((tx) => void tx.addNode('root', ['N']));
  return s;
}

describe('ids of created elements', () => {
  it('are <rule name>:<tx>.<k>:<pos> by default and <idPrefix>:<tx>.<k>:<pos> with one', () => {
    const s = one();
    expect(apply(s, defineRule(grow), { bindings: { a: 'root' } })!.application.created).toEqual({ b: 'grow.leaf:2.0:1', ab: 'grow.leaf:2.0:2' });
    const r = apply(s, defineRule({ ...grow, idPrefix: 'g' }), { bindings: { a: 'root' } })!;
    expect(r.application.created).toEqual({ b: 'g:3.0:1', ab: 'g:3.0:2' });
    expect(s.head().getEdge('g:3.0:2')).toMatchObject({ src: 'root', dst: 'g:3.0:1', type: 'E' });
  });

  it('refuses an idPrefix that is not a non-empty string', () => {
    for (const idPrefix of ['', 7, null]) {
      expect(() => defineRule({ ...grow, idPrefix } as unknown as RuleDef)).toThrow(/rule "grow.leaf": idPrefix must be a non-empty string/);
    }
  });

  it('are the given ones when an application is replayed with `created`', () => {
    const s = one();
    const tx = s.begin();
    const app = applyInTx(tx, defineRule(grow), { match: { a: 'root' }, created: { b: 'leaf-1', ab: 'edge-1' } })!;
    tx.commit(null);
    expect(app.created).toEqual({ b: 'leaf-1', ab: 'edge-1' });
    expect(s.head().getEdge('edge-1')).toMatchObject({ src: 'root', dst: 'leaf-1' });
  });

  it('refuses `created` that misses a created variable or names another', () => {
    const s = one();
    const rule = defineRule(grow);
    const tx = s.begin();
    expect(() => applyInTx(tx, rule, { match: { a: 'root' }, created: { b: 'leaf-1' } })).toThrow(/no id given for created "ab"/);
    expect(() => applyInTx(tx, rule, { match: { a: 'root' }, created: { b: 'x', ab: 'y', a: 'z' } })).toThrow(RuleError);
    expect(() => applyInTx(tx, rule, { match: { a: 'root' }, created: { b: 'x', ab: 'y', a: 'z' } })).toThrow(/"a" is not a created variable/);
    tx.abort();
    expect(s.headTx).toBe(1);
  });

  it('refuses, before writing anything, created ids that repeat, exist already or are not non-empty strings', () => {
    const s = one();
    s.transact((tx) => void tx.addEdge('taken', 'E', 'root', 'root'));
    // A rule that also deletes and updates, so a late failure would leave a half-applied rewrite.
    s.transact((tx) => {
      tx.addNode('tok', ['Tok']);
      tx.addNode('counter', ['C'], { n: 0 });
    });
    const rule = defineRule({
      name: 'consume',
      nodes: [
        { var: 't', labels: ['Tok'], action: 'delete' },
        { var: 'c', labels: ['C'], set: { n: (m) => (m.node('c').props.n as number) + 1 } },
        { var: 'x', labels: ['Out'], action: 'create' },
        { var: 'y', labels: ['Out'], action: 'create' },
      ],
      edges: [{ var: 'xy', type: 'E', src: 'x', dst: 'y', action: 'create' }],
    });
    const cases: [unknown, RegExp][] = [
      [{ x: 'o', y: 'o', xy: 'e' }, /created "y" is given id "o" twice/],
      [{ x: 'o', y: 'counter', xy: 'e' }, /created "y" is given id "counter", which the graph holds already/],
      [{ x: 'o', y: 'p', xy: 'taken' }, /created "xy" is given id "taken", which the graph holds already/],
      [{ x: 'o', y: '', xy: 'e' }, /the id given for created "y" is "", not a non-empty string/],
      [{ x: 'o', y: 7, xy: 'e' }, /the id given for created "y" is 7/],
      [null, /created must be an object of ids by variable, got null/],
      [['o', 'p', 'e'], /created must be an object/],
    ];
    for (const [created, message] of cases) {
      const tx = s.begin();
      expect(() => applyInTx(tx, rule, { match: { t: 'tok', c: 'counter' }, created: created as Record<string, string> })).toThrow(message);
      tx.commit(null);
      expect(s.changes(s.headTx)).toEqual([]);
    }
    expect(s.head().getNode('counter')!.props.n).toBe(0);
    expect(s.head().hasNode('tok')).toBe(true);
  });
});
