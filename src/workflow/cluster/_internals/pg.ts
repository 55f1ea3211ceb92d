import pg from 'pg';
import { ClusterError } from '../errors.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** Where the cluster lives: a PostgreSQL URL and the schema holding its tables. */
export interface ClusterLocation {
  readonly url: string;
  readonly schema: string;
}

/**
 * Parses `postgres:<url>` (or a bare `postgres://…` URL). A `schema` query
 * parameter selects the schema of the tables (default `public`); it is removed
 * from the URL handed to the driver.
 */
export function parseLocation(spec: string, schema?: string): ClusterLocation {
  let url = spec.startsWith('postgres:') && !spec.startsWith('postgres://') ? spec.slice('postgres:'.length) : spec;
  if (!/^postgres(ql)?:\/\//.test(url)) throw new ClusterError('INVALID_ARGUMENT', `Cluster: expected "postgres:postgres://user:pass@host/db", got "${spec}"`);
  let s = schema;
  const u = new URL(url);
  const q = u.searchParams.get('schema');
  if (q !== null) {
    s ??= q;
    u.searchParams.delete('schema');
    url = u.toString();
  }
  s ??= 'public';
  if (!/^[a-z_][a-z0-9_]*$/.test(s)) throw new ClusterError('INVALID_ARGUMENT', `Cluster: schema must be a lower-case SQL identifier, got "${s}"`);
  return { url, schema: s };
}

/** A pool whose connections use the cluster's schema; idle-connection errors (a restarted server) are absorbed. */
export function createPool(loc: ClusterLocation, max: number): Pool {
  const pool = new pg.Pool({ connectionString: loc.url, max, options: `-c search_path=${loc.schema}`, connectionTimeoutMillis: 5000, query_timeout: 30_000 });
  pool.on('error', () => {
    // An idle client died (server restart): the pool drops it and connects anew on the next query.
  });
  pool.on('connect', (client) => {
    // A checked-out client whose server goes away between queries emits 'error': the next query
    // on it fails and the caller retries on a new connection, so the event itself is not fatal.
    client.on('error', () => undefined);
  });
  return pool;
}

/** True for errors after which a retry on a new connection may succeed (server restarting, connection lost). */
export function isTransient(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    // 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now; 40001/40P01: serialization, deadlock.
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '40001' || code === '40P01') return true;
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT') return true;
  }
  const msg = (e as Error)?.message ?? '';
  return /Connection terminated|connection timeout|Query read timeout|Client has encountered a connection error|not queryable|ECONNREFUSED|ECONNRESET|terminating connection/i.test(msg);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` in a transaction on one pooled connection (ROLLBACK on error; the connection is discarded when broken). */
export async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  try {
    await c.query('BEGIN');
    const r = await fn(c);
    await c.query('COMMIT');
    return r;
  } catch (e) {
    broken = isTransient(e);
    if (!broken) await c.query('ROLLBACK').catch(() => (broken = true));
    throw e;
  } finally {
    c.release(broken);
  }
}

/** Wraps a driver error in a ClusterError naming what failed. */
export function dbError(what: string, e: unknown): ClusterError {
  if (e instanceof ClusterError) return e;
  return new ClusterError('DATABASE', `${what}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

/**
 * The NOTIFY channels of a cluster (one per schema): `work` when executions
 * become claimable (a submission, streams released), `done` with the ids of
 * executions that ended (sent by the group commit that made their end
 * durable). Notifications only shorten waits: every waiter also polls.
 */
export function channels(schema: string): { readonly work: string; readonly done: string } {
  // Channel names are identifiers: at most 63 bytes (a clash only wakes someone for nothing).
  const base = `itonami_${schema}`.slice(0, 56);
  return { work: `${base}_work`, done: `${base}_done` };
}

/**
 * One connection (outside the pool) that LISTENs on a channel and calls
 * `onNotify` with each payload; reconnects (with back-off) when the server
 * goes away, and calls `onNotify(undefined)` once listening again, since
 * notifications sent meanwhile were lost.
 */
export class Listener {
  private client: pg.Client | undefined;
  private closed = false;
  private delay = 100;

  constructor(
    private readonly pool: Pool,
    private readonly channel: string,
    private readonly onNotify: (payload: string | undefined) => void,
  ) {}

  /** True while the LISTEN connection is up. */
  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Starts listening; resolves once the first LISTEN succeeded or failed (then it retries in the background). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const c = new pg.Client({ ...(this.pool as unknown as { options: pg.ClientConfig }).options });
    let failed = false;
    const fail = (): void => {
      if (failed) return;
      failed = true;
      if (this.client === c) this.client = undefined;
      void c.end().catch(() => undefined);
      if (this.closed) return;
      setTimeout(() => void this.connect().then(() => this.onNotify(undefined)), this.delay).unref();
      this.delay = Math.min(2000, this.delay * 2);
    };
    c.on('error', fail);
    c.on('end', fail);
    c.on('notification', (m) => {
      if (m.channel === this.channel) this.onNotify(m.payload);
    });
    try {
      await c.connect();
      await c.query(`LISTEN "${this.channel}"`);
      if (this.closed) {
        failed = true;
        await c.end().catch(() => undefined);
        return;
      }
      this.client = c;
      this.delay = 100;
    } catch {
      fail();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    if (c !== undefined) await c.end().catch(() => undefined);
  }
}
