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
});
