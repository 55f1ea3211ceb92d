/**
 * The cluster's tables, created by numbered migrations that every node and
 * client runs on connect: idempotent, serialised by an advisory lock, each
 * recorded in itonami_migrations. Never edit a shipped migration; add one.
 */
import { ClusterError } from '../errors.ts';
import { inTransaction, isTransient } from './pg.ts';
import type { Pool } from './pg.ts';

export const MIGRATIONS: readonly { readonly version: number; readonly name: string; readonly sql: string }[] = [
  {
    version: 1,
    name: 'cluster tables',
    sql: `
      CREATE TABLE itonami_workflows (
        key text PRIMARY KEY,
        workflow_id text NOT NULL,
        ir jsonb NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX itonami_workflows_by_id ON itonami_workflows (workflow_id, registered_at);
      CREATE TABLE itonami_nodes (
        id text PRIMARY KEY,
        incarnation text NOT NULL,
        started_at timestamptz NOT NULL,
        last_heartbeat timestamptz NOT NULL,
        load integer NOT NULL DEFAULT 0,
        capacity integer NOT NULL,
        stopped boolean NOT NULL DEFAULT false
      );
      -- A stream: one store (its own TxIds 1..n and root CIDs) holding the executions a node started in it.
      CREATE TABLE itonami_streams (
        id text PRIMARY KEY,
        status text NOT NULL DEFAULT 'open',
        owner text,
        epoch integer NOT NULL DEFAULT 1,
        lease_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL
      );
      CREATE INDEX itonami_streams_claimable ON itonami_streams (lease_until) WHERE status = 'open';
      CREATE TABLE itonami_executions (
        id text PRIMARY KEY,
        seq bigserial UNIQUE,
        workflow_key text NOT NULL REFERENCES itonami_workflows (key),
        inputs jsonb NOT NULL,
        status text NOT NULL DEFAULT 'queued',
        outputs jsonb,
        error jsonb,
        stream_id text REFERENCES itonami_streams (id),
        internal_id text,
        offered_to text,
        offer_until timestamptz,
        submitted_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        ended_at timestamptz
      );
      CREATE INDEX itonami_executions_queued ON itonami_executions (seq) WHERE status = 'queued';
      CREATE INDEX itonami_executions_by_stream ON itonami_executions (stream_id);
      CREATE INDEX itonami_executions_by_status ON itonami_executions (status);
      -- The commit log of every stream. seq: the cluster-wide commit order, taken under the itonami_clock row lock.
      CREATE TABLE itonami_commits (
        stream_id text NOT NULL REFERENCES itonami_streams (id),
        tx integer NOT NULL,
        seq bigint NOT NULL UNIQUE,
        epoch integer NOT NULL,
        time bigint NOT NULL,
        entry text NOT NULL,
        digest bytea NOT NULL,
        PRIMARY KEY (stream_id, tx)
      );
      CREATE TABLE itonami_blocks (
        stream_id text NOT NULL,
        digest bytea NOT NULL,
        bytes bytea NOT NULL,
        PRIMARY KEY (stream_id, digest)
      );
      CREATE TABLE itonami_snapshots (
        stream_id text NOT NULL,
        tx integer NOT NULL,
        root bytea NOT NULL,
        PRIMARY KEY (stream_id, tx)
      );
      CREATE TABLE itonami_clock (id integer PRIMARY KEY, seq bigint NOT NULL);
      INSERT INTO itonami_clock VALUES (1, 0);
      -- Signals and cancellations addressed to an execution, delivered by its owner.
      CREATE TABLE itonami_inbox (
        seq bigserial PRIMARY KEY,
        execution_id text NOT NULL REFERENCES itonami_executions (id),
        kind text NOT NULL,
        name text,
        payload jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      );
      CREATE INDEX itonami_inbox_pending ON itonami_inbox (execution_id) WHERE delivered_at IS NULL;
    `,
  },
  {
    // No table changes: it records that commits may be in the compact form (an update without
    // its before-record, a drop by id), so that a build that cannot read them refuses the database.
    version: 2,
    name: 'compact commit entries',
    sql: `COMMENT ON COLUMN itonami_commits.entry IS 'JSON of {tx, parentTx, time, meta, ops[, cid]}; since migration 2 an update op may omit "before" and a drop op may carry only "id": readers rebuild them from the earlier commits of the stream'`,
  },
  {
    // No table changes: inbox rows may offer an event (sendEventDistributed). A build that
    // does not know the kind would mark such rows delivered without delivering them.
    version: 3,
    name: 'event inbox rows',
    sql: `COMMENT ON COLUMN itonami_inbox.kind IS 'signal (name, payload), cancel, or since migration 3 event (name: the event type, payload): offered to the execution by its owner node'`,
  },
  {
    // When a stream ended, and when retention deleted its log (commits, blocks, snapshots).
    version: 4,
    name: 'done stream retention',
    sql: `
      ALTER TABLE itonami_streams ADD COLUMN done_at timestamptz, ADD COLUMN pruned_at timestamptz;
      UPDATE itonami_streams SET done_at = now() WHERE status = 'done';
      CREATE INDEX itonami_streams_prunable ON itonami_streams (done_at) WHERE status = 'done' AND pruned_at IS NULL;
    `,
  },
];

/** Applies the migrations not yet applied; returns the versions it applied. */
export async function migrate(pool: Pool, schema: string): Promise<number[]> {
  const applied: number[] = [];
  try {
    await inTransaction(pool, async (c) => {
      // One migrator at a time per schema: the lock is released at COMMIT.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`itonami-migrations:${schema}`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${schema}.itonami_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set((await c.query<{ version: number }>(`SELECT version FROM ${schema}.itonami_migrations`)).rows.map((r) => r.version));
      const newest = MIGRATIONS[MIGRATIONS.length - 1].version;
      for (const v of done) {
        if (v > newest) throw new ClusterError('MIGRATION', `Cluster.migrate: schema "${schema}" has migration ${v}, newer than this build knows (${newest}): upgrade Itonami`);
      }
      await c.query(`SET LOCAL search_path = ${schema}`);
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await c.query(m.sql);
        await c.query('INSERT INTO itonami_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        applied.push(m.version);
      }
    });
  } catch (e) {
    if (e instanceof ClusterError) throw e;
    if (isTransient(e)) throw new ClusterError('DATABASE', `Cluster.connect: cannot reach PostgreSQL: ${(e as Error).message}`, { cause: e });
    throw new ClusterError('MIGRATION', `Cluster.migrate: applying the schema migrations to "${schema}" failed: ${(e as Error).message}`, { cause: e });
  }
  return applied;
}
