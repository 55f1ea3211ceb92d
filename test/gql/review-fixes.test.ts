// Regressions found in review: one describe per bug; each test failed before its fix.
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/graph/index.ts';
import { GqlEvalError, execute } from '../../src/gql/index.ts';

function store(setup?: string): Store {
  const s = new Store();
  if (setup !== undefined) execute(s, setup);
  return s;
}

/** The error a query raises (fails the test if it raises none, or not a GqlEvalError). */
function failure(s: Store, q: string): GqlEvalError {
  try {
    execute(s, q);
  } catch (e) {
    expect(e).toBeInstanceOf(GqlEvalError);
    return e as GqlEvalError;
  }
  throw new Error(`no error: ${q}`);
}

describe('re-aliased names in ORDER BY and WITH … WHERE', () => {
  const chain = "CREATE (:S {name: 's1'})-[:T]->(:D {name: 'z'}), (:S {name: 's2'})-[:T]->(:D {name: 'a'})";

  it('a name re-aliased to another item means that item', () => {
    const s = store(chain);
    expect(execute(s, "MATCH (cur:S)-->(next:D) WITH cur AS prev, next AS cur WHERE cur.name = 'a' RETURN prev.name, cur.name").rows).toEqual([['s2', 'a']]);
    const r = execute(s, 'MATCH (cur:S)-->(next:D) RETURN cur AS prev, next AS cur ORDER BY cur.name').rows;
    expect(r.map((row) => (row[1] as { properties: { name: string } }).properties.name)).toEqual(['a', 'z']);
    expect(execute(s, 'UNWIND [[1, 2], [2, 1]] AS p WITH p[0] AS a, p[1] AS b RETURN a AS b, b AS a ORDER BY a').rows).toEqual([
      [2, 1],
      [1, 2],
    ]);
  });

  it('a comprehension variable is not the projected item of the same name', () => {
    // The sort key is the constant [0]: rows keep their order.
    expect(execute(store(), 'UNWIND [2, 1] AS x RETURN x ORDER BY [x IN [0] | x]').rows).toEqual([[2], [1]]);
  });
});

describe('ORDER BY after DISTINCT', () => {
  const people = "CREATE (:P {name: 'b', age: 1}), (:P {name: 'a', age: 2}), (:P {name: 'b', age: 3})";

  it('may repeat a projected expression', () => {
    const s = store(people);
    for (const q of [
      'MATCH (n:P) RETURN DISTINCT n.name ORDER BY n.name',
      'MATCH (n:P) RETURN DISTINCT n.name AS name ORDER BY n.name',
      'MATCH (n:P) WITH DISTINCT n.name AS name ORDER BY n.name RETURN name',
    ])
      expect(execute(s, q).rows, q).toEqual([['a'], ['b']]);
    expect(execute(s, 'MATCH (n:P) RETURN DISTINCT n.name ORDER BY toUpper(n.name) DESC').rows).toEqual([['b'], ['a']]);
  });

  it('still may not read what is not projected', () => {
    expect(failure(store(people), 'MATCH (n:P) RETURN DISTINCT n.name ORDER BY n.age').detail).toBe('UndefinedVariable');
  });
});

describe('updating queries without RETURN', () => {
  it('return no rows', () => {
    const s = store();
    const c = execute(s, 'UNWIND range(1, 3) AS i CREATE (:N {i: i})');
    expect(c.columns).toEqual([]);
    expect(c.rows).toEqual([]);
    expect(c.stats.nodesCreated).toBe(3);
    expect(execute(s, 'MATCH (n:N) SET n.j = 1').rows).toEqual([]);
    expect(execute(s, 'MATCH (n:N) WHERE n.i = 1 DELETE n').rows).toEqual([]);
    expect(execute(s, 'MATCH (n:N) RETURN sum(n.j)').rows).toEqual([[2]]);
  });
});

