import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/graph/index.ts';
import { query } from '../../src/gql/index.ts';

/** `MATCH … RETURN count(*)` (counted from degrees where it can be) == the number of rows of the same MATCH. */
const graphArb = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc.record({
    labels: fc.array(fc.subarray(['A', 'B']), { minLength: n, maxLength: n }),
    edges: fc.array(fc.record({ type: fc.constantFrom('S', 'T'), src: fc.nat(n - 1), dst: fc.nat(n - 1) }), { maxLength: 14 }),
    all: fc.boolean(),
  }),
);

const labelArb = fc.constantFrom('', ':A', ':All', ':A:B', ':A|B', ':!B');
const typeArb = fc.constantFrom('', ':S', ':T', ':S|T', ':S|S');
const arrow = (dir: number, inner: string): string => (dir === 0 ? `-[${inner}]->` : dir === 1 ? `<-[${inner}]-` : `-[${inner}]-`);

const queryArb = fc
  .record({
    k: fc.integer({ min: 0, max: 2 }),
    la: labelArb,
    lb: labelArb,
    lc: labelArb,
    t1: typeArb,
    t2: typeArb,
    d1: fc.integer({ min: 0, max: 2 }),
    d2: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ k, la, lb, lc, t1, t2, d1, d2 }) => {
    if (k === 0) return { match: `MATCH (b${lb})`, vars: 'b' };
    if (k === 1) return { match: `MATCH (a${la})${arrow(d1, `r1${t1}`)}(b${lb})`, vars: 'a, r1, b' };
    return { match: `MATCH (a${la})${arrow(d1, `r1${t1}`)}(b${lb})${arrow(d2, `r2${t2}`)}(c${lc})`, vars: 'a, r1, b, r2, c' };
  });

describe('GQL count(*) pushdown', () => {
  it('equals the number of rows the MATCH produces', () => {
    fc.assert(
      fc.property(graphArb, queryArb, (g, q) => {
        const store = new Store();
        store.transact((tx) => {
          g.labels.forEach((ls, i) => tx.addNode(`n${i}`, g.all ? [...ls, 'All'] : ls, {}));
          g.edges.forEach((e, i) => tx.addEdge(`e${i}`, e.type, `n${e.src}`, `n${e.dst}`, {}));
        });
        const view = store.head();
        const rows = query(view, `${q.match} RETURN ${q.vars}`).rows.length;
        expect(query(view, `${q.match} RETURN count(*) AS n`).rows).toEqual([[rows]]);
      }),
      { numRuns: 800 },
    );
  });

  it('counts 2-hop paths without using a relationship twice (self-loops)', () => {
    const store = new Store();
    store.transact((tx) => {
      tx.addNode('x', [], {});
      tx.addNode('y', [], {});
      tx.addEdge('l', 'E', 'x', 'x', {});
      tx.addEdge('xy', 'E', 'x', 'y', {});
    });
    // walks: l·l (excluded), l·xy, and nothing after y: 1 path
    expect(query(store.head(), 'MATCH ()-[:E]->()-[:E]->() RETURN count(*)').rows).toEqual([[1]]);
    expect(query(store.head(), 'MATCH ()-[:E]-()-[:E]-() RETURN count(*)').rows).toEqual([[query(store.head(), 'MATCH p = ()-[:E]-()-[:E]-() RETURN p').rows.length]]);
  });
});
