import { SqliteBackend, Store } from '../../graph/index.ts';
import type { Backend } from '../../graph/index.ts';
import { query as gqlQuery } from '../../gql/index.ts';
import type { Params as GqlParams, QueryResult } from '../../gql/index.ts';
import type { Params } from '../../rules/index.ts';
import type { CommitInfo, GraphView, Json, NodeRecord, Snapshot, Transaction, TxId } from '../../graph/index.ts';
import { ActivityRegistry } from '../activities/index.ts';
import { startAttempt } from '../activities/runner.ts';
import type { Attempt } from '../activities/runner.ts';
import type { Activity, ActivityFailure, JsonObject } from '../activities/index.ts';
import { SystemClock } from '../clock.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import { compileWorkflow } from '../compiler/compile.ts';
import type { CompiledWorkflow } from '../compiler/compile.ts';
import { pathText, retryLayer, retryLayerFromProps, workflowKey } from '../compiler/program.ts';
import { buildRuleSet, meetsNeed, tokenNeeds } from '../compiler/rules.ts';
import type { ExecutionStatus, FactRule, Predicate, TokenNeed, TokenState } from '../compiler/rules.ts';
import { validateInputs } from '../ir/inputs.ts';
import { validateWorkflow } from '../ir/schema.ts';
import { checkWorkflowRefs } from '../ir/registry-check.ts';
import { walkStrategies } from '../ir/walk.ts';
import type { JsonValue, WorkflowIR } from '../ir/types.ts';
import { mergeRetryPolicy, nextRetryDelay, RetryPolicyError } from '../retry.ts';
import { applyOnce, compileRule, NO_PARAMS, runStep } from './apply.ts';
import { RECOVERY_RULES } from './recovery.ts';
import type { ApplicationRecord, Rule, StepMeta } from './apply.ts';
import { EngineError } from './errors.ts';
import { eventsOf } from './events.ts';
import { inDeclaredOrder } from './outputs.ts';
import { programDifference } from './program-check.ts';
import { replayLog } from './replay.ts';
import type { WorkflowEvent } from './events.ts';

/**
 * Where the engine keeps its graph: `memory`, or `sqlite:<path>` (durable:
 * an effect is performed only after the commit that asked for it is on disk;
 * docs/durability.md).
 */
export type StorageSpec = 'memory' | `sqlite:${string}`;

/** Snapshots of a durable store (docs/durability.md says which TxIds stay readable). */
export interface SnapshotOptions {
  /** Take a snapshot every this many commits (0 = never). Default 10,000 on a durable store; a clean close also snapshots the head (docs/durability.md). */
  readonly every?: number;
  /**
   * `snapshots`: how many of the latest snapshots to keep (default all).
   * `log`: `all` (default) keeps the whole commit log; `since-oldest-snapshot`
   * deletes the commits before the oldest kept snapshot.
   */
  readonly retention?: { readonly snapshots?: number; readonly log?: 'all' | 'since-oldest-snapshot' };
  /**
   * Which history the running engine keeps in memory: `since-snapshot`
   * (default on a durable store) the commits since the latest snapshot, older
   * ones read back from the file; `all` every commit (memory grows with each).
   */
  readonly inMemory?: 'all' | 'since-snapshot';
}

export interface WorkflowEngineOptions {
  readonly storage: StorageSpec;
  readonly clock: Clock;
  readonly activities: ActivityRegistry;
  readonly predicates: ReadonlyMap<string, Predicate>;
  /** Snapshot cadence and retention, passed to the Store. */
  readonly snapshots?: SnapshotOptions;
  /** A backend to use instead of the one `storage` names (tests, benchmarks, other databases). */
  readonly backend?: Backend;
}

/** An execution as read from one version of the graph. */
export interface ExecutionSnapshot {
  readonly id: string;
  readonly workflowId: string;
  /** `<id>@<version>`. */
  readonly workflowKey: string;
  readonly status: ExecutionStatus;
  readonly inputs: Json;
  readonly steps: { readonly [name: string]: Json };
  readonly vars: { readonly [name: string]: Json };
  readonly outputs: { readonly [name: string]: Json };
  readonly error: Json;
  readonly startedAt: number;
  readonly endedAt: number | null;
  /** The version this snapshot was read from. */
  readonly tx: TxId;
  /** For a sub-workflow execution: the parent execution and its Call node. */
  readonly parent: { readonly execution: string; readonly call: string } | null;
  /** Live tokens: where execution currently is. */
  readonly tokens: readonly { readonly id: string; readonly step: string; readonly phase: string }[];
}

export interface WaitOptions {
  /** Give up after this many ms of engine-clock time (rejects with WAIT_TIMEOUT). */
  readonly timeout?: number;
}

export interface ExecutionFilter {
  readonly status?: ExecutionStatus;
  readonly workflowId?: string;
}

/**
 * Something the engine does once the commit `tx` that asked for it is durable:
 * an effect (an attempt starts), or a report (`fail` given: a waitForCompletion
 * settles, rejected if the write fails).
 */
interface PendingEffect {
  readonly tx: TxId;
  readonly run: () => void;
  readonly fail?: (err: unknown) => void;
}

/** An attempt the engine started, or will start once the commit that scheduled it is durable. */
class Inflight {
  aborted = false;
  attempt: Attempt | undefined = undefined;
  /** Drops the attempt: it does not start, or it is cancelled (its outcome then is stale). */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.attempt?.cancel();
  }
}

interface LiveExecution {
  /** Attempts running, by Task id. */
  readonly inflight: Map<string, Inflight>;
  /** Sub-workflow calls started: Call node id -> child execution id. */
  readonly calls: Map<string, string>;
  /** Clock timers by key, with the graph node whose removal disarms them. */
  readonly armed: Map<string, { readonly handle: TimerHandle; readonly node: string | undefined; readonly fire: () => void }>;
}

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled', 'timed_out']);

/** Fluent configuration of a WorkflowEngine. */
export class WorkflowEngineBuilder {
  private storage: StorageSpec = 'memory';
  private snapshots: SnapshotOptions | undefined;
  private backend: Backend | undefined;
  private clock: Clock | undefined;
  private activities: ActivityRegistry | undefined;
  private readonly predicates = new Map<string, Predicate>();

