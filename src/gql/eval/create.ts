import type { EdgeRecord, Json, NodeRecord, Transaction } from '../../graph/index.ts';
import type { GraphPattern, LabelExpression, PathPattern, PropertySpec } from '../ast.ts';
import { GqlSemanticError, GqlTypeError, atPos, withPos } from '../eval-errors.ts';
import type { Ctx, Eval, Row } from './context.ts';
import { Scope } from './context.ts';
import { compileExpr } from './expr.ts';
import type { ExprEnv } from './expr.ts';
import type { StageFactory } from './stage.ts';
import { PathValue, isNode, kindOf, toJson } from './values.ts';
import { putKey } from '../../graph/index.ts';
import type { Value } from './values.ts';

type Hooks = Pick<ExprEnv, 'patternPredicate'>;

type NodeStep = { readonly kind: 'bound'; readonly slot: number; readonly name: string } | { readonly kind: 'new'; readonly slot: number; readonly labels: readonly string[]; readonly props: Eval | null };

interface EdgeStep {
  readonly slot: number;
  readonly type: string;
  /** Indexes into the path's node steps. */
  readonly from: number;
  readonly to: number;
  readonly props: Eval | null;
}

interface PathStep {
  readonly nodes: NodeStep[];
  readonly edges: EdgeStep[];
  readonly slot: number;
}

function labelNames(l: LabelExpression | null, what: string): string[] {
  if (l === null) return [];
  if (l.kind === 'LabelName') return [l.name];
  if (l.kind === 'LabelConjunction') return l.operands.flatMap((o) => labelNames(o, what));
  throw new GqlSemanticError('InvalidLabelExpression', `CREATE: ${what} needs plain labels`);
}

function propsEval(spec: PropertySpec | null, env: ExprEnv): Eval | null {
  return spec === null ? null : compileExpr(spec, env);
}

/** A compiled CREATE pattern: `apply` creates it for one row (extended to the scope's width). */
export interface CreatePattern {
  readonly scope: Scope;
  apply(row: Row, ctx: Ctx): Row;
}

/** CREATE: compiles the pattern; the stage buffers its input (reads never see its own writes mid-scan). */
export function compileCreate(gp: GraphPattern, input: Scope, hooks: Hooks): { stage: StageFactory; scope: Scope } {
  const cp = compileCreatePattern(gp.paths, input, hooks, 'CREATE');
  const stage: StageFactory = (ctx, next) => {
    const rows: Row[] = [];
    return {
      push: (row) => {
        rows.push(row);
        return true;
      },
      end: () => {
        const out = rows.map((r) => cp.apply(r, ctx));
        for (const r of out) if (!next.push(r)) break;
        next.end();
      },
    };
  };
  return { stage, scope: cp.scope };
}

