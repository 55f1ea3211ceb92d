import type { EdgePattern, Expression, LabelExpression, NodePattern, PathPattern } from '../../gql/ast.ts';
import { GqlSyntaxError } from '../../gql/errors.ts';
import { parseExpression, parsePattern } from '../../gql/parser/index.ts';
import type { EdgeRecord, Json, NodeRecord } from '../../graph/index.ts';
import { RuleError } from '../errors.ts';
import { jsonEqual } from '../../graph/index.ts';
import type { Nac, PatternEdge, PatternNode } from '../match/pattern.ts';
import { Rule } from '../rule.ts';
import type { Action, Assignment, RuleDef, RuleEdge, RuleGuard, RuleNode } from '../rule.ts';
import { compileExpression } from './expression.ts';
import { labelTest } from '../../gql/label-test.ts';
import { lineCol, scanRules, syntaxError } from './scan.ts';
import type { Clause } from './scan.ts';

/**
 * Parses one or more textual rules:
 *
 * ```
 * rule passRule {
 *   match (r:Resource)-[t:token]->(p1:Process)-[:next]->(p2:Process)
 *   where not (p1)-[:request]->(r)
 *   delete t
 *   create (r)-[:token]->(p2)
 * }
 * ```
 * @throws RuleSyntaxError (code SYNTAX) with line and column.
 */
export function parseRules(text: string): Rule[] {
  return scanRules(text).map((r) => {
    const rule = new Builder(text, r.name, r.start).build(r.clauses);
    if (r.error !== undefined) throw r.error;
    return rule;
  });
}

/** Parses exactly one textual rule. */
export function parseRule(text: string): Rule {
  const rules = parseRules(text);
  if (rules.length !== 1) throw syntaxError(text, 0, `expected exactly one rule, found ${rules.length}`);
  return rules[0];
}

interface NodeDecl {
  var: string;
  action: Action;
  labels: string[];
  props: { [k: string]: Json };
  filters: ((n: NodeRecord) => boolean)[];
  set: { [k: string]: Assignment };
}
interface EdgeDecl {
  var: string;
  action: Action;
  src: string;
  dst: string;
  direction: 'out' | 'either';
  types: string[] | undefined;
  props: { [k: string]: Json };
  filters: ((e: EdgeRecord) => boolean)[];
  set: { [k: string]: Assignment };
}

class Builder {
  private readonly nodes = new Map<string, NodeDecl>();
  private readonly edges = new Map<string, EdgeDecl>();
  private readonly guards: RuleGuard[] = [];
  private readonly nacs: Nac[] = [];
  private readonly params: string[] = [];
  private readonly allow: [string, string][] = [];
  private spo = false;
  private anon = 0;
  /** Offset of the clause being read. */
  private base = 0;

  constructor(
    private readonly text: string,
    private readonly name: string,
    private readonly start: number,
  ) {}

