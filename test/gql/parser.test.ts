import { describe, expect, it } from 'vitest';
import type { Expression, MatchStatement, Query, ReturnStatement, WithClause } from '../../src/gql/ast.ts';
import { GqlError, GqlSyntaxError } from '../../src/gql/errors.ts';
import { parse, parseExpression, parsePattern } from '../../src/gql/parser/index.ts';

/** The tree without source positions, so that tests can compare shapes. */
function strip(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strip);
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (k !== 'pos') out[k] = strip(v);
    return out;
  }
  return x;
}

/** A compact rendering of an expression: fully parenthesised, for precedence tests. */
function show(e: Expression): string {
  switch (e.kind) {
    case 'IntegerLiteral':
    case 'FloatLiteral':
    case 'BooleanLiteral':
      return String(e.value);
    case 'StringLiteral':
      return `'${e.value}'`;
    case 'NullLiteral':
      return 'null';
    case 'VariableReference':
      return e.name;
    case 'Parameter':
      return `$${e.name}`;
    case 'PropertyReference':
      return `${show(e.subject)}.${e.property}`;
    case 'BinaryExpression':
      return `(${show(e.left)} ${e.operator} ${show(e.right)})`;
    case 'UnaryExpression':
      return `(${e.operator} ${show(e.operand)})`;
    case 'NullPredicate':
      return `(${show(e.operand)} IS ${e.negated ? 'NOT ' : ''}NULL)`;
    case 'ListLiteral':
      return `[${e.elements.map(show).join(', ')}]`;
    case 'FunctionCall':
      return `${e.name}(${e.distinct ? 'DISTINCT ' : ''}${e.args.map(show).join(', ')})`;
    case 'IndexExpression':
      return `${show(e.subject)}[${show(e.index)}]`;
    case 'LabelPredicate':
      return `(${show(e.subject)}:label)`;
    default:
      return e.kind;
  }
}

const expr = (text: string): string => show(parseExpression(text));

function clauses(q: Query) {
  if (q.body.kind !== 'SingleQuery') throw new Error('expected a single query');
  return q.body.clauses;
}

function syntaxError(f: () => unknown): GqlSyntaxError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GqlSyntaxError);
    return e as GqlSyntaxError;
  }
  throw new Error('expected a GqlSyntaxError');
}

