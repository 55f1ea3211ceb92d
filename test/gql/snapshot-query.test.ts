import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.ts';

describe('store.at(tx).query', () => {
  it('reads any version with GQL through the package entry point', () => {
    const store = new Store();
    store.transact((tx) => {
      tx.addNode('a', ['Person'], { name: 'Ann' });
      tx.addNode('b', ['Person'], { name: 'Bob' });
    });
    store.transact((tx) => void tx.addEdge('ab', 'KNOWS', 'a', 'b'));
    const q = 'MATCH (p:Person)-[:KNOWS]->(f) RETURN p.name AS who, f.name AS friend';
    expect(store.at(1).query(q).rows).toEqual([]);
    expect(store.at(2).query(q).rows).toEqual([['Ann', 'Bob']]);
    expect(store.at(2).query('MATCH (p:Person) WHERE p.name = $n RETURN count(*) AS c', { n: 'Bob' }).rows).toEqual([[1]]);
  });
});