  build(clauses: readonly Clause[]): Rule {
    // Matches first (so where/delete/create/set can name their variables), then the rest in order.
    const order = [...clauses.filter((c) => c.keyword === 'match' || c.keyword === 'param'), ...clauses.filter((c) => c.keyword !== 'match' && c.keyword !== 'param')];
    for (const c of order) {
      this.base = c.start;
      const body = c.body;
      switch (c.keyword) {
        case 'match':
          for (const p of this.pattern(body).paths) this.path(p, 'preserve');
          break;
        case 'where':
          this.where(this.expression(body));
          break;
        case 'delete':
          for (const [v, at] of this.names(body)) {
            const d = this.nodes.get(v) ?? this.edges.get(v);
            if (d === undefined) throw this.err(at, `delete names unknown variable "${v}"`);
            d.action = 'delete';
          }
          break;
        case 'create':
          for (const p of this.pattern(body).paths) this.path(p, 'create');
          break;
        case 'set':
          this.set(body);
          break;
        case 'param':
          for (const [v, at] of this.names(body)) {
            if (!v.startsWith('$')) throw this.err(at, `a parameter is written $name`);
            this.params.push(v.slice(1));
          }
          break;
        case 'allow':
          for (const part of this.split(body)) {
            const m = /^\s*([A-Za-z_]\w*)\s*=\s*([A-Za-z_]\w*)\s*$/.exec(part.text);
            if (m === null) throw this.err(part.at, 'expected `allow a = b`');
            this.allow.push([m[1], m[2]]);
          }
          break;
        case 'spo':
          if (body.trim() !== '') throw this.err(body.search(/\S/), 'spo takes no argument');
          this.spo = true;
          break;
      }
    }
    const def: RuleDef = {
      name: this.name,
      nodes: [...this.nodes.values()].map((n): RuleNode => ({
        var: n.var,
        action: n.action,
        labels: n.labels,
        props: n.props,
        where: n.filters.length === 0 ? undefined : (x) => n.filters.every((f) => f(x)),
        set: Object.keys(n.set).length === 0 ? undefined : n.set,
      })),
      edges: [...this.edges.values()].map((e): RuleEdge => ({
        var: e.var,
        action: e.action,
        src: e.src,
        dst: e.dst,
        direction: e.direction,
        type: e.action === 'create' ? e.types?.[0] : undefined,
        types: e.action === 'create' ? undefined : e.types,
        props: e.props,
        where: e.filters.length === 0 ? undefined : (x) => e.filters.every((f) => f(x)),
        set: Object.keys(e.set).length === 0 ? undefined : e.set,
      })),
      guards: this.guards,
      nacs: this.nacs,
      params: this.params,
      allow: this.allow,
      mode: this.spo ? 'spo' : 'dpo',
    };
    try {
      return new Rule(def);
    } catch (e) {
      if (e instanceof RuleError) throw syntaxError(this.text, this.start, e.message);
      throw e;
    }
  }

  // ---- clause parts ----

  private path(p: PathPattern, action: 'preserve' | 'create'): void {
    const vars = p.nodes.map((n) => this.node(n, action));
    p.edges.forEach((e, i) => this.edge(e, vars[i], vars[i + 1], action));
  }

  private node(n: NodePattern, action: 'preserve' | 'create'): string {
    const v = n.variable ?? `_n${++this.anon}`;
    if (this.edges.has(v)) throw this.err(n.pos.offset, `"${v}" is an edge`);
    let d = this.nodes.get(v);
    if (d === undefined) {
      d = { var: v, action, labels: [], props: {}, filters: [], set: {} };
      this.nodes.set(v, d);
    } else if (action === 'create' && (n.label !== null || n.properties !== null)) {
      throw this.err(n.pos.offset, `create cannot add labels or properties to matched node "${v}" (use set)`);
    }
    if (n.label !== null) {
      const names = labelNames(n.label);
      if (names !== null) for (const l of names) if (!d.labels.includes(l)) d.labels.push(l);
      if (names === null) {
        if (action === 'create') throw this.err(n.label.pos.offset, 'a created node takes plain labels (:A:B)');
        const t = labelTest(n.label);
        d.filters.push((x) => t(x.labels));
      }
    }
    this.properties(n.properties, d, action);
    if (n.where !== null) {
      if (action === 'create') throw this.err(n.where.pos.offset, 'a created node has no WHERE');
      this.guard(n.where);
    }
    return v;
  }

  private edge(e: EdgePattern, left: string, right: string, action: 'preserve' | 'create'): void {
    if (e.quantifier !== null) throw this.err(e.pos.offset, 'variable-length edges are not allowed in rules');
    const v = e.variable ?? `_e${++this.anon}`;
    if (this.edges.has(v) || this.nodes.has(v)) throw this.err(e.pos.offset, `variable "${v}" is declared twice`);
    const types = e.label === null ? undefined : labelNames(e.label, true);
    if (types === null) throw this.err(e.pos.offset, 'an edge takes a type or a disjunction of types (:A|B)');
    if (action === 'create' && (types === undefined || types.length !== 1)) throw this.err(e.pos.offset, `created edge "${v}" needs exactly one type`);
    if (action === 'create' && e.direction === 'any') throw this.err(e.pos.offset, `created edge "${v}" needs a direction`);
    const [src, dst] = e.direction === 'left' ? [right, left] : [left, right];
    const d: EdgeDecl = { var: v, action, src, dst, direction: e.direction === 'any' ? 'either' : 'out', types, props: {}, filters: [], set: {} };
    this.edges.set(v, d);
    this.properties(e.properties, d, action);
    if (e.where !== null) this.guard(e.where);
  }

