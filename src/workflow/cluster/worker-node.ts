import { randomUUID } from 'node:crypto';
import { WorkflowEngine } from '../engine/index.ts';
import type { ActivityRegistry } from '../activities/index.ts';
import type { Predicate } from '../compiler/index.ts';
import type { Json } from '../../graph/index.ts';
import { validateWorkflow } from '../ir/index.ts';
import type { WorkflowIR } from '../ir/index.ts';
import { ClusterError } from './errors.ts';
import { NodeGroupCommit } from './_internals/group-commit.ts';
import { Listener, channels, dbError, inTransaction, isTransient, sleep } from './_internals/pg.ts';
import type { Pool } from './_internals/pg.ts';
import { StreamBackend, loadStream } from './_internals/stream-backend.ts';
import type { StreamBatch } from './_internals/stream-backend.ts';

/** Tuning of a worker node; the defaults suit a LAN and executions of seconds to hours. */
export interface WorkerNodeOptions {
  /** Most executions running on this node at once. Default 2000. */
  readonly capacity?: number;
  /** How long a lease lasts without renewal, ms. Default 5000. */
  readonly leaseMs?: number;
  /** Heartbeat (and lease renewal) period, ms. Default leaseMs / 5. */
  readonly heartbeatMs?: number;
  /** Claim period when there was nothing to claim, ms. Default 100. */
  readonly pollMs?: number;
  /** Most executions claimed in one statement. Default 200. */
  readonly claimBatch?: number;
  /** Executions started in one stream before the node opens a new one. Default 100. */
  readonly streamSize?: number;
  /** Called with one line per notable event (claims, take-overs, fencing). */
  readonly log?: (line: string) => void;
  /**
   * How long the log of a stream whose executions have all ended is kept,
   * ms: after that the node deletes its commits, blocks and snapshots (the
   * executions' rows, with status, outputs and error, stay; their event
   * history is gone). Default Infinity: kept. Any node with a finite setting
   * prunes every done stream of the cluster older than it.
   */
  readonly retainDoneStreamsMs?: number;
}

/** What a worker node runs with: the pool of the cluster and the activities it offers. */
export interface WorkerNodeConfig extends WorkerNodeOptions {
  readonly pool: Pool;
  readonly nodeId: string;
  readonly activities: ActivityRegistry;
  readonly predicates?: ReadonlyMap<string, Predicate>;
  /** The schema of the cluster's tables: names the NOTIFY channels (none without it: the node only polls). */
  readonly schema?: string;
}

interface HeldStream {
  readonly id: string;
  readonly epoch: number;
  readonly backend: StreamBackend;
  readonly engine: WorkflowEngine;
  /** Accepts newly claimed executions. */
  open: boolean;
  /** Executions started in it. */
  count: number;
  /** Cluster ids of its executions that have not ended durably. */
  readonly active: Set<string>;
  /** Cluster id -> engine id. */
  readonly engineId: Map<string, string>;
}

/**
 * One node of the cluster: claims queued executions into streams it leases,
 * takes over the streams of nodes whose leases expired, runs each stream in a
 * WorkflowEngine on a StreamBackend, renews its leases with heartbeats and
 * writes all its streams' commits through one group commit.
 */
export class WorkerNode {
  readonly nodeId: string;
  private readonly pool: Pool;
  private readonly o: Required<Omit<WorkerNodeOptions, 'log'>> & { log: (line: string) => void };
  private readonly activities: ActivityRegistry;
  private readonly predicates: ReadonlyMap<string, Predicate>;
  private readonly incarnation = randomUUID();
  private readonly group: NodeGroupCommit;
  private readonly streams = new Map<string, HeldStream>();
  private readonly byBackend = new Map<StreamBackend, HeldStream>();
  private readonly irs = new Map<string, WorkflowIR>();
  private readonly inboxInFlight = new Set<number>();
  private openStream: HeldStream | undefined;
  private stopping = false;
  private stopped = false;
  private loops: Promise<void>[] = [];
  private readonly sleepers = new Set<() => void>();
  /** Wakes the claim loop's wait (a NOTIFY said there is work). */
  private claimWake: (() => void) | undefined;
  /** Work was announced while the claim loop was not waiting: claim again at once. */
  private workHint = false;
  private readonly channels: { readonly work: string; readonly done: string } | undefined;
  private listener: Listener | undefined;
  /** Executions started, streams taken over: for figures and tests. */
  readonly stats = { started: 0, resumedStreams: 0, fencedStreams: 0, completed: 0 };

