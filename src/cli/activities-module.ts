import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { ActivityRegistry } from '../workflow/index.ts';
import { walkStrategies } from '../workflow/ir/index.ts';
import type { Predicate, Strategy, WorkflowIR } from '../workflow/index.ts';
import { complexWorkflowActivities, orderProcessingActivities, simpleSequenceActivities } from '../../examples/activities/index.ts';
import { CliError } from './errors.ts';

/** What `--activities <module>` provides. */
export interface ActivitySet {
  readonly registry: ActivityRegistry;
  readonly predicates: Readonly<Record<string, Predicate>>;
  /** Where it came from, for messages. */
  readonly source: string;
}

/** The example activities of the three reference workflows (examples/activities), used when `--activities` is absent. */
export function exampleActivities(): ActivitySet {
  const registry = new ActivityRegistry();
  const complex = complexWorkflowActivities();
  for (const r of [simpleSequenceActivities().registry, orderProcessingActivities().registry, complex.registry]) {
    for (const name of r.list()) if (!registry.has(name)) registry.register(r.get(name));
  }
  return { registry, predicates: complex.predicates, source: 'examples/activities' };
}

const isRegistry = (x: unknown): x is ActivityRegistry =>
  x instanceof ActivityRegistry || (typeof x === 'object' && x !== null && ['has', 'get', 'list', 'register'].every((k) => typeof (x as Record<string, unknown>)[k] === 'function'));

/**
 * Loads an activities module. It exports (as `default` or `activities`) an
 * ActivityRegistry, an object `{ registry, predicates? }`, or a function
 * (possibly async) returning either; a separate `predicates` export is merged.
 */
export async function loadActivities(spec: string): Promise<ActivitySet> {
  const path = resolve(spec);
  if (!existsSync(path)) throw new CliError('BAD_ACTIVITIES_MODULE', `--activities ${spec}: no such file`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    // One line; a compiler's header ("Transform failed with 1 error:") is followed by the error itself (file:line:column).
    const lines = (e as Error).message.split('\n').filter((l) => l.trim() !== '');
    const why = lines.length > 1 && lines[0].endsWith(':') ? `${lines[0]} ${lines[1].trim()}` : (lines[0] ?? String(e));
    const hint = /require\(\) ES Module|Cannot use import statement|exports is not defined/.test(why) ? ' (an ES module outside a "type": "module" package must be named .mts or .mjs)' : '';
    throw new CliError('BAD_ACTIVITIES_MODULE', `--activities ${spec}: the module failed to load: ${why}${hint}`, { cause: e });
  }
  let value: unknown = mod.default ?? mod.activities;
  if (typeof value === 'function' && !isRegistry(value)) value = await (value as () => unknown)();
  let registry: ActivityRegistry | undefined;
  let predicates: Record<string, Predicate> = {};
  if (isRegistry(value)) registry = value;
  else if (typeof value === 'object' && value !== null && isRegistry((value as { registry?: unknown }).registry)) {
    registry = (value as { registry: ActivityRegistry }).registry;
    predicates = { ...((value as { predicates?: Record<string, Predicate> }).predicates ?? {}) };
  }
  if (registry === undefined) {
    throw new CliError('BAD_ACTIVITIES_MODULE', `--activities ${spec}: the module exports no activities (expected a default or "activities" export: an ActivityRegistry, { registry, predicates? }, or a function returning one)`);
  }
  if (typeof mod.predicates === 'object' && mod.predicates !== null) predicates = { ...(mod.predicates as Record<string, Predicate>), ...predicates };
  return { registry, predicates, source: spec };
}

/** Every `activity_ref` (and per-activity `compensate`) of the workflow must be registered: checked before anything runs. */
export function checkActivities(ir: WorkflowIR, set: ActivitySet, file: string): void {
  const missing: string[] = [];
  walkStrategies(ir.strategy, (s: Strategy, path) => {
    if (s.op !== 'activity') return;
    const refs: [string, string][] = [['activity_ref', s.activity_ref]];
    if (s.compensate !== undefined) refs.push(['compensate', s.compensate]);
    for (const [field, ref] of refs) {
      if (!set.registry.has(ref)) missing.push(`${formatPath(path)}.${field}: no activity "${ref}" is registered`);
    }
  });
  if (missing.length > 0) {
    const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : '';
    throw new CliError('UNKNOWN_ACTIVITY', `${file}: ${missing[0]}${more} in ${set.source}; pass --activities <module>`);
  }
}

function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}
