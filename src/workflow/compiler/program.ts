import type { Json, Props } from '../../graph/index.ts';
import { parseDuration } from '../ir/duration.ts';
import type { RetryPolicy as IrRetryPolicy, Strategy, WorkflowIR } from '../ir/types.ts';
import { childStrategies, stepName } from '../ir/walk.ts';
import type { DocPath } from '../ir/walk.ts';
import type { RetryPolicy } from '../retry.ts';

/** A node of the program graph, ready to be added to a transaction. */
export interface ProgramNode {
  readonly id: string;
  readonly labels: readonly string[];
  readonly props: Props;
}

export interface ProgramEdge {
  readonly id: string;
  readonly type: ProgramEdgeType;
  readonly src: string;
  readonly dst: string;
  readonly props: Props;
}

/** Edge types of the program graph (docs/execution-graph.md). */
export type ProgramEdgeType = 'ROOT' | 'FIRST' | 'NEXT' | 'BRANCH' | 'MAIN' | 'COMPENSATION';

/** The program graph of one workflow version: a Workflow node and one Step node per strategy node. */
export interface ProgramGraph {
  /** `${id}@${version}`: what Step nodes carry in `workflow`. */
  readonly key: string;
  readonly workflowNodeId: string;
  readonly nodes: readonly ProgramNode[];
  readonly edges: readonly ProgramEdge[];
}

/** `workflow:<id>@<version>`. */
export function workflowNodeId(key: string): string {
  return `workflow:${key}`;
}

export function workflowKey(ir: Pick<WorkflowIR, 'id' | 'version'>): string {
  return `${ir.id}@${ir.version}`;
}

/** A document path as text: `strategy.main_flow.strategies[2]`. */
export function pathText(path: DocPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

/** The IR's retry policy as the fields it sets, in milliseconds (mergeRetryPolicy's layer form). */
export function retryLayer(p: IrRetryPolicy | undefined): Partial<RetryPolicy> | undefined {
  if (p === undefined) return undefined;
  const out: { -readonly [K in keyof RetryPolicy]?: RetryPolicy[K] } = {};
  if (p.initial_interval !== undefined) out.initialIntervalMs = parseDuration(p.initial_interval);
  if (p.backoff_coefficient !== undefined) out.backoffCoefficient = p.backoff_coefficient;
  if (p.maximum_interval !== undefined) out.maximumIntervalMs = parseDuration(p.maximum_interval);
  // Temporal's 0 means unlimited; Infinity is not JSON, so the graph keeps 0.
  if (p.maximum_attempts !== undefined) out.maximumAttempts = p.maximum_attempts;
  if (p.non_retryable_errors !== undefined) out.nonRetryableErrors = [...p.non_retryable_errors];
  return out;
}

/** Reads a retry layer back from a Step or Workflow property (0 attempts = unlimited). */
export function retryLayerFromProps(v: Json | undefined): Partial<RetryPolicy> | undefined {
  if (v === undefined || v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const p = v as Partial<RetryPolicy>;
  return p.maximumAttempts === 0 ? { ...p, maximumAttempts: Infinity } : p;
}

function put(out: Record<string, Json>, key: string, v: unknown): void {
  if (v !== undefined) out[key] = v as Json;
}

function stepProps(key: string, s: Strategy, path: DocPath): Props {
  const p: Record<string, Json> = { workflow: key, op: s.op, path: pathText(path), name: stepName(s) ?? null };
  switch (s.op) {
    case 'seq':
      p.children = s.strategies.length;
      break;
    case 'parallel': {
      const n = s.branches.length;
      p.completion = s.completion_condition;
      p.branches = n;
      p.need = s.completion_condition === 'all' ? n : s.completion_condition === 'any' ? 1 : (s.count ?? n);
      break;
    }
    case 'decision':
      p.conditions = s.conditions.map((c) => c.condition);
      p.has_default = s.default_branch !== undefined;
      break;
    case 'wait':
      p.wait = s.condition.type;
      if (s.condition.type === 'timer') p.duration_ms = parseDuration(s.condition.duration);
      if (s.condition.type === 'signal') p.signal_name = s.condition.signal_name;
      if (s.condition.type === 'event') {
        p.event_type = s.condition.event_type;
        put(p, 'filter', s.condition.filter);
      }
      if (s.timeout !== undefined) p.timeout_ms = parseDuration(s.timeout);
      break;
    case 'saga':
      break;
    case 'activity':
      p.activity_ref = s.activity_ref;
      put(p, 'input_mapping', s.input_mapping);
      put(p, 'output_mapping', s.output_mapping);
      if (s.timeout !== undefined) p.timeout_ms = parseDuration(s.timeout);
      put(p, 'retry_policy', retryLayer(s.retry_policy));
      put(p, 'compensate', s.compensate);
      break;
    case 'subworkflow':
      p.workflow_ref = s.workflow_ref;
      put(p, 'input_mapping', s.input_mapping);
      break;
  }
  return p;
}

/**
 * Builds the program graph of a workflow: a `Workflow` node, a `Step` node per
 * strategy node (ids `step:<key>:<document path>`), and the edges that give the
 * structure. Pure; the engine writes it into the store once per version.
 */
export function buildProgramGraph(ir: WorkflowIR): ProgramGraph {
  const key = workflowKey(ir);
  const wid = workflowNodeId(key);
  const nodes: ProgramNode[] = [];
  const edges: ProgramEdge[] = [];
  const wprops: Record<string, Json> = {
    key,
    workflow_id: ir.id,
    version: ir.version,
    name: ir.name,
    inputs: ir.inputs as unknown as Json,
    outputs: ir.outputs as unknown as Json,
  };
  if (ir.timeout !== undefined) wprops.timeout_ms = parseDuration(ir.timeout);
  put(wprops, 'retry_policy', retryLayer(ir.retry_policy));
  nodes.push({ id: wid, labels: ['Workflow'], props: wprops });
  const sid = (path: DocPath): string => `step:${key}:${pathText(path)}`;
  const edge = (type: ProgramEdgeType, src: string, dst: string, props: Props = {}): void => {
    edges.push({ id: `${type}:${src}->${dst}`, type, src, dst, props });
  };
  const visit = (s: Strategy, path: DocPath): string => {
    const id = sid(path);
    nodes.push({ id, labels: ['Step'], props: stepProps(key, s, path) });
    const kids = childStrategies(s).map(([seg, c]) => visit(c, [...path, ...seg]));
    switch (s.op) {
      case 'seq':
        edge('FIRST', id, kids[0]);
        for (let i = 0; i + 1 < kids.length; i++) edge('NEXT', kids[i], kids[i + 1]);
        break;
      case 'parallel':
        kids.forEach((k, i) => edge('BRANCH', id, k, { index: i }));
        break;
      case 'decision':
        s.conditions.forEach((c, i) => edge('BRANCH', id, kids[i], { index: i, condition: c.condition }));
        if (s.default_branch !== undefined) edge('BRANCH', id, kids[s.conditions.length], { index: s.conditions.length, default: true });
        break;
      case 'saga':
        edge('MAIN', id, kids[0]);
        edge('COMPENSATION', id, kids[1]);
        break;
      default:
        break;
    }
    return id;
  };
  const root = visit(ir.strategy, ['strategy']);
  edge('ROOT', wid, root);
  return { key, workflowNodeId: wid, nodes, edges };
}
