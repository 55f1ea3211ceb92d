import type { CID } from 'multiformats/cid';

/** A JSON-like property value: what a node or edge property may hold. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** Properties of a node or edge. Frozen once stored. */
export type Props = { readonly [key: string]: Json };

/** Transaction ids: 0 is the empty graph, each commit adds one. */
export type TxId = number;

export interface NodeRecord {
  readonly id: string;
  /** Sorted, without duplicates. */
  readonly labels: readonly string[];
  readonly props: Props;
}

export interface EdgeRecord {
  readonly id: string;
  readonly type: string;
  readonly src: string;
  readonly dst: string;
  readonly props: Props;
}

export type Direction = 'out' | 'in';

/**
 * Read access to one version of the graph. Snapshots (committed versions) and
 * open transactions (their working state) both implement it, so the matcher
 * and GQL run on either.
 *
 * Iteration is callback based (return `false` from the callback to stop early)
 * because it is the matcher's hot path; generators cost several times more.
 */
export interface GraphView {
  /** The TxId this view reads: a snapshot's own, or a transaction's base. */
  readonly tx: TxId;
  readonly nodeCount: number;
  readonly edgeCount: number;

  getNode(id: string): NodeRecord | undefined;
  getEdge(id: string): EdgeRecord | undefined;
  hasNode(id: string): boolean;
  hasEdge(id: string): boolean;

  forEachNode(fn: (node: NodeRecord) => boolean | void): void;
  forEachEdge(fn: (edge: EdgeRecord) => boolean | void): void;
  /** Nodes carrying `label`. */
  forEachNodeWithLabel(label: string, fn: (node: NodeRecord) => boolean | void): void;
  /** Edges of `type`. */
  forEachEdgeOfType(type: string, fn: (edge: EdgeRecord) => boolean | void): void;
  /**
   * Edges incident to `nodeId` in direction `dir` ('out': nodeId is src; 'in':
   * nodeId is dst), restricted to `type` when given. A self-loop is seen once
   * in each direction. `other` is the edge's far end (dst for 'out', src for
   * 'in'), given so that a walk need not read the edge to go on.
   */
  forEachIncident(nodeId: string, dir: Direction, type: string | undefined, fn: (edge: EdgeRecord, other: string) => boolean | void): void;

  countLabel(label: string): number;
  countType(type: string): number;
  /** Number of incident edges of `nodeId` in `dir` (of `type` when given). */
  degree(nodeId: string, dir: Direction, type?: string): number;
  /** Labels and edge types present, with their counts (planner statistics). */
  labelCounts(): ReadonlyMap<string, number>;
  typeCounts(): ReadonlyMap<string, number>;
}

/** A committed version of the graph. Immutable; cheap to hold. */
export interface Snapshot extends GraphView {
  /** Content address of this version; depends only on its content. */
  cid(): CID;
  /**
   * Runs a read-only GQL query on this version (`store.at(tx).query(...)`).
   * Needs the GQL layer loaded (the package entry point loads it).
   */
  query(text: string, params?: { readonly [name: string]: Json }): { readonly columns: readonly string[]; readonly rows: readonly (readonly unknown[])[] };
}

export interface CommitInfo {
  readonly tx: TxId;
  readonly parentTx: TxId;
  /** Root CID of the version this commit made; computed lazily on first read. */
  readonly cid: CID;
  /** Milliseconds since the epoch, from the store's clock. */
  readonly time: number;
  readonly meta: Json;
}

export interface Diff {
  readonly from: TxId;
  readonly to: TxId;
  readonly nodes: {
    readonly added: readonly NodeRecord[];
    readonly removed: readonly NodeRecord[];
    readonly changed: readonly { readonly before: NodeRecord; readonly after: NodeRecord }[];
  };
  readonly edges: {
    readonly added: readonly EdgeRecord[];
    readonly removed: readonly EdgeRecord[];
    readonly changed: readonly { readonly before: EdgeRecord; readonly after: EdgeRecord }[];
  };
}
