import { ClusterError } from '../errors.ts';
import { isTransient, sleep } from './pg.ts';
import type { Pool, PoolClient } from './pg.ts';
import type { GroupCommit, StreamBackend, StreamBatch } from './stream-backend.ts';

/** Group commits in flight at once (on disjoint streams). */
const MAX_LANES = 2;

export interface NodeGroupCommitOptions {
  readonly pool: Pool;
  readonly nodeId: string;
  /** Each write also renews the leases of the streams it writes by this long (ms). */
  readonly leaseMs: number;
  /** NOTIFY channel told the cluster ids of the executions whose end a write made durable. */
  readonly doneChannel?: string;
  /** A stream's writes were refused: the node drops it. */
  readonly onFenced: (backend: StreamBackend) => void;
  /** A batch is durable: its executions that ended are reported. */
  readonly onDurable: (batch: StreamBatch) => void;
  /** A non-transient failure: the streams of the batch are dropped. */
  readonly onFailed: (backend: StreamBackend, err: ClusterError) => void;
}

/**
 * The node-wide group commit: one PostgreSQL transaction writes the queued
 * commits of every stream of the node, so that many executions' steps share
 * one round trip, each durable before anything depends on it.
 *
 * Fencing: the transaction locks the rows of the streams it writes and
 * inserts a stream's commits only if the stream is still owned by this node
 * at the lease epoch the node took it with; the other streams' waiters are
 * rejected with ClusterError FENCED. The cluster-wide commit order (`seq`)
 * is taken from the `itonami_clock` row, whose lock is held to COMMIT, so
 * `seq` order is commit order across all nodes.
 */
export class NodeGroupCommit implements GroupCommit {
  private readonly dirty = new Set<StreamBackend>();
  private readonly inFlight = new Set<StreamBackend>();
  private lanes = 0;
  private scheduled = false;
  private closed = false;
  /** Round trips made, rows written: for figures. */
  readonly stats = { flushes: 0, commits: 0, retries: 0, writeMs: 0 };

  constructor(private readonly o: NodeGroupCommitOptions) {}

