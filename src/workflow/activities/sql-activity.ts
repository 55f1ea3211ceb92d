import type BetterSqlite3 from 'better-sqlite3';
import type { Json } from '../../graph/types.ts';
import type { RetryPolicy } from '../retry.ts';
import { dbValueToJson, describe, isPlainObject } from './_internals/json.ts';
import { scanPlaceholders } from './_internals/sql-placeholders.ts';
import { ActivityConfigError, ActivityError, ActivityErrorCode } from './errors.ts';
import { checkTimeout } from './function-activity.ts';
import type { Activity, ActivityContext, JsonObject } from './types.ts';

/** A value a placeholder can take. Booleans are bound as 1/0 on SQLite. */
export type SqlValue = string | number | bigint | boolean | null | Uint8Array;

/** Positional (`?`, `$1`) or named (`:name`, `@name`, `$name`; SQLite only) parameters. */
export type SqlParams = readonly SqlValue[] | { readonly [name: string]: SqlValue };

/** The part of a `pg` Pool or Client that SqlActivity uses. */
export interface PgQueryable {
  query(config: { text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null; command: string; fields?: unknown[] }>;
}

export interface SqlActivityOptions {
  readonly name: string;
  /**
   * `sqlite:<path>` (`sqlite::memory:` for memory), `postgres:<url>` or a
   * `postgres://` / `postgresql://` URL — opened on first use and owned by
   * the activity (see `close`) — or an open better-sqlite3 Database or `pg`
   * Pool, which stays the caller's.
   */
  readonly connection: string | BetterSqlite3.Database | PgQueryable;
  /** One constant statement with placeholders. Never built from the input. */
  readonly sql: string;
  /** Values for the placeholders, from the input. Required iff `sql` has placeholders. */
  readonly params?: (input: JsonObject, ctx: ActivityContext) => SqlParams;
  readonly timeoutMs?: number;
  readonly retryPolicy?: Partial<RetryPolicy>;
}

type Conn =
  | { readonly kind: 'sqlite'; readonly db: BetterSqlite3.Database; readonly owned: boolean }
  | { readonly kind: 'pg'; readonly pool: PgQueryable & { end?(): Promise<void> }; readonly owned: boolean };

type ConnSpec = { readonly kind: 'sqlite-path'; readonly path: string } | { readonly kind: 'pg-url'; readonly url: string } | Conn;

/**
 * A parameterised SQL statement as an activity, on SQLite (better-sqlite3) or
 * PostgreSQL (`pg`, imported on first use).
 *
 * Output: the rows (array of objects) for a statement that returns rows
 * (SELECT, RETURNING), else `{changes, lastInsertRowid}` (`lastInsertRowid`
 * is null on PostgreSQL). Values that are not JSON are converted: bigint →
 * number when safe, else string; Date → ISO string; bytes → base64.
 *
 * Only parameterised use is possible: `sql` must be a constant string; a
 * function or any other value is refused (UNSAFE_SQL), as are `params` for a
 * statement without placeholders (a sign the values went into the text).
 */
export class SqlActivity implements Activity {
  readonly name: string;
  readonly timeoutMs: number | undefined;
  readonly retryPolicy: Partial<RetryPolicy> | undefined;
  private readonly sql: string;
  private readonly params: SqlActivityOptions['params'];
  private readonly spec: ConnSpec;
  private conn: Promise<Conn> | undefined;
  private stmt: BetterSqlite3.Statement | undefined;

