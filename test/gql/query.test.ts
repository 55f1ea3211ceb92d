import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/graph/index.ts';
import type { EdgeRecord, GraphView, NodeRecord } from '../../src/graph/index.ts';
import { execute, prepare, query, queryAt } from '../../src/gql/index.ts';

function people(): Store {
  const s = new Store();
  execute(s, "CREATE (a:Person {name: 'Ann', age: 31})-[:KNOWS {since: 2020}]->(b:Person {name: 'Bob', age: 27}), (b)-[:KNOWS]->(c:Person:Admin {name: 'Cy'})");
  return s;
}

/** A view that counts the elements the store hands out while iterating. */
function counting(view: GraphView): { view: GraphView; visited: () => number } {
  let n = 0;
  const wrap = <A extends unknown[]>(fn: (...a: A) => boolean | void) => (...a: A) => {
    n++;
    return fn(...a);
  };
  const v = Object.create(view) as GraphView;
  Object.assign(v, {
    forEachNode: (fn: (x: NodeRecord) => boolean | void) => view.forEachNode(wrap(fn)),
    forEachNodeWithLabel: (l: string, fn: (x: NodeRecord) => boolean | void) => view.forEachNodeWithLabel(l, wrap(fn)),
    forEachEdge: (fn: (x: EdgeRecord) => boolean | void) => view.forEachEdge(wrap(fn)),
    forEachEdgeOfType: (t: string, fn: (x: EdgeRecord) => boolean | void) => view.forEachEdgeOfType(t, wrap(fn)),
    forEachIncident: (id: string, d: 'in' | 'out', t: string | undefined, fn: (x: EdgeRecord, other: string) => boolean | void) => view.forEachIncident(id, d, t, wrap(fn)),
  });
  return { view: v, visited: () => n };
}