describe('clauses', () => {
  it('parses MATCH … WHERE … RETURN', () => {
    const [m, r] = clauses(parse('MATCH (a:A)-[r:T]->(b) WHERE a.x > 1 RETURN a, b.name AS name'));
    expect(m!.kind).toBe('MatchStatement');
    expect(show((m as MatchStatement).where!.condition)).toBe('(a.x > 1)');
    const ret = r as ReturnStatement;
    expect(ret.items.map((i) => [i.text, i.alias])).toEqual([
      ['a', null],
      ['b.name', 'name'],
    ]);
  });

  it('keeps the source text of unaliased return items', () => {
    const [r] = clauses(parse('RETURN n.prop  IS NOT NULL, count( * )'));
    expect((r as ReturnStatement).items.map((i) => i.text)).toEqual(['n.prop  IS NOT NULL', 'count( * )']);
  });

  it('parses OPTIONAL MATCH as its own kind', () => {
    const [m, o] = clauses(parse('MATCH (a) OPTIONAL MATCH (a)-->(b) WHERE b.x = 1 RETURN b'));
    expect(m!.kind).toBe('MatchStatement');
    expect(o!.kind).toBe('OptionalMatch');
  });

  it('parses WITH with DISTINCT, ORDER BY, SKIP, LIMIT and WHERE', () => {
    const [w] = clauses(parse('WITH DISTINCT a.x AS x ORDER BY x DESC, a ASCENDING SKIP 1 LIMIT 2 WHERE x > 0 RETURN x'));
    const withClause = w as WithClause;
    expect(withClause.quantifier?.value).toBe('DISTINCT');
    expect(withClause.orderBy!.items.map((i) => i.ordering)).toEqual(['DESC', 'ASC']);
    expect(show(withClause.skip!)).toBe('1');
    expect(show(withClause.limit!)).toBe('2');
    expect(show(withClause.where!.condition)).toBe('(x > 0)');
  });

  it('accepts OFFSET as SKIP, RETURN *, RETURN DISTINCT', () => {
    const [, r] = clauses(parse('MATCH (n) RETURN DISTINCT *, n.x OFFSET 3'));
    const ret = r as ReturnStatement;
    expect(ret.star).toBe(true);
    expect(ret.quantifier?.value).toBe('DISTINCT');
    expect(ret.items).toHaveLength(1);
    expect(show(ret.skip!)).toBe('3');
  });

  it('parses UNWIND', () => {
    const [u] = clauses(parse('UNWIND [1, 2] AS x RETURN x'));
    expect(strip(u)).toMatchObject({ kind: 'UnwindClause', variable: 'x' });
  });

  it('parses CREATE with several patterns, properties and relationships', () => {
    const [c] = clauses(parse("CREATE (a:A {name: 'a'}), (a)-[:T {w: 1.5}]->(b:B:C)<-[:U]-(:D)"));
    expect(c!.kind).toBe('CreateClause');
    if (c!.kind !== 'CreateClause') return;
    expect(c.pattern.paths).toHaveLength(2);
    expect(c.pattern.paths[1]!.edges.map((e) => e.direction)).toEqual(['right', 'left']);
  });

  it('parses MERGE, SET, REMOVE and DELETE (TCK set-up queries)', () => {
    const q = parse('MERGE (a:A {k: 1}) ON CREATE SET a.x = 1, a += {y: 2} ON MATCH SET a:B SET a = {} REMOVE a.x, a:B DETACH DELETE a');
    expect(clauses(q).map((c) => c.kind)).toEqual(['MergeClause', 'SetStatement', 'RemoveStatement', 'DeleteStatement']);
  });

  it('parses the AT TX extension with an integer or a parameter', () => {
    expect(strip(parse('AT TX 42 MATCH (n) RETURN n').atTx)).toEqual({ kind: 'AtTxClause', tx: { kind: 'IntegerLiteral', value: 42, overflow: false } });
    expect(strip(parse('at tx $tx RETURN 1').atTx)).toEqual({ kind: 'AtTxClause', tx: { kind: 'Parameter', name: 'tx' } });
    expect(parse('RETURN 1').atTx).toBeNull();
  });

  it('keeps `at` and `tx` usable as names', () => {
    expect(clauses(parse('MATCH (at)-[tx]->(b) RETURN at, tx'))).toHaveLength(2);
  });

  it('parses UNION and UNION ALL', () => {
    const q = parse('RETURN 1 AS x UNION ALL RETURN 2 AS x UNION RETURN 3 AS x');
    expect(q.body.kind).toBe('CompositeQuery');
    if (q.body.kind !== 'CompositeQuery') return;
    expect(q.body.setOperator).toBe('UNION');
    expect(q.body.left.kind === 'CompositeQuery' && q.body.left.setOperator).toBe('UNION ALL');
  });

  it('treats keywords case-insensitively and skips comments', () => {
    const q = parse('match (n) // trailing\n/* block\ncomment */ ReTuRn n');
    expect(clauses(q).map((c) => c.kind)).toEqual(['MatchStatement', 'ReturnStatement']);
  });

  it('accepts a trailing semicolon', () => {
    expect(clauses(parse('RETURN 1;'))).toHaveLength(1);
  });
});

