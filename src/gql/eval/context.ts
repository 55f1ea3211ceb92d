import type { GraphView, Transaction } from '../../graph/index.ts';
import type { Value } from './values.ts';

/** A row: one value per variable slot of the clause that produced it. */
export type Row = Value[];

/** What a running query reads besides the row. */
export interface Ctx {
  /** The version read (a snapshot, or the open transaction of an updating query). */
  view: GraphView;
  readonly params: ReadonlyMap<string, Value>;
  /** Aggregate results of the group being projected. */
  agg: Value[] | null;
  /** The open transaction of an updating query (also `view`); null for reads. */
  readonly tx?: Transaction | null;
  /** Side effects of an updating query. */
  readonly stats?: UpdateStats;
  /** Ids of the nodes and relationships deleted by this query. */
  readonly deleted?: Set<string>;
}

/** What an updating query changed. */
export interface UpdateStats {
  nodesCreated: number;
  relationshipsCreated: number;
  propertiesSet: number;
  labelsAdded: number;
  nodesDeleted: number;
  relationshipsDeleted: number;
  propertiesRemoved: number;
  labelsRemoved: number;
}

/** A compiled expression. */
export type Eval = (row: Row, ctx: Ctx) => Value;

/** What a variable holds, as far as the compiler knows. */
/** 'scalar': known not to be a graph element (a literal); 'value': unknown. */
export type VarKind = 'node' | 'edge' | 'edges' | 'path' | 'scalar' | 'value';

export interface VarInfo {
  readonly slot: number;
  readonly kind: VarKind;
}

/** Variables in scope, by name. Rows of this scope are `width` wide. */
export class Scope {
  readonly vars = new Map<string, VarInfo>();
  width = 0;

  static of(entries: Iterable<[string, VarKind]>): Scope {
    const s = new Scope();
    for (const [n, k] of entries) s.add(n, k);
    return s;
  }

  add(name: string, kind: VarKind): VarInfo {
    const info = { slot: this.width++, kind };
    this.vars.set(name, info);
    return info;
  }

  /** A scratch slot (comprehension variables): not a named variable. */
  scratch(): number {
    return this.width++;
  }

  clone(): Scope {
    const s = new Scope();
    for (const [k, v] of this.vars) s.vars.set(k, v);
    s.width = this.width;
    return s;
  }
}
