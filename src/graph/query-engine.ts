import { GraphError } from './errors.ts';
import type { GraphView, Json } from './types.ts';

/** What a query returns: named columns and rows of plain values. */
export interface QueryResultLike {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

export type QueryEngine = (view: GraphView, text: string, params: { readonly [name: string]: Json }) => QueryResultLike;

/**
 * The query language plugs in here (src/gql registers itself when loaded), so
 * that `store.at(tx).query(...)` works while src/graph imports nothing above it.
 */
let engine: QueryEngine | undefined;

export function setQueryEngine(e: QueryEngine): void {
  engine = e;
}

export function runQuery(view: GraphView, text: string, params: { readonly [name: string]: Json }): QueryResultLike {
  if (engine === undefined) {
    throw new GraphError('INVALID_ARGUMENT', "Snapshot.query: no query language is loaded; import Itonami's entry point (src/index.ts) or src/gql");
  }
  return engine(view, text, params);
}