describe('patterns', () => {
  const edge = (text: string) => parsePattern(text).paths[0]!.edges[0]!;

  it('parses edges in every direction', () => {
    expect(['(a)-[e]->(b)', '(a)<-[e]-(b)', '(a)-[e]-(b)', '(a)-->(b)', '(a)<--(b)', '(a)--(b)', '(a)<-->(b)'].map((p) => edge(p).direction)).toEqual([
      'right',
      'left',
      'any',
      'right',
      'left',
      'any',
      'any',
    ]);
  });

  it('parses Cypher variable lengths', () => {
    const q = (p: string) => {
      const x = edge(p).quantifier;
      return x === null ? null : [x.min, x.max];
    };
    expect(q('(a)-[*]->(b)')).toEqual([1, null]);
    expect(q('(a)-[*2]->(b)')).toEqual([2, 2]);
    expect(q('(a)-[*1..3]->(b)')).toEqual([1, 3]);
    expect(q('(a)-[*..3]->(b)')).toEqual([1, 3]);
    expect(q('(a)-[*2..]->(b)')).toEqual([2, null]);
    expect(q('(a)-[:T*0..1 {x: 1}]->(b)')).toEqual([0, 1]);
    expect(q('(a)-[e]->(b)')).toBeNull();
  });

  it('parses GQL quantifiers after the edge', () => {
    const q = (p: string) => {
      const x = edge(p).quantifier!;
      return [x.min, x.max];
    };
    expect(q('(a)-[e]->{1,3}(b)')).toEqual([1, 3]);
    expect(q('(a)-[e]->{2}(b)')).toEqual([2, 2]);
    expect(q('(a)-[e]->{,4}(b)')).toEqual([0, 4]);
    expect(q('(a)-[e]->{2,}(b)')).toEqual([2, null]);
    expect(q('(a)-->+(b)')).toEqual([1, null]);
  });

  it('rejects two quantifiers on one edge', () => {
    expect(syntaxError(() => parsePattern('(a)-[*2]->{1,3}(b)')).code).toBe('GQL_SYNTAX');
  });

  it('parses label expressions', () => {
    const label = (p: string) => strip(parsePattern(p).paths[0]!.nodes[0]!.label);
    const name = (n: string) => ({ kind: 'LabelName', name: n });
    expect(label('(a:A:B)')).toEqual({ kind: 'LabelConjunction', operands: [name('A'), name('B')] });
    expect(label('(a:A&B)')).toEqual({ kind: 'LabelConjunction', operands: [name('A'), name('B')] });
    expect(label('(a:A|B)')).toEqual({ kind: 'LabelDisjunction', operands: [name('A'), name('B')] });
    expect(label('(a IS A|B)')).toEqual({ kind: 'LabelDisjunction', operands: [name('A'), name('B')] });
    expect(label('(a:!A)')).toEqual({ kind: 'LabelNegation', operand: name('A') });
    expect(label('(a:%)')).toEqual({ kind: 'LabelWildcard' });
    expect(label('(a:(A|B)&!C)')).toEqual({
      kind: 'LabelConjunction',
      operands: [{ kind: 'LabelDisjunction', operands: [name('A'), name('B')] }, { kind: 'LabelNegation', operand: name('C') }],
    });
    expect(label('(:`my label`)')).toEqual(name('my label'));
  });

  it('parses relationship type alternatives :T1|T2 and :T1|:T2', () => {
    for (const p of ['(a)-[:T1|T2]->(b)', '(a)-[:T1|:T2]->(b)']) {
      expect(strip(edge(p).label)).toEqual({
        kind: 'LabelDisjunction',
        operands: [
          { kind: 'LabelName', name: 'T1' },
          { kind: 'LabelName', name: 'T2' },
        ],
      });
    }
  });

  it('allows keywords as labels and types', () => {
    expect(strip(edge('(a)-[:CONTAINS]->(b)').label)).toEqual({ kind: 'LabelName', name: 'CONTAINS' });
  });

  it('parses named paths, node and edge properties, parameters and element WHERE', () => {
    const [p] = parsePattern('p = (a {name: $n})-[e:T {w: 1} WHERE e.w > 0]->(b $props WHERE b.x = 1)').paths;
    expect(p!.variable).toBe('p');
    expect(p!.nodes[0]!.properties?.kind).toBe('MapLiteral');
    expect(p!.nodes[1]!.properties).toMatchObject({ kind: 'Parameter', name: 'props' });
    expect(show(p!.edges[0]!.where!)).toBe('(e.w > 0)');
    expect(show(p!.nodes[1]!.where!)).toBe('(b.x = 1)');
  });

  it('parses a comma-separated pattern list', () => {
    expect(parsePattern('(a), (b)-->(c)').paths).toHaveLength(2);
  });

  it('records source positions', () => {
    const n = parsePattern('(a),\n  (b)').paths[1]!.nodes[0]!;
    expect(n.pos).toEqual({ offset: 7, line: 2, column: 3 });
  });
});