  /** `memory` (default) or `sqlite:<path>`: a durable store file, created if missing, resumed if present. */
  withStorage(spec: string): this {
    if (spec === 'memory') this.storage = spec;
    else if (spec.startsWith('sqlite:') && spec.length > 'sqlite:'.length) this.storage = spec as StorageSpec;
    // PostgreSQL stores are opened asynchronously (the log is read before the store is built): a different builder.
    else if (spec.startsWith('postgres:')) throw new EngineError('UNSUPPORTED_STORAGE', 'WorkflowEngineBuilder.withStorage: "postgres:" is the distributed mode, which opens asynchronously: use DistributedEngine.builder().withStorage(spec) and await its build() (docs/distributed.md)');
    else throw new EngineError('UNSUPPORTED_STORAGE', `WorkflowEngineBuilder.withStorage: expected "memory" or "sqlite:<path>" (or "postgres:<url>" through DistributedEngine.builder()), got "${spec}"`);
    return this;
  }
  /** Snapshot cadence and retention of the store (docs/durability.md). */
  withSnapshots(options: SnapshotOptions): this {
    const every = options.every;
    if (every !== undefined && !(Number.isInteger(every) && every >= 0)) throw new EngineError('INVALID_ARGUMENT', `WorkflowEngineBuilder.withSnapshots: "every" must be a non-negative integer, got ${String(every)}`);
    const keep = options.retention?.snapshots;
    if (keep !== undefined && !(keep === Infinity || (Number.isInteger(keep) && keep >= 1))) throw new EngineError('INVALID_ARGUMENT', `WorkflowEngineBuilder.withSnapshots: "retention.snapshots" must be an integer >= 1, got ${String(keep)}`);
    const inMemory = options.inMemory;
    if (inMemory !== undefined && inMemory !== 'all' && inMemory !== 'since-snapshot') throw new EngineError('INVALID_ARGUMENT', `WorkflowEngineBuilder.withSnapshots: "inMemory" must be 'all' or 'since-snapshot', got ${String(inMemory)}`);
    this.snapshots = options;
    return this;
  }
  /** Uses this backend for the store (overrides `withStorage`). */
  withBackend(backend: Backend): this {
    this.backend = backend;
    return this;
  }
  withClock(clock: Clock): this {
    this.clock = clock;
    return this;
  }
  withActivities(registry: ActivityRegistry): this {
    this.activities = registry;
    return this;
  }
  /** Registers a decision predicate (`condition: "<name>"`). */
  withPredicate(name: string, fn: Predicate): this {
    this.predicates.set(name, fn);
    return this;
  }
  build(): WorkflowEngine {
    const persistent = this.backend?.persistent ?? this.storage !== 'memory';
    if (this.snapshots?.inMemory === 'since-snapshot' && !persistent) {
      throw new EngineError('INVALID_ARGUMENT', `WorkflowEngineBuilder.build: withSnapshots({ inMemory: 'since-snapshot' }) needs a durable store (older history is read back from it), and the storage is ${this.backend?.name ?? this.storage}`);
    }
    return new WorkflowEngine({
      storage: this.storage,
      clock: this.clock ?? new SystemClock(),
      activities: this.activities ?? new ActivityRegistry(),
      predicates: new Map(this.predicates),
      snapshots: this.snapshots,
      backend: this.backend,
    });
  }
}

interface Registered {
  readonly compiled: CompiledWorkflow;
  readonly internal: readonly Rule[];
  /** Per internal rule: what it needs of the execution's tokens (tokenNeeds). */
  readonly needs: readonly (readonly TokenNeed[])[];
  /** Per internal rule: whether it takes the time (`now`). */
  readonly timed: readonly boolean[];
}

interface Waiter {
  resolve(s: ExecutionSnapshot): void;
  reject(e: unknown): void;
}

/**
 * Runs workflows as token games over the graph store: every change to an
 * execution is a rule application (one commit); the engine only finds
 * applicable rules, performs effects (activities, timers) and feeds their
 * outcomes back as fact rules.
 */
export class WorkflowEngine {
  static builder(): WorkflowEngineBuilder {
    return new WorkflowEngineBuilder();
  }

  readonly store: Store;
  readonly clock: Clock;
  private readonly activities: ActivityRegistry;
  private readonly facts: { readonly [K in FactRule]: Rule };
  private readonly rules = new Map<string, Rule>();
  private readonly ruleSet;
  private readonly byKey = new Map<string, Registered>();
  private readonly latest = new Map<string, string>();
  private readonly execWorkflow = new Map<string, string>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Effects in progress per execution. */
  private readonly liveExecs = new Map<string, LiveExecution>();
  private inflightCount = 0;
  /** Execution id -> TxIds of its commits. */
  private readonly txsOf = new Map<string, number[]>();
  /** Executions whose effect outcome could not be recorded: the error (waitForCompletion rejects with it). */
  private readonly faults = new Map<string, unknown>();
  /** Child executions whose end was reported to their parent. */
  private readonly notified = new Set<string>();
  private idleScheduled = false;
  /** True when the store is durable: effects then wait for the commit that asked for them to be on disk. */
  private readonly durable: boolean;
  /** Effects waiting for their commit (TxId `tx`) to be durable, in order. */
  private pendingEffects: PendingEffect[] = [];
  private releaseScheduled = false;
  /** The head TxId the last durability request covered. */
  private requestedTx = 0;
  /** Every commit up to this TxId is durable. */
  private durableTx = 0;
  /** The latest durability request listened to: the backend's promise and the head it covers. */
  private lastSync: { readonly promise: Promise<void>; upTo: TxId } | undefined;
  /** Set when the store could not make commits durable: no effect runs after it. */
  private storageError: unknown = undefined;
  private closed = false;
  /** TxId of the head when the store was opened (0: a new store); executions before it are resumed. */
  private readonly openedAt: TxId;
  private readonly recovery = new Map<string, Rule>();
  /** Resumed sub-workflow calls waiting for their workflow to be registered: workflow id -> calls. */
  private readonly deferredCalls = new Map<string, { readonly execution: string; readonly call: string }[]>();

  constructor(options: WorkflowEngineOptions) {
    this.clock = options.clock;
    this.activities = options.activities;
    const backend = options.backend ?? (options.storage.startsWith('sqlite:') ? new SqliteBackend(options.storage.slice('sqlite:'.length)) : undefined);
    try {
      this.store = new Store({
        backend,
        now: () => this.clock.now(),
        snapshotEvery: options.snapshots?.every,
        retention: options.snapshots?.retention,
        inMemory: options.snapshots?.inMemory,
        // Each commit is tagged with its execution: its events are found without reading the log.
        tagOf: executionOf,
      });
    } catch (err) {
      // A store that cannot be restored (corruption) must not keep its file open.
      if (options.backend === undefined) void backend?.close().catch(() => undefined);
      throw err;
    }
    this.durable = backend?.persistent ?? false;
    this.openedAt = this.store.headTx;
    this.durableTx = this.requestedTx = this.store.headTx;
    this.ruleSet = buildRuleSet({ predicates: (name) => options.predicates.get(name) });
    const facts = {} as { [K in FactRule]: Rule };
    for (const [k, def] of Object.entries(this.ruleSet.facts) as [FactRule, (typeof this.ruleSet.facts)[FactRule]][]) facts[k] = compileRule(def);
    this.facts = facts;
    for (const def of this.ruleSet.internal) this.rules.set(def.name, compileRule(def));
    for (const def of RECOVERY_RULES) this.recovery.set(def.name, compileRule(def));
    this.indexed = this.openedAt === 0;
  }

  /** False until the execution -> commits index covers the log of a reopened store (built on first use). */
  private indexed: boolean;

  /** Indexes the commits made before the store was opened, ahead of those made since. */
  private indexLog(): void {
    if (this.indexed) return;
    this.indexed = true;
    const old = new Map<string, number[]>();
    for (const c of this.store.history(this.store.oldestTx + 1, this.openedAt)) {
      const m = c.meta as { execution?: unknown } | null;
      if (m === null || typeof m !== 'object' || typeof m.execution !== 'string') continue;
      const list = old.get(m.execution);
      if (list === undefined) old.set(m.execution, [c.tx]);
      else list.push(c.tx);
    }
    for (const [id, txs] of old) this.txsOf.set(id, txs.concat(this.txsOf.get(id) ?? []));
  }

