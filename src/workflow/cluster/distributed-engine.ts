import { randomUUID } from 'node:crypto';
import { ActivityRegistry } from '../activities/index.ts';
import { workflowKey } from '../compiler/index.ts';
import type { Predicate } from '../compiler/index.ts';
import { validateInputs, validateWorkflow } from '../ir/index.ts';
import type { WorkflowIR } from '../ir/index.ts';
import { Store, checkJson, jsonEqual } from '../../graph/index.ts';
import { eventsOf, inDeclaredOrder } from '../engine/index.ts';
import { logRules } from '../engine/replay.ts';
import type { Rule } from '../engine/apply.ts';
import type { WorkflowEvent } from '../engine/index.ts';
import type { Json } from '../../graph/index.ts';
import { RoundRobinBalancer } from './balancer.ts';
import type { LoadBalancer, NodeLoad } from './balancer.ts';
import { ClusterError } from './errors.ts';
import { Listener, channels, createPool, dbError, inTransaction, parseLocation } from './_internals/pg.ts';
import type { ClusterLocation, Pool } from './_internals/pg.ts';
import { migrate } from './_internals/schema.ts';
import { StreamBackend, loadStream } from './_internals/stream-backend.ts';
import type { GroupCommit, StreamContents } from './_internals/stream-backend.ts';
import { WorkerNode } from './worker-node.ts';
import type { WorkerNodeOptions } from './worker-node.ts';

export type DistributedStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'timed_out';

/** An execution as the cluster records it (`itonami_executions`). */
export interface DistributedExecution {
  readonly id: string;
  readonly workflowKey: string;
  readonly status: DistributedStatus;
  readonly inputs: Json;
  readonly outputs: Json;
  readonly error: Json;
  /** The stream (store) it runs in, once claimed, and its id inside that store. */
  readonly streamId: string | null;
  readonly engineExecutionId: string | null;
}

export interface ClusterNodeHealth {
  readonly id: string;
  /** Heart-beating within the lease time and not stopped. */
  readonly alive: boolean;
  readonly load: number;
  readonly capacity: number;
  readonly lastHeartbeat: Date;
  readonly startedAt: Date;
}

export interface ClusterHealth {
  readonly nodes: readonly ClusterNodeHealth[];
  /** Executions claimed by a node and not ended. */
  readonly activeExecutions: number;
  readonly queuedExecutions: number;
  readonly completedExecutions: number;
  readonly failedExecutions: number;
}

export interface DistributedEngineOptions {
  /** The schema of the cluster's tables (default: the URL's `schema` parameter, else `public`). */
  readonly schema?: string;
  /** Connections of this process (default 6). */
  readonly poolSize?: number;
  /** A node counts as alive when its last heartbeat is this recent (default: 5000 ms, the default lease). */
  readonly aliveMs?: number;
  /** How long a submission stays offered to the node the balancer chose before any node may claim it (default 2000 ms). */
  readonly offerMs?: number;
}

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled', 'timed_out']);

/** Fluent configuration: `DistributedEngine.builder().withStorage('postgres:<url>')…build()`. */
export class DistributedEngineBuilder {
  private spec: string | undefined;
  private options: DistributedEngineOptions = {};
  private activities = new ActivityRegistry();
  private readonly predicates = new Map<string, Predicate>();
  private readonly workflows: WorkflowIR[] = [];
  private balancer: LoadBalancer | undefined;

  /** `postgres:<url>` (the only storage of the distributed mode). */
  withStorage(spec: string): this {
    if (!spec.startsWith('postgres:')) throw new ClusterError('INVALID_ARGUMENT', `DistributedEngineBuilder.withStorage: expected "postgres:<url>", got "${spec}"`);
    parseLocation(spec, this.options.schema);
    this.spec = spec;
    return this;
  }
  withOptions(options: DistributedEngineOptions): this {
    this.options = { ...this.options, ...options };
    return this;
  }
  withActivities(registry: ActivityRegistry): this {
    this.activities = registry;
    return this;
  }
  withPredicate(name: string, fn: Predicate): this {
    this.predicates.set(name, fn);
    return this;
  }
  /** A workflow registered in the cluster when the engine connects. */
  withWorkflow(ir: WorkflowIR): this {
    this.workflows.push(ir);
    return this;
  }
  /** The balancer of this process's submissions (default round-robin). */
  withBalancer(balancer: LoadBalancer): this {
    this.balancer = balancer;
    return this;
  }
  /** Connects (running the schema migrations) and registers the workflows. */
  async build(): Promise<DistributedEngine> {
    if (this.spec === undefined) throw new ClusterError('INVALID_ARGUMENT', 'DistributedEngineBuilder.build: call withStorage("postgres:<url>") first');
    const engine = await DistributedEngine.connect(this.spec, this.options, { activities: this.activities, predicates: this.predicates, balancer: this.balancer });
    try {
      for (const ir of this.workflows) await engine.registerWorkflow(ir);
    } catch (e) {
      await engine.close();
      throw e;
    }
    return engine;
  }
}

