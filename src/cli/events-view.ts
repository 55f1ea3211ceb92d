import type { ExecutionSnapshot, WorkflowEvent } from '../workflow/index.ts';
import { cellText, formatElapsed, toJson } from './format.ts';

/** One line of detail per event type (the `--json` form has every field). */
export function eventDetail(e: WorkflowEvent): string {
  switch (e.type) {
    case 'WorkflowStarted':
      return `${e.workflowId} inputs=${toJson(e.inputs)}`;
    case 'ActivityScheduled':
      return `${e.activityRef} task=${e.taskId}`;
    case 'ActivityStarted':
      return `${e.activityRef} attempt ${e.attempt}`;
    case 'ActivityCompleted':
      return `${e.activityRef} output=${toJson(e.output)}`;
    case 'ActivityFailed':
      return `${e.activityRef} attempt ${e.attempt}: ${errorText(e.error)}${e.willRetry ? ' (will retry)' : ''}`;
    case 'DecisionMade':
      return `branch ${e.branch === null ? 'none' : e.branch} at ${shortStep(e.step)}`;
    case 'TimerScheduled':
      return `${e.timerId} fires at ${new Date(e.fireAt).toISOString()}`;
    case 'TimerFired':
      return e.timerId;
    case 'SignalReceived':
      return `${e.signalName} payload=${toJson(e.payload)}${e.waitId === null ? ' (buffered)' : ''}`;
    case 'EventReceived':
      return `${e.eventType} payload=${toJson(e.payload)}`;
    case 'WaitTimedOut':
      return `${e.kind} ${e.name}`;
    case 'SubworkflowStarted':
      return `${e.workflowRef} child=${e.childExecutionId}`;
    case 'SubworkflowCompleted':
      return `${e.workflowRef} ${e.ok ? `output=${toJson(e.output)}` : `error: ${errorText(e.error)}`}`;
    case 'CompensationStarted':
      return `at ${shortStep(e.step)} after ${errorText(e.error)}`;
    case 'CompensationCompleted':
      return e.compensated ? 'compensated' : 'not compensated';
    case 'WorkflowCompleted':
      return `outputs=${toJson(e.outputs)}`;
    case 'WorkflowFailed':
      return errorText(e.error);
    case 'WorkflowCancelled':
    case 'WorkflowTimedOut':
      return '';
  }
}

export function errorText(error: unknown): string {
  if (error !== null && typeof error === 'object' && 'code' in error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return `${cellText(code)}${typeof message === 'string' ? ` ${message}` : ''}`;
  }
  return cellText(error);
}

/** `step:wf@1:strategy.main_flow.strategies[1]` -> `strategy.main_flow.strategies[1]`. */
export function shortStep(step: string): string {
  const i = step.lastIndexOf(':');
  return i < 0 ? step : step.slice(i + 1);
}

/** History as table columns and rows: tx, time since start, event, detail. */
export function historyRows(events: readonly WorkflowEvent[]): { columns: string[]; rows: string[][] } {
  const t0 = events[0]?.time ?? 0;
  return {
    columns: ['tx', '+time', 'event', 'detail'],
    rows: events.map((e) => [String(e.tx), formatElapsed(e.time - t0), e.type, eventDetail(e)]),
  };
}

/** What an execution is doing, derived from its events and tokens (for progress and `status`). */
export interface ActivitySummary {
  readonly scheduled: number;
  readonly running: string[];
  readonly done: number;
  readonly retries: number;
  readonly failed: number;
  /** Tasks the graph dropped without an outcome (a cancelled or losing branch, a compensation). */
  readonly cancelled: number;
}

/** `exists(taskId)`: whether the Task is still in the graph; an open one that is not was dropped. */
export function activitySummary(events: readonly WorkflowEvent[], exists: (taskId: string) => boolean): ActivitySummary {
  const open = new Map<string, string>();
  let scheduled = 0;
  let done = 0;
  let retries = 0;
  let failed = 0;
  for (const e of events) {
    if (e.type === 'ActivityScheduled') {
      scheduled++;
      open.set(e.taskId, e.activityRef);
    } else if (e.type === 'ActivityCompleted') {
      done++;
      open.delete(e.taskId);
    } else if (e.type === 'ActivityFailed') {
      if (e.willRetry) retries++;
      else {
        failed++;
        open.delete(e.taskId);
      }
    }
  }
  const running: string[] = [];
  let cancelled = 0;
  for (const [task, ref] of open) {
    if (exists(task)) running.push(ref);
    else cancelled++;
  }
  return { scheduled, running, done, retries, failed, cancelled };
}

/** Current steps of the live tokens: the leaves (document paths, or Step ids with `ids`), sorted, without duplicates. */
export function currentSteps(s: ExecutionSnapshot, ids = false): string[] {
  const steps = [...new Set(s.tokens.map((t) => t.step))];
  // a step whose path prefixes another is its ancestor: show the leaves
  const leaves = steps.filter((p) => !steps.some((q) => q !== p && q.startsWith(p))).sort();
  return ids ? leaves : leaves.map(shortStep);
}

/** A short name for a Step node: its step name (activity_ref, workflow_ref), else its op (`wait timer`). */
export function stepLabel(view: { getNode(id: string): { readonly props: { readonly [k: string]: unknown } } | undefined }, stepId: string): string {
  const p = view.getNode(stepId)?.props;
  if (p === undefined) return shortStep(stepId);
  if (typeof p.name === 'string') return p.name;
  if (p.op === 'wait') return `wait ${String(p.wait)}${typeof p.signal_name === 'string' ? ` ${p.signal_name}` : typeof p.event_type === 'string' ? ` ${p.event_type}` : ''}`;
  return String(p.op);
}

type NodeReader = Parameters<typeof stepLabel>[0];

/** `wait event review_completed (strategy.strategies[1]...)`, for each leaf step of the live tokens; `-` when none. */
export function describeSteps(view: NodeReader, s: ExecutionSnapshot): string {
  return currentSteps(s, true).map((st) => `${stepLabel(view, st)} (${shortStep(st)})`).join(', ') || '-';
}
