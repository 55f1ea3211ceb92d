import type { EdgeRecord, Json, NodeRecord, Transaction } from '../../graph/index.ts';
import type { DeleteStatement, MergeClause, RemoveStatement, SetItem, SetStatement } from '../ast.ts';
import { GqlSemanticError, GqlTypeError, withPos } from '../eval-errors.ts';
import type { Ctx, Eval, Row } from './context.ts';
import type { Scope } from './context.ts';
import { compileCreatePattern } from './create.ts';
import { compileExpr } from './expr.ts';
import type { ExprEnv } from './expr.ts';
import { compileMatch } from './match-plan.ts';
import type { StageFactory } from './stage.ts';
import { PathValue, isEdge, isNode, kindOf, toJson } from './values.ts';
import { putKey } from '../../graph/index.ts';
import type { Value } from './values.ts';

type Hooks = Pick<ExprEnv, 'patternPredicate'>;

/*
 * SET, REMOVE, DELETE and MERGE: outside DESIGN.md §3 (GQL in Itonami is for
 * reading), kept small for the openCypher TCK's set-up queries. Each stage is
 * eager: it takes all its input rows, writes, then passes the rows on with
 * their elements re-read from the transaction.
 */

function txOf(ctx: Ctx, what: string): Transaction {
  if (ctx.tx == null) throw new GqlSemanticError('ReadOnly', `${what} needs an updating execution (execute(store, …))`);
  return ctx.tx;
}

/** Replaces the nodes and relationships of a row by their current versions (deleted ones stay as they were). */
function refresh(row: Row, tx: Transaction): void {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (isNode(v)) row[i] = tx.getNode(v.id) ?? v;
    else if (isEdge(v)) row[i] = tx.getEdge(v.id) ?? v;
  }
}

function eager(apply: (row: Row, ctx: Ctx) => Row[]): StageFactory {
  return (ctx, next) => {
    const rows: Row[] = [];
    return {
      push: (row) => {
        rows.push(row);
        return true;
      },
      end: () => {
        const out = rows.flatMap((r) => apply(r, ctx));
        const tx = ctx.tx;
        if (tx != null) for (const r of out) refresh(r, tx);
        for (const r of out) if (!next.push(r)) break;
        next.end();
      },
    };
  };
}

type ItemFn = (row: Row, ctx: Ctx, tx: Transaction) => void;

function target(v: Value, what: string): NodeRecord | EdgeRecord | null {
  if (v === null) return null;
  if (isNode(v) || isEdge(v)) return v;
  throw new GqlTypeError(`${what}: expected a node or relationship, got ${kindOf(v)}`, 'InvalidArgumentType');
}

function mergeProps(tx: Transaction, ctx: Ctx, el: NodeRecord | EdgeRecord, props: { [k: string]: Json | undefined }): void {
  const stats = ctx.stats!;
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) {
      if (Object.prototype.hasOwnProperty.call(el.props, k)) stats.propertiesRemoved++;
    } else stats.propertiesSet++;
  }
  if (isNode(el)) tx.mergeNodeProps(el.id, props);
  else tx.mergeEdgeProps(el.id, props);
}

function mapOf(v: Value, what: string): Map<string, Value> {
  if (v instanceof Map) return v;
  if (isNode(v) || isEdge(v)) {
    const m = new Map<string, Value>();
    for (const [k, x] of Object.entries(v.props)) m.set(k, x as Value);
    return m;
  }
  throw new GqlTypeError(`${what}: expected a map, got ${kindOf(v)}`, 'InvalidArgumentType');
}

function compileSetItems(items: readonly SetItem[], scope: Scope, hooks: Hooks): ItemFn[] {
  const env: ExprEnv = { ...hooks, scope, aggs: null, subst: null };
  const slotOf = (name: string): number => {
    const info = scope.vars.get(name);
    if (info === undefined) throw new GqlSemanticError('UndefinedVariable', `SET: variable \`${name}\` not defined`);
    return info.slot;
  };
  return items.map((it): ItemFn => {
    const f = withPos(it.pos, () => compileSetItem(it, env, slotOf));
    // Errors get the item's position (`n.k = …`), not just the clause's.
    return (row, ctx, tx) => withPos(it.pos, () => f(row, ctx, tx));
  });
}

function compileSetItem(it: SetItem, env: ExprEnv, slotOf: (name: string) => number): ItemFn {
  switch (it.kind) {
    case 'SetPropertyItem': {
      const subject = compileExpr(it.target.subject, env);
      const key = it.target.property;
      const value = compileExpr(it.value, env);
      return (row, ctx, tx) => {
        const el = target(subject(row, ctx), 'SET');
        const v = value(row, ctx);
        if (el !== null) mergeProps(tx, ctx, el, { [key]: v === null ? undefined : toJson(v, 'SET') });
      };
    }
    case 'SetAllPropertiesItem': {
      const slot = slotOf(it.variable);
      const value = compileExpr(it.value, env);
      const merge = it.merge;
      return (row, ctx, tx) => {
        const el = target(row[slot], 'SET');
        if (el === null) return;
        const m = mapOf(value(row, ctx), 'SET');
        const props: { [k: string]: Json | undefined } = {};
        if (!merge) for (const k of Object.keys(el.props)) props[k] = undefined;
        for (const [k, v] of m) putKey(props, k, v === null ? undefined : toJson(v, 'SET'));
        mergeProps(tx, ctx, el, props);
      };
    }
    case 'SetLabelItem': {
      const slot = slotOf(it.variable);
      const labels = it.labels;
      return (row, ctx, tx) => {
        const el = target(row[slot], 'SET');
        if (el === null) return;
        if (!isNode(el)) throw new GqlTypeError('SET: labels are set on nodes', 'InvalidArgumentType');
        const cur = tx.getNode(el.id) ?? el;
        const added = labels.filter((l) => !cur.labels.includes(l));
        ctx.stats!.labelsAdded += added.length;
        if (added.length > 0) tx.updateNode(el.id, { labels: [...cur.labels, ...added] });
      };
    }
  }
}

