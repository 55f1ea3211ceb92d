import * as champ from './_internals/champ.ts';
import { Draft } from './_internals/graph-value.ts';
import type { GraphValue } from './_internals/graph-value.ts';
import { mergeOwnedProps, ownProps } from './_internals/json.ts';
import { EdgeRec, NodeRec, normLabels } from './_internals/records.ts';
import { ValueView } from './_internals/value-view.ts';
import type { Op } from './backend.ts';
import { GraphError } from './errors.ts';
import type { CommitInfo, Direction, EdgeRecord, Json, NodeRecord, Props, TxId } from './types.ts';

/**
 * 'serializable' (default) records what the transaction reads and fails the
 * commit if a concurrent commit wrote any of it; 'snapshot' checks only
 * write-write conflicts on elements and records no reads (cheaper; the rule
 * engine uses it when it is the only writer).
 */
export type Isolation = 'serializable' | 'snapshot';

export interface TransactionOptions {
  isolation?: Isolation;
  /**
   * The caller hands the commit's meta over: it is validated and deep-frozen
   * in place instead of copied, so the caller must not change it afterwards
   * (changing it throws). For writers that build a fresh meta per commit.
   */
  adoptMeta?: boolean;
}

/** The store side of a transaction (implemented by Store). */
export interface TxHost {
  readonly headTx: TxId;
  finish(tx: Transaction, meta: Json): CommitInfo;
  release(tx: Transaction): void;
  /** Called once, before the transaction's first write: may (if `allowed`) give its draft the head's edit token. */
  takeover(tx: Transaction, allowed: boolean): void;
  /** The committed version `tx`, for reads of a transaction after its commit. */
  committedValue(tx: TxId): GraphValue;
}

type Visit<T> = (x: T) => boolean | void;

/**
 * An optimistic transaction. It reads its base version plus its own writes,
 * and commits only if no commit since its base touched what it read or wrote
 * (first committer wins: `ConflictError`). An operation that fails validation
 * throws and leaves the transaction as it was; a failed commit changes nothing.
 */
export class Transaction extends ValueView {
  readonly tx: TxId;
  /** @internal */ readonly draft: Draft;
  /** @internal */ readonly ops: Op[] = [];
  /** @internal */ readonly reads: string[] | null;
  /** @internal */ dropped: Set<string> | null = null;
  /** @internal */ readonly adoptMeta: boolean;
  private closed = false;
  private writing = false;
  /** Iterations over this transaction in progress (see `writer`). */
  private iterating = 0;
  /** The TxId this transaction committed as; -1 before. */
  private committed = -1;

  /** @internal */
  constructor(
    private readonly host: TxHost,
    base: TxId,
    baseValue: GraphValue,
    options: TransactionOptions = {},
  ) {
    super();
    this.tx = base;
    this.draft = new Draft(baseValue);
    this.reads = options.isolation === 'snapshot' ? null : [];
    this.adoptMeta = options.adoptMeta === true;
  }

  /** The TxId this transaction started from. */
  get base(): TxId {
    return this.tx;
  }
  get isOpen(): boolean {
    return !this.closed;
  }
  protected get value(): GraphValue {
    // After its commit the draft may become the store's to edit in place (Store.takeover): reads
    // then go to the committed version. A closed transaction that wrote nothing shares the head's
    // nodes: it reads its base version.
    if (this.committed >= 0) return this.host.committedValue(this.committed);
    return this.closed && !this.writing ? this.host.committedValue(this.tx) : this.draft;
  }

  /**
   * The draft, for a write: the first one asks the store whether it may edit the head in place,
   * unless an iteration over this transaction is walking the head's nodes (before this write).
   */
  private writer(): Draft {
    if (!this.writing) {
      this.writing = true;
      this.host.takeover(this, this.iterating === 0);
    }
    return this.draft;
  }

  // ---- reads (recorded for serializable validation) ----