  /** Compiles a workflow and writes its program graph (once per `id@version`); returns its key. */
  registerWorkflow(ir: WorkflowIR): string {
    const checked = validateWorkflow(ir);
    this.checkCycles(checked);
    const key = workflowKey(checked);
    const known = this.byKey.get(key);
    // The same IR object again (startWorkflow(ir) registers it each time): nothing can have changed.
    if (known !== undefined && known.compiled.ir === checked) {
      this.latest.set(checked.id, key);
      return key;
    }
    this.checkRetryPolicies(checked, key);
    const compiled = compileWorkflow(checked, this.ruleSet);
    const { program } = compiled;
    const head = this.store.head();
    if (head.hasNode(program.workflowNodeId)) {
      // Executions run the stored program graph: an edited definition under the same
      // id@version would silently run the old one (and validate inputs against the new).
      const diff = programDifference(head, program);
      if (diff !== undefined) {
        throw new EngineError('WORKFLOW_CHANGED', `WorkflowEngine.registerWorkflow: workflow "${key}" is already in the store with a different definition (${diff}); bump its "version" to register the change, or use a fresh store`);
      }
    }
    if (known === undefined) {
      if (!head.hasNode(program.workflowNodeId)) {
        const tx = this.store.begin();
        for (const n of program.nodes) tx.addNode(n.id, n.labels, n.props);
        for (const e of program.edges) tx.addEdge(e.id, e.type, e.src, e.dst, e.props);
        tx.commit({ program: key });
      }
      const internal = compiled.rules.map((r) => this.rules.get(r.name)!);
      this.byKey.set(key, { compiled, internal, needs: compiled.rules.map(tokenNeeds), timed: internal.map((r) => r.params.length > 0) });
      this.latest.set(checked.id, key);
      if (this.openedAt > 0) this.resume(key);
      // Resumed calls of this workflow that were waiting for it: start their children now.
      const waiting = this.deferredCalls.get(checked.id);
      if (waiting !== undefined) {
        this.deferredCalls.delete(checked.id);
        for (const w of waiting) {
          this.liveExecs.get(w.execution)?.calls.delete(w.call);
          this.effects(w.execution);
        }
      }
    }
    this.latest.set(checked.id, key);
    return key;
  }