  constructor(config: WorkerNodeConfig) {
    if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(config.nodeId)) throw new ClusterError('INVALID_ARGUMENT', `WorkerNode: node id must be 1-100 letters, digits or _ . : -, got "${config.nodeId}"`);
    this.nodeId = config.nodeId;
    this.pool = config.pool;
    const leaseMs = config.leaseMs ?? 5000;
    const retain = config.retainDoneStreamsMs ?? Infinity;
    if (!(retain >= 0)) throw new ClusterError('INVALID_ARGUMENT', `WorkerNode: retainDoneStreamsMs must be a number >= 0 or Infinity, got ${String(config.retainDoneStreamsMs)}`);
    this.o = {
      retainDoneStreamsMs: retain,
      capacity: config.capacity ?? 2000,
      leaseMs,
      heartbeatMs: config.heartbeatMs ?? Math.max(50, Math.floor(leaseMs / 5)),
      pollMs: config.pollMs ?? 100,
      claimBatch: config.claimBatch ?? 200,
      streamSize: config.streamSize ?? 100,
      log: config.log ?? (() => undefined),
    };
    this.activities = config.activities;
    this.predicates = config.predicates ?? new Map();
    this.channels = config.schema === undefined ? undefined : channels(config.schema);
    this.group = new NodeGroupCommit({
      doneChannel: this.channels?.done,
      pool: this.pool,
      nodeId: this.nodeId,
      leaseMs,
      onFenced: (b) => this.drop(b, 'fenced'),
      onFailed: (b, err) => this.drop(b, `failed: ${err.message}`),
      onDurable: (batch) => this.durable(batch),
    });
  }

  /** Executions running here now. */
  get load(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.active.size;
    return n;
  }

  /** Round trips and commits of the group commit. */
  get commitStats(): { readonly flushes: number; readonly commits: number; readonly retries: number; readonly writeMs: number } {
    return this.group.stats;
  }

  /** Joins the cluster: registers the node (a previous incarnation's streams become claimable at once) and starts claiming. */
  async start(): Promise<void> {
    try {
      await inTransaction(this.pool, async (c) => {
        await c.query(
          `INSERT INTO itonami_nodes (id, incarnation, started_at, last_heartbeat, load, capacity, stopped) VALUES ($1, $2, now(), now(), 0, $3, false)
           ON CONFLICT (id) DO UPDATE SET incarnation = $2, started_at = now(), last_heartbeat = now(), load = 0, capacity = $3, stopped = false`,
          [this.nodeId, this.incarnation, this.o.capacity],
        );
        // Streams a previous process with this id held: it is gone, so they can be taken over now.
        await c.query(`UPDATE itonami_streams SET lease_until = now() - interval '1 millisecond' WHERE owner = $1 AND status = 'open'`, [this.nodeId]);
      });
    } catch (e) {
      throw dbError(`WorkerNode.start: node ${this.nodeId} could not join the cluster`, e);
    }
    if (this.channels !== undefined) {
      // Submissions announce themselves: the node claims at once instead of at its next poll.
      this.listener = new Listener(this.pool, this.channels.work, () => this.wakeClaims());
      await this.listener.start();
    }
    this.o.log(`node ${this.nodeId} joined`);
    this.loops = [this.heartbeatLoop(), this.claimLoop(), this.inboxLoop()];
    // Its own loop: a slow delete must not hold up lease renewal.
    if (this.o.retainDoneStreamsMs !== Infinity) this.loops.push(this.pruneLoop());
  }

  /**
   * Leaves the cluster: stops claiming, lets the running executions finish for
   * up to `drainMs` (default 10 s), then releases the leases of the rest so
   * that other nodes resume them at once.
   */
  async stop(options: { readonly drainMs?: number } = {}): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.wakeAll();
    await this.listener?.close();
    const until = Date.now() + (options.drainMs ?? 10_000);
    if (this.openStream !== undefined) this.openStream.open = false;
    while (this.load > 0 && Date.now() < until) await sleep(20);
    for (const s of [...this.streams.values()]) if (s.active.size === 0) await this.finishStream(s);
    const rest = [...this.streams.values()];
    for (const s of rest) await s.engine.close().catch(() => undefined);
    await this.group.drain();
    this.stopped = true;
    this.wakeAll();
    await Promise.all(this.loops);
    try {
      // Released streams are claimable at once: other nodes are told so.
      await this.pool.query(
        `WITH r AS (UPDATE itonami_streams SET owner = NULL, lease_until = now() WHERE owner = $1 AND id = ANY($2::text[]) RETURNING 1)
         SELECT pg_notify($3, '') FROM (SELECT count(*) AS n FROM r) x WHERE n > 0 AND $3 <> ''`,
        [this.nodeId, rest.map((s) => s.id), this.channels?.work ?? ''],
      );
      await this.pool.query('UPDATE itonami_nodes SET stopped = true, load = 0, last_heartbeat = now() WHERE id = $1 AND incarnation = $2', [this.nodeId, this.incarnation]);
    } catch {
      // The leases expire by themselves.
    }
    this.group.close();
    this.streams.clear();
    const g = this.group.stats;
    this.o.log(`node ${this.nodeId} left (${rest.length} stream(s) released; ${this.stats.started} executions started, ${g.commits} commits in ${g.flushes} group commits, ${Math.round(g.writeMs)} ms writing)`);
  }

  // ---------------------------------------------------------------- loops

  private async heartbeatLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        const held = [...this.streams.values()];
        await this.pool.query('UPDATE itonami_nodes SET last_heartbeat = now(), load = $2 WHERE id = $1 AND incarnation = $3', [this.nodeId, this.load, this.incarnation]);
        if (held.length > 0) {
          const renewed = new Set(
            (await this.pool.query<{ id: string }>(
              `UPDATE itonami_streams s SET lease_until = now() + $2 * interval '1 millisecond'
               FROM unnest($3::text[], $4::int[]) AS h(id, ep) WHERE s.id = h.id AND s.owner = $1 AND s.epoch = h.ep RETURNING s.id`,
              [this.nodeId, this.o.leaseMs, held.map((s) => s.id), held.map((s) => s.epoch)],
            )).rows.map((r) => r.id),
          );
          for (const s of held) if (!renewed.has(s.id) && this.streams.get(s.id) === s) this.drop(s.backend, 'lease lost');
        }
      } catch (e) {
        if (!isTransient(e)) this.o.log(`node ${this.nodeId}: heartbeat failed: ${(e as Error).message}`);
      }
      await this.pause(this.o.heartbeatMs);
    }
  }

  private async pruneLoop(): Promise<void> {
    while (!this.stopped) {
      await this.pruneDoneStreams();
      await this.pause(this.o.heartbeatMs);
    }
  }

  /**
   * Deletes the logs of streams done for longer than `retainDoneStreamsMs`, a
   * few at a time; SKIP LOCKED lets several nodes prune side by side.
   */
  private async pruneDoneStreams(): Promise<void> {
    try {
      const ids = await inTransaction(this.pool, async (c) => {
        const rows = (await c.query<{ id: string }>(
          `SELECT id FROM itonami_streams WHERE status = 'done' AND pruned_at IS NULL AND done_at < now() - $1 * interval '1 millisecond'
           ORDER BY done_at LIMIT 5 FOR UPDATE SKIP LOCKED`,
          [this.o.retainDoneStreamsMs],
        )).rows.map((r) => r.id);
        if (rows.length === 0) return rows;
        for (const t of ['itonami_commits', 'itonami_blocks', 'itonami_snapshots']) await c.query(`DELETE FROM ${t} WHERE stream_id = ANY($1::text[])`, [rows]);
        await c.query('UPDATE itonami_streams SET pruned_at = now() WHERE id = ANY($1::text[])', [rows]);
        return rows;
      });
      if (ids.length > 0) this.o.log(`node ${this.nodeId} pruned the log of ${ids.length} done stream(s)`);
    } catch (e) {
      if (!isTransient(e)) this.o.log(`node ${this.nodeId}: pruning done streams failed: ${(e as Error).message}`);
    }
  }

  private async claimLoop(): Promise<void> {
    while (!this.stopping) {
      this.workHint = false;
      let claimed = 0;
      try {
        if (this.load < this.o.capacity) claimed += await this.takeOver();
        if (this.load < this.o.capacity) claimed += await this.claimQueued();
      } catch (e) {
        if (!isTransient(e)) this.o.log(`node ${this.nodeId}: claim failed: ${(e as Error).message}`);
        await this.pause(this.o.pollMs * 5);
      }
      if (claimed === 0 && !this.workHint) await this.claimPause(this.o.pollMs);
    }
  }

  private wakeClaims(): void {
    this.workHint = true;
    this.claimWake?.();
  }

  /** The claim loop's wait: `pollMs`, or less when work is announced or the node stops. */
  private claimPause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.sleepers.delete(done);
        if (this.claimWake === done) this.claimWake = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.sleepers.add(done);
      this.claimWake = done;
    });
  }

  private async inboxLoop(): Promise<void> {
    while (!this.stopping) {
      try {
        const rows = (await this.pool.query<{ seq: string; execution_id: string; kind: string; name: string | null; payload: Json }>(
          `SELECT i.seq, i.execution_id, i.kind, i.name, i.payload FROM itonami_inbox i
           JOIN itonami_executions e ON e.id = i.execution_id JOIN itonami_streams s ON s.id = e.stream_id
           WHERE i.delivered_at IS NULL AND s.owner = $1 ORDER BY i.seq LIMIT 500`,
          [this.nodeId],
        )).rows;
        for (const r of rows) this.deliver(Number(r.seq), r.execution_id, r.kind, r.name, r.payload);
      } catch {
        // Retried on the next turn.
      }
      await this.pause(250);
    }
  }

  /** Waits `ms`, or less when `stop` wakes the loops. */
  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.sleepers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  private wakeAll(): void {
    for (const f of [...this.sleepers]) f();
  }

  // ---------------------------------------------------------------- claims

  /** Takes over streams whose lease expired (their node died or left); returns how many executions resumed. */
  private async takeOver(): Promise<number> {
    const rows = (await this.pool.query<{ id: string; epoch: number }>(
      `UPDATE itonami_streams SET owner = $1, epoch = epoch + 1, lease_until = now() + $2 * interval '1 millisecond'
       WHERE id IN (SELECT id FROM itonami_streams WHERE status = 'open' AND (lease_until IS NULL OR lease_until < now()) ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id, epoch`,
      [this.nodeId, this.o.leaseMs],
    )).rows;
    let n = 0;
    for (const r of rows) n += await this.resumeStream(r.id, r.epoch);
    return n;
  }

  private async resumeStream(id: string, epoch: number): Promise<number> {
    const c = await this.pool.connect();
    let contents;
    let execs;
    try {
      contents = await loadStream(c, id);
      execs = (await c.query<{ id: string; workflow_key: string; inputs: Record<string, unknown>; status: string; internal_id: string | null }>(
        'SELECT id, workflow_key, inputs, status, internal_id FROM itonami_executions WHERE stream_id = $1 ORDER BY seq',
        [id],
      )).rows;
      for (const k of new Set(execs.map((e) => e.workflow_key))) await this.loadIr(k, c);
    } finally {
      c.release();
    }
    const backend = new StreamBackend(id, epoch, this.group, contents);
    for (const e of execs) if (e.internal_id !== null) backend.mapExecution(e.id, e.internal_id, true);
    let s: HeldStream;
    try {
      s = this.hold(id, epoch, backend, false);
    } catch (e) {
      // The store could not be rebuilt from the log (a commit naming a record no earlier commit holds, ...).
      throw new ClusterError('DATABASE', `WorkerNode: stream ${id} cannot be restored from its log: ${(e as Error).message}`, { cause: e });
    }
    s.count = execs.length;
    for (const e of execs) {
      if (e.status !== 'running') continue;
      s.active.add(e.id);
      if (e.internal_id !== null) s.engineId.set(e.id, e.internal_id);
    }
    // Registering a workflow on a reopened store resumes its running executions (engine recovery).
    for (const k of new Set(execs.map((e) => e.workflow_key))) s.engine.registerWorkflow(this.irs.get(k)!);
    // Claimed into the stream, but the commit that started them never became durable: start them now.
    for (const e of execs) if (e.status === 'running' && e.internal_id === null) this.startIn(s, e.id, e.workflow_key, e.inputs);
    this.stats.resumedStreams++;
    this.o.log(`node ${this.nodeId} took over stream ${id} at epoch ${epoch} (${contents.commits.length} commits, ${s.active.size} running)`);
    if (s.active.size === 0) await this.finishStream(s);
    return Math.max(1, s.active.size);
  }

  private async claimQueued(): Promise<number> {
    let s = this.openStream;
    if (s === undefined || !s.open || s.count >= this.o.streamSize || !this.streams.has(s.id)) {
      if (s !== undefined) {
        s.open = false;
        if (s.active.size === 0) await this.finishStream(s);
      }
      const id = randomUUID();
      await this.pool.query(
        `INSERT INTO itonami_streams (id, owner, epoch, lease_until, created_by) VALUES ($1, $2, 1, now() + $3 * interval '1 millisecond', $2)`,
        [id, this.nodeId, this.o.leaseMs],
      );
      s = this.openStream = this.hold(id, 1, new StreamBackend(id, 1, this.group), true);
    }
    const k = Math.min(this.o.claimBatch, this.o.capacity - this.load, this.o.streamSize - s.count);
    if (k <= 0) return 0;
    const stream = s;
    // One statement (one round trip, its locks held only while it runs): the stream row is
    // locked FOR SHARE at this node's epoch, so the stream cannot be taken over while
    // executions are being added to it; no row is claimed when the lease is gone.
    const r = (await this.pool.query<{ owned: number; rows: { id: string; workflow_key: string; inputs: Record<string, unknown> }[] | null }>(
      `WITH own AS (SELECT id FROM itonami_streams WHERE id = $2 AND owner = $1 AND epoch = $4 FOR SHARE),
       claimed AS (
         UPDATE itonami_executions e SET status = 'running', stream_id = $2, started_at = now()
         WHERE e.id IN (SELECT id FROM itonami_executions WHERE status = 'queued' AND (offered_to IS NULL OR offered_to = $1 OR offer_until < now())
                          AND EXISTS (SELECT 1 FROM own) ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING e.id, e.workflow_key, e.inputs, e.seq)
       SELECT (SELECT count(*) FROM own)::int AS owned,
              (SELECT json_agg(json_build_object('id', id, 'workflow_key', workflow_key, 'inputs', inputs) ORDER BY seq) FROM claimed) AS rows`,
      [this.nodeId, stream.id, k, stream.epoch],
    )).rows[0];
    const rows = r.owned === 0 ? undefined : (r.rows ?? []);
    if (rows === undefined) {
      this.drop(stream.backend, 'lease lost');
      return 0;
    }
    if (rows.length === 0) return 0;
    const missing = [...new Set(rows.map((r) => r.workflow_key))].filter((key) => !this.irs.has(key));
    if (missing.length > 0) {
      const c = await this.pool.connect();
      try {
        for (const key of missing) await this.loadIr(key, c);
      } finally {
        c.release();
      }
    }
    for (const r of rows) this.startIn(stream, r.id, r.workflow_key, r.inputs);
    return rows.length;
  }

  private async loadIr(key: string, c: { query: Pool['query'] }): Promise<void> {
    if (this.irs.has(key)) return;
    const r = await c.query<{ ir: WorkflowIR }>('SELECT ir FROM itonami_workflows WHERE key = $1', [key]);
    if (r.rows.length === 0) throw new ClusterError('UNKNOWN_WORKFLOW', `WorkerNode: workflow "${key}" is not registered in the cluster`);
    // Validated once here: the engines of this node then know the (frozen) IR object and skip validating it per execution.
    this.irs.set(key, validateWorkflow(r.rows[0].ir));
  }

  // ---------------------------------------------------------------- streams

  private hold(id: string, epoch: number, backend: StreamBackend, open: boolean): HeldStream {
    let builder = WorkflowEngine.builder().withBackend(backend).withActivities(this.activities).withSnapshots({ every: 0, inMemory: 'all' });
    for (const [name, fn] of this.predicates) builder = builder.withPredicate(name, fn);
    const s: HeldStream = { id, epoch, backend, engine: builder.build(), open, count: 0, active: new Set(), engineId: new Map() };
    this.streams.set(id, s);
    this.byBackend.set(backend, s);
    return s;
  }

  private startIn(s: HeldStream, clusterId: string, key: string, inputs: Record<string, unknown>): void {
    s.count++;
    s.active.add(clusterId);
    this.stats.started++;
    let engineId: string;
    try {
      engineId = s.engine.startWorkflow(this.irs.get(key)!, inputs);
    } catch (e) {
      // Inputs the workflow refuses: the execution fails without a commit.
      s.active.delete(clusterId);
      const code = typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'ERROR';
      void this.pool
        .query(`UPDATE itonami_executions SET status = 'failed', error = $2, ended_at = now() WHERE id = $1 AND status = 'running'`, [clusterId, JSON.stringify({ code, message: (e as Error).message })])
        .catch(() => undefined);
      return;
    }
    s.engineId.set(clusterId, engineId);
    s.backend.mapExecution(clusterId, engineId, false);
  }

  private deliver(seq: number, clusterId: string, kind: string, name: string | null, payload: Json): void {
    if (this.inboxInFlight.has(seq)) return;
    for (const s of this.streams.values()) {
      const engineId = s.engineId.get(clusterId);
      if (engineId === undefined || s.backend.isFenced) continue;
      this.inboxInFlight.add(seq);
      if (kind === 'cancel') s.engine.cancel(engineId);
      else if (kind === 'signal') s.engine.signal(engineId, name ?? '', payload);
      else if (kind === 'event') s.engine.sendEvent(name ?? '', payload, { execution: engineId });
      // Recorded as delivered in the same transaction as the commit the delivery made.
      s.backend.markDelivered(seq);
      return;
    }
  }

  private durable(batch: StreamBatch): void {
    for (const seq of batch.delivered) this.inboxInFlight.delete(seq);
    const s = this.byBackend.get(batch.backend);
    if (s === undefined) return;
    for (const t of batch.terminals) {
      if (s.active.delete(t.executionId)) this.stats.completed++;
    }
    if (!s.open && s.active.size === 0) void this.finishStream(s);
  }

  /** A stream whose executions have all ended: marked done, its engine closed. */
  private async finishStream(s: HeldStream): Promise<void> {
    if (this.streams.get(s.id) !== s) return;
    this.streams.delete(s.id);
    this.byBackend.delete(s.backend);
    if (this.openStream === s) this.openStream = undefined;
    await s.engine.close().catch(() => undefined);
    try {
      await this.pool.query(`UPDATE itonami_streams SET status = 'done', done_at = now(), owner = NULL, lease_until = NULL WHERE id = $1 AND owner = $2 AND epoch = $3`, [s.id, this.nodeId, s.epoch]);
    } catch {
      // Left open: whoever takes it over finds nothing running and marks it done.
    }
  }

  /** Forgets a stream this node may no longer write (fenced, lease lost, storage failure). */
  private drop(backend: StreamBackend, why: string): void {
    const s = this.byBackend.get(backend);
    if (s === undefined) return;
    this.streams.delete(s.id);
    this.byBackend.delete(backend);
    if (this.openStream === s) this.openStream = undefined;
    this.stats.fencedStreams++;
    backend.fence(new ClusterError('FENCED', `WorkerNode: stream ${s.id} dropped by node ${this.nodeId}: ${why}`));
    void s.engine.close().catch(() => undefined);
    this.o.log(`node ${this.nodeId} dropped stream ${s.id} (epoch ${s.epoch}): ${why}`);
  }
}