/**
 * The distributed mode's entry point: a connection to a cluster (one
 * PostgreSQL database). Any process can submit executions and read their
 * results and the cluster's health; `enableDistributedExecution` also makes
 * this process a worker node that runs executions.
 */
export class DistributedEngine {
  /** The rules event views apply again (`eventsOf`), made on first use. */
  private rules: Map<string, Rule> | undefined;

  static builder(): DistributedEngineBuilder {
    return new DistributedEngineBuilder();
  }

  /** Connects to `postgres:<url>` and applies the schema migrations. */
  static async connect(
    spec: string,
    options: DistributedEngineOptions = {},
    extra: { activities?: ActivityRegistry; predicates?: ReadonlyMap<string, Predicate>; balancer?: LoadBalancer } = {},
  ): Promise<DistributedEngine> {
    const loc = parseLocation(spec, options.schema);
    const pool = createPool(loc, options.poolSize ?? 6);
    try {
      await migrate(pool, loc.schema);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
    return new DistributedEngine(loc, pool, options, extra.activities ?? new ActivityRegistry(), extra.predicates ?? new Map(), extra.balancer ?? new RoundRobinBalancer());
  }

  private node: WorkerNode | undefined;
  private nodesCache: { at: number; nodes: NodeLoad[] } | undefined;
  private readonly waiting = new Map<string, { resolve(e: DistributedExecution): void; reject(e: unknown): void }[]>();
  private polling = false;
  /** Waited-for ids not queried since they were added. */
  private readonly unpolled = new Set<string>();
  /** Waited-for ids a notification said ended. */
  private readonly ended = new Set<string>();
  private listener: Listener | undefined;
  private listening: Promise<void> | undefined;
  private lastFullPoll = 0;
  private pollWake: (() => void) | undefined;
  /** Waited-for ids known to exist. */
  private readonly known = new Set<string>();
  private closed = false;

  private constructor(
    readonly location: ClusterLocation,
    private readonly pool: Pool,
    private readonly options: DistributedEngineOptions,
    private readonly activities: ActivityRegistry,
    private readonly predicates: ReadonlyMap<string, Predicate>,
    private balancer: LoadBalancer,
  ) {}

  /** The worker node of this process, once enabled. */
  get workerNode(): WorkerNode | undefined {
    return this.node;
  }

  /** Stores a workflow's IR in the cluster (once per `id@version`); returns its key. */
  async registerWorkflow(ir: WorkflowIR): Promise<string> {
    return (await this.register(ir)).key;
  }

  private async register(ir: WorkflowIR): Promise<{ key: string; ir: WorkflowIR }> {
    const checked = validateWorkflow(ir);
    const key = workflowKey(checked);
    let stored: unknown;
    try {
      await this.pool.query('INSERT INTO itonami_workflows (key, workflow_id, ir) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING', [key, checked.id, JSON.stringify(checked)]);
      stored = (await this.pool.query<{ ir: unknown }>('SELECT ir FROM itonami_workflows WHERE key = $1', [key])).rows[0]?.ir;
    } catch (e) {
      throw dbError(`DistributedEngine.registerWorkflow: storing "${key}" failed`, e);
    }
    // Workers run the stored definition: a different one under the same key would be dropped silently.
    // (As in WorkflowEngine.registerWorkflow, `description` and `metadata` may change.)
    if (!jsonEqual(definition(stored), definition(JSON.parse(JSON.stringify(checked))))) {
      throw new ClusterError('WORKFLOW_CHANGED', `DistributedEngine.registerWorkflow: workflow "${key}" is already in the cluster with a different definition; bump its "version" to register the change`);
    }
    return { key, ir: checked };
  }

  /**
   * Makes this process a worker node `nodeId`: it claims executions, renews
   * its leases, and resumes the executions of nodes that died. `balancer`
   * becomes the balancer of this process's submissions.
   */
  async enableDistributedExecution(nodeId: string, balancer?: LoadBalancer, options: WorkerNodeOptions = {}): Promise<WorkerNode> {
    if (this.node !== undefined) throw new ClusterError('INVALID_ARGUMENT', `DistributedEngine.enableDistributedExecution: this process is already node "${this.node.nodeId}"`);
    if (balancer !== undefined) this.balancer = balancer;
    const node = new WorkerNode({ ...options, pool: this.pool, nodeId, activities: this.activities, predicates: this.predicates, schema: this.location.schema });
    await node.start();
    this.node = node;
    return node;
  }

  /** Queues one execution (offered to the node the balancer picks); returns its cluster-wide id. */
  async submitDistributedWorkflow(workflow: WorkflowIR | string, inputs: Record<string, unknown> = {}): Promise<string> {
    return (await this.submitDistributedWorkflows(workflow, [inputs]))[0];
  }

  /** Queues many executions of one workflow in one statement; returns their ids in order. */
  async submitDistributedWorkflows(workflow: WorkflowIR | string, inputs: readonly Record<string, unknown>[]): Promise<string[]> {
    this.checkOpen('submitDistributedWorkflows');
    const { key, ir } = typeof workflow === 'string' ? await this.resolveKey(workflow) : await this.register(workflow);
    // Inputs are checked here, as WorkflowEngine.startWorkflow checks them: a bad one is refused
    // at once (IR_INPUT) rather than queued to fail on a worker.
    for (const x of inputs) validateInputs(ir.inputs, x, { workflowId: ir.id });
    const nodes = await this.liveNodes();
    const ids: string[] = [];
    const offered: (string | null)[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const id = randomUUID();
      ids.push(id);
      offered.push(nodes.length > 0 ? (this.balancer.choose(nodes, { executionId: id, workflowKey: key }) ?? null) : null);
    }
    try {
      // The nodes listening are told at COMMIT that there is work: they claim at once instead of at their next poll.
      await this.pool.query(
        `WITH ins AS (
           INSERT INTO itonami_executions (id, workflow_key, inputs, offered_to, offer_until)
           SELECT i, $1, inp::jsonb, o, CASE WHEN o IS NULL THEN NULL ELSE now() + $5 * interval '1 millisecond' END
           FROM unnest($2::text[], $3::text[], $4::text[]) AS x(i, inp, o)
           RETURNING 1)
         SELECT pg_notify($6, '') FROM (SELECT count(*) AS n FROM ins) x WHERE n > 0`,
        [key, ids, inputs.map((x) => JSON.stringify(x)), offered, this.options.offerMs ?? 2000, channels(this.location.schema).work],
      );
    } catch (e) {
      throw dbError(`DistributedEngine.submitDistributedWorkflows: queueing ${inputs.length} execution(s) of "${key}" failed`, e);
    }
    return ids;
  }

  /** A workflow key (`id@version`) or id (its latest registered version). */
  private async resolveKey(ref: string): Promise<{ key: string; ir: WorkflowIR }> {
    const r = await this.pool
      .query<{ key: string; ir: WorkflowIR }>('SELECT key, ir FROM itonami_workflows WHERE key = $1 OR workflow_id = $1 ORDER BY (key = $1) DESC, registered_at DESC LIMIT 1', [ref])
      .catch((e: unknown) => {
        throw dbError(`DistributedEngine.submitDistributedWorkflow: looking up "${ref}" failed`, e);
      });
    if (r.rows.length === 0) throw new ClusterError('UNKNOWN_WORKFLOW', `DistributedEngine.submitDistributedWorkflow: no workflow "${ref}" is registered in the cluster`);
    return r.rows[0];
  }

  private async liveNodes(): Promise<NodeLoad[]> {
    const now = Date.now();
    if (this.nodesCache !== undefined && now - this.nodesCache.at < 500) return this.nodesCache.nodes;
    const r = await this.pool.query<{ id: string; load: number; capacity: number }>(
      `SELECT id, load, capacity FROM itonami_nodes WHERE NOT stopped AND last_heartbeat > now() - $1 * interval '1 millisecond' ORDER BY id`,
      [this.options.aliveMs ?? 5000],
    );
    this.nodesCache = { at: now, nodes: r.rows };
    return r.rows;
  }

  /** The execution as the cluster records it. */
  async getDistributedExecution(id: string): Promise<DistributedExecution | undefined> {
    const r = await this.pool.query(`${EXECUTION_COLUMNS} WHERE e.id = $1`, [id]);
    return r.rows.length === 0 ? undefined : toExecution(r.rows[0]);
  }

  /**
   * The typed events of a cluster execution, as `WorkflowEngine.getEventHistory`
   * gives them: views of the commits of its rule applications, read from the
   * log of the stream it runs in (a consistent prefix while it runs).
   * `executionId` in each event is the cluster id; `tx` is the TxId within
   * the stream. Empty while the execution is queued; `UNKNOWN_EXECUTION` for
   * an id the cluster does not have.
   */
  async getDistributedEventHistory(id: string): Promise<WorkflowEvent[]> {
    this.checkOpen('getDistributedEventHistory');
    const method = 'DistributedEngine.getDistributedEventHistory';
    let contents: StreamContents | undefined;
    let row: { stream_id: string | null; internal_id: string | null; pruned: boolean } | undefined;
    try {
      // One snapshot of the database: the execution's row and its stream's log agree.
      contents = await inTransaction(this.pool, async (c) => {
        await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        row = (
          await c.query<{ stream_id: string | null; internal_id: string | null; pruned: boolean }>(
            'SELECT e.stream_id, e.internal_id, s.pruned_at IS NOT NULL AS pruned FROM itonami_executions e LEFT JOIN itonami_streams s ON s.id = e.stream_id WHERE e.id = $1',
            [id],
          )
        ).rows[0];
        return row?.stream_id == null || row.internal_id == null || row.pruned ? undefined : loadStream(c, row.stream_id);
      });
    } catch (e) {
      throw dbError(`${method}: reading the log of "${id}" failed`, e);
    }
    if (row === undefined) throw new ClusterError('UNKNOWN_EXECUTION', `${method}: no execution "${id}" in the cluster`);
    if (row.pruned) throw new ClusterError('HISTORY_PRUNED', `${method}: the log of stream ${row.stream_id}, which "${id}" ran in, was deleted by done-stream retention (retainDoneStreamsMs); its status and outputs remain (getDistributedExecution)`);
    if (contents === undefined || row.internal_id === null) return [];
    const internal = row.internal_id;
    const store = new Store({ backend: new StreamBackend(row.stream_id!, 0, READ_ONLY, contents), snapshotEvery: 0 });
    const out: WorkflowEvent[] = [];
    for (const commit of store.history()) {
      if ((commit.meta as { execution?: unknown } | null)?.execution !== internal) continue;
      for (const e of eventsOf(store, commit, (this.rules ??= logRules((name) => this.predicates.get(name))))) out.push({ ...e, executionId: id });
    }
    return out;
  }

  /** Resolves once the execution has ended (durably), with its outputs or error. */
  waitForDistributedResult(id: string, options: { readonly timeout?: number } = {}): Promise<DistributedExecution> {
    this.checkOpen('waitForDistributedResult');
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const w = {
        resolve: (e: DistributedExecution) => {
          if (timer !== undefined) clearTimeout(timer);
          resolve(e);
        },
        reject: (e: unknown) => {
          if (timer !== undefined) clearTimeout(timer);
          reject(e);
        },
      };
      if (options.timeout !== undefined) {
        timer = setTimeout(() => {
          const list = (this.waiting.get(id) ?? []).filter((x) => x !== w);
          if (list.length === 0) this.waiting.delete(id);
          else this.waiting.set(id, list);
          reject(new ClusterError('WAIT_TIMEOUT', `DistributedEngine.waitForDistributedResult: "${id}" did not end within ${options.timeout} ms`));
        }, options.timeout);
      }
      const list = this.waiting.get(id) ?? [];
      list.push(w);
      this.waiting.set(id, list);
      this.unpolled.add(id);
      this.pollWake?.();
      void this.poll();
    });
  }

  /**
   * One poller serves every waiter. The group commit that makes an end durable
   * NOTIFYs the ended ids: the poller then reads just those rows (and the ids
   * waited for since its last query). Every waited-for id is also queried
   * every 50 ms while no listening connection is up, every second while one is
   * (a safety net: notifications are lost only while that connection is down,
   * and it re-polls everything when it is back).
   */
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      if (this.listening === undefined) {
        this.listener = new Listener(this.pool, channels(this.location.schema).done, (payload) => this.heard(payload));
        this.listening = this.listener.start();
      }
      await this.listening;
      while (this.waiting.size > 0 && !this.closed) {
        const listening = this.listener?.connected === true;
        const now = Date.now();
        let ids: string[];
        if (!listening || now - this.lastFullPoll >= 1000) {
          ids = [...this.waiting.keys()];
          this.lastFullPoll = now;
        } else {
          ids = [...new Set([...this.unpolled, ...this.ended])].filter((i) => this.waiting.has(i));
        }
        this.unpolled.clear();
        this.ended.clear();
        if (ids.length > 0) await this.query(ids);
        if (this.waiting.size > 0 && this.unpolled.size === 0 && this.ended.size === 0) {
          await this.pollPause(listening ? Math.max(1, this.lastFullPoll + 1000 - Date.now()) : 50);
        }
      }
    } finally {
      this.polling = false;
    }
  }

  /** A notification: the ids of executions that ended (undefined: some may have been missed, query everything). */
  private heard(payload: string | undefined): void {
    if (payload === undefined) this.lastFullPoll = 0;
    else {
      let any = false;
      for (const id of payload.split(',')) {
        if (this.waiting.has(id)) {
          this.ended.add(id);
          any = true;
        }
      }
      if (!any) return;
    }
    this.pollWake?.();
  }

  private pollPause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        if (this.pollWake === done) this.pollWake = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.pollWake = done;
    });
  }

  /** Resolves the waiters of `ids` that ended; rejects those of ids the cluster never had. */
  private async query(ids: string[]): Promise<void> {
    try {
      const r = await this.pool.query(
        `${EXECUTION_COLUMNS} WHERE e.id = ANY($1::text[]) AND e.status IN ('completed', 'failed', 'cancelled', 'timed_out')`,
        [ids],
      );
      for (const row of r.rows) {
        const ws = this.waiting.get(row.id as string);
        this.waiting.delete(row.id as string);
        for (const w of ws ?? []) w.resolve(toExecution(row));
      }
      // Ids never seen in the table are checked once (a typo must not wait forever).
      const fresh = ids.filter((i) => this.waiting.has(i) && !this.known.has(i));
      if (fresh.length > 0) {
        const found = new Set((await this.pool.query<{ id: string }>('SELECT id FROM itonami_executions WHERE id = ANY($1::text[])', [fresh])).rows.map((x) => x.id));
        for (const id of fresh) {
          if (found.has(id)) {
            this.known.add(id);
            continue;
          }
          const ws = this.waiting.get(id);
          this.waiting.delete(id);
          for (const w of ws ?? []) w.reject(new ClusterError('UNKNOWN_EXECUTION', `DistributedEngine.waitForDistributedResult: no execution "${id}" in the cluster`));
        }
      }
      for (const row of r.rows) this.known.delete(row.id as string);
    } catch {
      // The server may be restarting: keep waiting (the next full poll asks again).
      this.lastFullPoll = 0;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends a signal to a running execution (delivered by the node that runs it). */
  async signalDistributed(id: string, name: string, payload: Json = null): Promise<void> {
    await this.toInbox('signalDistributed', id, 'signal', name, payload);
  }

  /**
   * Offers an event to every running execution of the cluster: each one's
   * owner node delivers it to that execution's waits for `type` whose filter
   * matches the payload, as `WorkflowEngine.sendEvent` does on one engine.
   * Returns how many executions it was offered to (which of them took it is
   * decided on their nodes). Delivery survives a node's failure: an offer is
   * marked delivered in the same transaction as the commit it made.
   */
  async sendEventDistributed(type: string, payload: Json = null): Promise<number> {
    if (typeof type !== 'string' || type === '') throw new ClusterError('INVALID_ARGUMENT', `DistributedEngine.sendEventDistributed: the event type must be a non-empty string, got ${JSON.stringify(type)}`);
    const body = jsonArgument('sendEventDistributed', payload);
    const r = await this.pool.query(`INSERT INTO itonami_inbox (execution_id, kind, name, payload) SELECT id, 'event', $1, $2 FROM itonami_executions WHERE status = 'running'`, [type, body]);
    return r.rowCount ?? 0;
  }

  /** Cancels an execution: at once if still queued, else through the node that runs it. */
  async cancelDistributedWorkflow(id: string): Promise<void> {
    const r = await this.pool.query(`UPDATE itonami_executions SET status = 'cancelled', ended_at = now() WHERE id = $1 AND status = 'queued'`, [id]);
    if (r.rowCount === 0) await this.toInbox('cancelDistributedWorkflow', id, 'cancel', null, null);
  }

  private async toInbox(method: string, id: string, kind: string, name: string | null, payload: Json): Promise<void> {
    const body = jsonArgument(method, payload);
    const e = await this.getDistributedExecution(id);
    if (e === undefined) throw new ClusterError('UNKNOWN_EXECUTION', `DistributedEngine.${method}: no execution "${id}" in the cluster`);
    if (TERMINAL.has(e.status)) return;
    await this.pool.query('INSERT INTO itonami_inbox (execution_id, kind, name, payload) VALUES ($1, $2, $3, $4)', [id, kind, name, body]);
  }

  /** Nodes with liveness, load and last heartbeat; executions by state. */
  async getClusterHealth(): Promise<ClusterHealth> {
    try {
      const nodes = (await this.pool.query<{ id: string; alive: boolean; load: number; capacity: number; last_heartbeat: Date; started_at: Date }>(
        `SELECT id, (NOT stopped AND last_heartbeat > now() - $1 * interval '1 millisecond') AS alive, load, capacity, last_heartbeat, started_at FROM itonami_nodes ORDER BY id`,
        [this.options.aliveMs ?? 5000],
      )).rows;
      const counts = new Map((await this.pool.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM itonami_executions GROUP BY status')).rows.map((r) => [r.status, Number(r.n)]));
      return {
        nodes: nodes.map((n) => ({ id: n.id, alive: n.alive, load: n.load, capacity: n.capacity, lastHeartbeat: n.last_heartbeat, startedAt: n.started_at })),
        activeExecutions: counts.get('running') ?? 0,
        queuedExecutions: counts.get('queued') ?? 0,
        completedExecutions: counts.get('completed') ?? 0,
        failedExecutions: (counts.get('failed') ?? 0) + (counts.get('timed_out') ?? 0),
      };
    } catch (e) {
      throw dbError('DistributedEngine.getClusterHealth: reading the cluster tables failed', e);
    }
  }

  /** Leaves the cluster (a worker node drains for up to `drainMs`, then releases its leases) and closes the connections. */
  async close(options: { readonly drainMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    if (this.node !== undefined) await this.node.stop(options);
    this.closed = true;
    this.pollWake?.();
    await this.listener?.close();
    for (const [id, ws] of this.waiting) {
      this.waiting.delete(id);
      for (const w of ws) w.reject(new ClusterError('CLOSED', `DistributedEngine.waitForDistributedResult: the engine was closed while waiting for "${id}"`));
    }
    await this.pool.end().catch(() => undefined);
  }

  private checkOpen(method: string): void {
    if (this.closed) throw new ClusterError('CLOSED', `DistributedEngine.${method}: the engine is closed`);
  }
}

/**
 * A payload as the JSON text the inbox stores. What the store would refuse
 * (NaN, undefined, a Date, a cycle, ...) is refused here, naming where it is,
 * rather than turned into something else by JSON.stringify on the way.
 */
function jsonArgument(method: string, payload: Json): string {
  try {
    checkJson(`DistributedEngine.${method}`, 'payload', payload ?? null);
  } catch (e) {
    throw new ClusterError('INVALID_ARGUMENT', (e as Error).message, { cause: e });
  }
  return JSON.stringify(payload ?? null);
}

/**
 * An execution row with its workflow's declared outputs: jsonb keeps object
 * keys in its own order, and results show the declared one, as the local
 * engine's do.
 */
const EXECUTION_COLUMNS = `SELECT e.id, e.workflow_key, e.status, e.inputs, e.outputs, e.error, e.stream_id, e.internal_id, w.ir->'outputs' AS output_spec
  FROM itonami_executions e JOIN itonami_workflows w ON w.key = e.workflow_key`;

/** A stored or given IR without the parts that do not change what runs. */
function definition(ir: unknown): Json {
  if (!isObject(ir)) return (ir ?? null) as Json;
  const { description: _d, metadata: _m, ...rest } = ir as Record<string, Json>;
  return rest;
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toExecution(row: Record<string, unknown>): DistributedExecution {
  return {
    id: row.id as string,
    workflowKey: row.workflow_key as string,
    status: row.status as DistributedStatus,
    inputs: row.inputs as Json,
    outputs: isObject(row.outputs) ? inDeclaredOrder(row.outputs as Json, row.output_spec as Json) : ((row.outputs ?? null) as Json),
    error: (row.error ?? null) as Json,
    streamId: (row.stream_id ?? null) as string | null,
    engineExecutionId: (row.internal_id ?? null) as string | null,
  };
}

/** The group commit of a stream read only for its history: nothing is ever written to it. */
const READ_ONLY: GroupCommit = {
  schedule(): void {
    throw new ClusterError('INVALID_ARGUMENT', 'DistributedEngine: a stream read for its history cannot be written');
  },
};