  constructor(options: SqlActivityOptions) {
    const { name, sql, params } = options;
    if (typeof name !== 'string' || name.trim().length === 0) {
      throw new ActivityConfigError('INVALID_ACTIVITY', `SqlActivity: name must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    const where = `SqlActivity(${name})`;
    if (typeof sql !== 'string') {
      throw new ActivityConfigError(
        'UNSAFE_SQL',
        `${where}: sql must be a constant string, got ${describe(sql)}; pass input values through params and placeholders, never by building the statement`,
      );
    }
    if (sql.trim().length === 0) throw new ActivityConfigError('INVALID_ACTIVITY', `${where}: sql is empty`);
    if (params !== undefined && typeof params !== 'function') {
      throw new ActivityConfigError('INVALID_ACTIVITY', `${where}: params must be a function of the input`);
    }
    const ph = scanPlaceholders(sql);
    const hasPlaceholders = ph.positional > 0 || ph.named.size > 0;
    if (hasPlaceholders && params === undefined) {
      throw new ActivityConfigError('INVALID_ACTIVITY', `${where}: sql has placeholders but no params function`);
    }
    if (!hasPlaceholders && params !== undefined) {
      throw new ActivityConfigError('UNSAFE_SQL', `${where}: params given but sql has no placeholders; values must be bound, not written into the statement`);
    }
    checkTimeout(where, options.timeoutMs);
    this.name = name;
    this.sql = sql;
    this.params = params;
    this.timeoutMs = options.timeoutMs;
    this.retryPolicy = options.retryPolicy;
    this.spec = parseConnection(where, options.connection);
  }

  async execute(input: JsonObject, ctx: ActivityContext): Promise<Json> {
    const where = `SqlActivity(${this.name})`;
    const values = this.params === undefined ? undefined : checkParams(where, this.params(input, ctx));
    const conn = await this.connect();
    ctx.signal.throwIfAborted();
    if (conn.kind === 'sqlite') {
      try {
        this.stmt ??= conn.db.prepare(this.sql);
        const stmt = this.stmt;
        const args = values === undefined ? [] : [toSqlite(values)];
        if (stmt.reader) return stmt.all(...args).map(dbValueToJson);
        const r = stmt.run(...args);
        return { changes: r.changes, lastInsertRowid: dbValueToJson(r.lastInsertRowid) };
      } catch (err) {
        throw sqlFailure(where, err);
      }
    }
    if (values !== undefined && !Array.isArray(values)) {
      throw new ActivityError(ActivityErrorCode.INVALID_SQL_PARAMS, `${where}: PostgreSQL takes positional params ($1, $2, ...): return an array`, { retryable: false });
    }
    try {
      const r = await conn.pool.query({ text: this.sql, values: values === undefined ? [] : [...(values as readonly SqlValue[])] });
      if (r.command === 'SELECT' || (r.fields?.length ?? 0) > 0) return r.rows.map(dbValueToJson);
      return { changes: r.rowCount ?? 0, lastInsertRowid: null };
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw sqlFailure(where, err);
    }
  }

  /** Closes a connection this activity opened itself (from a connection string). */
  async close(): Promise<void> {
    const pending = this.conn;
    this.conn = undefined;
    this.stmt = undefined;
    if (pending === undefined) return;
    const conn = await pending.catch(() => undefined);
    if (conn === undefined || !conn.owned) return;
    if (conn.kind === 'sqlite') conn.db.close();
    else await conn.pool.end?.();
  }

  private connect(): Promise<Conn> {
    if (this.conn === undefined) {
      const p = openConnection(this.spec);
      this.conn = p;
      p.catch(() => {
        if (this.conn === p) this.conn = undefined; // retry opening on the next attempt
      });
    }
    return this.conn.catch((err: unknown) => {
      throw new ActivityError(ActivityErrorCode.SQL_ERROR, `SqlActivity(${this.name}): cannot open the connection: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    });
  }
}

function parseConnection(where: string, c: SqlActivityOptions['connection']): ConnSpec {
  if (typeof c === 'string') {
    if (c.startsWith('sqlite:')) {
      const path = c.slice('sqlite:'.length);
      if (path.length === 0) throw new ActivityConfigError('INVALID_CONNECTION', `${where}: "sqlite:" needs a path (or :memory:)`);
      return { kind: 'sqlite-path', path };
    }
    if (c.startsWith('postgres://') || c.startsWith('postgresql://')) return { kind: 'pg-url', url: c };
    if (c.startsWith('postgres:')) return { kind: 'pg-url', url: c.slice('postgres:'.length) };
    throw new ActivityConfigError('INVALID_CONNECTION', `${where}: connection must start with sqlite: or postgres:, got ${JSON.stringify(c)}`);
  }
  if (c !== null && typeof c === 'object') {
    if (typeof (c as BetterSqlite3.Database).prepare === 'function') return { kind: 'sqlite', db: c as BetterSqlite3.Database, owned: false };
    if (typeof (c as PgQueryable).query === 'function') return { kind: 'pg', pool: c as PgQueryable, owned: false };
  }
  throw new ActivityConfigError('INVALID_CONNECTION', `${where}: connection must be a string, a better-sqlite3 Database or a pg Pool, got ${describe(c)}`);
}

async function openConnection(spec: ConnSpec): Promise<Conn> {
  switch (spec.kind) {
    case 'sqlite':
    case 'pg':
      return spec;
    case 'sqlite-path': {
      const { default: Database } = await import('better-sqlite3');
      return { kind: 'sqlite', db: new Database(spec.path), owned: true };
    }
    case 'pg-url': {
      const { default: pg } = await import('pg');
      return { kind: 'pg', pool: new pg.Pool({ connectionString: spec.url }) as unknown as PgQueryable & { end(): Promise<void> }, owned: true };
    }
  }
}

function checkParams(where: string, p: unknown): SqlParams {
  const bad = (msg: string): never => {
    throw new ActivityError(ActivityErrorCode.INVALID_SQL_PARAMS, `${where}: ${msg}`, { retryable: false });
  };
  const checkValue = (k: string, v: unknown): void => {
    if (v === null || typeof v === 'string' || typeof v === 'bigint' || typeof v === 'boolean' || v instanceof Uint8Array) return;
    if (typeof v === 'number' && Number.isFinite(v)) return;
    bad(`param ${k} is ${describe(v)}; only strings, finite numbers, bigints, booleans, null and bytes can be bound`);
  };
  if (Array.isArray(p)) {
    p.forEach((v, i) => checkValue(`[${i}]`, v));
    return p as SqlParams;
  }
  if (isPlainObject(p)) {
    for (const k of Object.keys(p)) checkValue(k, p[k]);
    return p as SqlParams;
  }
  return bad(`params must return an array or a plain object, got ${describe(p)}`);
}

function toSqlite(values: SqlParams): unknown {
  const conv = (v: SqlValue): unknown => (typeof v === 'boolean' ? (v ? 1 : 0) : v);
  if (Array.isArray(values)) return values.map(conv);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) out[k] = conv(v as SqlValue);
  return out;
}

/** SQLite result codes and PostgreSQL SQLSTATE classes that will fail again the same way. */
const PERMANENT_SQLITE = /^SQLITE_(ERROR|CONSTRAINT|MISMATCH|RANGE|TOOBIG|READONLY|AUTH|NOTADB|CORRUPT)/;
const PERMANENT_PG_CLASS = new Set(['22', '23', '42', '2B', '2F', '0A', '28']);

function sqlFailure(where: string, err: unknown): ActivityError {
  if (err instanceof ActivityError) return err;
  const driverCode = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
  let retryable = true;
  if (driverCode !== undefined) {
    if (PERMANENT_SQLITE.test(driverCode)) retryable = false;
    else if (/^[0-9A-Z]{5}$/.test(driverCode) && PERMANENT_PG_CLASS.has(driverCode.slice(0, 2))) retryable = false;
  }
  if (err instanceof TypeError || err instanceof RangeError) retryable = false; // bad bindings
  const message = err instanceof Error ? err.message : String(err);
  return new ActivityError(ActivityErrorCode.SQL_ERROR, `${where}: ${message}`, {
    retryable,
    details: driverCode === undefined ? undefined : { driverCode },
    cause: err,
  });
}