describe('expression precedence', () => {
  it('orders boolean operators OR < XOR < AND < NOT', () => {
    expect(expr('a OR b XOR c AND NOT d')).toBe('(a OR (b XOR (c AND (NOT d))))');
    expect(expr('NOT a AND b')).toBe('((NOT a) AND b)');
  });

  it('binds comparison tighter than NOT and IS NULL tighter than comparison', () => {
    expect(expr('NOT false >= false')).toBe('(NOT (false >= false))');
    expect(expr('false = true IS NULL')).toBe('(false = (true IS NULL))');
    expect(expr('NOT x IS NOT NULL')).toBe('(NOT (x IS NOT NULL))');
  });

  it('expands chained comparisons', () => {
    expect(expr('a < b = c <> d')).toBe('(((a < b) AND (b = c)) AND (c <> d))');
  });

  it('binds IN and string predicates tighter than comparison, looser than arithmetic', () => {
    expect(expr('a = b IN c')).toBe('(a = (b IN c))');
    expect(expr("a + 'x' STARTS WITH b OR c")).toBe("(((a + 'x') STARTS WITH b) OR c)");
    expect(expr('a ENDS WITH b CONTAINS c')).toBe('((a ENDS WITH b) CONTAINS c)');
  });

  it('orders arithmetic + - < * / % < ^ < unary', () => {
    expect(expr('1 + 2 * 3 - 4 / 5 % 6')).toBe('((1 + (2 * 3)) - ((4 / 5) % 6))');
    expect(expr('2 * 3 ^ 2')).toBe('(2 * (3 ^ 2))');
    expect(expr('2 ^ 3 ^ 2')).toBe('((2 ^ 3) ^ 2)');
    expect(expr('-3 ^ 2')).toBe('(-3 ^ 2)');
    expect(expr('-x ^ 2')).toBe('((- x) ^ 2)');
    expect(expr('- -1')).toBe('(- -1)');
    expect(expr('+x')).toBe('(+ x)');
  });

  it('binds postfix operators tightest', () => {
    expect(expr('-a.b[0]')).toBe('(- a.b[0])');
    expect(expr('a.b.c')).toBe('a.b.c');
  });

  it('respects parentheses', () => {
    expect(expr('(1 + 2) * 3')).toBe('((1 + 2) * 3)');
  });
});

