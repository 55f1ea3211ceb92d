import { WorkflowRefError, type IrIssue } from './errors.ts';
import { formatPath } from './_internals/path.ts';
import type { WorkflowIR } from './types.ts';
import { walkStrategies } from './walk.ts';

interface Ref {
  readonly target: string;
  readonly path: string;
}

function refsOf(wf: WorkflowIR): Ref[] {
  const out: Ref[] = [];
  walkStrategies(wf.strategy, (s, path) => {
    if (s.op === 'subworkflow') out.push({ target: s.workflow_ref, path: formatPath([...path, 'workflow_ref']) });
  });
  return out;
}

/**
 * Checks the `workflow_ref`s of a set of workflows, keyed by the name a `workflow_ref`
 * uses (normally the workflow `id`). Throws `WorkflowRefError`:
 * - `IR_UNKNOWN_REF` when a reference names no workflow of the map (each issue names
 *   `<workflow key>: <path>`);
 * - `IR_REF_CYCLE` when sub-workflows call each other in a cycle (`a → b → a`), which
 *   would never terminate.
 */
export function checkWorkflowRefs(workflows: ReadonlyMap<string, WorkflowIR>): void {
  const unknown: IrIssue[] = [];
  const graph = new Map<string, Ref[]>();
  for (const [key, wf] of workflows) {
    const refs = refsOf(wf);
    graph.set(key, refs);
    for (const r of refs) {
      if (!workflows.has(r.target)) {
        unknown.push({ path: `${key}: ${r.path}`, message: `unknown workflow "${r.target}"` });
      }
    }
  }
  if (unknown.length > 0) {
    const known = [...workflows.keys()].join(', ') || '(none)';
    throw new WorkflowRefError(
      'IR_UNKNOWN_REF',
      `checkWorkflowRefs: ${unknown.map((i) => `${i.path}: ${i.message}`).join('; ')} (known: ${known})`,
      unknown,
    );
  }

  // DFS with colours; each back edge closes one cycle.
  const state = new Map<string, 'active' | 'done'>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const issues: IrIssue[] = [];
  const seen = new Set<string>();
  const dfs = (key: string): void => {
    state.set(key, 'active');
    path.push(key);
    for (const r of graph.get(key) ?? []) {
      const st = state.get(r.target);
      if (st === 'active') {
        const members = path.slice(path.indexOf(r.target));
        const canon = [...members].sort().join('\u0000');
        if (!seen.has(canon)) {
          seen.add(canon);
          const cycle = [...members, r.target];
          cycles.push(cycle);
          issues.push({ path: `${key}: ${r.path}`, message: `sub-workflow cycle ${cycle.join(' → ')}` });
        }
      } else if (st === undefined) dfs(r.target);
    }
    path.pop();
    state.set(key, 'done');
  };
  for (const key of [...graph.keys()].sort()) if (!state.has(key)) dfs(key);
  if (cycles.length > 0) {
    throw new WorkflowRefError(
      'IR_REF_CYCLE',
      `checkWorkflowRefs: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
      cycles,
    );
  }
}
