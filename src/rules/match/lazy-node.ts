import type { GraphView, NodeRecord, Props } from '../../graph/index.ts';

/**
 * A node reached through an edge of a committed version, not read yet: the
 * matcher binds unconstrained nodes by id only and hands out this stand-in,
 * which reads the record on first use of `labels` or `props` (the version is
 * immutable and holds every edge's endpoints, so the read cannot fail or
 * differ). Queries that only need the id never read the node.
 */
export class LazyNode implements NodeRecord {
  private rec: NodeRecord | undefined = undefined;
  constructor(
    readonly id: string,
    private readonly view: GraphView,
  ) {}

  /** The stored record (read once). */
  get record(): NodeRecord {
    return (this.rec ??= this.view.getNode(this.id)!);
  }
  get labels(): readonly string[] {
    return this.record.labels;
  }
  get props(): Props {
    return this.record.props;
  }
  toJSON(): { id: string; labels: readonly string[]; props: Props } {
    return { id: this.id, labels: this.labels, props: this.props };
  }
}
