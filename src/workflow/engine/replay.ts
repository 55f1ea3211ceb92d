import { Store } from '../../graph/index.ts';
import type { Json, TxId } from '../../graph/index.ts';
import { applyInTx, RuleError } from '../../rules/index.ts';
import { buildRuleSet } from '../compiler/index.ts';
import type { Predicate } from '../compiler/index.ts';
import { collectPatches } from '../compiler/execution-data.ts';
import type { DataPatch } from '../compiler/execution-data.ts';
import { compileRule } from './apply.ts';
import type { Rule, StepMeta } from './apply.ts';
import { RECOVERY_RULES } from './recovery.ts';
import { EngineError } from './errors.ts';

export interface ReplayResult {
  /** The rebuilt store (history up to `upTo`). */
  readonly store: Store;
  /** Commits replayed, each with its root CID checked. */
  readonly verified: number;
}

/**
 * Every rule this build's engines record in a log, by name: what a replay,
 * or an event view that needs a step's state, applies again. Decisions by a
 * registered predicate call `predicates`.
 */
export function logRules(predicates: (name: string) => Predicate | undefined): Map<string, Rule> {
  const set = buildRuleSet({ predicates });
  const m = new Map<string, Rule>();
  for (const def of [...Object.values(set.facts), ...set.internal, ...RECOVERY_RULES]) m.set(def.name, compileRule(def));
  return m;
}

/**
 * Replays a store's log from the start into a fresh store: the rule
 * applications of each engine commit are re-applied in order (each rule at its
 * recorded match with its recorded parameters), other commits (program graphs) are re-played as their
 * recorded operations. Every root CID must equal the recorded one; the first
 * difference throws EngineError DETERMINISM.
 */
export function replayLog(source: Store, rules: ReadonlyMap<string, Rule>, upTo: TxId = source.headTx): ReplayResult {
  let now = 0;
  const store = new Store({ now: () => now });
  let verified = 0;
  for (const c of source.history(1, upTo)) {
    now = c.time;
    const meta = c.meta as unknown as StepMeta | null;
    const tx = store.begin();
    if (meta !== null && typeof meta === 'object' && Array.isArray(meta.applications)) {
      for (const rec of meta.applications) {
        const rule = rules.get(rec.rule);
        if (rule === undefined) throw new EngineError('DETERMINISM', `replayLog: tx ${c.tx}: unknown rule "${rec.rule}"`);
        let applied;
        try {
          // The recorded ids: a log written when ids were made otherwise (before 2026-11-28 they
          // started with the rule's full name) replays as it was.
          applied = collectPatches(() => applyInTx(tx, rule, { params: rec.params, match: rec.match, created: rec.created }));
        } catch (err) {
          tx.abort();
          if (err instanceof RuleError) throw new EngineError('DETERMINISM', `replayLog: tx ${c.tx}: rule "${rec.rule}" does not apply at its recorded match: ${err.message}`, { cause: err });
          throw err;
        }
        const { result: app, patches } = applied;
        if (app === undefined) throw new EngineError('DETERMINISM', `replayLog: tx ${c.tx}: rule "${rec.rule}" no longer applies at its recorded match`);
        // Key order is not compared: a log read back from a durable backend has its maps in canonical (dag-cbor) order.
        if (!sameJson(patches as unknown as Json, rec.patches as unknown as Json) && !earlierOutputsPatches(rec.rule, patches, rec.patches)) throw new EngineError('DETERMINISM', `replayLog: tx ${c.tx}: rule "${rec.rule}" made different data patches`);
      }
    } else {
      for (const op of source.changes(c.tx)) {
        switch (op.op) {
          case 'addNode':
            tx.addNode(op.node.id, op.node.labels, op.node.props);
            break;
          case 'updateNode':
            tx.updateNode(op.node.id, { labels: op.node.labels, props: op.node.props });
            break;
          case 'dropNode':
            tx.dropNode(op.node.id);
            break;
          case 'addEdge':
            tx.addEdge(op.edge.id, op.edge.type, op.edge.src, op.edge.dst, op.edge.props);
            break;
          case 'updateEdge':
            tx.updateEdge(op.edge.id, { props: op.edge.props });
            break;
          case 'dropEdge':
            tx.dropEdge(op.edge.id);
            break;
        }
      }
    }
    const commit = tx.commit(c.meta as Json);
    if (commit.tx !== c.tx || !commit.cid.equals(c.cid)) {
      throw new EngineError('DETERMINISM', `replayLog: tx ${c.tx}: root CID ${commit.cid.toString()} differs from the recorded ${c.cid.toString()}`);
    }
    verified++;
  }
  return { store, verified };
}

/** Deep equality of JSON values, ignoring the order of map keys. */
/**
 * The patches of an application that ended an execution, as builds before
 * 2026-11-28 recorded them: the guard of `execution.complete` and of
 * `execution.outputs_invalid` recorded the declared outputs it filled, so the
 * first logged its outputs patches twice and the second logged outputs it never
 * wrote. The data is held to the log by the root CID check all the same.
 */
function earlierOutputsPatches(rule: string, made: readonly DataPatch[], recorded: readonly DataPatch[] | undefined): boolean {
  if (!Array.isArray(recorded) || !recorded.every((p) => p.path[0] === 'outputs')) return false;
  if (rule === 'execution.complete') return sameJson([...made, ...made] as unknown as Json, recorded as unknown as Json);
  return rule === 'execution.outputs_invalid' && made.length === 0;
}

function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i] as Json, (b as readonly Json[])[i])) return false;
    return true;
  }
  const oa = a as { readonly [k: string]: Json };
  const ob = b as { readonly [k: string]: Json };
  const ka = Object.keys(oa).filter((k) => oa[k] !== undefined);
  const kb = Object.keys(ob).filter((k) => ob[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!(k in ob) || !sameJson(oa[k], ob[k])) return false;
  return true;
}
