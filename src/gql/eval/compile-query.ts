import type { Clause, Expression, PathPattern, Query, QueryBody, ReturnStatement, SingleQuery } from '../ast.ts';
import { GqlSemanticError, GqlTypeError, GqlUnsupportedError, atPos, withPos } from '../eval-errors.ts';
import type { Ctx, Eval, Row } from './context.ts';
import { Scope } from './context.ts';
import { compileCreate } from './create.ts';
import { compileExpr, hasAggregate } from './expr.ts';
import type { ExprEnv } from './expr.ts';
import { compileMatch } from './match-plan.ts';
import type { MatchPlan } from './match-plan.ts';
import { compileProjection } from './projection.ts';
import { flatMapStage, placedStage } from './stage.ts';
import { compileDelete, compileMerge, compileRemove, compileSet } from './update.ts';
import type { Sink, StageFactory } from './stage.ts';
import { rowKey } from './values.ts';
import type { Value } from './values.ts';

/** A query compiled once and run any number of times, on any view. */
export interface CompiledQuery {
  readonly columns: readonly string[];
  /** Whether the query writes (CREATE): it must run in a transaction. */
  readonly updating: boolean;
  /** The `AT TX` operand, if any. */
  readonly atTx: { readonly literal: number } | { readonly param: string } | null;
  /** Streams result rows into `emit` (false stops the query). */
  run(ctx: Ctx, emit: (row: Row) => boolean): void;
}

const hooks: Pick<ExprEnv, 'patternPredicate'> = {
  patternPredicate: (p: PathPattern, env: ExprEnv): Eval => {
    const { plan } = compileMatch([p], null, env.scope, hooks, false);
    return (row, ctx) => {
      let found = false;
      plan.run(row, ctx, () => {
        found = true;
        return false;
      });
      return found;
    };
  },
};

interface CompiledSingle {
  readonly columns: string[];
  readonly stages: StageFactory[];
  readonly updating: boolean;
}

function compileSingle(q: SingleQuery): CompiledSingle {
  let scope = new Scope();
  const stages: StageFactory[] = [];
  let columns: string[] = [];
  let updating = false;
  for (let ci = 0; ci < q.clauses.length; ci++) {
    const c = q.clauses[ci];
    // A clause's errors that no expression or pattern element placed get the clause's position.
    try {
      switch (c.kind) {
        case 'MatchStatement':
        case 'OptionalMatch': {
          const { plan, scope: next } = compileMatch(c.pattern, c.where?.condition ?? null, scope, hooks);
          const ret = q.clauses[ci + 1];
          if (c.kind === 'MatchStatement' && ret?.kind === 'ReturnStatement' && ci + 2 === q.clauses.length && plan.countable && isCountStar(ret)) {
            // MATCH … RETURN count(*): count the matches without building rows.
            stages.push(countStage(plan));
            columns = [ret.items[0].alias ?? ret.items[0].text];
            ci++;
            break;
          }
          const fresh = plan.fresh.map((f) => f.slot).concat(plan.paths.map((p) => p.slot));
          const width = next.width;
          // A projection without aggregates copies what it keeps: the matches can share one row.
          const reuse = (ret?.kind === 'WithClause' || ret?.kind === 'ReturnStatement') && !ret.items.some((i) => hasAggregate(i.expression));
          if (c.kind === 'MatchStatement') stages.push(flatMapStage((row, ctx, emit) => plan.run(row, ctx, emit, reuse)));
          else
            stages.push(
              flatMapStage((row, ctx, emit) => {
                let any = false;
                const go = plan.run(row, ctx, (r) => {
                  any = true;
                  return emit(r);
                });
                if (any) return go;
                const out = row.slice();
                out.length = width;
                for (const s of fresh) out[s] = null;
                return emit(out);
              }),
            );
          scope = next;
          break;
        }
        case 'UnwindClause': {
          const f = compileExpr(c.expression, { ...hooks, scope, aggs: null, subst: null });
          if (scope.vars.has(c.variable)) throw new GqlSemanticError('VariableAlreadyBound', `UNWIND: \`${c.variable}\` is already bound`);
          const next = scope.clone();
          const slot = next.add(c.variable, 'value').slot;
          const width = next.width;
          stages.push(
            flatMapStage((row, ctx, emit) => {
              const v = f(row, ctx);
              const xs: Value[] = v === null ? [] : Array.isArray(v) ? v : [v];
              for (const x of xs) {
                const out = row.slice();
                out.length = width;
                out[slot] = x;
                if (!emit(out)) return false;
              }
              return true;
            }),
          );
          scope = next;
          break;
        }
        case 'WithClause':
        case 'ReturnStatement': {
          const p = compileProjection(c, scope, hooks);
          stages.push(...p.stages);
          scope = p.scope;
          columns = p.columns;
          break;
        }
        case 'CreateClause': {
          const r = compileCreate(c.pattern, scope, hooks);
          stages.push(placedStage(r.stage, c.pos));
          scope = r.scope;
          updating = true;
          break;
        }
        case 'SetStatement':
          stages.push(placedStage(compileSet(c, scope, hooks), c.pos));
          updating = true;
          break;
        case 'RemoveStatement':
          stages.push(placedStage(compileRemove(c, scope, hooks), c.pos));
          updating = true;
          break;
        case 'DeleteStatement':
          stages.push(placedStage(compileDelete(c, scope, hooks), c.pos));
          updating = true;
          break;
        case 'MergeClause': {
          const r = compileMerge(c, scope, hooks);
          stages.push(placedStage(r.stage, c.pos));
          scope = r.scope;
          updating = true;
          break;
        }
        default:
          throw new GqlUnsupportedError(clauseName(c));
      }
    } catch (err) {
      throw atPos(err, c.pos);
    }
  }
  const last = q.clauses[q.clauses.length - 1];
  if (last.kind !== 'ReturnStatement') {
    // A query without RETURN (an update) yields no rows, whatever number of rows it wrote for.
    columns = [];
    stages.push(discardStage);
  }
  return { columns, stages, updating };
}