  private properties(p: NodePattern['properties'], d: NodeDecl | EdgeDecl, action: 'preserve' | 'create'): void {
    if (p === null) return;
    if (p.kind === 'Parameter') throw this.err(p.pos.offset, 'write properties as a map {k: value}');
    for (const entry of p.entries) {
      const c = this.compile(entry.value);
      if (c.vars.length === 0 && !usesParams(entry.value)) d.props[entry.key] = c.fn(NO_MATCH, {});
      else if (action === 'create') d.set[entry.key] = c.fn;
      else {
        const v = d.var;
        const k = entry.key;
        const isNode = this.nodes.has(v);
        this.guards.push({
          vars: [v, ...c.vars],
          test: (m, params) => {
            const rec = isNode ? m.node(v) : m.edge(v);
            return jsonEqual(rec.props[k] ?? null, c.fn(m, params));
          },
        });
      }
    }
  }

  private where(e: Expression): void {
    for (const c of conjuncts(e)) {
      if (c.kind === 'UnaryExpression' && c.operator === 'NOT' && c.operand.kind === 'PatternPredicate') this.nac(c.operand.pattern);
      else if (c.kind === 'PatternPredicate') throw this.err(c.pos.offset, 'a positive pattern condition belongs in match');
      else this.guard(c);
    }
  }

  private nac(p: PathPattern): void {
    const nodes: PatternNode[] = [];
    const edges: PatternEdge[] = [];
    const seen = new Set<string>();
    const names = p.nodes.map((n) => {
      const v = n.variable ?? `_n${++this.anon}`;
      if (n.properties !== null || n.where !== null) throw this.err(n.pos.offset, 'a NAC node takes labels only');
      if (!seen.has(v)) {
        seen.add(v);
        const names = n.label === null ? [] : labelNames(n.label);
        const test = n.label !== null && names === null ? labelTest(n.label) : undefined;
        nodes.push({ var: v, labels: names ?? [], labelTest: test });
      }
      return v;
    });
    p.edges.forEach((e, i) => {
      if (e.quantifier !== null) throw this.err(e.pos.offset, 'variable-length edges are not allowed in rules');
      if (e.properties !== null || e.where !== null) throw this.err(e.pos.offset, 'a NAC edge takes types only');
      const types = e.label === null ? undefined : labelNames(e.label, true);
      if (types === null) throw this.err(e.pos.offset, 'an edge takes a type or a disjunction of types');
      const [src, dst] = e.direction === 'left' ? [names[i + 1], names[i]] : [names[i], names[i + 1]];
      edges.push({ var: e.variable ?? `_e${++this.anon}`, src, dst, types, direction: e.direction === 'any' ? 'either' : 'out' });
    });
    this.nacs.push({ nodes, edges });
  }

  private guard(e: Expression): void {
    const c = this.compile(e);
    this.guards.push({ vars: c.vars, test: (m, p) => c.fn(m, p) === true });
  }

  private set(body: string): void {
    for (const part of this.split(body)) {
      const m = /^(\s*)([A-Za-z_]\w*)\s*\.\s*([A-Za-z_]\w*)\s*=/.exec(part.text);
      if (m === null) throw this.err(part.at + (part.text.search(/\S/) < 0 ? 0 : part.text.search(/\S/)), 'expected `set x.key = expression`');
      const v = m[2];
      const d = this.nodes.get(v) ?? this.edges.get(v);
      if (d === undefined) throw this.err(part.at + m[1].length, `set names unknown variable "${v}"`);
      if (d.action === 'delete') throw this.err(part.at + m[1].length, `"${v}" is deleted and cannot be set`);
      const saved = this.base;
      this.base = saved + part.at + m[0].length;
      const expr = this.expression(part.text.slice(m[0].length));
      d.set[m[3]] = this.compile(expr).fn;
      this.base = saved;
    }
  }

  // ---- helpers ----

  private readonly isVar = (v: string): 'node' | 'edge' | undefined => {
    const n = this.nodes.get(v);
    if (n !== undefined) return n.action === 'create' ? undefined : 'node';
    const e = this.edges.get(v);
    return e !== undefined && e.action !== 'create' ? 'edge' : undefined;
  };