  /**
   * Each activity step's retry layers (step, activity, workflow: as startAttempt
   * merges them) must make a valid policy: found at the first retryable failure,
   * the error would have no caller to go to. Activities registered later are
   * checked when their attempt fails (startAttempt).
   */
  private checkRetryPolicies(ir: WorkflowIR, key: string): void {
    const wfLayer = retryLayer(ir.retry_policy);
    walkStrategies(ir.strategy, (s, path) => {
      if (s.op !== 'activity') return;
      const stepLayer = retryLayer(s.retry_policy);
      // A compensate task runs under its step's policy, with the compensating activity's layer.
      for (const ref of s.compensate === undefined ? [s.activity_ref] : [s.activity_ref, s.compensate]) {
        const actLayer = this.activities.has(ref) ? this.activities.get(ref).retryPolicy : undefined;
        try {
          mergeRetryPolicy(stepLayer, actLayer, wfLayer);
        } catch (err) {
          if (!(err instanceof RetryPolicyError)) throw err;
          const layers = `the step's retry_policy${actLayer === undefined ? '' : `, activity "${ref}"'s`} and the workflow's`;
          throw new EngineError('INVALID_RETRY_POLICY', `WorkflowEngine.registerWorkflow: workflow "${key}": ${pathText(path)}: ${layers} merge into an invalid policy: ${err.message.replace(/^mergeRetryPolicy: /, '')}`, { cause: err });
        }
      }
    });
  }

  /** Sub-workflow cycles are refused at registration (IR_REF_CYCLE); unknown refs may be registered later. */
  private checkCycles(ir: WorkflowIR): void {
    const map = new Map<string, WorkflowIR>();
    for (const [id, key] of this.latest) map.set(id, this.byKey.get(key)!.compiled.ir);
    map.set(ir.id, ir);
    const stub = (id: string): WorkflowIR => ({ id, name: id, version: '0', inputs: [], outputs: [], strategy: { op: 'wait', condition: { type: 'timer', duration: 'PT0S' } } });
    for (const wf of [...map.values()]) {
      walkStrategies(wf.strategy, (s) => {
        if (s.op === 'subworkflow' && !map.has(s.workflow_ref)) map.set(s.workflow_ref, stub(s.workflow_ref));
      });
    }
    checkWorkflowRefs(map);
  }

  /** Starts an execution of a registered workflow (by id: its latest version) or of an IR. */
  startWorkflow(workflow: string | WorkflowIR, inputs: Record<string, unknown> = {}): string {
    return this.startExecution(workflow, inputs, null);
  }

  /** Starts an execution; `started` (a subworkflow's parent) hears of it after its first commit, before its effects. */
  private startExecution(workflow: string | WorkflowIR, inputs: Record<string, unknown>, parent: { execution: string; call: string } | null, started?: (id: string) => void): string {
    const key = typeof workflow === 'string' ? this.latest.get(workflow) : this.registerWorkflow(workflow);
    if (key === undefined) throw new EngineError('UNKNOWN_WORKFLOW', `WorkflowEngine.startWorkflow: no workflow "${String(workflow)}" is registered`);
    const reg = this.byKey.get(key)!;
    const filled = validateInputs(reg.compiled.ir.inputs, inputs, { workflowId: reg.compiled.ir.id });
    const r = this.record(runStep(
      this.store,
      { rule: this.facts['execution.start'], bindings: { w: reg.compiled.program.workflowNodeId }, params: { inputs: copyJson(filled) as Json, now: this.clock.now(), parent } },
      (first) => first.created.e,
      (tx, exec, out) => {
        this.execWorkflow.set(exec, key);
        this.cascade(tx, exec, out);
      },
    ));
    if (r === undefined) throw new EngineError('UNKNOWN_WORKFLOW', `WorkflowEngine.startWorkflow: the program graph of "${key}" is missing`);
    const id = r.meta.execution;
    const w = this.store.head().getNode(reg.compiled.program.workflowNodeId)!;
    if (typeof w.props.timeout_ms === 'number') this.armTimeout(id, this.clock.now() + w.props.timeout_ms);
    started?.(id);
    this.effects(id);
    this.scheduleIdle();
    return id;
  }

  /**
   * The workflow timeout: with a saga running, every waiting step fails and every
   * running saga compensates (the execution then fails with WORKFLOW_TIMEOUT);
   * otherwise everything is cancelled and the execution ends timed_out.
   */
  private armTimeout(id: string, at: number): void {
    this.arm(id, `timeout:${id}`, undefined, at, () => {
      if (!this.fact(id, 'execution.timeout_saga', {}, { now: this.clock.now() })) this.fact(id, 'execution.timeout', {}, { now: this.clock.now() });
    });
  }

  /** Resolves with the execution once it has ended (completed, failed, cancelled or timed out). */
  waitForCompletion(id: string, options: WaitOptions = {}): Promise<ExecutionSnapshot> {
    const s = this.getExecution(id);
    if (s === undefined) return Promise.reject(new EngineError('UNKNOWN_EXECUTION', `WorkflowEngine.waitForCompletion: no execution "${id}"`));
    if (this.storageError !== undefined) return Promise.reject(this.storageError);
    if (this.faults.has(id) && !TERMINAL.has(s.status)) return Promise.reject(this.faults.get(id));
    if (this.closed && !TERMINAL.has(s.status)) return Promise.reject(new EngineError('ENGINE_CLOSED', `WorkflowEngine.waitForCompletion: the engine is closed and "${id}" is running`));
    if (TERMINAL.has(s.status)) {
      if (!this.durable) return Promise.resolve(s);
      if (this.closed) return this.store.sync().then(() => s);
      return new Promise((resolve, reject) => this.afterDurable(() => resolve(s), reject));
    }
    return new Promise((resolve, reject) => {
      let handle: TimerHandle | undefined;
      const w: Waiter = {
        resolve: (snap) => {
          if (handle !== undefined) this.clock.clearTimer(handle);
          resolve(snap);
        },
        reject: (err) => {
          if (handle !== undefined) this.clock.clearTimer(handle);
          reject(err);
        },
      };
      if (options.timeout !== undefined) {
        handle = this.clock.setTimer(this.clock.now() + options.timeout, () => {
          const list = this.waiters.get(id) ?? [];
          this.waiters.set(id, list.filter((x) => x !== w));
          reject(new EngineError('WAIT_TIMEOUT', `WorkflowEngine.waitForCompletion: "${id}" did not end within ${options.timeout} ms`));
        });
      }
      const list = this.waiters.get(id) ?? [];
      list.push(w);
      this.waiters.set(id, list);
      this.scheduleIdle();
    });
  }

  /**
   * Cancels a running execution. With a saga running, its waiting steps fail
   * with CANCELLED and every running saga compensates, as on a failure; the
   * execution then ends cancelled. Otherwise its tokens are cancelled and
   * in-flight attempts aborted at once. False when it is not running, or is
   * already compensating after a cancel or a timeout (compensation runs to its end).
   */
  cancel(id: string): boolean {
    const now = this.clock.now();
    return this.fact(id, 'execution.cancel_saga', {}, { now }) || this.fact(id, 'execution.cancel', {}, { now });
  }

  /**
   * Delivers a signal to the execution's waits for it; with none waiting, the
   * signal is kept (a `Signal` node) for the next wait on that name. False
   * when the execution is not running.
   */
  signal(id: string, name: string, payload: Json = null): boolean {
    // Commit metas are frozen in place (adoptMeta): the caller's object must not be.
    payload = copyJson(payload) as Json;
    const waits: string[] = [];
    this.store.head().forEachNodeWithLabel('Wait', (x) => void (x.props.execution === id && x.props.kind === 'signal' && x.props.name === name && waits.push(x.id)));
    for (const x of waits) if (this.fact(id, 'wait.receive', { x }, { payload })) return true;
    return this.fact(id, 'signal.buffer', {}, { name, payload });
  }

  /**
   * Delivers an event to every wait for `type` whose resolved filter matches
   * the payload (each filter field equal to the payload's); returns how many took it.
   * A broadcast skips the executions of workflows not registered in this engine
   * (a reopened store: they cannot move until registered, as if not waiting yet),
   * rather than failing after others took the event.
   * With `execution`, only that execution's waits are offered it (the distributed
   * mode delivers a broadcast execution by execution, on each one's owner node);
   * its workflow not registered is UNKNOWN_WORKFLOW, before any delivery.
   */
  sendEvent(type: string, payload: Json = null, options: { readonly execution?: string } = {}): number {
    payload = copyJson(payload) as Json;
    const head = this.store.head();
    const hits: NodeRecord[] = [];
    const offer = (x: NodeRecord): void => void (x.labels.includes('Wait') && x.props.kind === 'event' && x.props.name === type && filterMatches(x.props.filter, payload) && hits.push(x));
    const only = options.execution;
    // One execution's waits are what its tokens wait on (no scan of every execution's waits).
    if (only === undefined) head.forEachNodeWithLabel('Wait', (x) => void (this.keyOf(x.props.execution as string) !== undefined && offer(x)));
    else head.forEachIncident(only, 'out', 'OWNS', (o) => head.forEachIncident(o.dst, 'out', 'WAITS', (w) => void offer(head.getNode(w.dst)!)));
    let n = 0;
    for (const x of hits) if (this.fact(x.props.execution as string, 'wait.receive', { x: x.id }, { payload })) n++;
    return n;
  }

  getExecution(id: string): ExecutionSnapshot | undefined {
    return readExecution(this.store.head(), id);
  }

  getExecutionAtTx(id: string, tx: TxId): ExecutionSnapshot | undefined {
    return readExecution(this.store.at(tx), id);
  }

  /** Every version of the execution, one per commit that touched it. */
  getExecutionHistory(id: string): ExecutionSnapshot[] {
    const out: ExecutionSnapshot[] = [];
    for (const c of this.commitsOf(id)) {
      const s = this.getExecutionAtTx(id, c.tx);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  /** The commits of one execution, in order (indexed as they are made; the log itself is the truth). */
  private commitsOf(id: string): CommitInfo[] {
    return this.txsOfExecution(id).map((tx) => this.store.commitInfo(tx));
  }

  /**
   * The TxIds of one execution's commits: those this engine made, after those
   * made before it opened the store, which a backend with a tag index (SQLite)
   * finds without reading the log; otherwise the log is read once for all.
   */
  private txsOfExecution(id: string): number[] {
    const mine = this.txsOf.get(id) ?? [];
    if (this.indexed) return mine;
    const before = this.store.commitsTagged(id, this.openedAt + 1);
    if (before !== undefined) {
      const oldest = this.store.oldestTx;
      return before.filter((tx) => tx > oldest).concat(mine);
    }
    this.indexLog();
    return this.txsOf.get(id) ?? [];
  }

  private record<T extends { commit: CommitInfo; meta: StepMeta } | undefined>(r: T): T {
    if (r !== undefined) {
      const list = this.txsOf.get(r.meta.execution);
      if (list === undefined) this.txsOf.set(r.meta.execution, [r.commit.tx]);
      else list.push(r.commit.tx);
    }
    return r;
  }

  /** The typed events of an execution: views of the commits of its rule applications. */
  getEventHistory(id: string): WorkflowEvent[] {
    const out: WorkflowEvent[] = [];
    let rules: Map<string, Rule> | undefined;
    for (const c of this.commitsOf(id)) out.push(...eventsOf(this.store, c, (rules ??= this.allRules())));
    return out;
  }

  /**
   * Replays the rewrite log from the start into a fresh store, checking every
   * root CID (EngineError DETERMINISM on a difference), and returns the
   * execution as the replay rebuilt it.
   */
  rebuildExecutionFromEvents(id: string): ExecutionSnapshot {
    const last = this.txsOfExecution(id).at(-1) ?? 0;
    if (last === 0) throw new EngineError('UNKNOWN_EXECUTION', `WorkflowEngine.rebuildExecutionFromEvents: no execution "${id}"`);
    const { store } = replayLog(this.store, this.allRules(), last);
    return readExecution(store.head(), id)!;
  }

  /** Replays the whole log, checking every root CID; returns the number of commits verified. */
  verifyReplay(): number {
    return replayLog(this.store, this.allRules()).verified;
  }

  private allRules(): Map<string, Rule> {
    const m = new Map(this.rules);
    for (const r of Object.values(this.facts)) m.set(r.name, r);
    for (const r of this.recovery.values()) m.set(r.name, r);
    return m;
  }

  /** Read-only GQL over the current execution state (docs/execution-graph.md lists labels and properties). */
  query(text: string, params: GqlParams = {}): QueryResult {
    return gqlQuery(this.store.head(), text, params);
  }

  /**
   * The current version: its TxId and root CID (a replay or a durable backend
   * can start from it). On a durable store this also takes a store snapshot
   * (its blocks written, the starting point of the next recovery).
   */
  createSnapshot(): { readonly tx: TxId; readonly cid: string } {
    if (this.durable) this.store.snapshot();
    return { tx: this.store.headTx, cid: this.store.cid().toString() };
  }

  /**
   * Resolves once every commit made so far is durable (at once in memory).
   * Effects never wait for this: each waits for its own commit.
   */
  sync(): Promise<void> {
    return this.store.sync();
  }

  /**
   * Stops the engine's effects: clears its timers and aborts attempts in
   * flight (their outcomes are not recorded: after a restart they run again).
   * The returned promise resolves once every commit is durable and a durable
   * store's file is closed; the in-memory head stays readable.
   */
  close(): Promise<void> {
    this.closed = true;
    // Effects not yet started are dropped; reports (a waitForCompletion) settle once the last write does.
    const reports = this.pendingEffects.filter((p) => p.fail !== undefined);
    this.pendingEffects = [];
    // Executions still running will not end in this engine: whoever waits for one is told.
    for (const [id, ws] of this.waiters) {
      this.waiters.delete(id);
      for (const w of ws) w.reject(new EngineError('ENGINE_CLOSED', `WorkflowEngine.waitForCompletion: the engine was closed while "${id}" was running`));
    }
    for (const live of this.liveExecs.values()) {
      for (const a of live.armed.values()) this.clock.clearTimer(a.handle);
      live.armed.clear();
      for (const ctl of live.inflight.values()) ctl.abort();
    }
    // The file is closed even when the last writes failed; the failure is still reported.
    const closeStore = (): Promise<void> => (this.durable ? this.store.close() : Promise.resolve());
    return this.store.sync().then(
      () => {
        for (const p of reports) p.run();
        return closeStore();
      },
      (err: unknown) => {
        for (const p of reports) p.fail!(err);
        return closeStore().then(() => Promise.reject(err), () => Promise.reject(err));
      },
    );
  }

  // ------------------------------------------------------------------ durability

  /**
   * Runs `run` once the current head is durable: at once on a memory store;
   * on a durable one after a `sync()` that covers the head (one sync serves
   * every effect queued meanwhile: group commit).
   */
  private afterDurable(run: () => void, fail?: (err: unknown) => void): void {
    if (!this.durable) {
      run();
      return;
    }
    if (this.storageError !== undefined) return fail?.(this.storageError);
    if (this.closed) return fail?.(new EngineError('ENGINE_CLOSED', 'WorkflowEngine: the engine was closed before this could be reported'));
    this.pendingEffects.push({ tx: this.store.headTx, run, fail });
    this.kickSync();
  }

  /**
   * Asks for the head to be made durable unless a request in flight covers it.
   * Requests overlap: the backend writes in groups, and an effect runs as soon
   * as the group that holds its commit is written, while later groups are.
   */
  private kickSync(): void {
    if (this.closed || this.storageError !== undefined) return;
    const upTo = this.store.headTx;
    if (upTo <= this.requestedTx) {
      // Covered by a request in flight, or already durable (then it runs on the next turn, as if requested).
      if (upTo <= this.durableTx && !this.releaseScheduled) {
        this.releaseScheduled = true;
        setImmediate(() => {
          this.releaseScheduled = false;
          this.release();
        });
      }
      return;
    }
    this.requestedTx = upTo;
    const promise = this.store.sync();
    // A backend that writes in groups hands every caller waiting for one group the same promise:
    // the request already listening to it now covers this head too.
    const last = this.lastSync;
    if (last !== undefined && last.promise === promise) {
      last.upTo = upTo;
      return;
    }
    const req = { promise, upTo };
    this.lastSync = req;
    promise.then(
      () => {
        if (req.upTo > this.durableTx) this.durableTx = req.upTo;
        if (this.lastSync === req) this.lastSync = undefined;
        this.release();
      },
      (err: unknown) => {
        // Nothing asked for by a commit that may not be on disk may run: stop effects.
        this.storageError ??= err;
        const reports = this.pendingEffects;
        this.pendingEffects = [];
        for (const p of reports) p.fail?.(err);
        for (const [id, ws] of this.waiters) {
          this.waiters.delete(id);
          for (const w of ws) w.reject(err);
        }
      },
    );
  }

  /** Runs the effects whose commits are durable, in order. */
  private release(): void {
    // Queued in TxId order (each at the head when it asked): the ready ones are a prefix.
    const pending = this.pendingEffects;
    let n = 0;
    while (n < pending.length && pending[n].tx <= this.durableTx) n++;
    if (n === 0) return;
    const ready = pending.splice(0, n);
    if (!this.closed) for (const p of ready) p.run();
  }

  // ------------------------------------------------------------------ recovery

  /** The workflow key of an execution, if that workflow is registered in this engine. */
  private keyOf(execId: string): string | undefined {
    let key = this.execWorkflow.get(execId);
    if (key === undefined) {
      const k = this.store.head().getNode(execId)?.props.workflow;
      if (typeof k === 'string' && this.byKey.has(k)) this.execWorkflow.set(execId, (key = k));
    }
    return key;
  }

  /**
   * Resumes the running executions of a workflow found in a reopened store:
   * attempts that may have been interrupted are recorded as used and run
   * again (same idempotency key, next attempt number), timers and back-offs
   * are re-armed (those already due fire at once), sub-workflow calls are
   * reconnected to their children, the workflow timeout is re-armed.
   */
  /**
   * While resuming: deadlines that fell due while the engine was down, to be
   * applied before `registerWorkflow` returns (a signal sent right after must
   * not beat a wait's timeout that passed before it).
   */
  private overdue: { at: number; execution: string; key: string }[] | null = null;

  private resume(key: string): void {
    this.overdue = [];
    try {
      this.resumeExecutions(key);
    } finally {
      const due = this.overdue.sort((a, b) => a.at - b.at);
      this.overdue = null;
      // In deadline order, as their timers would have fired; one another's facts may disarm them.
      for (const d of due) {
        const a = this.liveExecs.get(d.execution)?.armed.get(d.key);
        if (a === undefined) continue;
        this.clock.clearTimer(a.handle);
        this.liveExecs.get(d.execution)?.armed.delete(d.key);
        a.fire();
      }
    }
  }

  private resumeExecutions(key: string): void {
    const head = this.store.head();
    const execs: NodeRecord[] = [];
    head.forEachNodeWithLabel('Execution', (n) => void (n.props.status === 'running' && n.props.workflow === key && execs.push(n)));
    // Children by the Call that started them (a crash may have come between the child's start and `subworkflow.started`).
    const childOf = new Map<string, string>();
    head.forEachNodeWithLabel('Execution', (n) => {
      const p = n.props.parent as { call?: unknown } | null | undefined;
      if (p && typeof p.call === 'string') childOf.set(p.call, n.id);
    });
    const wfNode = head.getNode(this.byKey.get(key)!.compiled.program.workflowNodeId);
    for (const e of execs) {
      const id = e.id;
      this.execWorkflow.set(id, key);
      // A child whose parent no longer waits for it (the parent ended or was cancelled while this
      // child's workflow was not registered, or a crash came between the two cancels) is
      // cancelled, before any of its work runs again.
      const parent = e.props.parent as { execution: string; call: string } | null | undefined;
      if (parent && !head.hasNode(parent.call)) {
        this.cancel(id);
        continue;
      }
      const live = this.live(id);
      const tasks: NodeRecord[] = [];
      const calls: NodeRecord[] = [];
      head.forEachIncident(id, 'out', 'OWNS', (o) => {
        head.forEachIncident(o.dst, 'out', 'WAITS', (w) => {
          const x = head.getNode(w.dst);
          if (x?.labels[0] === 'Task') tasks.push(x);
          else if (x?.labels[0] === 'Call') calls.push(x);
        });
      });
      // Calls first: a recovery step below performs the execution's effects, which would start
      // a second child for a pending call whose child already runs.
      const reconnect: [call: string, child: string][] = [];
      for (const c of calls) {
        if (c.props.status === 'pending') {
          const child = childOf.get(c.id);
          const ref = c.props.workflow_ref as string;
          if (child !== undefined) {
            live.calls.set(c.id, child);
            reconnect.push([c.id, child]);
          } else if (!this.latest.has(ref)) {
            // The application may register the child workflow after the parent: wait for it
            // rather than fail the call (a fresh call to an unregistered workflow still fails).
            live.calls.set(c.id, '');
            const list = this.deferredCalls.get(ref) ?? [];
            list.push({ execution: id, call: c.id });
            this.deferredCalls.set(ref, list);
          }
        } else if (typeof c.props.child === 'string') {
          live.calls.set(c.id, c.props.child);
        }
      }
      for (const k of tasks) {
        if (k.props.status === 'scheduled') {
          this.step(id, this.recovery.get('activity.interrupted')!, { k: k.id }, { attempt: ((k.props.attempt as number) ?? 0) + 1 });
        } else if (k.props.status === 'backoff' && typeof k.props.retry_at === 'number') {
          this.arm(id, `retry:${k.id}`, k.id, k.props.retry_at, () => this.fact(id, 'activity.retry', { k: k.id }, {}));
        }
      }
      for (const [call, child] of reconnect) this.fact(id, 'subworkflow.started', { x: call }, { child });
      // A timeout that has fired already (`timed_out_at`) is not armed again: its sagas are compensating.
      if (wfNode !== undefined && typeof wfNode.props.timeout_ms === 'number' && typeof e.props.started_at === 'number' && e.props.timed_out_at === undefined) {
        this.armTimeout(id, e.props.started_at + wfNode.props.timeout_ms);
      }
      this.effects(id);
      // A child that ended while its end was not yet reported: report it now.
      for (const child of live.calls.values()) {
        const st = this.store.head().getNode(child)?.props.status;
        if (typeof st === 'string' && TERMINAL.has(st)) this.effects(child);
      }
    }
    // Children of this workflow whose parents are waiting and registered already.
    head.forEachNodeWithLabel('Execution', (n) => {
      if (n.props.workflow !== key || !TERMINAL.has(n.props.status as string)) return;
      const p = n.props.parent as { execution: string; call: string } | null | undefined;
      if (p && this.store.head().hasNode(p.call)) this.effects(n.id);
    });
    this.scheduleIdle();
  }

  listExecutions(filter: ExecutionFilter = {}): ExecutionSnapshot[] {
    const head = this.store.head();
    const out: ExecutionSnapshot[] = [];
    head.forEachNodeWithLabel('Execution', (n) => {
      if (filter.status !== undefined && n.props.status !== filter.status) return;
      if (filter.workflowId !== undefined && n.props.workflow_id !== filter.workflowId) return;
      out.push(readExecution(head, n.id)!);
    });
    return out;
  }

  // ------------------------------------------------------------------ the loop

  /**
   * Applies a fact rule to one execution and the internal rules it enables, as
   * one commit, then performs the effects; false when the fact no longer applies (stale).
   */
  private fact(execId: string, rule: FactRule, bindings: Record<string, string>, params: Record<string, Json>): boolean {
    return this.step(execId, this.facts[rule], bindings, params);
  }

  private step(execId: string, rule: Rule, bindings: Record<string, string>, params: Record<string, Json>): boolean {
    if (this.closed) return false;
    if (this.keyOf(execId) === undefined) {
      const e = this.store.head().getNode(execId);
      if (e === undefined || !e.labels.includes('Execution')) return false;
      throw new EngineError('UNKNOWN_WORKFLOW', `WorkflowEngine: execution "${execId}" belongs to workflow "${String(e.props.workflow)}", which is not registered in this engine (register it to resume its executions)`);
    }
    const r = this.record(runStep(this.store, { rule, bindings: { e: execId, ...bindings }, params }, () => execId, (tx, exec, out) => this.cascade(tx, exec, out)));
    if (r === undefined) return false;
    this.effects(execId);
    this.scheduleIdle();
    return true;
  }

  /** Applies internal rules until none applies. */
  private cascade(tx: Transaction, execId: string, out: ApplicationRecord[]): void {
    const reg = this.byKey.get(this.keyOf(execId) ?? '');
    if (reg === undefined) return;
    const bindings = { e: execId };
    const { internal, needs, timed } = reg;
    let tokens = this.tokenStates(tx, execId);
    // Applications so far, and per rule the count at its last failed attempt: a rule without
    // parameters that found no match finds none again until some application changes the graph.
    let applied = 0;
    const failedAt = new Array<number>(internal.length).fill(-1);
    let changed = true;
    while (changed) {
      changed = false;
      for (let i = 0; i < internal.length; i++) {
        if (failedAt[i] === applied) continue;
        // A rule whose needs no token meets cannot apply (tokenNeeds: a necessary condition).
        while (canApply(needs[i], tokens)) {
          const params: Params = timed[i] ? { now: this.clock.now() } : NO_PARAMS;
          if (applyOnce(tx, internal[i], bindings, params, out) === undefined) {
            // A timed rule's `now` moves on: it is tried again.
            if (!timed[i]) failedAt[i] = applied;
            break;
          }
          applied++;
          changed = true;
          tokens = this.tokenStates(tx, execId);
        }
      }
    }
  }

  /** Static facts of program Steps (the program graph never changes): op, and whether a NEXT sibling follows. */
  private readonly stepInfo = new Map<string, { readonly op: string | null; readonly next: boolean }>();

  /** The execution's tokens as tokenNeeds see them. */
  private tokenStates(view: GraphView, execId: string): TokenState[] {
    const out: TokenState[] = [];
    view.forEachIncident(execId, 'out', 'OWNS', (o) => {
      const t = view.getNode(o.dst);
      if (t === undefined) return;
      // One pass over the token's out-edges: where it is (AT) and whether it has a parent.
      let stepId: string | undefined;
      let root = true;
      view.forEachIncident(t.id, 'out', undefined, (a) => {
        if (a.type === 'AT') stepId = a.dst;
        else if (a.type === 'PARENT') root = false;
      });
      let info = stepId === undefined ? undefined : this.stepInfo.get(stepId);
      if (info === undefined && stepId !== undefined) {
        const s = view.getNode(stepId);
        info = { op: typeof s?.props.op === 'string' ? s.props.op : null, next: view.degree(stepId, 'out', 'NEXT') > 0 };
        this.stepInfo.set(stepId, info);
      }
      out.push({
        phase: t.props.phase as string,
        op: info?.op ?? null,
        next: info?.next ?? false,
        root,
        kids: view.degree(t.id, 'in', 'PARENT') > 0,
      });
    });
    return out;
  }

  private live(execId: string): LiveExecution {
    let l = this.liveExecs.get(execId);
    if (l === undefined) this.liveExecs.set(execId, (l = { inflight: new Map(), armed: new Map(), calls: new Map() }));
    return l;
  }

  private effects(execId: string): void {
    let head = this.store.head();
    let e = head.getNode(execId);
    if (e === undefined) return;
    const live = this.live(execId);
    // What the execution's tokens wait on: Task, Timer and Wait nodes.
    head.forEachIncident(execId, 'out', 'OWNS', (o) => {
      head.forEachIncident(o.dst, 'out', 'WAITS', (w) => {
        const x = head.getNode(w.dst);
        if (x === undefined) return;
        const kind = x.labels[0];
        if (kind === 'Task') {
          if (x.props.status === 'scheduled' && !live.inflight.has(x.id)) this.startAttempt(execId, x);
        } else if (kind === 'Call') {
          if (x.props.status === 'pending' && !live.calls.has(x.id)) this.startChild(execId, x);
        } else if (!live.armed.has(x.id)) {
          if (kind === 'Timer') this.arm(execId, x.id, x.id, x.props.fire_at as number, () => this.fact(execId, 'timer.fire', { x: x.id }, {}));
          else if (kind === 'Wait' && typeof x.props.deadline === 'number') this.arm(execId, x.id, x.id, x.props.deadline, () => this.fact(execId, 'wait.timeout', { x: x.id }, {}));
        }
      });
    });
    // Tasks and timers that the graph dropped (cancellation) lose their effects. Read from the
    // head as it is now: starting a child above runs it, and its end moves this execution on.
    head = this.store.head();
    e = head.getNode(execId) ?? e;
    for (const [id, ctl] of live.inflight) if (!head.hasNode(id)) ctl.abort();
    for (const [id, child] of live.calls) {
      if (!head.hasNode(id)) {
        live.calls.delete(id);
        // A child of a workflow not registered yet is cancelled when it is (resume).
        if (child !== '' && this.keyOf(child) !== undefined) this.cancel(child);
      }
    }
    for (const [key, a] of live.armed) {
      if (a.node !== undefined && !head.hasNode(a.node)) {
        this.clock.clearTimer(a.handle);
        live.armed.delete(key);
      }
    }
    if (TERMINAL.has(e.props.status as string)) {
      for (const a of live.armed.values()) this.clock.clearTimer(a.handle);
      live.armed.clear();
      if (live.inflight.size === 0) this.liveExecs.delete(execId);
      const parent = e.props.parent as { execution: string; call: string } | null | undefined;
      if (parent && !this.notified.has(execId) && this.keyOf(parent.execution) !== undefined) {
        this.notified.add(execId);
        const status = e.props.status as string;
        if (status === 'completed') this.fact(parent.execution, 'subworkflow.complete', { x: parent.call }, { output: inDeclaredOrder(e.props.outputs, e.props.output_spec) });
        else {
          const error = { code: `SUBWORKFLOW_${status.toUpperCase()}`, message: `subworkflow ${String(e.props.workflow_id)} (${execId}) ended ${status}`, child: execId, cause: e.props.error ?? null };
          this.fact(parent.execution, 'subworkflow.fail', { x: parent.call }, { error });
        }
      }
      const ws = this.waiters.get(execId);
      if (ws !== undefined) {
        const snap = readExecution(head, execId)!;
        this.waiters.delete(execId);
        // The end is reported only once the commit that made it is durable.
        this.afterDurable(
          () => {
            for (const w of ws) w.resolve(snap);
          },
          (err) => {
            for (const w of ws) w.reject(err);
          },
        );
      }
    }
  }

  private startChild(execId: string, call: NodeRecord): void {
    const live = this.live(execId);
    live.calls.set(call.id, '');
    const ref = call.props.workflow_ref as string;
    let started = false;
    try {
      if (!this.latest.has(ref)) throw new EngineError('UNKNOWN_WORKFLOW', `WorkflowEngine: subworkflow "${ref}" is not registered`);
      // The parent records the child before the child runs: a child that ends at once (nothing to
      // wait for) reports its end to a parent that already knows it.
      this.startExecution(ref, (call.props.input ?? {}) as Record<string, unknown>, { execution: execId, call: call.id }, (child) => {
        started = true;
        live.calls.set(call.id, child);
        if (!this.fact(execId, 'subworkflow.started', { x: call.id }, { child })) this.cancel(child);
      });
    } catch (err) {
      if (started) throw err;
      const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'ERROR';
      this.fact(execId, 'subworkflow.fail', { x: call.id }, { error: { code, message: (err as Error).message } });
    }
  }

  private arm(execId: string, key: string, node: string | undefined, at: number, fn: () => void): void {
    const live = this.live(execId);
    const handle = this.clock.setTimer(at, () => {
      live.armed.delete(key);
      fn();
    });
    live.armed.set(key, { handle, node, fire: fn });
    if (this.overdue !== null && at <= this.clock.now()) this.overdue.push({ at, execution: execId, key });
  }

  private startAttempt(execId: string, task: NodeRecord): void {
    // The start of an attempt is not a commit of its own: its number and start
    // time travel with its outcome (ActivityStarted is a view of that commit).
    const attempt = (task.props.attempt as number) + 1;
    let startedAt: number | null = this.clock.now();
    const head = this.store.head();
    const step = head.getNode(task.props.step as string)!;
    const wf = head.getNode(this.byKey.get(this.keyOf(execId)!)!.compiled.program.workflowNodeId)!;
    const ref = task.props.activity_ref as string;
    const ctl = new Inflight();
    const live = this.live(execId);
    live.inflight.set(task.id, ctl);
    this.inflightCount++;
    let activity: Activity | undefined;
    const done = (error: ActivityFailure | undefined, output?: Json): void => {
      live.inflight.delete(task.id);
      this.inflightCount--;
      if (error === undefined) {
        this.fact(execId, 'activity.complete', { k: task.id }, { output: output ?? null, attempt, started_at: startedAt });
        return;
      }
      let delay: number | null;
      let err = error as unknown as Json;
      try {
        const policy = mergeRetryPolicy(retryLayerFromProps(step.props.retry_policy), activity?.retryPolicy, retryLayerFromProps(wf.props.retry_policy));
        delay = nextRetryDelay(policy, attempt, error.code, error.retryable);
        // The workflow said this code is not retried: the error it records says so too.
        if (error.retryable && policy.nonRetryableErrors.includes(error.code)) err = { ...(error as unknown as { [k: string]: Json }), retryable: false };
      } catch (e) {
        // An invalid merged policy (an activity registered after the workflow was checked): the step fails, the engine goes on.
        if (!(e instanceof RetryPolicyError)) throw e;
        delay = null;
        err = { code: e.code, message: `WorkflowEngine: workflow "${String(wf.props.key)}": ${String(step.props.path)}: activity "${ref}": cannot retry: ${e.message}`, retryable: false, details: { error: err } };
      }
      if (delay === null) {
        this.fact(execId, 'activity.fail', { k: task.id }, { error: err, attempt, started_at: startedAt });
        return;
      }
      const retryAt = this.clock.now() + delay;
      if (!this.fact(execId, 'activity.retry_wait', { k: task.id }, { attempt, error: err, retry_at: retryAt, started_at: startedAt })) return;
      this.arm(execId, `retry:${task.id}`, task.id, retryAt, () => this.fact(execId, 'activity.retry', { k: task.id }, {}));
    };
    // Outcomes arrive in callbacks with no caller: an error recording one must not escape as an unhandled rejection.
    const settle = (error: ActivityFailure | undefined, output?: Json): void => {
      try {
        done(error, output);
      } catch (err) {
        this.fault(execId, err);
      }
    };
    if (!this.activities.has(ref)) {
      startedAt = null;
      queueMicrotask(() => settle({ code: 'UNKNOWN_ACTIVITY', message: `WorkflowEngine: no activity "${ref}" is registered`, retryable: false }));
      return;
    }
    activity = this.activities.get(ref);
    const act = activity;
    const timeoutMs = typeof step.props.timeout_ms === 'number' ? step.props.timeout_ms : undefined;
    // The attempt runs only once the commit that scheduled it is durable.
    this.afterDurable(() => {
      if (ctl.aborted) {
        // Dropped (cancelled) or the engine closed before it started.
        live.inflight.delete(task.id);
        this.inflightCount--;
        this.scheduleIdle();
        return;
      }
      startedAt = this.clock.now();
      const run = startAttempt(act, (task.props.input ?? {}) as JsonObject, { executionId: execId, taskId: task.id, attempt, idempotencyKey: `${execId}/${task.id}` }, { clock: this.clock, timeoutMs });
      ctl.attempt = run;
      run.result.then((r) => (r.ok ? settle(undefined, r.output) : settle(r.error)), (err: unknown) => this.fault(execId, err));
    });
  }

  /**
   * An error the engine met while recording an effect's outcome (a bug, a store
   * that refused the commit): the execution cannot go on, so whoever waits for it
   * is told (now, or at its next waitForCompletion) instead of waiting forever.
   */
  private fault(execId: string, err: unknown): void {
    if (!this.faults.has(execId)) this.faults.set(execId, err);
    const ws = this.waiters.get(execId);
    this.waiters.delete(execId);
    for (const w of ws ?? []) w.reject(err);
    this.scheduleIdle();
  }

  /** With nothing runnable and no attempt in flight, lets an auto-advancing clock jump to the next timer. */
  private scheduleIdle(): void {
    if (this.idleScheduled || this.clock.idle === undefined) return;
    this.idleScheduled = true;
    setImmediate(() => {
      this.idleScheduled = false;
      if (this.inflightCount > 0 || this.waiters.size === 0) return;
      if (this.clock.idle?.()) this.scheduleIdle();
    });
  }
}

/**
 * A copy of the arrays and plain objects of a value (anything else is kept
 * as it is, for the store to accept or refuse; a cycle is kept for the store
 * to report): what callers hand in ends up in a commit's meta, which the
 * store freezes in place.
 */
function copyJson(v: unknown, seen: Set<object> = new Set()): unknown {
  if (typeof v !== 'object' || v === null || seen.has(v)) return v;
  const proto = Object.getPrototypeOf(v);
  if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return v;
  seen.add(v);
  let out: unknown;
  if (Array.isArray(v)) out = v.map((x) => copyJson(x, seen));
  else {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) o[k] = copyJson((v as Record<string, unknown>)[k], seen);
    out = o;
  }
  seen.delete(v);
  return out;
}

function canApply(needs: readonly TokenNeed[], tokens: readonly TokenState[]): boolean {
  for (const n of needs) {
    let met = false;
    for (const t of tokens) {
      if (meetsNeed(n, t)) {
        met = true;
        break;
      }
    }
    if (!met) return false;
  }
  return true;
}

function filterMatches(filter: Json | undefined, payload: Json): boolean {
  if (filter === undefined || filter === null) return true;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return Object.keys(filter).length === 0;
  const p = payload as { readonly [k: string]: Json };
  return Object.entries(filter as { readonly [k: string]: Json }).every(([k, v]) => k in p && jsonEqual(p[k], v));
}

function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, (b as readonly Json[])[i]));
  }
  const ka = Object.keys(a);
  const ob = b as { readonly [k: string]: Json };
  return ka.length === Object.keys(ob).length && ka.every((k) => k in ob && jsonEqual((a as { readonly [k: string]: Json })[k], ob[k]));
}

function readExecution(view: Snapshot, id: string): ExecutionSnapshot | undefined {
  const e = view.getNode(id);
  if (e === undefined || !e.labels.includes('Execution')) return undefined;
  const p = e.props;
  const tokens: { id: string; step: string; phase: string }[] = [];
  view.forEachIncident(id, 'out', 'OWNS', (o) => {
    const t = view.getNode(o.dst);
    let stepId = '';
    view.forEachIncident(o.dst, 'out', 'AT', (a) => void (stepId = a.dst));
    if (t !== undefined) tokens.push({ id: t.id, step: stepId, phase: String(t.props.phase) });
  });
  return {
    id,
    workflowId: String(p.workflow_id),
    workflowKey: String(p.workflow),
    status: p.status as ExecutionStatus,
    inputs: p.inputs ?? null,
    steps: (p.steps ?? {}) as { [k: string]: Json },
    vars: (p.vars ?? {}) as { [k: string]: Json },
    outputs: inDeclaredOrder(p.outputs, p.output_spec),
    error: p.error ?? null,
    startedAt: p.started_at as number,
    endedAt: (p.ended_at as number | undefined) ?? null,
    tx: view.tx,
    parent: (p.parent as { execution: string; call: string } | null | undefined) ?? null,
    tokens,
  };
}

export type { JsonValue };

/** The execution a commit's meta names (every engine commit has one, except program graphs). */
function executionOf(meta: Json): string | undefined {
  const e = meta !== null && typeof meta === 'object' && !Array.isArray(meta) ? (meta as { readonly [k: string]: Json }).execution : undefined;
  return typeof e === 'string' ? e : undefined;
}
