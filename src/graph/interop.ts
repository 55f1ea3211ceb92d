import { MultiDirectedGraph } from 'graphology';
import type { AbstractGraph } from 'graphology-types';
import type { Store } from './store.ts';
import type { CommitInfo, GraphView, Json, Props } from './types.ts';

/**
 * Copies a version into a graphology MultiDirectedGraph, so graphology's
 * standard library (traversals, metrics, layouts) runs on any version.
 * Node attributes: `{labels, ...props}`; edge attributes: `{type, ...props}`.
 */
export function toGraphology(view: GraphView): MultiDirectedGraph {
  const g = new MultiDirectedGraph();
  view.forEachNode((n) => void g.addNode(n.id, { labels: [...n.labels], ...n.props }));
  view.forEachEdge((e) => void g.addEdgeWithKey(e.id, e.src, e.dst, { type: e.type, ...e.props }));
  return g;
}

/**
 * Imports a graphology graph as one commit: nodes and edges that are new are
 * added, the attribute conventions of `toGraphology` are read back (`labels`
 * and `type`; an edge without `type` gets `defaultType`).
 */
export function importGraphology(store: Store, graph: AbstractGraph, options: { meta?: Json; defaultType?: string } = {}): CommitInfo {
  const tx = store.begin({ isolation: 'snapshot' });
  try {
    graph.forEachNode((id, attrs) => {
      const { labels, ...props } = attrs as { labels?: unknown };
      tx.addNode(id, Array.isArray(labels) ? (labels as string[]) : [], props as Props);
    });
    graph.forEachEdge((id, attrs, src, dst) => {
      const { type, ...props } = attrs as { type?: unknown };
      tx.addEdge(id, typeof type === 'string' ? type : (options.defaultType ?? 'EDGE'), src, dst, props as Props);
    });
  } catch (e) {
    tx.abort();
    throw e;
  }
  return tx.commit(options.meta ?? { import: 'graphology' });
}