describe('property names that are Object.prototype members', () => {
  it('are missing properties', () => {
    const s = store("CREATE (:P {name: 'a'})-[:K]->(:P {name: 'b'})");
    expect(execute(s, "MATCH (n:P {name: 'a'}) RETURN n.constructor, n.toString, n.__proto__, n.hasOwnProperty, n['constructor']").rows).toEqual([[null, null, null, null, null]]);
    expect(execute(s, 'MATCH ()-[r]->() RETURN r.constructor').rows).toEqual([[null]]);
    expect(execute(s, 'MATCH (n:P) WHERE exists(n.toString) RETURN count(*)').rows).toEqual([[0]]);
    expect(execute(s, "MATCH (n:P {name: 'a'}) RETURN coalesce(n.valueOf, 'default')").rows).toEqual([['default']]);
    expect(execute(s, 'MATCH (n:P {`__proto__`: 1}) RETURN count(*)').rows).toEqual([[0]]);
    execute(s, "MATCH (n:P {name: 'a'}) SET n.constructor = 5");
    expect(execute(s, 'MATCH (n:P) RETURN n.constructor ORDER BY n.name').rows).toEqual([[5], [null]]);
  });

  it('`__proto__` is an ordinary map key and an ordinary property name', () => {
    const s = store();
    const m = execute(s, 'RETURN {`__proto__`: 1} AS m').rows[0][0] as object;
    expect(Object.keys(m)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(m, '__proto__')?.value).toBe(1);
    expect(Object.getPrototypeOf(m)).toBe(Object.prototype);
    expect(execute(s, 'CREATE (n:Z {`__proto__`: 1}) RETURN n.`__proto__`, keys(n)').rows).toEqual([[1, ['__proto__']]]);
    expect(execute(s, 'MATCH (n:Z) SET n.`__proto__` = 2 RETURN n.`__proto__`').rows).toEqual([[2]]);
    expect(execute(s, 'MATCH (n:Z) SET n += {`__proto__`: 3, b: 4} RETURN n.`__proto__`, n.b').rows).toEqual([[3, 4]]);
    expect(execute(s, 'MATCH (n {`__proto__`: 3}) RETURN count(*)').rows).toEqual([[1]]);
    expect(Object.getPrototypeOf(s.head().getNode(s.head().query('MATCH (n:Z) RETURN id(n)').rows[0][0] as string)!.props)).toBe(Object.prototype);
  });
});

describe('= on one value instance', () => {
  it('keeps NaN and null semantics', () => {
    const s = store();
    expect(execute(s, "WITH toFloat('NaN') AS x RETURN x = x, x <> x, x IN [x]").rows).toEqual([[false, true, false]]);
    expect(execute(s, 'WITH [null] AS l, {a: null} AS m RETURN l = l, m = m').rows).toEqual([[null, null]]);
    expect(execute(s, "WITH [1, 'a'] AS l RETURN l = l").rows).toEqual([[true]]);
  });
});

describe('constant folding', () => {
  it('leaves arithmetic errors to expressions that are evaluated', () => {
    const s = store();
    expect(execute(s, 'RETURN CASE WHEN false THEN 1 / 0 ELSE 1 END').rows).toEqual([[1]]);
    expect(execute(s, 'UNWIND [] AS x RETURN 1 / 0').rows).toEqual([]);
    const e = failure(s, 'RETURN 1 / 0');
    expect([e.detail, e.phase]).toEqual(['DivisionByZero', 'runtime']);
  });
});

