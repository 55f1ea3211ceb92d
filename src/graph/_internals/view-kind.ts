import type { GraphView } from '../types.ts';
import { Transaction } from '../transaction.ts';
import { ValueView } from './value-view.ts';

/** Whether `view` is one of the store's own views (a snapshot or an open transaction). */
export function isStoreView(view: GraphView): boolean {
  return view instanceof ValueView;
}

/**
 * Whether `view` is a committed version of the store: it never changes, and
 * every edge's endpoints are in it (commit refuses dangling edges), so a
 * reader may defer fetching a node it reached through an edge.
 */
export function isCommittedView(view: GraphView): boolean {
  return view instanceof ValueView && !(view instanceof Transaction);
}
