import type { ExecutionSnapshot, WorkflowEngine } from '../workflow/index.ts';
import { toJson } from './format.ts';

export interface ReplayReport {
  readonly executionId: string;
  /** Commits re-derived: every commit from tx 1 to `upToTx` (the execution's last), each root CID checked. */
  readonly commits: number;
  readonly upToTx: number;
  readonly cid: string;
  readonly status: string;
  /** The rebuilt execution equals the recorded one (status, outputs, error, data). */
  readonly sameState: boolean;
}

/** Replays the log up to the execution's last commit (throws EngineError DETERMINISM on a root CID that differs). */
export function replayCheck(engine: WorkflowEngine, id: string, recorded: ExecutionSnapshot): ReplayReport {
  const rebuilt = engine.rebuildExecutionFromEvents(id);
  const upToTx = rebuilt.tx;
  const same = canonical(stateOf(rebuilt)) === canonical(stateOf(recorded));
  return { executionId: id, commits: upToTx, upToTx, cid: engine.store.cid(upToTx).toString(), status: rebuilt.status, sameState: same };
}

function stateOf(s: ExecutionSnapshot): unknown {
  return { status: s.status, inputs: s.inputs, steps: s.steps, vars: s.vars, outputs: s.outputs, error: s.error, tokens: s.tokens };
}

export function replayLine(r: ReplayReport): string {
  return `replay ${r.executionId}: ${r.commits} commits (tx 1..${r.upToTx}) re-derived, every root CID matches; root ${r.cid}; rebuilt status ${r.status}${r.sameState ? ', same state' : ', STATE DIFFERS'}`;
}

/** JSON with map keys sorted: a store read back from disk has its maps in canonical (dag-cbor) order. */
function canonical(v: unknown): string {
  return toJson(v, undefined, true);
}