describe('ambiguous aggregation expressions', () => {
  const knows = 'CREATE (a:Person {age: 10})-[:K]->(b:Person {age: 20}), (b)-[:K]->(:Person {age: 30})';

  it('are refused', () => {
    const s = store(knows);
    for (const q of [
      'UNWIND [1, 2, 3] AS x RETURN x + count(*)',
      'MATCH (me:Person)--(you:Person) WITH me.age + count(you.age) AS agg RETURN *',
      'MATCH (me:Person)--(you:Person) WITH me.age + you.age AS grp, me.age + you.age + count(*) AS agg RETURN *',
      'MATCH (me:Person)--(you:Person) RETURN me.age + you.age, count(*) AS cnt ORDER BY me.age + you.age + count(*)',
    ]) {
      const e = failure(s, q);
      expect([e.detail, e.phase], q).toEqual(['AmbiguousAggregationExpression', 'compile']);
    }
  });

  it('accept grouping keys, their properties and constants beside aggregates', () => {
    const s = store(knows);
    expect(execute(s, 'UNWIND [1, 2, 2] AS x RETURN x, x + count(*) ORDER BY x').rows).toEqual([
      [1, 2],
      [2, 4],
    ]);
    expect(execute(s, 'MATCH (me:Person)--(you:Person) WITH me.age AS age, me.age + count(you.age) AS agg RETURN age, agg ORDER BY age').rows).toEqual([
      [10, 11],
      [20, 22],
      [30, 31],
    ]);
    expect(execute(s, 'MATCH (me:Person)--(you:Person) RETURN me.age + count(*) AS x, me ORDER BY x').rows.map((r) => r[0])).toEqual([11, 22, 31]);
    expect(execute(s, 'MATCH (me:Person)--(you:Person) RETURN me.age AS age, count(you.age) AS cnt ORDER BY me.age + count(you.age) DESC').rows).toEqual([
      [30, 1],
      [20, 2],
      [10, 1],
    ]);
    expect(execute(s, 'MATCH (n:Person) RETURN count(*) * 10 + $k AS c', { k: 1 }).rows).toEqual([[31]]);
  });
});

describe('variable-length relationships: computed inline properties and element WHERE hold per relationship', () => {
  const chain = "CREATE (a:A {name: 'a', min: 1})-[:X {w: 1}]->(b:B {name: 'b', min: 2})-[:X {w: 2}]->(c:A:B {name: 'c'})";
  const names = (s: Store, q: string, params: Record<string, unknown> = {}): unknown[][] => execute(s, q, params).rows;

  it('a parameter in the inline map is compared with each relationship, as a literal is', () => {
    const s = store(chain);
    expect(names(s, 'MATCH (a)-[r:X*1..2 {w: $w}]->(x) RETURN a.name, x.name', { w: 1 })).toEqual([['a', 'b']]);
    expect(names(s, 'MATCH (a)-[r:X*1..2 {w: 1}]->(x) RETURN a.name, x.name')).toEqual([['a', 'b']]);
    expect(names(s, 'MATCH (a)-[r:X*1..2 {w: $w}]->(x) RETURN a.name, x.name', { w: 2 })).toEqual([['b', 'c']]);
    expect(names(s, 'MATCH (a)-[:X*1..2 {w: $w}]->(x) RETURN count(*)', { w: 1 })).toEqual([[1]]);
    // Zero relationships: the map holds vacuously.
    expect(names(s, 'MATCH (a)-[r:X*0..1 {w: $w}]->(x) RETURN a.name, x.name ORDER BY a.name, x.name', { w: 1 })).toEqual([
      ['a', 'a'],
      ['a', 'b'],
      ['b', 'b'],
      ['c', 'c'],
    ]);
  });

  it('an element WHERE tests each relationship, also when it reads other pattern variables or the path', () => {
    const s = store(chain);
    expect(names(s, 'MATCH (a)-[r:X*1..2 WHERE r.w = 1]->(x) RETURN a.name, x.name')).toEqual([['a', 'b']]);
    expect(names(s, 'MATCH (a)-[r:X WHERE r.w = 1]->{1,2}(x) RETURN a.name, x.name')).toEqual([['a', 'b']]);
    expect(names(s, 'MATCH (a)-[r:X*1..2 WHERE r.w > 0]->(x) RETURN a.name, x.name, size(r) ORDER BY a.name, x.name')).toEqual([
      ['a', 'b', 1],
      ['a', 'c', 2],
      ['b', 'c', 1],
    ]);
    expect(names(s, 'MATCH (a)-[r:X*1..2 WHERE r.w > a.min]->(x) RETURN a.name, x.name')).toEqual([]);
    expect(names(s, 'MATCH (a)-[r:X*1..2 WHERE r.w >= a.min]->(x) RETURN a.name, x.name ORDER BY a.name, x.name')).toEqual([
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'c'],
    ]);
    expect(names(s, 'MATCH p = (a)-[r:X*1..2 WHERE r.w >= length(p)]->(x) RETURN a.name, x.name ORDER BY a.name')).toEqual([
      ['a', 'b'],
      ['b', 'c'],
    ]);
  });
});