  override getNode(id: string): NodeRecord | undefined {
    this.reads?.push('n:' + id);
    return champ.get(this.value.nodes, id);
  }
  override getEdge(id: string): EdgeRecord | undefined {
    this.reads?.push('e:' + id);
    return super.getEdge(id);
  }
  override forEachNode(fn: Visit<NodeRecord>): void {
    this.reads?.push('*');
    this.iterating++;
    super.forEachNode(fn);
    this.iterating--; // (left raised if fn throws: this transaction then only forgoes the takeover)
  }
  override forEachEdge(fn: Visit<EdgeRecord>): void {
    this.reads?.push('*');
    this.iterating++;
    super.forEachEdge(fn);
    this.iterating--;
  }
  override forEachNodeWithLabel(label: string, fn: Visit<NodeRecord>): void {
    this.reads?.push('l:' + label);
    this.iterating++;
    super.forEachNodeWithLabel(label, fn);
    this.iterating--;
  }
  override forEachEdgeOfType(type: string, fn: Visit<EdgeRecord>): void {
    this.reads?.push('t:' + type);
    this.iterating++;
    super.forEachEdgeOfType(type, fn);
    this.iterating--;
  }
  override forEachIncident(nodeId: string, dir: Direction, type: string | undefined, fn: (edge: EdgeRecord, other: string) => boolean | void): void {
    this.reads?.push('a:' + nodeId);
    this.iterating++;
    super.forEachIncident(nodeId, dir, type, fn);
    this.iterating--;
  }
  override degree(nodeId: string, dir: Direction, type?: string): number {
    this.reads?.push('a:' + nodeId);
    return super.degree(nodeId, dir, type);
  }
  override countLabel(label: string): number {
    this.reads?.push('l:' + label);
    return super.countLabel(label);
  }
  override countType(type: string): number {
    this.reads?.push('t:' + type);
    return super.countType(type);
  }

  // ---- writes ----

  addNode(id: string, labels?: Iterable<string>, props?: Props): NodeRecord {
    this.check('addNode', id);
    const h = champ.hashing.hash(id);
    if (champ.get(this.draft.nodes, id, h) !== undefined) throw new GraphError('DUPLICATE_ID', `Transaction.addNode: node "${id}" already exists`);
    const rec = new NodeRec(id, labelsOf('addNode', id, labels), ownProps('Transaction.addNode', 'node', id, props));
    this.writer().putNode(rec, undefined, h);
    this.dropped?.delete(id);
    this.ops.push({ op: 'addNode', node: rec });
    return rec;
  }

  addEdge(id: string, type: string, src: string, dst: string, props?: Props): EdgeRecord {
    this.check('addEdge', id);
    if (typeof type !== 'string' || type === '') throw new GraphError('INVALID_ARGUMENT', `Transaction.addEdge: edge "${id}" needs a non-empty type`);
    const h = champ.hashing.hash(id);
    if (champ.get(this.draft.edges, id, h) !== undefined) throw new GraphError('DUPLICATE_ID', `Transaction.addEdge: edge "${id}" already exists`);
    // Each endpoint is hashed once, for this check and for its adjacency entry.
    const hs = champ.hashing.hash(src);
    const hd = src === dst ? hs : champ.hashing.hash(dst);
    const s = champ.get(this.draft.nodes, src, hs);
    if (s === undefined) throw new GraphError('NODE_NOT_FOUND', `Transaction.addEdge: edge "${id}" starts at missing node "${src}"`);
    const d = champ.get(this.draft.nodes, dst, hd);
    if (d === undefined) throw new GraphError('NODE_NOT_FOUND', `Transaction.addEdge: edge "${id}" ends at missing node "${dst}"`);
    // The endpoints are the nodes' own id strings, not the caller's copies: one string per
    // node however many edges it has (less memory; equal ids compare and hash as one object).
    const rec = new EdgeRec(id, type, s.id, d.id, ownProps('Transaction.addEdge', 'edge', id, props));
    this.writer().putEdge(rec, h, hs, hd);
    this.ops.push({ op: 'addEdge', edge: rec });
    return rec;
  }

  /** Replaces the labels and/or the properties of a node (omitted parts stay). */
  updateNode(id: string, update: { labels?: Iterable<string>; props?: Props }): NodeRecord {
    this.check('updateNode', id);
    const h = champ.hashing.hash(id);
    const before = champ.get(this.draft.nodes, id, h);
    if (before === undefined) throw new GraphError('NODE_NOT_FOUND', `Transaction.updateNode: node "${id}" does not exist`);
    const labels = update.labels === undefined ? before.labels : labelsOf('updateNode', id, update.labels);
    const props = update.props === undefined ? before.props : ownProps('Transaction.updateNode', 'node', id, update.props);
    const rec = new NodeRec(id, labels, props);
    this.writer().putNode(rec, before, h);
    this.ops.push({ op: 'updateNode', before, node: rec });
    return rec;
  }

