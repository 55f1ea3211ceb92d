import type { GraphView, Store, TxId } from '../graph/index.ts';
import { GraphError } from '../graph/index.ts';
import type { Parameter, Query, SourcePosition } from './ast.ts';
import { GqlError } from './errors.ts';
import { GqlConstraintError, GqlEvalError, atPos, GqlMissingParameterError, GqlSemanticError, GqlTxError, GqlTypeError } from './eval-errors.ts';
import { compileQuery } from './eval/compile-query.ts';
import type { CompiledQuery } from './eval/compile-query.ts';
import type { Ctx, UpdateStats } from './eval/context.ts';
import { fromPublic, toPublic } from './eval/values.ts';
import type { PublicValue, Value } from './eval/values.ts';
import { parse } from './parser/index.ts';

/** Query parameters: plain JS values (integral numbers are integers, others floats). */
export type Params = { readonly [name: string]: unknown };

export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: PublicValue[][];
}

export interface ExecuteResult extends QueryResult {
  /** The version read (AT TX, or the head) or, for an updating query, the one committed. */
  readonly tx: TxId;
  readonly stats: UpdateStats;
}

/** A parsed and compiled query, reusable across views and parameters. */
export interface PreparedQuery {
  readonly text: string;
  readonly compiled: CompiledQuery;
  readonly params: readonly string[];
  /** Where each parameter is first used, for the error a missing one raises. */
  readonly paramPos: ReadonlyMap<string, SourcePosition>;
}

const CACHE_SIZE = 512;
const cache = new Map<string, PreparedQuery>();

/**
 * Parses and compiles `text`, caching the plan per query text (the matcher
 * caches its own search plans on the pattern objects the plan holds).
 * @throws GqlError (GqlSyntaxError, GqlSemanticError, …)
 */
export function prepare(text: string): PreparedQuery {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const ast = parse(text);
  const compiled = guard('prepare', () => compileQuery(ast));
  const paramPos = parameterPositions(ast);
  const prepared: PreparedQuery = { text, compiled, params: [...paramPos.keys()], paramPos };
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(text, prepared);
  return prepared;
}

/** Parameter names, each with the position of its first use (in source order). */
function parameterPositions(ast: Query): Map<string, SourcePosition> {
  const found: { name: string; pos: SourcePosition }[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n !== null && typeof n === 'object') {
      if ((n as { kind?: string }).kind === 'Parameter') found.push(n as Parameter);
      for (const [k, v] of Object.entries(n)) if (k !== 'pos') walk(v);
    }
  };
  walk(ast);
  found.sort((a, b) => a.pos.offset - b.pos.offset);
  const out = new Map<string, SourcePosition>();
  for (const f of found) if (!out.has(f.name)) out.set(f.name, f.pos);
  return out;
}

/** Engine failures other than GqlErrors become typed errors: nothing else escapes. */
function guard<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof GqlError) throw e;
    if (e instanceof GraphError && e.code === 'DANGLING_EDGE') throw new GqlConstraintError('DeleteConnectedNode', `${where}: ${e.message}`);
    if (e instanceof GraphError) throw new GqlEvalError('GQL_TX', 'ConstraintVerificationFailed', e.code, 'runtime', `GQL ${where}: ${e.message}`);
    if (e instanceof RangeError) throw new GqlSemanticError('TooComplex', `${where}: ${e.message}`);
    throw new GqlTypeError(`${where}: ${e instanceof Error ? e.message : String(e)}`, 'InternalError');
  }
}

function paramMap(p: PreparedQuery, params: Params | ReadonlyMap<string, Value>): Map<string, Value> {
  const m = new Map<string, Value>();
  if (params instanceof Map) for (const [k, v] of params) m.set(k, v);
  else for (const [k, v] of Object.entries(params)) m.set(k, fromPublic(v));
  for (const [name, pos] of p.paramPos) if (!m.has(name)) throw atPos(new GqlMissingParameterError(name), pos);
  return m;
}

/** Rows in the evaluator's own values (floats boxed): for the TCK runner and tests. */
export interface RawResult {
  readonly columns: readonly string[];
  readonly rows: Value[][];
  readonly tx: TxId;
  readonly stats: UpdateStats;
}

function newStats(): UpdateStats {
  return { nodesCreated: 0, relationshipsCreated: 0, propertiesSet: 0, labelsAdded: 0, nodesDeleted: 0, relationshipsDeleted: 0, propertiesRemoved: 0, labelsRemoved: 0 };
}

function collect(p: PreparedQuery, ctx: Ctx): Value[][] {
  const rows: Value[][] = [];
  p.compiled.run(ctx, (r) => {
    rows.push(r);
    return true;
  });
  return rows;
}

