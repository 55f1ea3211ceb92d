import type { CommitInfo, GraphView, Json, NodeRecord, Store, Transaction, TxId } from '../../graph/index.ts';
import { applyInTx } from '../../rules/index.ts';
import type { ApplicationRecord, Rule, StepMeta } from './apply.ts';
import { inDeclaredOrder } from './outputs.ts';

interface EventBase {
  /** The commit this event is a view of. */
  readonly tx: TxId;
  /** Commit time (engine clock, ms). */
  readonly time: number;
  readonly executionId: string;
  /** The rule whose application the commit records. */
  readonly rule: string;
}

/** Typed events of an execution: views of the commits its rule applications made. */
export type WorkflowEvent =
  | (EventBase & { readonly type: 'WorkflowStarted'; readonly workflowId: string; readonly inputs: Json })
  | (EventBase & { readonly type: 'ActivityScheduled'; readonly taskId: string; readonly activityRef: string; readonly step: string; readonly input: Json })
  | (EventBase & { readonly type: 'ActivityStarted'; readonly taskId: string; readonly activityRef: string; readonly attempt: number })
  | (EventBase & { readonly type: 'ActivityCompleted'; readonly taskId: string; readonly activityRef: string; readonly output: Json })
  | (EventBase & {
      readonly type: 'ActivityFailed';
      readonly taskId: string;
      readonly activityRef: string;
      readonly attempt: number;
      readonly error: Json;
      readonly willRetry: boolean;
      readonly retryAt?: number;
    })
  | (EventBase & { readonly type: 'DecisionMade'; readonly step: string; readonly branch: number | null })
  | (EventBase & { readonly type: 'TimerScheduled'; readonly timerId: string; readonly fireAt: number })
  | (EventBase & { readonly type: 'TimerFired'; readonly timerId: string })
  | (EventBase & { readonly type: 'SignalReceived'; readonly waitId: string | null; readonly signalName: string; readonly payload: Json })
  | (EventBase & { readonly type: 'EventReceived'; readonly waitId: string; readonly eventType: string; readonly payload: Json })
  | (EventBase & { readonly type: 'WaitTimedOut'; readonly waitId: string; readonly kind: string; readonly name: string })
  | (EventBase & { readonly type: 'SubworkflowStarted'; readonly callId: string; readonly workflowRef: string; readonly childExecutionId: string })
  | (EventBase & { readonly type: 'SubworkflowCompleted'; readonly callId: string; readonly workflowRef: string; readonly ok: boolean; readonly output: Json; readonly error: Json })
  | (EventBase & { readonly type: 'CompensationStarted'; readonly step: string; readonly error: Json })
  | (EventBase & { readonly type: 'CompensationCompleted'; readonly step: string; readonly compensated: boolean })
  | (EventBase & { readonly type: 'WorkflowCompleted'; readonly outputs: Json })
  | (EventBase & { readonly type: 'WorkflowFailed'; readonly error: Json })
  | (EventBase & { readonly type: 'WorkflowCancelled' })
  | (EventBase & { readonly type: 'WorkflowTimedOut' });

export type WorkflowEventType = WorkflowEvent['type'];

/** What a view reads: `after(id)` is a node as this application left it. */
type View = (c: { store: Store; commit: CommitInfo; meta: ApplicationRecord; base: EventBase; after: (id: string | undefined) => NodeRecord | undefined }) => WorkflowEvent | readonly WorkflowEvent[] | undefined;

const nodeAt = (store: Store, tx: TxId, id: string | undefined) => (id === undefined ? undefined : store.at(tx).getNode(id));
const str = (v: Json | undefined): string => (typeof v === 'string' ? v : '');

const events = (...xs: (WorkflowEvent | undefined)[]): WorkflowEvent[] => xs.filter((e): e is WorkflowEvent => e !== undefined);

/** ActivityStarted, carried by the commit of the attempt's outcome (timed at the attempt's start). */
function started(meta: ApplicationRecord, base: EventBase, activityRef: string): WorkflowEvent | undefined {
  const at = meta.params.started_at;
  if (typeof at !== 'number') return undefined;
  return { ...base, time: at, type: 'ActivityStarted', taskId: meta.match.k, activityRef, attempt: meta.params.attempt as number };
}

/** ActivityScheduled: the Task the application created (`k`), as it made it. */
const scheduled: View = ({ meta, base, after }) => {
  const k = after(meta.created.k);
  return { ...base, type: 'ActivityScheduled', taskId: meta.created.k, activityRef: str(k?.props.activity_ref), step: str(k?.props.step), input: k?.props.input ?? null };
};