function runItems(items: readonly ItemFn[], row: Row, ctx: Ctx, tx: Transaction): void {
  for (const f of items) {
    f(row, ctx, tx);
    refresh(row, tx);
  }
}

export function compileSet(c: SetStatement, scope: Scope, hooks: Hooks): StageFactory {
  const items = compileSetItems(c.items, scope, hooks);
  return eager((row, ctx) => {
    const tx = txOf(ctx, 'SET');
    const r = row.slice();
    runItems(items, r, ctx, tx);
    return [r];
  });
}

export function compileRemove(c: RemoveStatement, scope: Scope, hooks: Hooks): StageFactory {
  const env: ExprEnv = { ...hooks, scope, aggs: null, subst: null };
  const items: ItemFn[] = c.items.map((it): ItemFn => {
    if (it.kind === 'RemovePropertyItem') {
      const subject = compileExpr(it.target.subject, env);
      const key = it.target.property;
      return (row, ctx, tx) => {
        const el = target(subject(row, ctx), 'REMOVE');
        if (el !== null) mergeProps(tx, ctx, el, { [key]: undefined });
      };
    }
    const info = scope.vars.get(it.variable);
    if (info === undefined) throw new GqlSemanticError('UndefinedVariable', `REMOVE: variable \`${it.variable}\` not defined`);
    const labels = it.labels;
    return (row, ctx, tx) => {
      const el = target(row[info.slot], 'REMOVE');
      if (el === null || !isNode(el)) return;
      const cur = tx.getNode(el.id) ?? el;
      const keep = cur.labels.filter((l) => !labels.includes(l));
      ctx.stats!.labelsRemoved += cur.labels.length - keep.length;
      if (keep.length !== cur.labels.length) tx.updateNode(el.id, { labels: keep });
    };
  });
  return eager((row, ctx) => {
    const tx = txOf(ctx, 'REMOVE');
    const r = row.slice();
    runItems(items, r, ctx, tx);
    return [r];
  });
}

export function compileDelete(c: DeleteStatement, scope: Scope, hooks: Hooks): StageFactory {
  const env: ExprEnv = { ...hooks, scope, aggs: null, subst: null };
  const exprs: Eval[] = c.expressions.map((e) => compileExpr(e, env));
  const detach = c.detach;
  return (ctx, next) => {
    const rows: Row[] = [];
    return {
      push: (row) => {
        rows.push(row);
        return true;
      },
      end: () => {
        const tx = txOf(ctx, 'DELETE');
        const deleted = ctx.deleted!;
        const stats = ctx.stats!;
        const dropEdge = (id: string): void => {
          if (deleted.has(id) || !tx.hasEdge(id)) return;
          tx.dropEdge(id);
          deleted.add(id);
          stats.relationshipsDeleted++;
        };
        const dropNode = (id: string): void => {
          if (deleted.has(id) || !tx.hasNode(id)) return;
          if (detach) {
            const incident: string[] = [];
            tx.forEachIncident(id, 'out', undefined, (e) => void incident.push(e.id));
            tx.forEachIncident(id, 'in', undefined, (e) => void incident.push(e.id));
            for (const e of incident) dropEdge(e);
          }
          tx.dropNode(id);
          deleted.add(id);
          stats.nodesDeleted++;
        };
        const drop = (v: Value): void => {
          if (v === null) return;
          if (isNode(v)) dropNode(v.id);
          else if (isEdge(v)) dropEdge(v.id);
          else if (v instanceof PathValue) {
            for (const e of v.edges) dropEdge(e.id);
            for (const n of v.nodes) dropNode(n.id);
          } else throw new GqlTypeError(`DELETE: expected a node, relationship or path, got ${kindOf(v)}`, 'InvalidArgumentType');
        };
        // A node deleted with its relationships still there fails at commit (DeleteConnectedNode).
        for (const row of rows) for (const e of exprs) drop(e(row, ctx));
        for (const r of rows) if (!next.push(r)) break;
        next.end();
      },
    };
  };
}

/** MERGE: match the path; where it has no match, create it. */
export function compileMerge(c: MergeClause, scope: Scope, hooks: Hooks): { stage: StageFactory; scope: Scope } {
  const m = compileMatch([c.path], null, scope, hooks);
  const cp = compileCreatePattern([c.path], scope, hooks, 'MERGE');
  // The created row's new variables, copied to the slots the match would give them.
  const moves: [number, number][] = [];
  for (const [name, info] of m.scope.vars) {
    if (scope.vars.has(name)) continue;
    const from = cp.scope.vars.get(name);
    if (from !== undefined) moves.push([from.slot, info.slot]);
  }
  const onCreate = compileSetItems(c.onCreate, m.scope, hooks);
  const onMatch = compileSetItems(c.onMatch, m.scope, hooks);
  const width = m.scope.width;
  const stage = eager((row, ctx) => {
    const tx = txOf(ctx, 'MERGE');
    const found: Row[] = [];
    m.plan.run(row, ctx, (r) => {
      found.push(r);
      return true;
    });
    if (found.length > 0) {
      for (const r of found) runItems(onMatch, r, ctx, tx);
      return found;
    }
    const created = cp.apply(row, ctx);
    const out = row.slice();
    out.length = width;
    for (const [from, to] of moves) out[to] = created[from];
    runItems(onCreate, out, ctx, tx);
    return [out];
  });
  return { stage, scope: m.scope };
}
