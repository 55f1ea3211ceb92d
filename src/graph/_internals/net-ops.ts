import type { Op } from '../backend.ts';
import { GraphError } from '../errors.ts';
import { sameLabels, sameProps } from './records.ts';

/** Up to this many ops, an element's earlier op is found by scanning back; beyond, through a map. */
const SCAN = 32;

/**
 * A transaction's ops as the change its commit made: one op per element it
 * touched, in an order that replays. An add followed by updates is one add of
 * the last record; updates in a row are one update from the first record
 * before to the last after; updates ending in a drop are one drop of the
 * record before them, where the drop was (after the drops of its edges); an
 * add ending in a drop is nothing, and so are updates that end as the record
 * began (the same labels, each property the same value by identity). A drop
 * followed by an add of the same id stays a drop and an add (an edge may come
 * back between other nodes).
 *
 * What a commit keeps, logs and reports (`changes`) is this: intermediate
 * records (a token moved through two phases by two rules of one commit) are
 * neither retained nor written.
 */
export function netOps(ops: readonly Op[]): Op[] {
  if (ops.length < 2) return ops.slice();
  const out: (Op | null)[] = [];
  const index = ops.length > SCAN ? { node: new Map<string, number>(), edge: new Map<string, number>() } : undefined;
  let removed = 0;
  for (const op of ops) {
    const node = isNodeOp(op);
    const id = idOf(op);
    const i = index !== undefined ? (node ? index.node : index.edge).get(id) : scan(out, node, id);
    const prev = i === undefined ? null : out[i];
    if (prev === null || prev.op === 'dropNode' || prev.op === 'dropEdge') {
      // First op on this element (or it comes back after a drop): as it is.
      if (index !== undefined) (node ? index.node : index.edge).set(id, out.length);
      out.push(op);
      continue;
    }
    const at = i!;
    switch (op.op) {
      case 'updateNode': {
        if (prev.op === 'addNode') {
          out[at] = { op: 'addNode', node: op.node };
          break;
        }
        const before = (prev as { before: typeof op.before }).before;
        // Updates that end where they began (a property set and then set back) are no change at all.
        if (!sameLabels(before.labels, op.node.labels) || !sameProps(before.props, op.node.props)) out[at] = { op: 'updateNode', before, node: op.node };
        else removed += forget(out, at, index?.node, id);
        break;
      }
      case 'updateEdge': {
        if (prev.op === 'addEdge') {
          out[at] = { op: 'addEdge', edge: op.edge };
          break;
        }
        const before = (prev as { before: typeof op.before }).before;
        if (!sameProps(before.props, op.edge.props)) out[at] = { op: 'updateEdge', before, edge: op.edge };
        else removed += forget(out, at, index?.edge, id);
        break;
      }
      case 'dropNode':
      case 'dropEdge':
        out[at] = null;
        removed++;
        if (index !== undefined) (node ? index.node : index.edge).delete(id);
        // Added in this transaction: nothing is left. Else the drop of the record before the updates, where the drop is.
        if (prev.op === 'updateNode') {
          if (index !== undefined) index.node.set(id, out.length);
          out.push({ op: 'dropNode', node: prev.before });
        } else if (prev.op === 'updateEdge') {
          if (index !== undefined) index.edge.set(id, out.length);
          out.push({ op: 'dropEdge', edge: prev.before });
        }
        break;
      default:
        // An add of an element that exists: the transaction refuses it before it gets here.
        throw new GraphError('DUPLICATE_ID', `Transaction.commit: ${op.op} "${id}" after ${prev.op} in one transaction`);
    }
  }
  const kept = new Array<Op>(out.length - removed);
  let k = 0;
  for (const op of out) if (op !== null) kept[k++] = op;
  return kept;
}

/** Takes the element's op at `at` out (and out of the index): it is no change. Returns 1, the ops removed. */
function forget(out: (Op | null)[], at: number, index: Map<string, number> | undefined, id: string): number {
  out[at] = null;
  index?.delete(id);
  return 1;
}

/** The index in `out` of the last op on this element, if any. */
function scan(out: readonly (Op | null)[], node: boolean, id: string): number | undefined {
  for (let i = out.length - 1; i >= 0; i--) {
    const op = out[i];
    if (op !== null && isNodeOp(op) === node && idOf(op) === id) return i;
  }
  return undefined;
}

function isNodeOp(op: Op): boolean {
  return op.op === 'addNode' || op.op === 'updateNode' || op.op === 'dropNode';
}

function idOf(op: Op): string {
  return 'node' in op ? op.node.id : op.edge.id;
}