/** Rule name -> event view; rules without an entry (token moves) make no typed event. */
const VIEWS: { readonly [rule: string]: View } = {
  // Every later application of the commit matches the Execution, and none changes its workflow_id.
  'execution.start': ({ meta, base, store, commit }) => ({
    ...base,
    type: 'WorkflowStarted',
    workflowId: str(nodeAt(store, commit.tx, meta.created.e)?.props.workflow_id),
    inputs: meta.params.inputs ?? null,
  }),
  'activity.schedule': scheduled,
  // A saga's compensate activity (per-activity compensation) is a Task too.
  'saga.undo': scheduled,
  'activity.complete': ({ meta, base, store, commit }) => {
    const ref = str(nodeAt(store, commit.parentTx, meta.match.k)?.props.activity_ref);
    return events(started(meta, base, ref), { ...base, type: 'ActivityCompleted', taskId: meta.match.k, activityRef: ref, output: meta.params.output ?? null });
  },
  'activity.retry_wait': ({ meta, base, after }) => {
    const ref = str(after(meta.match.k)?.props.activity_ref);
    return events(
      started(meta, base, ref),
      { ...base, type: 'ActivityFailed', taskId: meta.match.k, activityRef: ref, attempt: meta.params.attempt as number, error: meta.params.error ?? null, willRetry: true, retryAt: meta.params.retry_at as number },
    );
  },
  'activity.fail': ({ meta, base, store, commit }) => {
    const ref = str(nodeAt(store, commit.parentTx, meta.match.k)?.props.activity_ref);
    return events(
      started(meta, base, ref),
      { ...base, type: 'ActivityFailed', taskId: meta.match.k, activityRef: ref, attempt: meta.params.attempt as number, error: meta.params.error ?? null, willRetry: false },
    );
  },
  // A BRANCH edge is part of the program graph, which never changes.
  'decision.choose': ({ meta, base, store, commit }) => ({ ...base, type: 'DecisionMade', step: meta.match.s, branch: (store.at(commit.tx).getEdge(meta.match.br)?.props.index as number) ?? null }),
  'decision.skip': ({ meta, base }) => ({ ...base, type: 'DecisionMade', step: meta.match.s, branch: null }),
  'wait.timer': ({ meta, base, after }) => ({
    ...base,
    type: 'TimerScheduled',
    timerId: meta.created.x,
    fireAt: after(meta.created.x)?.props.fire_at as number,
  }),
  'timer.fire': ({ meta, base }) => ({ ...base, type: 'TimerFired', timerId: meta.match.x }),
  'wait.receive': ({ meta, base, store, commit }) => {
    const x = nodeAt(store, commit.parentTx, meta.match.x);
    const payload = meta.params.payload ?? null;
    return x?.props.kind === 'signal'
      ? { ...base, type: 'SignalReceived', waitId: meta.match.x, signalName: str(x?.props.name), payload }
      : { ...base, type: 'EventReceived', waitId: meta.match.x, eventType: str(x?.props.name), payload };
  },
  'signal.buffer': ({ meta, base }) => ({ ...base, type: 'SignalReceived', waitId: null, signalName: str(meta.params.name), payload: meta.params.payload ?? null }),
  'wait.timeout': ({ meta, base, store, commit }) => {
    const x = nodeAt(store, commit.parentTx, meta.match.x);
    return { ...base, type: 'WaitTimedOut', waitId: meta.match.x, kind: str(x?.props.kind), name: str(x?.props.name) };
  },
  'subworkflow.started': ({ meta, base, after }) => ({
    ...base,
    type: 'SubworkflowStarted',
    callId: meta.match.x,
    workflowRef: str(after(meta.match.x)?.props.workflow_ref),
    childExecutionId: str(meta.params.child),
  }),
  'subworkflow.complete': ({ meta, base, store, commit }) => ({
    ...base,
    type: 'SubworkflowCompleted',
    callId: meta.match.x,
    workflowRef: str(nodeAt(store, commit.parentTx, meta.match.x)?.props.workflow_ref),
    ok: true,
    output: meta.params.output ?? null,
    error: null,
  }),
  'subworkflow.fail': ({ meta, base, store, commit }) => ({
    ...base,
    type: 'SubworkflowCompleted',
    callId: meta.match.x,
    workflowRef: str(nodeAt(store, commit.parentTx, meta.match.x)?.props.workflow_ref),
    ok: false,
    output: null,
    error: meta.params.error ?? null,
  }),
  'saga.main_failed': ({ meta, base, after }) => ({
    ...base,
    type: 'CompensationStarted',
    step: meta.match.ps,
    error: after(meta.match.p)?.props.error ?? null,
  }),
  // A saga cancelled with the step around it compensates too (saga.cancelled).
  'saga.cancelled': ({ meta, base, after }) => ({
    ...base,
    type: 'CompensationStarted',
    step: meta.match.ps,
    error: after(meta.match.s)?.props.error ?? null,
  }),
  'saga.compensation_done': ({ meta, base }) => ({ ...base, type: 'CompensationCompleted', step: meta.match.ps, compensated: true }),
  'saga.compensation_failed': ({ meta, base }) => ({ ...base, type: 'CompensationCompleted', step: meta.match.ps, compensated: false }),
  // A compensate activity that failed ends the saga's compensation too.
  'saga.undo_failed': ({ meta, base }) => ({ ...base, type: 'CompensationCompleted', step: meta.match.ps, compensated: false }),
  'execution.complete': ({ meta, base, after }) => {
    const e = after(meta.match.e);
    if (e?.props.status === 'cancelled') return { ...base, type: 'WorkflowCancelled' };
    return { ...base, type: 'WorkflowCompleted', outputs: e?.props.outputs === undefined ? null : inDeclaredOrder(e.props.outputs, e.props.output_spec) };
  },
  'execution.fail': ({ meta, base, after }) => {
    const e = after(meta.match.e);
    // A cancel that let the sagas compensate ends here too.
    return e?.props.status === 'cancelled' ? { ...base, type: 'WorkflowCancelled' } : { ...base, type: 'WorkflowFailed', error: e?.props.error ?? null };
  },
  'execution.cancel': ({ base }) => ({ ...base, type: 'WorkflowCancelled' }),
  'execution.timeout': ({ base }) => ({ ...base, type: 'WorkflowTimedOut' }),
  // The sagas' CompensationStarted events follow from saga.main_failed.
  'execution.timeout_saga': ({ base }) => ({ ...base, type: 'WorkflowTimedOut' }),
  // The execution's WorkflowCancelled event follows, once its sagas have compensated (execution.fail).
  'execution.cancel_saga': () => undefined,
};