function resolveAt(p: PreparedQuery, params: Map<string, Value>): TxId | null {
  const at = p.compiled.atTx;
  if (at === null) return null;
  if ('literal' in at) return at.literal;
  const v = params.get(at.param);
  if (typeof v !== 'number' || v < 0) throw new GqlTypeError(`AT TX $${at.param} must be a non-negative integer`);
  return v;
}

/** Runs a query on a view; `AT TX` must name the view's own TxId. Read-only. */
export function queryRaw(view: GraphView, text: string, params: Params | ReadonlyMap<string, Value> = {}): RawResult {
  const p = prepare(text);
  return guard('query', () => {
    if (p.compiled.updating) throw new GqlSemanticError('ReadOnly', 'query: CREATE needs execute(store, …)');
    const pm = paramMap(p, params);
    const at = resolveAt(p, pm);
    if (at !== null && at !== view.tx) throw new GqlTxError(`query: AT TX ${at} on a view of TxId ${view.tx}; use execute(store, …) or queryAt`);
    return { columns: p.compiled.columns, rows: collect(p, { view, params: pm, agg: null }), tx: view.tx, stats: newStats() };
  });
}

/** Runs a query on a store: `AT TX` picks the version; CREATE runs in a transaction and commits. */
export function executeRaw(store: Store, text: string, params: Params | ReadonlyMap<string, Value> = {}, tx?: TxId): RawResult {
  const p = prepare(text);
  return guard('execute', () => {
    const pm = paramMap(p, params);
    const at = resolveAt(p, pm) ?? tx ?? null;
    if (!p.compiled.updating) {
      const view = at === null ? store.head() : snapshotAt(store, at);
      return { columns: p.compiled.columns, rows: collect(p, { view, params: pm, agg: null }), tx: view.tx, stats: newStats() };
    }
    if (at !== null && at !== store.headTx) throw new GqlTxError(`execute: cannot write at past TxId ${at}`);
    const t = store.begin({ isolation: 'snapshot' });
    const stats = newStats();
    try {
      const rows = collect(p, { view: t, params: pm, agg: null, tx: t, stats, deleted: new Set() });
      const changed = Object.values(stats).some((n) => n > 0);
      const info = changed ? t.commit({ gql: text }) : null;
      if (!changed) t.abort();
      return { columns: p.compiled.columns, rows, tx: info?.tx ?? store.headTx, stats };
    } catch (e) {
      if (t.isOpen) t.abort();
      throw e;
    }
  });
}

function snapshotAt(store: Store, tx: TxId): GraphView {
  if (!Number.isInteger(tx) || tx < 0 || tx > store.headTx) throw new GqlTxError(`AT TX ${tx}: no such TxId (head is ${store.headTx})`);
  try {
    return store.at(tx);
  } catch (e) {
    if (e instanceof GraphError) throw new GqlTxError(`AT TX ${tx}: ${e.message}`);
    throw e;
  }
}

/** Converts the rows in place: they are the result's own arrays, not shared with anything. */
function publicRows(r: RawResult): PublicValue[][] {
  const rows = r.rows as unknown as PublicValue[][];
  for (const row of r.rows) for (let i = 0; i < row.length; i++) if (row[i] !== null && typeof row[i] === 'object') (row as unknown as PublicValue[])[i] = toPublic(row[i]);
  return rows;
}

/**
 * Runs a read query on any view (a snapshot, the head, an open transaction).
 * Nodes come back as `{id, labels, properties}`, edges as `{id, type, src, dst, properties}`.
 * @throws GqlError and only GqlError
 */
export function query(view: GraphView, text: string, params: Params = {}): QueryResult {
  const r = queryRaw(view, text, params);
  return { columns: r.columns, rows: publicRows(r) };
}

/**
 * Runs a query on a store: reads at the head or at `AT TX n`; `CREATE` runs in
 * one transaction committed at the end (with meta `{gql: text}`).
 * @throws GqlError and only GqlError
 */
export function execute(store: Store, text: string, params: Params = {}): ExecuteResult {
  const r = executeRaw(store, text, params);
  return { columns: r.columns, rows: publicRows(r), tx: r.tx, stats: r.stats };
}

/** `store.at(tx).query(text, params)`: a read at TxId `tx` (an `AT TX` in the text wins). */
export function queryAt(store: Store, tx: TxId, text: string, params: Params = {}): QueryResult {
  const p = prepare(text);
  if (p.compiled.updating) throw new GqlSemanticError('ReadOnly', 'queryAt: CREATE cannot run on a past version');
  const r = executeRaw(store, text, params, tx);
  return { columns: r.columns, rows: publicRows(r) };
}