  schedule(backend: StreamBackend): void {
    this.dirty.add(backend);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Resolves once nothing is queued or in flight. */
  async drain(): Promise<void> {
    while ((this.lanes > 0 || this.dirty.size > 0) && !this.closed) {
      this.pump();
      await sleep(5);
    }
  }

  close(): void {
    this.closed = true;
  }

  /**
   * Starts a write of the dirty streams that are not being written, if a lane
   * is free. Two lanes let the node prepare and run engine steps while a
   * write is in PostgreSQL; a stream is never in two writes at once, so its
   * commits reach the log in TxId order.
   */
  private pump(): void {
    if (this.closed) return;
    while (this.lanes < MAX_LANES) {
      const batches: StreamBatch[] = [];
      let rows = 0;
      for (const b of this.dirty) {
        if (rows > 6000) break; // PostgreSQL takes at most 65535 parameters (7 per commit)
        if (this.inFlight.has(b)) continue;
        this.dirty.delete(b);
        if (b.isFenced) continue;
        const batch = b.takeBatch();
        rows += batch.commits.length;
        batches.push(batch);
        this.inFlight.add(b);
      }
      if (batches.length === 0) return;
      this.lanes++;
      void this.write(batches).finally(() => {
        this.lanes--;
        for (const b of batches) this.inFlight.delete(b.backend);
        if (this.dirty.size > 0) this.pump();
      });
    }
  }

  private async write(batches: StreamBatch[]): Promise<void> {
    const writing = batches.filter((b) => b.commits.length + b.blocks.length + b.snapshots.length + b.mappings.length + b.terminals.length + b.delivered.length > 0);
    if (writing.length > 0) {
      let delay = 50;
      for (;;) {
        if (this.closed) {
          const err = new ClusterError('CLOSED', `Cluster node ${this.o.nodeId}: closed before its commits were written`);
          for (const b of batches) b.backend.fence(err, b);
          return;
        }
        try {
          const t0 = performance.now();
          const c = await this.o.pool.connect();
          let refused: Set<StreamBatch>;
          try {
            refused = await this.transaction(c, writing);
            c.release();
          } catch (e) {
            c.release(true);
            throw e;
          }
          this.stats.writeMs += performance.now() - t0;
          this.stats.flushes++;
          for (const b of writing) {
            if (refused.has(b)) {
              b.backend.fence(new ClusterError('FENCED', `Cluster node ${this.o.nodeId}: stream ${b.streamId} is no longer leased to this node at epoch ${b.epoch}; its writes were refused`), b);
              this.o.onFenced(b.backend);
            } else this.stats.commits += b.commits.length;
          }
          break;
        } catch (e) {
          if (isTransient(e)) {
            // The server restarts or the connection broke: the outcome is unknown, so
            // the same rows are written again (a row already written is recognised by its digest).
            this.stats.retries++;
            await sleep(delay);
            delay = Math.min(1000, delay * 2);
            continue;
          }
          const err = e instanceof ClusterError ? e : new ClusterError('DATABASE', `Cluster node ${this.o.nodeId}: writing commits failed: ${(e as Error).message}`, { cause: e });
          for (const b of batches) {
            b.backend.fence(err, b);
            this.o.onFailed(b.backend, err);
          }
          return;
        }
      }
    }
    for (const b of batches) {
      if (b.backend.isFenced) {
        // Dropped while this write was in flight: its waiters must not wait forever.
        for (const w of b.waiters) w.reject(b.backend.fenceError);
        continue;
      }
      this.o.onDurable(b);
      for (const w of b.waiters) w.resolve();
    }
  }

  /**
   * The whole group commit as one statement (so one round trip, atomic by
   * itself): lock the streams' rows, keep the batches whose stream this node
   * still owns at their epoch, take `seq` numbers from the clock row (its
   * lock is held to COMMIT: `seq` order is commit order), insert their
   * commits, and update the executions (engine id, terminal status and
   * outputs), inbox rows, blocks and snapshots, and renew the streams'
   * leases (a node busy writing is alive). Returns the batches refused.
   */
  private async transaction(c: PoolClient, batches: StreamBatch[]): Promise<Set<StreamBatch>> {
    const params: unknown[] = [batches.map((b) => b.streamId), this.o.nodeId, batches.map((b) => b.epoch)];
    const values: string[] = [];
    let ord = 0;
    for (const b of batches) {
      for (const k of b.commits) {
        const p = params.length;
        ord++;
        values.push(ord === 1
          ? `($${p + 1}::text, $${p + 2}::int, $${p + 3}::bigint, $${p + 4}::int, $${p + 5}::bigint, $${p + 6}::text, $${p + 7}::bytea)`
          : `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7})`);
        params.push(b.streamId, k.tx, ord, b.epoch, k.time, k.entry, k.digest);
      }
    }
    // Executions: one row each (a start and an end may share a batch; one UPDATE must do both).
    const execs = new Map<string, { s: string; i?: string; st?: string; o?: unknown; e?: unknown }>();
    const extra: { k: string; s: string; a: string; b?: string }[] = [];
    for (const b of batches) {
      for (const [cid, eid] of b.mappings) execs.set(cid, { ...execs.get(cid), s: b.streamId, i: eid });
      for (const t of b.terminals) execs.set(t.executionId, { ...execs.get(t.executionId), s: b.streamId, st: t.status, o: t.outputs, e: t.error });
      for (const d of b.delivered) extra.push({ k: 'inbox', s: b.streamId, a: String(d) });
      for (const [d, bytes] of b.blocks) extra.push({ k: 'block', s: b.streamId, a: Buffer.from(d, 'latin1').toString('base64'), b: Buffer.from(bytes).toString('base64') });
      for (const sn of b.snapshots) extra.push({ k: 'snap', s: b.streamId, a: String(sn.tx), b: Buffer.from(sn.root, 'latin1').toString('base64') });
    }
    const ex = [...execs].map(([id, x]) => ({ id, s: x.s, i: x.i ?? null, st: x.st ?? null, o: x.o ?? null, e: x.e ?? null }));
    const n = ord;
    params.push(this.o.leaseMs, n, JSON.stringify(ex), JSON.stringify(extra));
    const pn = params.length;
    // Waiters on results hear which executions ended (at COMMIT, so once durable), in payloads under 8000 bytes.
    const notify = this.o.doneChannel !== undefined && ex.some((x) => x.st !== null);
    if (notify) params.push(this.o.doneChannel);
    const sql = `
      WITH own AS (SELECT id, epoch FROM itonami_streams WHERE id = ANY($1::text[]) AND owner = $2 ORDER BY id FOR UPDATE),
      ok AS (SELECT b.stream_id FROM unnest($1::text[], $3::int[]) AS b(stream_id, epoch) JOIN own ON own.id = b.stream_id AND own.epoch = b.epoch),
      renew AS (UPDATE itonami_streams s SET lease_until = now() + $${pn - 3}::int * interval '1 millisecond' FROM ok WHERE s.id = ok.stream_id RETURNING 1),
      clk AS (UPDATE itonami_clock SET seq = seq + $${pn - 2}::int WHERE id = 1 AND $${pn - 2}::int > 0 RETURNING seq),
      ins AS (
        INSERT INTO itonami_commits (stream_id, tx, seq, epoch, time, entry, digest)
        SELECT i.stream_id, i.tx, clk.seq - $${pn - 2}::int + i.ord, i.epoch, i.time, i.entry, i.digest
        FROM ${values.length > 0 ? `(VALUES ${values.join(', ')})` : '(SELECT NULL::text, 0, 0::bigint, 0, 0::bigint, NULL::text, NULL::bytea WHERE false)'} AS i(stream_id, tx, ord, epoch, time, entry, digest)
        JOIN ok ON ok.stream_id = i.stream_id CROSS JOIN clk
        ON CONFLICT (stream_id, tx) DO NOTHING RETURNING 1
      ),
      ex AS (SELECT x.* FROM jsonb_to_recordset($${pn - 1}::jsonb) AS x(id text, s text, i text, st text, o jsonb, e jsonb) JOIN ok ON ok.stream_id = x.s),
      upd AS (
        UPDATE itonami_executions e SET
          internal_id = COALESCE(ex.i, e.internal_id),
          status = COALESCE(ex.st, e.status),
          outputs = CASE WHEN ex.st IS NULL THEN e.outputs ELSE ex.o END,
          error = CASE WHEN ex.st IS NULL THEN e.error ELSE ex.e END,
          ended_at = CASE WHEN ex.st IS NULL THEN e.ended_at ELSE now() END
        FROM ex WHERE e.id = ex.id RETURNING 1
      ),
      xt AS (SELECT x.* FROM jsonb_to_recordset($${pn}::jsonb) AS x(k text, s text, a text, b text) JOIN ok ON ok.stream_id = x.s),
      inbox AS (UPDATE itonami_inbox SET delivered_at = now() FROM xt WHERE xt.k = 'inbox' AND itonami_inbox.seq = xt.a::bigint RETURNING 1),
      blk AS (INSERT INTO itonami_blocks (stream_id, digest, bytes) SELECT s, decode(a, 'base64'), decode(b, 'base64') FROM xt WHERE k = 'block' ON CONFLICT DO NOTHING RETURNING 1),
      snp AS (INSERT INTO itonami_snapshots (stream_id, tx, root) SELECT s, a::int, decode(b, 'base64') FROM xt WHERE k = 'snap' ON CONFLICT DO NOTHING RETURNING 1)${notify ? `,
      ntf AS (SELECT pg_notify($${pn + 1}, string_agg(id, ',')) FROM (SELECT id, (row_number() OVER () - 1) / 150 AS g FROM ex WHERE st IS NOT NULL) t GROUP BY g)` : ''}
      SELECT${notify ? ' (SELECT count(*) FROM ntf) AS notified,' : ''} (SELECT coalesce(array_agg(stream_id), '{}') FROM ok) AS ok, (SELECT count(*) FROM ins)::int AS inserted,
             (SELECT count(*) FROM upd)::int + (SELECT count(*) FROM inbox)::int + (SELECT count(*) FROM blk)::int + (SELECT count(*) FROM snp)::int + (SELECT count(*) FROM renew)::int AS other`;
    const r = (await c.query<{ ok: string[]; inserted: number }>(sql, params)).rows[0];
    const okSet = new Set(r.ok);
    const refused = new Set(batches.filter((b) => !okSet.has(b.streamId)));
    const expected = batches.reduce((sum, b) => sum + (okSet.has(b.streamId) ? b.commits.length : 0), 0);
    if (r.inserted !== expected) {
      // Rows already there: written by an earlier attempt of this very write (same digest) when its
      // outcome was unknown, or (never with fencing) by another writer: that stream is refused.
      const mine = batches.filter((b) => okSet.has(b.streamId));
      const have = (await c.query<{ stream_id: string; tx: number; digest: Buffer }>(
        'SELECT c.stream_id, c.tx, c.digest FROM itonami_commits c JOIN unnest($1::text[], $2::int[]) AS k(s, t) ON c.stream_id = k.s AND c.tx = k.t',
        [mine.flatMap((b) => b.commits.map(() => b.streamId)), mine.flatMap((b) => b.commits.map((k) => k.tx))],
      )).rows;
      const digest = new Map<string, Buffer>();
      for (const b of mine) for (const k of b.commits) digest.set(`${b.streamId}/${k.tx}`, k.digest);
      for (const h of have) {
        if (!digest.get(`${h.stream_id}/${h.tx}`)!.equals(h.digest)) for (const b of mine) if (b.streamId === h.stream_id) refused.add(b);
      }
    }
    return refused;
  }
}