/** Consumes every row (the clauses before it still run for each) and emits none. */
const discardStage: StageFactory = (_ctx, next) => ({ push: () => true, end: () => next.end() });

/** `RETURN count(*) [AS x]` and nothing else. */
function isCountStar(r: ReturnStatement): boolean {
  return !r.star && r.quantifier === null && r.orderBy === null && r.skip === null && r.limit === null && r.items.length === 1 && r.items[0].expression.kind === 'CountStar';
}

function countStage(plan: MatchPlan): StageFactory {
  return (ctx, next) => {
    let n = 0;
    return {
      push: (row) => {
        n += plan.count(row, ctx);
        return true;
      },
      end: () => {
        next.push([n]);
        next.end();
      },
    };
  };
}

function clauseName(c: Clause): string {
  switch (c.kind) {
    case 'MergeClause':
      return 'MERGE';
    case 'SetStatement':
      return 'SET';
    case 'RemoveStatement':
      return 'REMOVE';
    case 'DeleteStatement':
      return 'DELETE';
    default:
      return c.kind;
  }
}

function flatten(b: QueryBody): { parts: SingleQuery[]; all: boolean[] } {
  if (b.kind === 'SingleQuery') return { parts: [b], all: [] };
  const l = flatten(b.left);
  return { parts: [...l.parts, b.right], all: [...l.all, b.setOperator === 'UNION ALL'] };
}

function runStages(stages: readonly StageFactory[], ctx: Ctx, sink: Sink): void {
  let s = sink;
  for (let i = stages.length - 1; i >= 0; i--) s = stages[i](ctx, s);
  s.push([]);
  s.end();
}

/** Compiles a parsed query. */
export function compileQuery(ast: Query): CompiledQuery {
  const { parts, all } = flatten(ast.body);
  const compiled = parts.map(compileSingle);
  const columns = compiled[0].columns;
  compiled.forEach((c, i) => {
    if (c.columns.length !== columns.length || c.columns.some((n, j) => n !== columns[j])) throw atPos(new GqlSemanticError('DifferentColumnsInUnion', 'UNION: all parts must return the same columns'), parts[i].pos);
  });
  if (all.length > 0 && all.some((a) => a !== all[0])) throw new GqlSemanticError('InvalidClauseComposition', 'UNION and UNION ALL cannot be mixed');
  const distinct = all.length > 0 && !all[0];
  const updating = compiled.some((c) => c.updating);
  const at = ast.atTx;
  const atTx = at === null ? null : at.tx.kind === 'Parameter' ? { param: at.tx.name } : { literal: withPos(at.pos, () => atLiteral(at.tx)) };
  if (atTx !== null && updating) throw new GqlSemanticError('InvalidClauseComposition', 'AT TX reads a past version: it cannot be used with CREATE');
  return {
    columns,
    updating,
    atTx,
    run(ctx, emit) {
      const seen = distinct ? new Set<string>() : null;
      let stopped = false;
      for (const c of compiled) {
        if (stopped) return;
        const width = c.columns.length;
        runStages(c.stages, ctx, {
          push: (row) => {
            if (stopped) return false;
            const out = row.length === width ? row : row.slice(0, width);
            if (seen !== null) {
              const k = rowKey(out, width);
              if (seen.has(k)) return true;
              seen.add(k);
            }
            if (!emit(out)) stopped = true;
            return !stopped;
          },
          end: () => {},
        });
      }
    },
  };
}

function atLiteral(e: Expression): number {
  if (e.kind !== 'IntegerLiteral' || typeof e.value !== 'number' || e.value < 0) throw new GqlTypeError('AT TX needs a non-negative integer', 'InvalidArgumentType', 'compile');
  return e.value;
}
