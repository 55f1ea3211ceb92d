import { enablePatches, produceWithPatches } from 'immer';
import type { Patch } from 'immer';
import type { Json, NodeRecord, Props } from '../../graph/index.ts';
import type { ExecutionData } from '../ir/expression.ts';

enablePatches();

/** One JSON-patch operation (RFC 6902 style, path as segments) recorded in a commit's meta. */
export interface DataPatch {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: readonly (string | number)[];
  readonly value?: Json;
}

let sink: DataPatch[] | null = null;

/**
 * Runs `fn` (one rule application) collecting the execution-data patches that
 * its assignments make; the engine stores them in the commit meta.
 */
export function collectPatches<T>(fn: () => T): { result: T; patches: DataPatch[] } {
  const prev = sink;
  const mine: DataPatch[] = [];
  sink = mine;
  try {
    return { result: fn(), patches: mine };
  } finally {
    sink = prev;
  }
}

function record(patches: readonly Patch[]): void {
  if (sink === null) return;
  for (const p of patches) {
    const out: { op: DataPatch['op']; path: (string | number)[]; value?: Json } = { op: p.op, path: [...p.path] as (string | number)[] };
    if (p.value !== undefined) out.value = p.value as Json;
    sink.push(out);
  }
}

/** The mutable view of execution data that updates are written against. */
export interface DataDraft {
  steps: Record<string, unknown>;
  vars: Record<string, unknown>;
  outputs: Record<string, unknown>;
  compensations: unknown[];
}

/** The data keys of an Execution node that `updateData` manages. */
export const DATA_KEYS = ['steps', 'vars', 'outputs', 'compensations'] as const;
export type DataKey = (typeof DATA_KEYS)[number];

/**
 * Applies `recipe` to an Execution node's data with immer, records the patches
 * (paths start with `steps`, `vars`, `outputs` or `compensations`) and returns the new values.
 */
export function updateData(exec: NodeRecord, recipe: (d: DataDraft) => void): Record<DataKey, Json> {
  const base = dataOf(exec.props);
  const [next, patches] = produceWithPatches(base, recipe as (d: DataDraft) => void);
  record(patches);
  return next as unknown as Record<DataKey, Json>;
}

function dataOf(p: Props): DataDraft {
  return {
    steps: (p.steps ?? {}) as Record<string, unknown>,
    vars: (p.vars ?? {}) as Record<string, unknown>,
    outputs: (p.outputs ?? {}) as Record<string, unknown>,
    compensations: (p.compensations ?? []) as unknown[],
  };
}

/** What mappings and expressions read: `{inputs, steps, vars}` of an Execution node. */
export function executionData(exec: NodeRecord): ExecutionData {
  return { inputs: exec.props.inputs ?? {}, steps: exec.props.steps ?? {}, vars: exec.props.vars ?? {} };
}

/**
 * A per-(Execution props, key) cache: props objects are frozen and replaced on
 * every update, so their identity is a safe cache key for derived values.
 */
export class PropsMemo<T> {
  private readonly map = new WeakMap<object, Map<string, T>>();
  get(props: object, key: string, compute: () => T): T {
    let m = this.map.get(props);
    if (m === undefined) this.map.set(props, (m = new Map()));
    let v = m.get(key);
    if (v === undefined && !m.has(key)) {
      v = compute();
      m.set(key, v);
    }
    return v as T;
  }
}
