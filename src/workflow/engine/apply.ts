/**
 * The one place where the engine applies rules: an adapter over src/rules
 * (`defineRule`, `findApplicable`, `applyInTx`).
 *
 * One *step* = one rule application for an external fact (or the start of an
 * execution) followed by the internal rules it enables, applied until none
 * applies, all in one transaction. The commit's meta records, for every
 * application in order, the rule, its match, the created ids, the parameters
 * (the external data consumed) and the execution-data patches it made.
 */
import type { CommitInfo, Json, Store, Transaction } from '../../graph/index.ts';
import { applyInTx, defineRule } from '../../rules/index.ts';
import type { Application, Params, Rule, RuleDef } from '../../rules/index.ts';
import { endPatches, startPatches } from '../compiler/execution-data.ts';
import type { DataPatch } from '../compiler/execution-data.ts';

export type { Rule };

/** One rule application as a commit records it. */
export interface ApplicationRecord {
  readonly rule: string;
  readonly match: Record<string, string>;
  readonly created: Record<string, string>;
  readonly params: Params;
  readonly patches: readonly DataPatch[];
}

/** The meta of a commit made by the engine for one execution. */
export interface StepMeta {
  readonly execution: string;
  readonly applications: readonly ApplicationRecord[];
}

/**
 * An engine rule. Its created elements' ids start with the initials of its
 * name (`execution.start` -> `es:6.0:2`, `activity.schedule` -> `as:6.2:3`):
 * the ids fill every match and op of the log, and the rule's full name made
 * them a third of it. Initials may repeat across rules; ids stay unique (the
 * TxId and the application's index tell applications apart).
 */
export function compileRule(def: RuleDef): Rule {
  return defineRule(def.idPrefix === undefined ? { ...def, idPrefix: initials(def.name) } : def);
}

function initials(name: string): string {
  return name
    .split(/[._]/)
    .map((w) => w.charAt(0))
    .join('');
}

/** Parameters of a rule that takes none (shared: frozen, like every commit meta). */
export const NO_PARAMS: Params = Object.freeze({});
const NONE_CREATED: Record<string, string> = Object.freeze({});
const NO_PATCHES: readonly DataPatch[] = Object.freeze([]);

function isEmpty(o: object): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return false;
  return true;
}

/** Applies `rule` once inside `tx` at the first match agreeing with `bindings`. */
export function applyOnce(tx: Transaction, rule: Rule, bindings: Record<string, string>, params: Params, out: ApplicationRecord[]): ApplicationRecord | undefined {
  // A binding to a node that is gone (a stale fact) has no match: the search finds none.
  const patches: DataPatch[] = [];
  const prev = startPatches(patches);
  let app: Application | undefined;
  try {
    app = applyInTx(tx, rule, { params, bindings });
  } finally {
    endPatches(prev);
  }
  if (app === undefined) return undefined;
  // Empty parts are one shared frozen value: a commit's meta is kept for every commit.
  const rec: ApplicationRecord = {
    rule: app.rule,
    match: app.match,
    created: isEmpty(app.created) ? NONE_CREATED : app.created,
    params: isEmpty(app.params) ? NO_PARAMS : app.params,
    patches: patches.length === 0 ? NO_PATCHES : patches,
  };
  out.push(rec);
  return rec;
}

/**
 * Runs one step: `first` (a fact rule) and then `cascade` (which applies the
 * internal rules through `applyOnce`) in one transaction. Nothing is committed
 * when `first` does not apply.
 */
export function runStep(
  store: Store,
  first: { rule: Rule; bindings: Record<string, string>; params: Params },
  execution: (first: ApplicationRecord) => string,
  cascade: (tx: Transaction, execution: string, out: ApplicationRecord[]) => void,
): { meta: StepMeta; commit: CommitInfo } | undefined {
  // Snapshot isolation: the engine begins and commits a step in one synchronous
  // call, so no commit can come in between and recording reads would buy nothing.
  // The meta is built here for this commit only: the store adopts it rather than copy it.
  const tx = store.begin({ isolation: 'snapshot', adoptMeta: true });
  try {
    const out: ApplicationRecord[] = [];
    const rec = applyOnce(tx, first.rule, first.bindings, first.params, out);
    if (rec === undefined) {
      tx.abort();
      return undefined;
    }
    const exec = execution(rec);
    cascade(tx, exec, out);
    const meta: StepMeta = { execution: exec, applications: out };
    return { meta, commit: tx.commit(meta as unknown as Json) };
  } catch (e) {
    if (tx.isOpen) tx.abort();
    throw e;
  }
}