describe('expressions', () => {
  it('parses integer literals, keeping overflow visible', () => {
    expect(strip(parseExpression('0x1F'))).toEqual({ kind: 'IntegerLiteral', value: 31, overflow: false });
    expect(strip(parseExpression('0o17'))).toEqual({ kind: 'IntegerLiteral', value: 15, overflow: false });
    expect(strip(parseExpression('-9223372036854775808'))).toEqual({ kind: 'IntegerLiteral', value: -9223372036854775808n, overflow: false });
    expect(strip(parseExpression('9223372036854775807'))).toEqual({ kind: 'IntegerLiteral', value: 9223372036854775807n, overflow: false });
    expect(strip(parseExpression('9223372036854775808'))).toEqual({ kind: 'IntegerLiteral', value: 9223372036854775808n, overflow: true });
    expect(strip(parseExpression('-0o1000000000000000000001'))).toMatchObject({ overflow: true });
  });

  it('parses float literals', () => {
    expect(strip(parseExpression('.5'))).toEqual({ kind: 'FloatLiteral', value: 0.5, overflow: false });
    expect(strip(parseExpression('1e-5'))).toEqual({ kind: 'FloatLiteral', value: 1e-5, overflow: false });
    expect(strip(parseExpression('-.1E9'))).toEqual({ kind: 'FloatLiteral', value: -1e8, overflow: false });
    expect(strip(parseExpression('3.25'))).toEqual({ kind: 'FloatLiteral', value: 3.25, overflow: false });
    expect(strip(parseExpression('1.34E999'))).toEqual({ kind: 'FloatLiteral', value: Infinity, overflow: true });
  });

  it('parses strings with both quotes and escapes', () => {
    expect(strip(parseExpression(String.raw`'a\'b\n\t\u0041\\'`))).toEqual({ kind: 'StringLiteral', value: "a'b\n\tA\\" });
    expect(strip(parseExpression(String.raw`"say \"hi\""`))).toEqual({ kind: 'StringLiteral', value: 'say "hi"' });
    expect(syntaxError(() => parseExpression(String.raw`'bad \q'`)).code).toBe('GQL_SYNTAX');
  });

  it('parses booleans, null and parameters', () => {
    expect(expr('TRUE AND false OR NULL')).toBe('((true AND false) OR null)');
    expect(expr('$p + $1')).toBe('($p + $1)');
  });

  it('parses lists and maps, including nested and empty ones', () => {
    expect(expr('[1, [2, []], {}]')).toBe('[1, [2, []], MapLiteral]');
    expect(strip(parseExpression("{a: 1, `b c`: 'x', end: null}"))).toMatchObject({
      kind: 'MapLiteral',
      entries: [{ key: 'a' }, { key: 'b c' }, { key: 'end' }],
    });
  });

  it('parses indexing and slicing', () => {
    expect(strip(parseExpression('xs[1..]'))).toMatchObject({ kind: 'SliceExpression', from: { value: 1 }, to: null });
    expect(strip(parseExpression('xs[..2]'))).toMatchObject({ kind: 'SliceExpression', from: null, to: { value: 2 } });
    expect(strip(parseExpression('xs[a..b]'))).toMatchObject({ kind: 'SliceExpression' });
    expect(expr('xs[i + 1]')).toBe('xs[(i + 1)]');
  });

  it('parses function calls, count(*) and DISTINCT arguments', () => {
    expect(expr('coalesce(a, b)')).toBe('coalesce(a, b)');
    expect(expr('count(DISTINCT x)')).toBe('count(DISTINCT x)');
    expect(expr('cOuNt( * )')).toBe('CountStar');
    expect(expr('rand()')).toBe('rand()');
    expect(expr('date.truncate(x)')).toBe('date.truncate(x)');
    expect(syntaxError(() => parseExpression('sum(*)')).code).toBe('GQL_SYNTAX');
  });

  it('parses both CASE forms', () => {
    expect(strip(parseExpression("CASE x WHEN 1 THEN 'a' WHEN 2 THEN 'b' ELSE 'c' END"))).toMatchObject({
      kind: 'CaseExpression',
      operand: { name: 'x' },
      branches: [{ when: { value: 1 } }, { when: { value: 2 } }],
      elseResult: { value: 'c' },
    });
    expect(strip(parseExpression('CASE WHEN a THEN 1 END'))).toMatchObject({ kind: 'CaseExpression', operand: null, elseResult: null });
  });

  it('parses list comprehensions and list predicates', () => {
    expect(strip(parseExpression('[x IN xs WHERE x > 1 | x * 2]'))).toMatchObject({
      kind: 'ListComprehension',
      variable: 'x',
      where: { operator: '>' },
      projection: { operator: '*' },
    });
    expect(strip(parseExpression('[x IN xs]'))).toMatchObject({ kind: 'ListComprehension', where: null, projection: null });
    for (const q of ['all', 'any', 'none', 'single'] as const) {
      expect(strip(parseExpression(`${q.toUpperCase()}(x IN xs WHERE x)`))).toMatchObject({ kind: 'ListPredicate', quantifier: q });
    }
    expect(clauses(parse('RETURN all(x IN xs WHERE x) AS r'))[0]).toMatchObject({ quantifier: null });
  });

  it('parses label predicates and pattern predicates', () => {
    expect(strip(parseExpression('n:A:B'))).toMatchObject({ kind: 'LabelPredicate', label: { kind: 'LabelConjunction' } });
    expect(strip(parseExpression('NOT (a)-[:T]->(b:L)'))).toMatchObject({
      kind: 'UnaryExpression',
      operand: { kind: 'PatternPredicate', pattern: { edges: [{ direction: 'right' }] } },
    });
    expect(expr('(a) < -1')).toBe('(a < -1)');
    expect(expr('(n:Foo)')).toBe('(n:label)');
  });

  it('allows keywords as property keys and common function names as variables', () => {
    expect(expr('n.exists IS NULL')).toBe('(n.exists IS NULL)');
    expect(expr('n.count + count')).toBe('(n.count + count)');
  });

  it('parses backquoted identifiers', () => {
    expect(expr('`a``b`.`c d`')).toBe('a`b.c d');
  });
});