  private err(relOffset: number, reason: string): RuleError {
    return syntaxError(this.text, this.base + relOffset, `rule "${this.name}": ${reason}`);
  }

  private pattern(body: string): ReturnType<typeof parsePattern> {
    try {
      return parsePattern(body);
    } catch (e) {
      if (e instanceof GqlSyntaxError) throw this.err(e.offset, e.message.replace(/^GQL syntax error at line \d+, column \d+: /, ''));
      throw e;
    }
  }

  /**
   * Compiles an expression of the clause being read. Its INVALID_RULE errors
   * give the position in the expression's own text: they are re-stated at
   * the position in the rule text, naming the rule.
   */
  private compile(e: Expression): ReturnType<typeof compileExpression> {
    try {
      return compileExpression(e, this.isVar);
    } catch (err) {
      if (!(err instanceof RuleError) || err.code !== 'INVALID_RULE') throw err;
      const m = /^compileExpression: (.*) \(line (\d+), column (\d+)\)$/s.exec(err.message);
      const reason = m === null ? err.message.replace(/^compileExpression: /, '') : m[1];
      const rel = m === null ? e.pos.offset : offsetOf(this.text.slice(this.base), Number(m[2]), Number(m[3]));
      const { line, column } = lineCol(this.text, this.base + rel);
      throw new RuleError('INVALID_RULE', `parseRules: rule "${this.name}" at line ${line}, column ${column}: ${reason}`, { cause: err });
    }
  }

  private expression(body: string): Expression {
    try {
      return parseExpression(body);
    } catch (e) {
      if (e instanceof GqlSyntaxError) throw this.err(e.offset, e.message.replace(/^GQL syntax error at line \d+, column \d+: /, ''));
      throw e;
    }
  }

  /** Comma-separated parts at bracket depth zero, with their offsets in `body`. */
  private split(body: string): { text: string; at: number }[] {
    const out: { text: string; at: number }[] = [];
    let depth = 0;
    let s = 0;
    let q: string | null = null;
    for (let i = 0; i < body.length; i++) {
      const ch = body[i];
      if (q !== null) {
        if (ch === '\\') i++;
        else if (ch === q) q = null;
      } else if (ch === '"' || ch === "'") q = ch;
      else if ('([{'.includes(ch)) depth++;
      else if (')]}'.includes(ch)) depth--;
      else if (ch === ',' && depth === 0) {
        out.push({ text: body.slice(s, i), at: s });
        s = i + 1;
      }
    }
    out.push({ text: body.slice(s), at: s });
    return out;
  }

  private names(body: string): [string, number][] {
    return this.split(body).map((p) => {
      const lead = p.text.search(/\S/);
      const v = p.text.trim();
      if (!/^\$?[A-Za-z_]\w*$/.test(v)) throw this.err(p.at + Math.max(lead, 0), `expected a name, found '${v}'`);
      return [v, p.at + lead];
    });
  }
}

const NO_MATCH = {
  node: (): never => {
    throw new RuleError('EVAL', 'no match');
  },
  edge: (): never => {
    throw new RuleError('EVAL', 'no match');
  },
  path: (): never => {
    throw new RuleError('EVAL', 'no match');
  },
  has: (): boolean => false,
};

function usesParams(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  if ((e as { kind?: string }).kind === 'Parameter') return true;
  return Object.values(e).some(usesParams);
}


function conjuncts(e: Expression): Expression[] {
  return e.kind === 'BinaryExpression' && e.operator === 'AND' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/** Plain label names (conjunction for nodes, disjunction for edge types); null if the expression is richer. */
function labelNames(l: LabelExpression, disjunction = false): string[] | null {
  if (l.kind === 'LabelName') return [l.name];
  const k = disjunction ? 'LabelDisjunction' : 'LabelConjunction';
  if (l.kind === k && l.operands.every((o) => o.kind === 'LabelName')) return l.operands.map((o) => (o as { name: string }).name);
  return null;
}

/** The offset of a 1-based line and column in `text`. */
function offsetOf(text: string, line: number, column: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) break;
    at = nl + 1;
  }
  return at + column - 1;
}
