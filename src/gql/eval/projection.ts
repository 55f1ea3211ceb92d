import type { Expression, ReturnStatement, SourcePosition, WithClause } from '../ast.ts';
import { GqlSemanticError, atPos } from '../eval-errors.ts';
import { newAggState } from './aggregate.ts';
import type { AggState } from './aggregate.ts';
import type { Ctx, Eval, Row, VarKind } from './context.ts';
import { Scope } from './context.ts';
import { astKey, compileExpr, countArgument, freeVars, hasAggregate } from './expr.ts';
import type { AggSpec, ExprEnv, Subst } from './expr.ts';
import { isAggregateName } from './functions.ts';
import { isAnonymous } from './match-plan.ts';
import type { StageFactory } from './stage.ts';
import { orderCompare, rowKey } from './values.ts';
import type { Value } from './values.ts';

export interface CompiledProjection {
  readonly stages: StageFactory[];
  readonly scope: Scope;
  readonly columns: string[];
}

type Hooks = Pick<ExprEnv, 'patternPredicate'>;

interface Item {
  readonly name: string;
  readonly expression: Expression;
  readonly pos: SourcePosition;
}

/** RETURN or WITH: projection, aggregation, DISTINCT, ORDER BY, SKIP / LIMIT, WITH's WHERE. */
export function compileProjection(p: ReturnStatement | WithClause, input: Scope, hooks: Hooks): CompiledProjection {
  const isWith = p.kind === 'WithClause';
  const items: Item[] = [];
  if (p.star) {
    const names = [...input.vars.keys()].filter((n) => !isAnonymous(n)).sort();
    if (names.length === 0) throw new GqlSemanticError('NoVariablesInScope', `${isWith ? 'WITH' : 'RETURN'} * has no variables in scope`);
    for (const n of names) items.push({ name: n, expression: { kind: 'VariableReference', name: n, pos: p.pos } as Expression, pos: p.pos });
  }
  for (const it of p.items) {
    if (isWith && it.alias === null && it.expression.kind !== 'VariableReference') throw atPos(new GqlSemanticError('NoExpressionAlias', `WITH ${it.text}: expression must be aliased`), it.pos);
    items.push({ name: it.alias ?? it.text, expression: it.expression, pos: it.pos });
  }
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.name)) throw atPos(new GqlSemanticError('ColumnNameConflict', `column \`${it.name}\` is defined twice`), it.pos);
    seen.add(it.name);
  }
  const k = items.length;
  const aggregating = items.some((i) => hasAggregate(i.expression));
  const keyVars = new Set<string>();
  const keyProps = new Set<string>();
  if (aggregating) {
    for (const it of items) if (!hasAggregate(it.expression)) addKey(it.expression, keyVars, keyProps);
    for (const it of items) if (hasAggregate(it.expression)) checkUnambiguous(`\`${it.name}\``, it.expression, keyVars, keyProps, it.pos);
  }
  const aggs: AggSpec[] = [];
  const env: ExprEnv = { ...hooks, scope: input, aggs: aggregating ? aggs : null, subst: null };
  const evals: Eval[] = items.map((i) => compileExpr(i.expression, env));
  const isKey = items.map((i) => !hasAggregate(i.expression));

  // The scope after the projection.
  const out = new Scope();
  for (const it of items) out.add(it.name, kindOfItem(it.expression, input));

  const stages: StageFactory[] = [];
  const orderBy = p.orderBy;
  // Non-aggregating ORDER BY may read variables of the input scope: rows carry them after the items.
  const where = isWith ? p.where : null;
  const carry = !aggregating && (orderBy !== null || where !== null) && !(p.quantifier?.value === 'DISTINCT');
  stages.push(aggregating ? aggregateStage(evals, isKey, aggs, k) : projectStage(evals, carry));
  if (p.quantifier?.value === 'DISTINCT') stages.push(distinctStage(k));

  const skip = p.skip === null ? null : countExpr('SKIP', p.skip, hooks);
  const limit = p.limit === null ? null : countExpr('LIMIT', p.limit, hooks);
  // ORDER BY and WITH's WHERE see the projected items and, without aggregation, the input's variables.
  const oscope = new Scope();
  for (const [name, info] of out.vars) oscope.vars.set(name, info);
  if (carry) for (const [name, info] of input.vars) if (!oscope.vars.has(name)) oscope.vars.set(name, { slot: k + info.slot, kind: info.kind });
  oscope.width = carry ? k + input.width : k;
  const subst = substitutions(items);
  const oenv: ExprEnv = { ...hooks, scope: oscope, aggs: null, subst };
  if (orderBy !== null) {
    // ORDER BY after aggregation may also read the projected names.
    const orderVars = new Set([...keyVars, ...out.vars.keys()]);
    const keys = orderBy.items.map((s) => {
      if (aggregating && hasAggregate(s.expression)) checkUnambiguous('ORDER BY', s.expression, orderVars, keyProps, s.pos);
      if (!carry && !aggregating && p.quantifier?.value === 'DISTINCT') {
        // Parts equal to a projected item read that item, not the variables inside them.
        for (const v of freeVars(stripSubst(s.expression, subst)))
          if (!out.vars.has(v)) throw atPos(new GqlSemanticError('UndefinedVariable', `ORDER BY after DISTINCT reads \`${v}\`, which is not projected`), s.pos);
      }
      return { f: compileExpr(s.expression, oenv), desc: s.ordering === 'DESC' };
    });
    // With a LIMIT only the first SKIP + LIMIT rows in order are kept (top-k).
    const cap = limit === null ? null : (ctx: Ctx) => (skip === null ? 0 : skip(ctx)) + limit(ctx);
    stages.push(sortStage(keys, cap));
  }
  if (skip !== null || limit !== null) stages.push(sliceStage(skip, limit));
  if (where !== null) {
    const w = compileExpr(where.condition, oenv);
    stages.push((ctx, next) => ({ push: (r) => (w(r, ctx) === true ? next.push(r) : true), end: () => next.end() }));
  }
  if (carry || aggregating) stages.push(truncateStage(k));
  return { stages, scope: out, columns: items.map((i) => i.name) };
}

