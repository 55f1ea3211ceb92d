import type { Json, NodeRecord, Props } from '../../graph/index.ts';
import type { ExecutionData } from '../ir/expression.ts';


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

/**
 * `collectPatches` without a closure, for the engine's hot path: patches go to
 * `into` until `endPatches(previous)` (call it in a `finally`).
 */
export function startPatches(into: DataPatch[]): DataPatch[] | null {
  const prev = sink;
  sink = into;
  return prev;
}

export function endPatches(previous: DataPatch[] | null): void {
  sink = previous;
}

/** The data keys of an Execution node that `updateData` manages. */
export const DATA_KEYS = ['steps', 'vars', 'outputs', 'compensations'] as const;
export type DataKey = (typeof DATA_KEYS)[number];
type MapKey = Exclude<DataKey, 'compensations'>;

/**
 * What an update recipe writes with: `set` a key of `steps`, `vars` or
 * `outputs`, `push` onto `compensations`. Reads (`steps`, `vars`) see the
 * data as it was before the update.
 */
export interface DataWriter {
  readonly steps: Readonly<Record<string, unknown>>;
  readonly vars: Readonly<Record<string, unknown>>;
  set(key: MapKey, name: string, value: unknown): void;
  push(key: 'compensations', value: unknown): void;
}

/**
 * The update of one application. Its patches are exactly the ones immer's
 * `produceWithPatches` (immer 11) made for the same accesses and writes: logs
 * recorded those, and replay compares patches. Per data key, latest first
 * access (read or write) first: a map's assigned names in first-assignment
 * order, `add` for a new name and `replace` for an existing one (none when
 * the value ends up the same), or an array's appended items as `add` at
 * their index. A write of the value a name already has is no write.
 * (test/workflow/engine/execution-data.property.test.ts holds it to immer.)
 */
class Update implements DataWriter {
  private readonly base: Record<DataKey, unknown>;
  /** Data keys in the order of their first access. */
  private readonly order: DataKey[] = [];
  /** Copies of the maps written, with the names assigned, in order. */
  private readonly maps: { [K in MapKey]?: { copy: Record<string, unknown>; assigned: Set<string> } } = {};
  private pushed: unknown[] | undefined = undefined;

  constructor(p: Props) {
    this.base = { steps: p.steps ?? {}, vars: p.vars ?? {}, outputs: p.outputs ?? {}, compensations: p.compensations ?? [] };
  }

  get steps(): Readonly<Record<string, unknown>> {
    this.touch('steps');
    return this.base.steps as Record<string, unknown>;
  }

  get vars(): Readonly<Record<string, unknown>> {
    this.touch('vars');
    return this.base.vars as Record<string, unknown>;
  }

  private touch(key: DataKey): void {
    if (!this.order.includes(key)) this.order.push(key);
  }

  set(key: MapKey, name: string, value: unknown): void {
    this.touch(key);
    let m = this.maps[key];
    if (m === undefined) {
      const base = this.base[key] as Record<string, unknown>;
      // The value a name has already: no write (immer makes no copy and no patch).
      if (Object.is(value, base[name]) && (value !== undefined || Object.prototype.hasOwnProperty.call(base, name))) return;
      m = this.maps[key] = { copy: { ...base }, assigned: new Set() };
    }
    const copy = m.copy;
    if (copy[name] === value && (value !== undefined || Object.prototype.hasOwnProperty.call(copy, name))) return;
    copy[name] = value;
    m.assigned.add(name);
  }

  push(key: 'compensations', value: unknown): void {
    this.touch(key);
    (this.pushed ??= []).push(value);
  }

  /** The new data (the base itself when nothing changed) and the patches. */
  finish(): { next: Record<DataKey, Json>; patches: DataPatch[] } {
    const patches: DataPatch[] = [];
    let next: Record<DataKey, unknown> | undefined;
    for (let i = this.order.length - 1; i >= 0; i--) {
      const key = this.order[i];
      if (key === 'compensations') {
        if (this.pushed === undefined) continue;
        const base = this.base.compensations as unknown[];
        for (let j = 0; j < this.pushed.length; j++) patches.push({ op: 'add', path: ['compensations', base.length + j], value: this.pushed[j] as Json });
        (next ??= { ...this.base }).compensations = Object.freeze(base.concat(this.pushed));
        continue;
      }
      const m = this.maps[key];
      if (m === undefined) continue;
      const base = this.base[key] as Record<string, unknown>;
      for (const name of m.assigned) {
        const has = Object.prototype.hasOwnProperty.call(base, name);
        const value = m.copy[name];
        if (has && base[name] === value) continue;
        const op = has ? 'replace' : 'add';
        patches.push(value === undefined ? { op, path: [key, name] } : { op, path: [key, name], value: value as Json });
      }
      (next ??= { ...this.base })[key] = Object.freeze(m.copy);
    }
    return { next: (next ?? this.base) as Record<DataKey, Json>, patches };
  }
}

/**
 * Applies `recipe` to an Execution node's data, records the patches (paths
 * start with `steps`, `vars`, `outputs` or `compensations`) and returns the
 * new values (unchanged ones are the node's own).
 */
export function updateData(exec: NodeRecord, recipe: (d: DataWriter) => void): Record<DataKey, Json> {
  const u = new Update(exec.props);
  recipe(u);
  const { next, patches } = u.finish();
  recordPatches(patches);
  return next;
}

/** Records `patches` as the current application's (patches an `updateData` made earlier, kept aside). */
export function recordPatches(patches: readonly DataPatch[]): void {
  if (sink !== null) for (const p of patches) sink.push(p);
}

/** What mappings and expressions read: `{inputs, steps, vars}` of an Execution node. */
export function executionData(exec: NodeRecord): ExecutionData {
  return { inputs: exec.props.inputs ?? {}, steps: exec.props.steps ?? {}, vars: exec.props.vars ?? {} };
}

/**
 * A per-(Execution props, key) cache: props objects are frozen and replaced on
 * every update, so their identity is a safe cache key for derived values.
 * Only the props objects seen last are remembered: a value is asked for again
 * within the same step (a guard and an assignment, two rules trying one
 * token), not once the execution has moved on. (A WeakMap over every props
 * object would keep an entry alive for each version the store retains, and
 * the collector traces such entries as ephemerons.)
 */
const MEMO_SIZE = 4;

export class PropsMemo<T> {
  private readonly keys: (object | undefined)[] = new Array(MEMO_SIZE).fill(undefined);
  private readonly maps: (Map<string, T> | undefined)[] = new Array(MEMO_SIZE).fill(undefined);
  private next = 0;

  get(props: object, key: string, compute: () => T): T {
    let m: Map<string, T> | undefined;
    for (let i = 0; i < MEMO_SIZE; i++) {
      if (this.keys[i] === props) {
        m = this.maps[i];
        break;
      }
    }
    if (m === undefined) {
      m = new Map();
      this.keys[this.next] = props;
      this.maps[this.next] = m;
      this.next = (this.next + 1) % MEMO_SIZE;
    }
    let v = m.get(key);
    if (v === undefined && !m.has(key)) {
      v = compute();
      m.set(key, v);
    }
    return v as T;
  }
}