describe('syntax errors', () => {
  it('reports line, column and what was expected', () => {
    const e = syntaxError(() => parse('MATCH (a\nRETURN a'));
    expect(e).toBeInstanceOf(GqlError);
    expect(e.code).toBe('GQL_SYNTAX');
    expect([e.line, e.column, e.offset]).toEqual([2, 1, 9]);
    expect(e.expected).toContain("')'");
    expect(e.message).toBe("GQL syntax error at line 2, column 1: expected ')' but found 'RETURN'");
  });

  it('reports the end of input', () => {
    const e = syntaxError(() => parse('RETURN 1 +'));
    expect([e.line, e.column]).toEqual([1, 11]);
    expect(e.message).toBe('GQL syntax error at line 1, column 11: expected an expression but found end of input');
  });

  it('rejects bad characters, numbers and unterminated literals', () => {
    for (const q of ['RETURN 9223372#54775808', 'RETURN 9223372h54775808', "RETURN 'abc", 'RETURN `abc', 'RETURN 1 /* open', 'RETURN 0x', 'RETURN {1B2c3e67: 1}']) {
      expect(syntaxError(() => parse(q)).code, q).toBe('GQL_SYNTAX');
    }
  });

  it('rejects malformed patterns', () => {
    for (const q of ['MATCH (a)-[:LIKES..]->(c) RETURN c', 'MATCH (a)-[:LIKES*-2]->(c) RETURN c', 'MATCH (a)-[e]->{}(b) RETURN a', 'MATCH (a)-[r->(b) RETURN a']) {
      expect(syntaxError(() => parse(q)).code, q).toBe('GQL_SYNTAX');
    }
  });

  it('rejects empty and incomplete queries', () => {
    for (const q of ['', '   ', 'MATCH', 'MATCH (n)', 'RETURN', 'RETURN 1 AS', 'xs[]', 'RETURN [, ]', 'RETURN {, }', 'RETURN {k: {k: {}} AS x']) {
      expect(syntaxError(() => parse(q)).code, q).toBe('GQL_SYNTAX');
    }
  });

  it('rejects absurd nesting without overflowing the stack', () => {
    const e = syntaxError(() => parse(`RETURN ${'['.repeat(5000)}${']'.repeat(5000)}`));
    expect(e.message).toMatch(/nesting/);
    expect(parse(`RETURN ${'['.repeat(100)}${']'.repeat(100)}`).kind).toBe('Query');
  });

  it('survives long operator chains', () => {
    expect(parseExpression(Array.from({ length: 5000 }, (_, i) => String(i)).join(' + ')).kind).toBe('BinaryExpression');
    expect(parseExpression(`${'NOT '.repeat(3000)}true`).kind).toBe('UnaryExpression');
    expect(parseExpression(`${'- '.repeat(3000)}1`).kind).toBe('UnaryExpression');
  });
});

describe('AST nodes', () => {
  it('are frozen', () => {
    const q = parse('MATCH (a)-[:T]->(b) RETURN a.x + 1 AS y');
    const visit = (x: unknown): void => {
      if (x !== null && typeof x === 'object') {
        expect(Object.isFrozen(x)).toBe(true);
        for (const v of Object.values(x)) visit(v);
      }
    };
    visit(q);
  });
});
