import { jsonEqual } from '../../graph/index.ts';
import type { EdgeRecord, GraphView, Json, Props } from '../../graph/index.ts';
import type { ProgramEdge, ProgramGraph, ProgramNode } from '../compiler/program.ts';

const PROGRAM_EDGES = new Set(['ROOT', 'FIRST', 'NEXT', 'BRANCH', 'MAIN', 'COMPENSATION']);

/**
 * How the program graph already in `view` differs from `program` (same key),
 * or undefined when they are the same. Every stored Step is reachable from the
 * Workflow node by program edges, so comparing each new node and its program
 * out-edges with the stored ones compares the whole stored program.
 */
export function programDifference(view: GraphView, program: ProgramGraph): string | undefined {
  const out = new Map<string, ProgramEdge[]>();
  for (const e of program.edges) {
    const list = out.get(e.src);
    if (list === undefined) out.set(e.src, [e]);
    else list.push(e);
  }
  for (const n of program.nodes) {
    const what = describeNode(n);
    const stored = view.getNode(n.id);
    if (stored === undefined) return `${what} is new`;
    if (!jsonEqual(stored.labels as unknown as Json, n.labels as unknown as Json)) return `${what}: labels differ`;
    const props = differingProps(stored.props, n.props);
    if (props.length > 0) return `${what}: ${props.map((k) => `"${k}"`).join(', ')} ${props.length === 1 ? 'differs' : 'differ'}`;
    const want = out.get(n.id) ?? [];
    const have: EdgeRecord[] = [];
    view.forEachIncident(n.id, 'out', undefined, (e) => void (PROGRAM_EDGES.has(e.type) && have.push(e)));
    const same = have.length === want.length && want.every((w) => {
      const h = view.getEdge(w.id);
      return h !== undefined && h.type === w.type && h.src === w.src && h.dst === w.dst && differingProps(h.props, w.props).length === 0;
    });
    if (!same) return `${what}: its structure (child steps) differs`;
  }
  return undefined;
}

function describeNode(n: ProgramNode): string {
  return n.labels.includes('Step') ? `step ${String(n.props.path)}` : 'the workflow node';
}

/** The properties whose values differ (order of keys ignored), sorted. */
function differingProps(a: Props, b: Props): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !jsonEqual(a[k], b[k])).sort();
}
