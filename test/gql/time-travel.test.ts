import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/graph/index.ts';
import type { Transaction } from '../../src/graph/index.ts';
import { execute, queryAt } from '../../src/gql/index.ts';
import type { QueryResult } from '../../src/gql/index.ts';

/**
 * Abstract operations, resolved against the state they are applied to, so
 * that replaying the same commits on a fresh store gives the same graph.
 */
type Op =
  | { readonly op: 'node'; readonly label: 'A' | 'B' | null; readonly x: number }
  | { readonly op: 'edge'; readonly type: 'T' | 'U'; readonly a: number; readonly b: number }
  | { readonly op: 'set'; readonly n: number; readonly x: number }
  | { readonly op: 'dropEdge'; readonly e: number }
  | { readonly op: 'dropNode'; readonly n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('node' as const), label: fc.constantFrom('A' as const, 'B' as const, null), x: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('edge' as const), type: fc.constantFrom('T' as const, 'U' as const), a: fc.nat(), b: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('set' as const), n: fc.nat(), x: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dropEdge' as const), e: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dropNode' as const), n: fc.nat() }) },
);

const historyArb = fc.array(fc.array(opArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 });

function sortedIds(tx: Transaction, kind: 'node' | 'edge'): string[] {
  const ids: string[] = [];
  if (kind === 'node') tx.forEachNode((n) => void ids.push(n.id));
  else tx.forEachEdge((e) => void ids.push(e.id));
  return ids.sort();
}

function apply(store: Store, commit: readonly Op[], counter: { n: number }): void {
  store.transact((tx) => {
    for (const o of commit) {
      const nodes = sortedIds(tx, 'node');
      switch (o.op) {
        case 'node':
          tx.addNode(`n${counter.n++}`, o.label === null ? [] : [o.label], { x: o.x });
          break;
        case 'edge':
          if (nodes.length > 0) tx.addEdge(`e${counter.n++}`, o.type, nodes[o.a % nodes.length], nodes[o.b % nodes.length], { w: o.a % 3 });
          break;
        case 'set':
          if (nodes.length > 0) tx.mergeNodeProps(nodes[o.n % nodes.length], { x: o.x });
          break;
        case 'dropEdge': {
          const edges = sortedIds(tx, 'edge');
          if (edges.length > 0) tx.dropEdge(edges[o.e % edges.length]);
          break;
        }
        case 'dropNode': {
          if (nodes.length === 0) break;
          const id = nodes[o.n % nodes.length];
          const incident: string[] = [];
          tx.forEachIncident(id, 'out', undefined, (e) => void incident.push(e.id));
          tx.forEachIncident(id, 'in', undefined, (e) => void incident.push(e.id));
          for (const e of new Set(incident)) tx.dropEdge(e);
          tx.dropNode(id);
          break;
        }
      }
    }
  });
}

function build(history: readonly (readonly Op[])[]): Store {
  const store = new Store();
  const counter = { n: 0 };
  for (const c of history) apply(store, c, counter);
  return store;
}

const queries = [
  'MATCH (n:A) RETURN n.x AS x',
  'MATCH (n) WHERE n.x > $k RETURN count(*) AS c',
  'MATCH (a)-[r:T]->(b) RETURN a, r, b',
  'MATCH (a:B)-->()-->(c) RETURN DISTINCT c.x AS x',
  'MATCH (n) RETURN labels(n) AS l, count(*) AS c, sum(n.x) AS s',
  'MATCH (a)-[*1..2]-(b:A) RETURN count(*) AS c',
  'MATCH (a:A) OPTIONAL MATCH (a)-[:U]->(b) RETURN a.x AS ax, collect(b.x) AS bs',
  'MATCH (a) WITH a.x AS x, count(*) AS c WHERE c > 1 RETURN x ORDER BY x LIMIT 2',
  'MATCH p = (a)-[:T|U]->(b) WHERE a.x <= b.x RETURN length(p) AS len, b',
  'MATCH (a) WHERE NOT (a)-->() RETURN a.x AS x ORDER BY x DESC',
];

/** Rows as a sorted list of JSON lines (queries without ORDER BY have no defined row order). */
function canonical(r: QueryResult): string[] {
  return r.rows.map((row) => JSON.stringify(row)).sort();
}

describe('AT TX (time travel)', () => {
  it('AT TX t returns what the same query returns on a store rebuilt from the first t commits', () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), fc.constantFrom(...queries), fc.integer({ min: 0, max: 5 }), (history, pick, q, k) => {
        const store = build(history);
        const t = pick % (history.length + 1);
        const rebuilt = build(history.slice(0, t));
        expect(rebuilt.headTx).toBe(t);
        const want = canonical(execute(rebuilt, q, { k }));
        expect(canonical(execute(store, `AT TX ${t} ${q}`, { k }))).toEqual(want);
        expect(canonical(execute(store, `AT TX $tx ${q}`, { k, tx: t }))).toEqual(want);
        expect(canonical(queryAt(store, t, q, { k }))).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });

  it('AT TX beyond the head is a typed error', () => {
    const store = new Store();
    expect(() => execute(store, 'AT TX 3 MATCH (n) RETURN n')).toThrow(expect.objectContaining({ code: 'GQL_TX' }));
  });
});