/** Compiles the paths of a CREATE (or of a MERGE, which may leave a direction out). */
export function compileCreatePattern(gpaths: readonly PathPattern[], input: Scope, hooks: Hooks, what: 'CREATE' | 'MERGE'): CreatePattern {
  const scope = input.clone();
  // Properties may read variables created earlier in the same pattern.
  const env: ExprEnv = { ...hooks, scope, aggs: null, subst: null };
  const created = new Map<string, number>();
  const paths: PathStep[] = [];
  for (const p of gpaths) {
    const nodes: NodeStep[] = p.nodes.map((n) =>
      withPos(n.pos, (): NodeStep => {
        const name = n.variable;
        if (name !== null) {
          const outer = input.vars.get(name);
          const mine = created.get(name);
          if (outer !== undefined || mine !== undefined) {
            if (outer !== undefined && outer.kind !== 'node' && outer.kind !== 'value') throw new GqlSemanticError('VariableTypeConflict', `CREATE: \`${name}\` is not a node`);
            if (n.label !== null || n.properties !== null) throw new GqlSemanticError('VariableAlreadyBound', `CREATE: \`${name}\` is already bound`);
            return { kind: 'bound', slot: outer?.slot ?? mine!, name };
          }
        }
        const slot = name === null ? scope.scratch() : scope.add(name, 'node').slot;
        if (name !== null) created.set(name, slot);
        return { kind: 'new', slot, labels: labelNames(n.label, 'a node'), props: propsEval(n.properties, env) };
      }));
    const edges: EdgeStep[] = p.edges.map((e, i) =>
      withPos(e.pos, (): EdgeStep => {
        if (e.quantifier !== null) throw new GqlSemanticError('CreatingVarLength', 'CREATE: variable-length relationships cannot be created');
        if (e.direction === 'any' && what === 'CREATE') throw new GqlSemanticError('RequiresDirectedRelationship', 'CREATE: a relationship needs a direction');
        const types = e.label === null ? [] : labelNames(e.label, 'a relationship');
        if (types.length !== 1 || e.label?.kind !== 'LabelName') throw new GqlSemanticError('NoSingleRelationshipType', 'CREATE: a relationship needs exactly one type');
        if (e.variable !== null && (input.vars.has(e.variable) || created.has(e.variable))) throw new GqlSemanticError('VariableAlreadyBound', `CREATE: \`${e.variable}\` is already bound`);
        const slot = e.variable === null ? scope.scratch() : scope.add(e.variable, 'edge').slot;
        if (e.variable !== null) created.set(e.variable, slot);
        const [from, to] = e.direction === 'left' ? [i + 1, i] : [i, i + 1];
        return { slot, type: types[0], from, to, props: propsEval(e.properties, env) };
      }));
    let slot = -1;
    if (p.variable !== null) {
      if (input.vars.has(p.variable) || created.has(p.variable)) throw atPos(new GqlSemanticError('VariableAlreadyBound', `CREATE: \`${p.variable}\` is already bound`), p.pos);
      slot = scope.add(p.variable, 'path').slot;
      created.set(p.variable, slot);
    }
    paths.push({ nodes, edges, slot });
  }
  const width = scope.width;
  return {
    scope,
    apply: (input, ctx) => {
      const tx = ctx.tx;
      if (tx == null) throw new GqlSemanticError('ReadOnly', `${what} needs an updating execution (execute(store, …))`);
      const row = input.slice();
      row.length = width;
      const ids = new IdSource(tx);
      const before = new Set(tx.labelCounts().keys());
      for (const p of paths) createPath(p, row, ctx, tx, ids, before);
      return row;
    },
  };
}

class IdSource {
  private next: number;
  constructor(private readonly tx: Transaction) {
    this.next = tx.nodeCount + tx.edgeCount;
  }
  take(): string {
    for (;;) {
      const id = String(this.next++);
      if (!this.tx.hasNode(id) && !this.tx.hasEdge(id)) return id;
    }
  }
}

function propsOf(f: Eval | null, row: Row, ctx: Ctx, what: string): Record<string, Json> {
  const out: Record<string, Json> = {};
  if (f === null) return out;
  const m = f(row, ctx);
  if (m === null) return out;
  if (!(m instanceof Map)) throw new GqlTypeError(`${what}: properties must be a map, not ${kindOf(m)}`);
  for (const [k, v] of m) if (v !== null) putKey(out, k, toJson(v, what));
  return out;
}

function createPath(p: PathStep, row: Row, ctx: Ctx, tx: Transaction, ids: IdSource, before: Set<string>): void {
  const stats = ctx.stats!;
  const nodes: NodeRecord[] = p.nodes.map((n) => {
    if (n.kind === 'bound') {
      const v = row[n.slot];
      if (!isNode(v)) throw new GqlTypeError(`CREATE: \`${n.name}\` is ${v === null ? 'null' : `a ${kindOf(v)}`}, not a node`);
      return v;
    }
    const props = propsOf(n.props, row, ctx, 'CREATE');
    const rec = tx.addNode(ids.take(), n.labels, props);
    stats.nodesCreated++;
    stats.propertiesSet += Object.keys(props).length;
    for (const l of rec.labels)
      if (!before.has(l)) {
        before.add(l);
        stats.labelsAdded++;
      }
    row[n.slot] = rec;
    return rec;
  });
  const edges: EdgeRecord[] = p.edges.map((e) => {
    const props = propsOf(e.props, row, ctx, 'CREATE');
    const rec = tx.addEdge(ids.take(), e.type, nodes[e.from].id, nodes[e.to].id, props);
    stats.relationshipsCreated++;
    stats.propertiesSet += Object.keys(props).length;
    row[e.slot] = rec;
    return rec;
  });
  if (p.slot >= 0) row[p.slot] = new PathValue(nodes, edges) as Value;
}