/** Records a grouping key: a variable, or a variable's property, can be read beside aggregates. */
function addKey(e: Expression, vars: Set<string>, props: Set<string>): void {
  if (e.kind === 'VariableReference') vars.add(e.name);
  else if (e.kind === 'PropertyReference' && e.subject.kind === 'VariableReference') props.add(astKey(e));
}

/**
 * openCypher: outside its aggregate calls, an expression that aggregates reads only constants,
 * grouping-key variables and their properties, and properties projected as keys; anything else
 * (`x + count(*)` without `x` as a key) has no single value per group.
 */
function checkUnambiguous(what: string, e: Expression, keyVars: ReadonlySet<string>, keyProps: ReadonlySet<string>, pos: SourcePosition): void {
  const fail = (): never => {
    throw atPos(new GqlSemanticError('AmbiguousAggregationExpression', `${what} mixes aggregates with values that are not grouping keys`), pos);
  };
  const walk = (x: unknown, bound: ReadonlySet<string>): void => {
    if (Array.isArray(x)) return x.forEach((y) => walk(y, bound));
    if (x === null || typeof x !== 'object') return;
    const n = x as Expression;
    switch (n.kind) {
      case 'CountStar':
        return;
      case 'FunctionCall':
        if (isAggregateName(n.name)) return;
        break;
      case 'VariableReference':
        if (!bound.has(n.name) && !keyVars.has(n.name)) fail();
        return;
      case 'PropertyReference':
        if (n.subject.kind === 'VariableReference' && !bound.has(n.subject.name) && keyProps.has(astKey(n))) return;
        break;
      case 'ListComprehension':
      case 'ListPredicate': {
        walk(n.source, bound);
        const inner = new Set(bound).add(n.variable);
        walk(n.where, inner);
        if (n.kind === 'ListComprehension') walk(n.projection, inner);
        return;
      }
      case 'PatternPredicate':
        for (const v of freeVars(n, new Set(), bound)) if (!keyVars.has(v)) fail();
        return;
    }
    for (const [k, v] of Object.entries(x)) if (k !== 'pos') walk(v, bound);
  };
  walk(e, new Set());
}

/**
 * ORDER BY / WITH's WHERE: an expression equal to an item's reads that item's column. Not when a
 * variable the item reads is re-aliased by the projection (`cur AS prev, next AS cur`): there
 * `cur` means the new item, so the expression must be evaluated, not substituted.
 */
function substitutions(items: readonly Item[]): Map<string, Subst> {
  const rebound = new Set(items.filter((it) => !(it.expression.kind === 'VariableReference' && it.expression.name === it.name)).map((it) => it.name));
  const subst = new Map<string, Subst>();
  items.forEach((it, slot) => {
    const reads = freeVars(it.expression);
    for (const v of reads) if (rebound.has(v)) return;
    const key = astKey(it.expression);
    if (!subst.has(key)) subst.set(key, { slot, reads });
  });
  return subst;
}

/** A copy of an AST with the parts `subst` replaces turned into null literals (to find what else it reads). */
function stripSubst(e: unknown, subst: ReadonlyMap<string, Subst>): unknown {
  if (Array.isArray(e)) return e.map((x) => stripSubst(x, subst));
  if (e === null || typeof e !== 'object') return e;
  if ('kind' in e && subst.has(astKey(e))) return { kind: 'NullLiteral' };
  const out: { [k: string]: unknown } = {};
  for (const [k, v] of Object.entries(e)) out[k] = stripSubst(v, subst);
  return out;
}

const scalarKinds = new Set(['IntegerLiteral', 'FloatLiteral', 'StringLiteral', 'BooleanLiteral', 'ListLiteral', 'MapLiteral']);

/** What the compiler knows of a projected item's kind. */
function kindOfItem(e: Expression, input: Scope): VarKind {
  if (e.kind === 'VariableReference') return input.vars.get(e.name)?.kind ?? 'value';
  return scalarKinds.has(e.kind) ? 'scalar' : 'value';
}