/**
 * The typed events a commit stands for, one per rule application that has a
 * view (token moves have none). Each view reads the elements it consumed at
 * the commit's parent, and the ones it made or changed as its application
 * left them: at the commit, unless a later application of the same commit
 * matched them (changed or dropped them); then, given the rules, by applying
 * the commit's applications again, up to this one, on a scratch transaction
 * over the parent (`Store.scratch`). Without the rules such a read falls back
 * to the commit.
 */
export function eventsOf(store: Store, commit: CommitInfo, rules?: ReadonlyMap<string, Rule>): WorkflowEvent[] {
  const meta = commit.meta as unknown as StepMeta | null;
  if (meta === null || typeof meta !== 'object' || typeof meta.execution !== 'string' || !Array.isArray(meta.applications)) return [];
  const apps = meta.applications;
  let atCommit: GraphView | undefined;
  let scratch: { tx: Transaction; applied: number; failed: boolean } | undefined;
  /** The graph after applications 0..i, or undefined if they do not apply again. */
  const stateAfter = (i: number): GraphView | undefined => {
    if (rules === undefined) return undefined;
    scratch ??= { tx: store.scratch(commit.parentTx), applied: 0, failed: false };
    for (; !scratch.failed && scratch.applied <= i; scratch.applied++) {
      const rec = apps[scratch.applied];
      const rule = rules.get(rec.rule);
      try {
        if (rule === undefined || applyInTx(scratch.tx, rule, { params: rec.params, match: rec.match, created: rec.created }) === undefined) scratch.failed = true;
      } catch {
        scratch.failed = true;
      }
    }
    return scratch.failed ? undefined : scratch.tx;
  };
  const out: WorkflowEvent[] = [];
  for (let i = 0; i < apps.length; i++) {
    const app = apps[i];
    const view = VIEWS[app.rule];
    if (view === undefined) continue;
    const after = (id: string | undefined): NodeRecord | undefined => {
      if (id === undefined) return undefined;
      let later = false;
      for (let j = i + 1; j < apps.length && !later; j++) for (const k in apps[j].match) if (apps[j].match[k] === id) later = true;
      if (later) {
        const s = stateAfter(i);
        if (s !== undefined) return s.getNode(id);
      }
      return (atCommit ??= store.at(commit.tx)).getNode(id);
    };
    const ev = view({ store, commit, meta: app, base: { tx: commit.tx, time: commit.time, executionId: meta.execution, rule: app.rule }, after });
    if (Array.isArray(ev)) out.push(...(ev as readonly WorkflowEvent[]));
    else if (ev !== undefined) out.push(ev as WorkflowEvent);
  }
  scratch?.tx.abort();
  return out;
}