describe('query / execute', () => {
  it('returns nodes and edges as records', () => {
    const s = people();
    const r = query(s.head(), "MATCH (a {name: 'Ann'})-[k:KNOWS]->(b) RETURN a, k, b.name AS friend");
    expect(r.columns).toEqual(['a', 'k', 'friend']);
    expect(r.rows).toHaveLength(1);
    const [a, k, friend] = r.rows[0] as [{ id: string; labels: string[]; properties: object }, { type: string; src: string; dst: string; properties: object }, string];
    expect(a.labels).toEqual(['Person']);
    expect(a.properties).toEqual({ name: 'Ann', age: 31 });
    expect(k).toMatchObject({ type: 'KNOWS', src: a.id, properties: { since: 2020 } });
    expect(friend).toBe('Bob');
  });

  it('reports CREATE side effects and commits one transaction', () => {
    const s = new Store();
    const r = execute(s, 'CREATE (a:A {x: 1, y: null}), (a)-[:T {w: 1}]->(:A:B) RETURN a.x');
    expect(r.stats).toMatchObject({ nodesCreated: 2, relationshipsCreated: 1, propertiesSet: 2, labelsAdded: 2, nodesDeleted: 0 });
    expect(r.tx).toBe(1);
    expect(s.headTx).toBe(1);
    expect(r.rows).toEqual([[1]]);
  });

  it('reads the past with AT TX, queryAt and parameters', () => {
    const s = people();
    execute(s, "CREATE (:Person {name: 'Dee'})");
    expect(execute(s, 'MATCH (p:Person) RETURN count(*) AS n').rows).toEqual([[4]]);
    expect(execute(s, 'AT TX 1 MATCH (p:Person) RETURN count(*) AS n').rows).toEqual([[3]]);
    expect(execute(s, 'AT TX $t MATCH (p:Person) RETURN count(*) AS n', { t: 0 }).rows).toEqual([[0]]);
    expect(queryAt(s, 1, 'MATCH (p:Person) RETURN p.name AS n ORDER BY n').rows).toEqual([['Ann'], ['Bob'], ['Cy']]);
    expect(query(s.at(1), 'AT TX 1 MATCH (p) RETURN count(*)').rows).toEqual([[3]]);
  });

  it('keeps integers and floats apart', () => {
    const s = new Store();
    const r = execute(s, 'RETURN 7 / 2 AS i, 7 / 2.0 AS f, toFloat(1) AS g, 2 ^ 2 AS p');
    expect(r.rows).toEqual([[3, 3.5, 1, 4]]);
  });

  it('orders across types and treats null as in Cypher', () => {
    const s = new Store();
    const r = execute(s, "UNWIND [3, null, 'a', 1.5, true, [1]] AS x RETURN x ORDER BY x");
    expect(r.rows.map((row) => row[0])).toEqual([[1], 'a', true, 1.5, 3, null]);
    expect(execute(s, 'RETURN null = null AS a, null OR true AS b, 1 IN [null, 1] AS c, 2 IN [null] AS d').rows).toEqual([[null, true, true, null]]);
  });

  it('LIMIT stops the search early', () => {
    const s = new Store();
    execute(s, 'UNWIND range(1, 2000) AS i CREATE (:N {i: i})');
    const all = counting(s.head());
    query(all.view, 'MATCH (n:N) RETURN n.i');
    const one = counting(s.head());
    expect(query(one.view, 'MATCH (n:N) RETURN n.i LIMIT 3').rows).toHaveLength(3);
    expect(all.visited()).toBeGreaterThanOrEqual(2000);
    expect(one.visited()).toBeLessThan(10);
  });

  it('binds id(v) = $p as a start binding instead of scanning', () => {
    const s = people();
    const id = (execute(s, "MATCH (n {name: 'Bob'}) RETURN id(n)").rows[0][0]) as string;
    const v = counting(s.head());
    expect(query(v.view, 'MATCH (a)-[:KNOWS]->(b) WHERE id(a) = $id RETURN b.name', { id }).rows).toEqual([['Cy']]);
    expect(v.visited()).toBeLessThan(3);
  });

  it('ORDER BY … SKIP … LIMIT keeps what a full sort keeps (top-k)', () => {
    const s = new Store();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 400 }), fc.nat({ max: 20 }), fc.nat({ max: 30 }), fc.boolean(), (xs, skip, limit, desc) => {
        const q = `UNWIND $xs AS x RETURN x ORDER BY x % 5 ${desc ? 'DESC' : ''} SKIP $skip LIMIT $limit`;
        const want = xs
          .map((x) => [x % 5 === 0 ? 0 : x % 5, x] as const)
          .sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]))
          .slice(skip, skip + limit)
          .map(([, x]) => [x]);
        expect(execute(s, q, { xs, skip, limit }).rows).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it('caches plans per query text', () => {
    expect(prepare('MATCH (n) RETURN n')).toBe(prepare('MATCH (n) RETURN n'));
  });

  it('runs on an open transaction (a GraphView)', () => {
    const s = people();
    const t = s.begin();
    t.addNode('z', ['Person'], { name: 'Zed' });
    expect(query(t, "MATCH (p:Person {name: 'Zed'}) RETURN count(*)").rows).toEqual([[1]]);
    t.abort();
  });

  it('variable-length paths, named paths, OPTIONAL MATCH, aggregates', () => {
    const s = people();
    expect(execute(s, "MATCH p = (a {name: 'Ann'})-[:KNOWS*1..2]->(b) RETURN b.name, length(p) ORDER BY length(p)").rows).toEqual([
      ['Bob', 1],
      ['Cy', 2],
    ]);
    expect(execute(s, 'MATCH (a:Person) OPTIONAL MATCH (a)-[:KNOWS]->(b) RETURN a.name, b.name ORDER BY a.name').rows).toEqual([
      ['Ann', 'Bob'],
      ['Bob', 'Cy'],
      ['Cy', null],
    ]);
    expect(execute(s, 'MATCH (a:Person) RETURN count(a.age) AS n, sum(a.age) AS s, avg(a.age) AS m, min(a.name) AS lo, max(a.name) AS hi, collect(DISTINCT size(labels(a))) AS l').rows).toEqual([
      [2, 58, 29, 'Ann', 'Cy', [1, 2]],
    ]);
  });
});

describe('updating clauses (for the TCK set-up; outside DESIGN.md §3)', () => {
  it('SET, REMOVE, MERGE, DETACH DELETE', () => {
    const s = people();
    expect(execute(s, "MATCH (p {name: 'Ann'}) SET p.age = p.age + 1, p:Admin RETURN p.age, labels(p)").rows).toEqual([[32, ['Admin', 'Person']]]);
    expect(execute(s, "MATCH (p {name: 'Ann'}) REMOVE p.age, p:Admin RETURN p.age, labels(p)").rows).toEqual([[null, ['Person']]]);
    const m = execute(s, "UNWIND ['Bob', 'Eve', 'Eve'] AS n MERGE (p:Person {name: n}) ON CREATE SET p.new = true RETURN p.name, p.new");
    expect(m.rows).toEqual([
      ['Bob', null],
      ['Eve', true],
      ['Eve', true],
    ]);
    expect(m.stats.nodesCreated).toBe(1);
    const d = execute(s, "MATCH (p {name: 'Bob'}) DETACH DELETE p");
    expect(d.stats).toMatchObject({ nodesDeleted: 1, relationshipsDeleted: 2 });
    expect(execute(s, 'MATCH (p:Person) RETURN count(*)').rows).toEqual([[3]]);
    expect(execute(s, 'AT TX 1 MATCH (p:Person) RETURN count(*)').rows).toEqual([[3]]);
  });
});