/** SKIP / LIMIT: constant expressions, evaluated once per execution. */
function countExpr(what: string, e: Expression, hooks: Hooks): (ctx: Ctx) => number {
  if (freeVars(e).size > 0) throw atPos(new GqlSemanticError('NonConstantExpression', `${what} must be a constant expression`), e.pos);
  const f = compileExpr(e, { ...hooks, scope: new Scope(), aggs: null, subst: null });
  const literal = e.kind === 'IntegerLiteral' || e.kind === 'FloatLiteral' || e.kind === 'UnaryExpression';
  const check = (v: Value, phase: 'compile' | 'runtime'): number => {
    try {
      return countArgument(what, v, phase);
    } catch (err) {
      throw atPos(err, e.pos);
    }
  };
  if (literal) {
    const n = check(f([], { view: undefined as never, params: new Map(), agg: null }), 'compile');
    return () => n;
  }
  return (ctx) => check(f([], ctx), 'runtime');
}

function projectStage(evals: Eval[], carry: boolean): StageFactory {
  const k = evals.length;
  return (ctx, next) => ({
    push: (row) => {
      const out: Row = new Array(carry ? k + row.length : k);
      for (let i = 0; i < k; i++) out[i] = evals[i](row, ctx);
      if (carry) for (let i = 0; i < row.length; i++) out[k + i] = row[i];
      return next.push(out);
    },
    end: () => next.end(),
  });
}

function aggregateStage(evals: Eval[], isKey: boolean[], aggs: AggSpec[], k: number): StageFactory {
  const keyIdx = isKey.map((b, i) => (b ? i : -1)).filter((i) => i >= 0);
  return (ctx, next) => {
    const groups = new Map<string, { rep: Row; keys: Value[]; states: AggState[] }>();
    return {
      push: (row) => {
        const keys = keyIdx.map((i) => evals[i](row, ctx));
        const key = rowKey(keys, keys.length);
        let g = groups.get(key);
        if (g === undefined) {
          g = { rep: row, keys, states: aggs.map(newAggState) };
          groups.set(key, g);
        }
        for (let i = 0; i < g.states.length; i++) {
          try {
            g.states[i].add(row, ctx);
          } catch (err) {
            throw atPos(err, aggs[i].pos);
          }
        }
        return true;
      },
      end: () => {
        if (groups.size === 0 && keyIdx.length === 0) groups.set('', { rep: [], keys: [], states: aggs.map(newAggState) });
        for (const g of groups.values()) {
          ctx.agg = g.states.map((s) => s.result());
          const out: Row = new Array(k);
          let j = 0;
          for (let i = 0; i < k; i++) out[i] = isKey[i] ? g.keys[j++] : evals[i](g.rep, ctx);
          ctx.agg = null;
          if (!next.push(out)) break;
        }
        next.end();
      },
    };
  };
}

function distinctStage(k: number): StageFactory {
  return (_ctx, next) => {
    const seen = new Set<string>();
    // One column: a string is its own key (no key string built); other values use rowKey.
    const strings = k === 1 ? new Set<string>() : null;
    return {
      push: (row) => {
        const v = row[0];
        if (strings !== null && typeof v === 'string') {
          if (strings.has(v)) return true;
          strings.add(v);
          return next.push(row);
        }
        const key = rowKey(row, k);
        if (seen.has(key)) return true;
        seen.add(key);
        return next.push(row);
      },
      end: () => next.end(),
    };
  };
}

function sortStage(keys: { f: Eval; desc: boolean }[], cap: ((ctx: Ctx) => number) | null): StageFactory {
  const order = (a: { ks: Value[] }, b: { ks: Value[] }): number => {
    for (let i = 0; i < keys.length; i++) {
      const c = orderCompare(a.ks[i], b.ks[i]);
      if (c !== 0) return keys[i].desc ? -c : c;
    }
    return 0;
  };
  return (ctx, next) => {
    let rows: { row: Row; ks: Value[] }[] = [];
    const keep = cap === null ? Infinity : cap(ctx);
    return {
      push: (row) => {
        rows.push({ row, ks: keys.map((k) => k.f(row, ctx)) });
        // Stable sort, then truncation: ties keep their arrival order.
        if (rows.length >= 2 * keep + 64) rows = rows.sort(order).slice(0, keep);
        return true;
      },
      end: () => {
        rows.sort(order);
        for (const r of rows) if (!next.push(r.row)) break;
        next.end();
      },
    };
  };
}

function sliceStage(skip: ((ctx: Ctx) => number) | null, limit: ((ctx: Ctx) => number) | null): StageFactory {
  return (ctx, next) => {
    let toSkip = skip === null ? 0 : skip(ctx);
    let left = limit === null ? Infinity : limit(ctx);
    return {
      push: (row) => {
        if (left <= 0) return false;
        if (toSkip > 0) {
          toSkip--;
          return true;
        }
        left--;
        return next.push(row) && left > 0;
      },
      end: () => next.end(),
    };
  };
}

function truncateStage(k: number): StageFactory {
  return (_ctx, next) => ({ push: (row) => next.push(row.length === k ? row : row.slice(0, k)), end: () => next.end() });
}
