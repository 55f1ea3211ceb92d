import * as champ from './champ.ts';
import { degreeOfType, forEachIncidentIn } from './adjacency.ts';
import type { GraphValue } from './graph-value.ts';
import type { Direction, EdgeRecord, GraphView, NodeRecord } from '../types.ts';

type Visit<T> = (x: T) => boolean | void;

/** GraphView over a GraphValue; the value is read through `value` on every call. */
export abstract class ValueView implements GraphView {
  abstract readonly tx: number;
  protected abstract get value(): GraphValue;
  /** @internal The value, for a reader that keeps it past this call (a snapshot pins it: Store.takeover). */
  stableValue(): GraphValue {
    return this.value;
  }

  get nodeCount(): number {
    return this.value.nodeCount;
  }
  get edgeCount(): number {
    return this.value.edgeCount;
  }

  getNode(id: string): NodeRecord | undefined {
    return champ.get(this.value.nodes, id);
  }
  getEdge(id: string): EdgeRecord | undefined {
    return champ.get(this.value.edges, id);
  }
  hasNode(id: string): boolean {
    return this.getNode(id) !== undefined;
  }
  hasEdge(id: string): boolean {
    return this.getEdge(id) !== undefined;
  }

  forEachNode(fn: Visit<NodeRecord>): void {
    champ.forEach(this.value.nodes, fn);
  }
  forEachEdge(fn: Visit<EdgeRecord>): void {
    champ.forEach(this.value.edges, fn);
  }
  forEachNodeWithLabel(label: string, fn: Visit<NodeRecord>): void {
    const entry = champ.get(this.value.byLabel, label);
    if (entry !== undefined) champ.forEach(entry.set, fn);
  }
  forEachEdgeOfType(type: string, fn: Visit<EdgeRecord>): void {
    const entry = champ.get(this.value.byType, type);
    if (entry !== undefined) champ.forEach(entry.set, fn);
  }
  forEachIncident(nodeId: string, dir: Direction, type: string | undefined, fn: (edge: EdgeRecord, other: string) => boolean | void): void {
    const a = champ.get(this.value.adj, nodeId);
    if (a !== undefined) forEachIncidentIn(a, dir === 'out', type, fn);
  }

  countLabel(label: string): number {
    return champ.get(this.value.byLabel, label)?.size ?? 0;
  }
  countType(type: string): number {
    return champ.get(this.value.byType, type)?.size ?? 0;
  }
  degree(nodeId: string, dir: Direction, type?: string): number {
    const a = champ.get(this.value.adj, nodeId);
    return a === undefined ? 0 : degreeOfType(a, dir === 'out', type);
  }
  labelCounts(): ReadonlyMap<string, number> {
    const m = new Map<string, number>();
    champ.forEach(this.value.byLabel, (c, k) => void m.set(k, c.size));
    return m;
  }
  typeCounts(): ReadonlyMap<string, number> {
    const m = new Map<string, number>();
    champ.forEach(this.value.byType, (c, k) => void m.set(k, c.size));
    return m;
  }
}