describe('label predicates on relationships', () => {
  const graph = "CREATE (a:A)-[:X]->(b:B)-[:Y]->(c:C)-[:X]->(a)";

  it('test the relationship type', () => {
    const s = store(graph);
    expect(execute(s, 'MATCH (a)-[r]->(b) WHERE r:X RETURN count(*)').rows).toEqual([[2]]);
    // `|` in an expression needs parentheses (docs/gql-syntax-notes.md: `[x IN xs WHERE x:A | e]`).
    expect(execute(s, 'MATCH (a)-[r]->(b) WHERE r:(X|Y) RETURN count(*)').rows).toEqual([[3]]);
    expect(execute(s, 'MATCH (a)-[r]->(b) WHERE r:(X|Z) RETURN count(*)').rows).toEqual([[2]]);
    expect(execute(s, 'MATCH (a)-[r]->(b) WHERE NOT r:X RETURN count(*)').rows).toEqual([[1]]);
    expect(execute(s, 'MATCH (a)-[r]->(b) WHERE r:X:Y RETURN count(*)').rows).toEqual([[0]]);
    expect(execute(s, 'MATCH (a)-[r:Y]->(b) RETURN r:Y, r:X, r:%').rows).toEqual([[true, false, true]]);
  });

  it('other values are still a type error', () => {
    expect(failure(store(graph), 'UNWIND [1] AS x RETURN x:X').detail).toBe('InvalidArgumentType');
    expect(failure(store(graph), 'MATCH p = (a:A)-->() RETURN p:X').detail).toBe('InvalidArgumentType');
    expect(failure(store(graph), 'RETURN [1]:X').detail).toBe('InvalidArgumentType');
  });
});

describe('number conversions read decimal text only', () => {
  it('toInteger and toFloat give null for 0x, 0b and 0o text (JavaScript number syntax), and read decimals and Infinity', () => {
    const r = execute(store(), "RETURN toInteger('0b101') AS a, toInteger('0o17') AS b, toInteger('0x1F') AS c, toFloat('0b11') AS d, toInteger(' 42 ') AS e, toInteger('-1.9e1') AS f, toFloat('.5') AS g, toFloat('-Infinity') AS h").rows;
    expect(r).toEqual([[null, null, null, null, 42, -19, 0.5, -Infinity]]);
  });
});

describe('parameters', () => {
  it('a Date (any class instance) is refused, not read as an empty map', () => {
    expect(() => execute(store(), 'RETURN $p AS p', { p: new Date(0) })).toThrow(/parameter of type Date is not a GQL value/);
    expect(execute(store(), 'RETURN $p.a AS a', { p: Object.assign(Object.create(null), { a: 1 }) }).rows).toEqual([[1]]);
  });
});

describe('string functions count characters as size() does', () => {
  it('substring, left, right and split by "" take code points; replace of "" matches at every boundary', () => {
    const r = execute(store(), "WITH '😀a😀' AS s RETURN size(s) AS n, substring(s, 0, size(s)) AS whole, substring(s, 1) AS tail, left(s, 2) AS l, right(s, 1) AS r, split(s, '') AS cs, replace('abc', '', '-') AS rep, replace('', '', '-') AS rep0").rows;
    expect(r).toEqual([[3, '😀a😀', 'a😀', '😀a', '😀', ['😀', 'a', '😀'], '-a-b-c-', '-']]);
  });
});