  /** Sets some properties of a node, keeping the others; `undefined` removes one. */
  mergeNodeProps(id: string, props: { readonly [key: string]: Json | undefined }): NodeRecord {
    this.reads?.push('n:' + id);
    const h = champ.hashing.hash(id);
    const before = champ.get(this.draft.nodes, id, h);
    if (before === undefined) throw new GraphError('NODE_NOT_FOUND', `Transaction.mergeNodeProps: node "${id}" does not exist`);
    this.check('updateNode', id);
    // Only the patched values need validating: the others are the stored (owned) ones.
    const merged = mergeOwnedProps('Transaction.updateNode', 'node', id, before.props, props);
    // A merge that changes nothing writes nothing: no op, no new record (under 'serializable' it was still a read).
    if (merged === before.props) return before;
    const rec = new NodeRec(id, before.labels, merged);
    this.writer().putNode(rec, before, h);
    this.ops.push({ op: 'updateNode', before, node: rec });
    return rec;
  }

  /** Replaces the properties of an edge. */
  updateEdge(id: string, update: { props: Props }): EdgeRecord {
    this.check('updateEdge', id);
    const before = champ.get(this.draft.edges, id);
    if (before === undefined) throw new GraphError('EDGE_NOT_FOUND', `Transaction.updateEdge: edge "${id}" does not exist`);
    const rec = new EdgeRec(id, before.type, before.src, before.dst, ownProps('Transaction.updateEdge', 'edge', id, update.props));
    this.writer().putEdge(rec);
    this.ops.push({ op: 'updateEdge', before, edge: rec });
    return rec;
  }

  mergeEdgeProps(id: string, props: { readonly [key: string]: Json | undefined }): EdgeRecord {
    this.reads?.push('e:' + id);
    const before = champ.get(this.draft.edges, id);
    if (before === undefined) throw new GraphError('EDGE_NOT_FOUND', `Transaction.mergeEdgeProps: edge "${id}" does not exist`);
    this.check('updateEdge', id);
    const merged = mergeOwnedProps('Transaction.updateEdge', 'edge', id, before.props, props);
    if (merged === before.props) return before;
    const rec = new EdgeRec(id, before.type, before.src, before.dst, merged);
    this.writer().putEdge(rec);
    this.ops.push({ op: 'updateEdge', before, edge: rec });
    return rec;
  }

  /**
   * Deletes a node. Its edges must be gone by commit time (deleted before or
   * after this call in the same transaction), else the commit fails with
   * DANGLING_EDGE.
   */
  dropNode(id: string): void {
    this.check('dropNode', id);
    const h = champ.hashing.hash(id);
    const before = champ.get(this.draft.nodes, id, h);
    if (before === undefined) throw new GraphError('NODE_NOT_FOUND', `Transaction.dropNode: node "${id}" does not exist`);
    this.writer().removeNode(before, h);
    (this.dropped ??= new Set()).add(id);
    this.ops.push({ op: 'dropNode', node: before });
  }

  dropEdge(id: string): void {
    this.check('dropEdge', id);
    const h = champ.hashing.hash(id);
    const before = champ.get(this.draft.edges, id, h);
    if (before === undefined) throw new GraphError('EDGE_NOT_FOUND', `Transaction.dropEdge: edge "${id}" does not exist`);
    this.writer().removeEdge(before, h);
    this.ops.push({ op: 'dropEdge', edge: before });
  }

  /** Commits; throws ConflictError (first committer wins) or a validation error. Either way the transaction is closed. */
  commit(meta: Json = null): CommitInfo {
    if (this.closed) throw new GraphError('TX_CLOSED', 'Transaction.commit: the transaction is already closed');
    this.closed = true;
    try {
      const info = this.host.finish(this, meta);
      this.committed = info.tx;
      return info;
    } finally {
      this.host.release(this);
    }
  }

  /** Discards the transaction. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.release(this);
  }

  private check(method: string, id: string): void {
    if (this.closed) throw new GraphError('TX_CLOSED', `Transaction.${method}: the transaction is already closed`);
    if (typeof id !== 'string' || id === '') throw new GraphError('INVALID_ARGUMENT', `Transaction.${method}: an id must be a non-empty string, got ${JSON.stringify(id)}`);
  }
}

function labelsOf(method: string, id: string, labels: Iterable<string> | undefined): readonly string[] {
  const out = normLabels(labels);
  for (const l of out) {
    if (typeof l !== 'string' || l === '') throw new GraphError('INVALID_ARGUMENT', `Transaction.${method}: node "${id}" has an invalid label ${JSON.stringify(l)}`);
  }
  return out;
}
