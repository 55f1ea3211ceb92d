import type { Store } from '../../graph/index.ts';
import { defineRule } from '../rule.ts';
import type { Rule } from '../rule.ts';

/**
 * The Sierpinski rule (AGTIVE 2007 tool contest): a triangle a -A-> b -B-> c
 * -C-> a is replaced by three triangles through the midpoints ab, bc, ca.
 */
export function sierpinskiRule(): Rule {
  const V = ['V'];
  return defineRule({
    name: 'sierpinski',
    nodes: [
      { var: 'a', labels: V },
      { var: 'b', labels: V },
      { var: 'c', labels: V },
      { var: 'ab', labels: V, action: 'create' },
      { var: 'bc', labels: V, action: 'create' },
      { var: 'ca', labels: V, action: 'create' },
    ],
    edges: [
      { var: 'e1', action: 'delete', src: 'a', dst: 'b', type: 'A' },
      { var: 'e2', action: 'delete', src: 'b', dst: 'c', type: 'B' },
      { var: 'e3', action: 'delete', src: 'c', dst: 'a', type: 'C' },
      { var: 't1a', action: 'create', src: 'a', dst: 'ab', type: 'A' },
      { var: 't1b', action: 'create', src: 'ab', dst: 'ca', type: 'B' },
      { var: 't1c', action: 'create', src: 'ca', dst: 'a', type: 'C' },
      { var: 't2a', action: 'create', src: 'ab', dst: 'b', type: 'A' },
      { var: 't2b', action: 'create', src: 'b', dst: 'bc', type: 'B' },
      { var: 't2c', action: 'create', src: 'bc', dst: 'ab', type: 'C' },
      { var: 't3a', action: 'create', src: 'ca', dst: 'bc', type: 'A' },
      { var: 't3b', action: 'create', src: 'bc', dst: 'c', type: 'B' },
      { var: 't3c', action: 'create', src: 'c', dst: 'ca', type: 'C' },
    ],
  });
}

/** Generation 0 into `store`: the triangle a -A-> b -B-> c -C-> a. */
export function sierpinskiStart(store: Store): Store {
  store.transact((tx) => {
    for (const v of ['a', 'b', 'c']) tx.addNode(v, ['V']);
    tx.addEdge('x', 'A', 'a', 'b');
    tx.addEdge('y', 'B', 'b', 'c');
    tx.addEdge('z', 'C', 'c', 'a');
  });
  return store;
}
