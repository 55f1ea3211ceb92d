import type { Json, NodeRecord } from '../../graph/index.ts';
import type { Assignment, MatchView, Params, RuleDef, RuleEdge, RuleNode } from '../../rules/index.ts';
import { compileExpression, classifyCondition } from '../ir/expression.ts';
import type { CompiledExpression, ExecutionData } from '../ir/expression.ts';
import { applyOutputMapping, resolveMapping } from '../ir/mapping.ts';
import { InputValidationError } from '../ir/errors.ts';
import { validateOutputs } from '../ir/inputs.ts';
import type { IOSpec } from '../ir/types.ts';
import { collectPatches, executionData, PropsMemo, recordPatches, updateData } from './execution-data.ts';
import type { DataPatch, DataWriter } from './execution-data.ts';

/** A decision predicate registered by the application (`condition: "is_high_priority"`). */
export type Predicate = (data: ExecutionData) => boolean;

export interface RuleSetOptions {
  /** Looks up a registered predicate by name. */
  readonly predicates?: (name: string) => Predicate | undefined;
}

/** Phases of a Token (docs/execution-graph.md). */
export type TokenPhase = 'enter' | 'active' | 'done' | 'failed' | 'cancelled' | 'compensating';

/** Statuses of an Execution node. */
export type ExecutionStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'timed_out';

/** What a failed token, task or execution records. */
export interface FailureData {
  readonly code: string;
  readonly message: string;
  readonly step?: string;
  readonly details?: Json;
  readonly compensated?: boolean;
}

/**
 * The rule set: internal rules (applied until none applies) and fact rules
 * (applied once per external fact, with the fact as parameters).
 */
export interface RuleSet {
  readonly internal: readonly RuleDef[];
  readonly facts: { readonly [K in FactRule]: RuleDef };
}

export type FactRule =
  | 'execution.start'
  | 'execution.timeout'
  | 'execution.cancel'
  | 'activity.complete'
  | 'activity.retry_wait'
  | 'activity.retry'
  | 'activity.fail'
  | 'timer.fire'
  | 'wait.receive'
  | 'wait.timeout'
  | 'subworkflow.started'
  | 'subworkflow.complete'
  | 'subworkflow.fail'
  | 'signal.buffer'
  | 'execution.timeout_saga'
  | 'execution.cancel_saga';

// ---------------------------------------------------------------- pattern pieces

const E: RuleNode = { var: 'e', labels: ['Execution'] };

/** Phase sets of `where` filters made by `tok` (function identity survives object spreads). */
const PHASE_FILTERS = new WeakMap<object, readonly TokenPhase[]>();

const tok = (v: string, phase?: TokenPhase | readonly TokenPhase[], rest: Partial<RuleNode> = {}): RuleNode => {
  if (phase === undefined) return { var: v, labels: ['Token'], ...rest };
  if (typeof phase === 'string') return { var: v, labels: ['Token'], props: { phase }, ...rest };
  const where = (n: NodeRecord): boolean => phase.includes(n.props.phase as TokenPhase);
  PHASE_FILTERS.set(where, phase);
  return { var: v, labels: ['Token'], where, ...rest };
};

/**
 * What a rule needs to find among the execution's token phases: one phase of
 * each listed set (one set per matched Token of its left-hand side). The
 * engine skips rules whose needs the current phases cannot meet.
 */
export function triggerPhases(def: RuleDef): TokenPhase[][] {
  const out: TokenPhase[][] = [];
  for (const n of def.nodes) {
    if ((n.action ?? 'preserve') === 'create' || !(n.labels ?? []).includes('Token')) continue;
    if (typeof n.props?.phase === 'string') out.push([n.props.phase as TokenPhase]);
    else if (n.where !== undefined && PHASE_FILTERS.has(n.where)) out.push([...PHASE_FILTERS.get(n.where)!]);
  }
  return out;
}
const step = (v: string, op?: string): RuleNode => (op === undefined ? { var: v, labels: ['Step'] } : { var: v, labels: ['Step'], props: { op } });
/** Ops accepted by `where` filters on Step nodes (for tokenNeeds). */
const OP_FILTERS = new WeakMap<object, readonly string[]>();
/** A Step filter `where` that accepts these ops (and, with `also`, only steps that pass it too). */
const stepWhere = (ops: readonly string[], also?: (n: NodeRecord) => boolean): ((n: NodeRecord) => boolean) => {
  const where = also === undefined ? (n: NodeRecord): boolean => ops.includes(n.props.op as string) : (n: NodeRecord): boolean => ops.includes(n.props.op as string) && also(n);
  OP_FILTERS.set(where, ops);
  return where;
};

/**
 * What one left-hand-side Token of an internal rule needs of some token of
 * the execution: a necessary condition for the rule to apply, read off the
 * rule's pattern (null: no constraint). The engine skips rules whose needs no
 * token meets, so the cascade tries only rules that may apply.
 */
export interface TokenNeed {
  readonly phases: readonly string[] | null;
  /** `op` of the Step the token is AT. */
  readonly ops: readonly string[] | null;
  /** The token has no parent (no outgoing PARENT edge). */
  readonly root: boolean | null;
  /** The token has child tokens (an incoming PARENT edge). */
  readonly kids: boolean | null;
  /** The token's Step has a NEXT sibling. */
  readonly next: boolean | null;
}

/** What the engine knows of one token when it checks TokenNeeds. */
export interface TokenState {
  readonly phase: string;
  readonly op: string | null;
  readonly root: boolean;
  readonly kids: boolean;
  readonly next: boolean;
}

export function meetsNeed(n: TokenNeed, t: TokenState): boolean {
  return (
    (n.phases === null || n.phases.includes(t.phase)) &&
    (n.ops === null || (t.op !== null && n.ops.includes(t.op))) &&
    (n.root === null || n.root === t.root) &&
    (n.kids === null || n.kids === t.kids) &&
    (n.next === null || n.next === t.next)
  );
}

/**
 * The TokenNeeds of a rule, one per matched Token (the tokens of a rule all
 * belong to the execution `e`, as with triggerPhases). Derived only
 * from what the pattern requires: the token's phase, the op of the Step it is
 * AT, PARENT edges to and from it, NACs that forbid children, a parent or a NEXT
 * sibling, and the DPO dangling condition (a deleted token keeps no edge the
 * rule does not delete).
 */
export function tokenNeeds(def: RuleDef): TokenNeed[] {
  const out: TokenNeed[] = [];
  const edges = (def.edges ?? []).filter((e) => (e.action ?? 'preserve') !== 'create' && (e.direction === undefined || e.direction === 'out'));
  const typeIs = (e: RuleEdge, t: string): boolean => e.type === t || (e.type === undefined && e.types?.length === 1 && e.types[0] === t);
  const nodeDef = (v: string): RuleNode | undefined => def.nodes.find((n) => n.var === v);
  // A NAC that forbids one edge of `type` between a fresh unconstrained node and `v` (at `end`).
  const forbids = (v: string, type: string, end: 'src' | 'dst'): boolean =>
    (def.nacs ?? []).some((nac) => {
      if ((nac.guards?.length ?? 0) > 0 || (nac.edges?.length ?? 0) !== 1 || (nac.nodes?.length ?? 0) !== 1) return false;
      const x = nac.nodes![0];
      const e = nac.edges![0];
      if ((x.labels?.length ?? 0) > 0 || x.props !== undefined || x.where !== undefined) return false;
      if (e.direction !== undefined && e.direction !== 'out') return false;
      if (!(e.types?.length === 1 && e.types[0] === type) || e.props !== undefined || e.where !== undefined) return false;
      return end === 'dst' ? e.dst === v && e.src === x.var : e.src === v && e.dst === x.var;
    });
  for (const n of def.nodes) {
    if ((n.action ?? 'preserve') === 'create' || !(n.labels ?? []).includes('Token')) continue;
    const phases = typeof n.props?.phase === 'string' ? [n.props.phase] : n.where !== undefined && PHASE_FILTERS.has(n.where) ? [...PHASE_FILTERS.get(n.where)!] : null;
    let ops: readonly string[] | null = null;
    let next: boolean | null = null;
    for (const a of edges) {
      if (!typeIs(a, 'AT') || a.src !== n.var) continue;
      const s = nodeDef(a.dst);
      if (s === undefined) continue;
      if (typeof s.props?.op === 'string') ops = [s.props.op];
      else if (s.where !== undefined && OP_FILTERS.has(s.where)) ops = OP_FILTERS.get(s.where)!;
      if (edges.some((e) => typeIs(e, 'NEXT') && e.src === s.var)) next = true;
      else if (forbids(s.var, 'NEXT', 'src')) next = false;
    }
    let root: boolean | null = null;
    let kids: boolean | null = null;
    if (edges.some((e) => typeIs(e, 'PARENT') && e.src === n.var)) root = false;
    else if (forbids(n.var, 'PARENT', 'src')) root = true;
    if (edges.some((e) => typeIs(e, 'PARENT') && e.dst === n.var)) kids = true;
    else if (forbids(n.var, 'PARENT', 'dst')) kids = false;
    if (n.action === 'delete' && (def.mode ?? 'dpo') === 'dpo') {
      const deleted = edges.filter((e) => e.action === 'delete' && typeIs(e, 'PARENT'));
      if (root === null && !deleted.some((e) => e.src === n.var)) root = true;
      if (kids === null && !deleted.some((e) => e.dst === n.var)) kids = false;
    }
    out.push({ phases, ops, root, kids, next });
  }
  return out;
}
const own = (t: string, action?: 'delete'): RuleEdge => ({ var: `${t}_own`, src: 'e', dst: t, type: 'OWNS', action });
const at = (t: string, s: string, action?: 'delete'): RuleEdge => ({ var: `${t}_at`, src: t, dst: s, type: 'AT', action });
const up = (c: string, p: string, action?: 'delete'): RuleEdge => ({ var: `${c}_up`, src: c, dst: p, type: 'PARENT', action });
const link = (v: string, type: string, src: string, dst: string): RuleEdge => ({ var: v, src, dst, type });
/** A new token at step `s`, child of `p` (created edges included). */
const spawn = (c: string, s: string, p: string | null): { nodes: RuleNode[]; edges: RuleEdge[] } => ({
  nodes: [{ var: c, action: 'create', labels: ['Token'], props: { phase: 'enter' } }],
  edges: [
    { var: `${c}_own`, action: 'create', src: 'e', dst: c, type: 'OWNS' },
    { var: `${c}_at`, action: 'create', src: c, dst: s, type: 'AT' },
    ...(p === null ? [] : [{ var: `${c}_up`, action: 'create' as const, src: c, dst: p, type: 'PARENT' }]),
  ],
});
/** A token `t` owned by `e` and at step `s`. */
const owned = (t: string, s: string): RuleEdge[] => [own(t), at(t, s)];
/** Everything to delete with child token `c` of `p`. */
const dropChild = (c: string, s: string, p: string): RuleEdge[] => [own(c, 'delete'), at(c, s, 'delete'), up(c, p, 'delete')];

const get = (m: MatchView, v: string, key: string): Json | undefined => m.node(v).props[key];
const num = (m: MatchView, v: string, key: string): number => (get(m, v, key) as number | undefined) ?? 0;
const failure = (code: string, message: string, stepNode?: NodeRecord): FailureData =>
  stepNode === undefined ? { code, message } : { code, message, step: (stepNode.props.path as string) ?? stepNode.id };
const errorOf = (e: unknown): { code: string; message: string } => ({
  code: typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'ERROR',
  message: e instanceof Error ? e.message : String(e),
});

// ---------------------------------------------------------------- derived values

const expressions = new Map<string, CompiledExpression>();
function expression(src: string): CompiledExpression {
  let c = expressions.get(src);
  if (c === undefined) expressions.set(src, (c = compileExpression(src)));
  return c;
}

type Resolved = { ok: true; value: Json } | { ok: false; error: FailureData };

/**
 * Builds the rule set of the token game. Rules are generic over the program
 * graph: they read what a step does from its properties, so one set serves
 * every workflow; the compiler picks the rules for the ops a workflow uses.
 */
export function buildRuleSet(options: RuleSetOptions = {}): RuleSet {
  const inputs = new PropsMemo<Resolved>();
  const choices = new PropsMemo<number | FailureData>();
  const filters = new PropsMemo<Resolved>();

  const filterOf = (m: MatchView): Resolved => {
    const e = m.node('e');
    const s = m.node('s');
    return filters.get(e.props, s.id, () => {
      try {
        return { ok: true, value: resolveMapping(s.props.filter as Record<string, unknown> | undefined, executionData(e)) as Json };
      } catch (err) {
        const { code, message } = errorOf(err);
        return { ok: false, error: failure(code, message, s) };
      }
    });
  };

  const inputOf = (m: MatchView): Resolved => {
    const e = m.node('e');
    const s = m.node('s');
    return inputs.get(e.props, s.id, () => {
      try {
        return { ok: true, value: resolveMapping(s.props.input_mapping as Record<string, unknown> | undefined, executionData(e)) as Json };
      } catch (err) {
        const { code, message } = errorOf(err);
        return { ok: false, error: failure(code, message, s) };
      }
    });
  };

  /** Index of the chosen BRANCH edge, -1 for none, or the failure of a condition. */
  const choiceOf = (m: MatchView): number | FailureData => {
    const e = m.node('e');
    const s = m.node('s');
    return choices.get(e.props, s.id, () => {
      const data = executionData(e);
      const conds = (s.props.conditions as string[] | undefined) ?? [];
      for (let i = 0; i < conds.length; i++) {
        try {
          const c = classifyCondition(conds[i]);
          if (c.kind === 'predicate') {
            const p = options.predicates?.(c.name);
            if (p === undefined) return failure('UNKNOWN_PREDICATE', `decision: no predicate "${c.name}" is registered`, s);
            if (p(data)) return i;
          } else if (expression(conds[i]).test(data)) return i;
        } catch (err) {
          const { code, message } = errorOf(err);
          return failure(code, message, s);
        }
      }
      return s.props.has_default === true ? conds.length : -1;
    });
  };

  // Activity completion: memoised per application (one FoundView per application).
  const completions = new WeakMap<MatchView, { data: Record<string, Json>; error?: FailureData }>();
  const completionOf = (m: MatchView, params: Params): { data: Record<string, Json>; error?: FailureData } => {
    let c = completions.get(m);
    if (c !== undefined) return c;
    const e = m.node('e');
    const s = m.node('s');
    const k = m.node('k');
    const undo = k.props.compensation === true;
    const name = undo ? null : (s.props.name as string | null);
    let error: FailureData | undefined;
    let assigned: Record<string, unknown> = {};
    if (!undo) {
      try {
        assigned = applyOutputMapping(s.props.output_mapping as Record<string, unknown> | undefined, params.output, executionData(e));
      } catch (err) {
        const { code, message } = errorOf(err);
        error = failure(code, message, s);
      }
    }
    const data = updateData(e, (d) => {
      if (name !== null) recordStep(d, name, params.output);
      for (const [key, v] of Object.entries(assigned)) d.set('vars', key, v);
      if (!undo && typeof s.props.compensate === 'string') d.push('compensations', { activity_ref: s.props.compensate, input: k.props.input, step: s.props.path });
    });
    c = error === undefined ? { data } : { data, error };
    completions.set(m, c);
    return c;
  };

  // The declared outputs an Execution's data fills, and the patches that fill them. Computed once per
  // Execution version: `execution.complete`'s guard and its assignment both need them, and only the
  // assignment writes them (a guard records no patches: `execution.outputs_invalid` writes none).
  const outputs = new PropsMemo<{ outputs: Json; patches: readonly DataPatch[] }>();
  const outputsFor = (e: NodeRecord): { outputs: Json; patches: readonly DataPatch[] } =>
    outputs.get(e.props, 'outputs', () => {
      const specs = (e.props.output_spec as unknown as IOSpec[] | undefined) ?? [];
      const { result, patches } = collectPatches(() =>
        updateData(e, (d) => {
          for (const o of specs) {
            const v = findOutput(o.name, d.vars, d.steps);
            if (v !== undefined) d.set('outputs', o.name, v);
            else if (o.default !== undefined) d.set('outputs', o.name, o.default);
          }
        }),
      );
      return { outputs: result.outputs, patches };
    });
  /** The outputs, as an assignment: their patches are the application's. */
  const outputsOf = (m: MatchView): Json => {
    const r = outputsFor(m.node('e'));
    recordPatches(r.patches);
    return r.outputs;
  };

  /** What is wrong with the outputs `outputsOf(m)` fills (a required one missing, a wrong type), or null. */
  const outputsProblem = (m: MatchView): string | null => {
    const e = m.node('e');
    const specs = (e.props.output_spec as unknown as IOSpec[] | undefined) ?? [];
    if (specs.length === 0) return null;
    try {
      validateOutputs(specs, outputsFor(e).outputs, { workflowId: String(e.props.workflow_id) });
      return null;
    } catch (err) {
      if (err instanceof InputValidationError) return err.message;
      throw err;
    }
  };

  /**
   * The per-activity compensations of saga `ps`'s main flow, newest first,
   * except those a saga has already started (`undone`): a nested saga
   * compensates its own activities, the enclosing saga only what is left.
   */
  const pendingOf = (m: MatchView): Json => {
    const prefix = `${String(get(m, 'ps', 'path'))}.main_flow`;
    const all = (get(m, 'e', 'compensations') as { step: string }[] | undefined) ?? [];
    const undone = (get(m, 'e', 'undone') as string[] | undefined) ?? [];
    return all.filter((x) => under(x.step, prefix) && !undone.includes(x.step)).reverse() as unknown as Json;
  };

  const rules: RuleDef[] = [];
  const def = (r: RuleDef): RuleDef => (rules.push(r), r);

  // ---- cancellation: a token whose parent has finished is cancelled, its task or timer dropped, then it is reaped.
  // A saga that is running or compensating is not cancelled with the step around it: saga.cancelled starts
  // its compensation at once (its main flow is dropped by saga.drop_main), and only once it has compensated
  // is it cancelled (as a failed token) and reaped. A main flow that has just ended is left to
  // saga.main_done / saga.main_failed.
  def({
    name: 'saga.cancelled',
    nodes: [
      E,
      {
        ...tok('s', 'active'),
        set: {
          phase: 'compensating',
          error: (m) => failure('CANCELLED', 'saga: the step around it ended first', m.node('ps')) as unknown as Json,
          pending: (m) => pendingOf(m),
          flow: false,
        },
      },
      step('ps', 'saga'),
      tok('p', ['done', 'failed', 'cancelled']),
    ],
    edges: [own('s'), at('s', 'ps'), up('s', 'p')],
    nacs: [{ nodes: [tok('d', ['done', 'failed'])], edges: [{ var: 'd_up', src: 'd', dst: 's', types: ['PARENT'] }] }],
  });
  def({
    name: 'saga.drop_main',
    nodes: [E, { ...tok('c', ['enter', 'active', 'done', 'failed']), set: { phase: 'cancelled' } }, step('ms'), tok('s', 'compensating'), step('ps', 'saga')],
    edges: [own('c'), at('c', 'ms'), up('c', 's'), at('s', 'ps'), link('mm', 'MAIN', 'ps', 'ms')],
  });
  def({
    name: 'cancel.propagate',
    nodes: [E, { ...tok('c', ['enter', 'active', 'done', 'failed', 'compensating']), set: { phase: 'cancelled' } }, step('cs'), tok('p', ['done', 'failed', 'cancelled'])],
    edges: [own('c'), at('c', 'cs'), up('c', 'p')],
    guards: [{ vars: ['c', 'cs'], test: (m) => !(get(m, 'cs', 'op') === 'saga' && (get(m, 'c', 'phase') === 'active' || get(m, 'c', 'phase') === 'compensating')) }],
  });
  def({
    name: 'cancel.drop_wait',
    nodes: [E, tok('c', 'cancelled'), { var: 'k', action: 'delete' }],
    edges: [own('c'), { var: 'w', src: 'c', dst: 'k', type: 'WAITS', action: 'delete' }],
  });
  def({
    name: 'cancel.reap',
    mode: 'spo',
    nodes: [E, { ...tok('c', 'cancelled'), action: 'delete' }],
    // SPO: the token's AT and PARENT edges go with it.
    edges: [own('c', 'delete')],
    nacs: [
      { nodes: [{ var: 'x' }], edges: [{ var: 'xu', src: 'x', dst: 'c', types: ['PARENT'] }] },
      { nodes: [{ var: 'y' }], edges: [{ var: 'yw', src: 'c', dst: 'y', types: ['WAITS'] }] },
    ],
  });

  // ---- execution end
  def({
    name: 'execution.complete',
    params: ['now'],
    nodes: [
      // A cancel accepted while only compensation was left to run still ends the execution cancelled.
      { ...E, props: { status: 'running' }, set: { status: (m) => (typeof get(m, 'e', 'cancelled_at') === 'number' ? 'cancelled' : 'completed'), outputs: (m) => outputsOf(m), ended_at: (_m, p) => p.now } },
      { ...tok('t', 'done'), action: 'delete' },
      step('s'),
    ],
    edges: [own('t', 'delete'), at('t', 's', 'delete')],
    nacs: [{ nodes: [{ var: 'x' }], edges: [{ var: 'xu', src: 't', dst: 'x', types: ['PARENT'] }] }],
    guards: [{ vars: ['e'], test: (m) => outputsProblem(m) === null }],
  });
  // Declared outputs are a contract: a required one missing or one of the wrong type fails the execution.
  def({
    name: 'execution.outputs_invalid',
    nodes: [{ ...E, props: { status: 'running' } }, { ...tok('t', 'done'), set: { phase: 'failed', error: (m) => failure('OUTPUT_INVALID', outputsProblem(m) ?? '') as unknown as Json } }, step('s')],
    edges: [own('t'), at('t', 's')],
    nacs: [{ nodes: [{ var: 'x' }], edges: [{ var: 'xu', src: 't', dst: 'x', types: ['PARENT'] }] }],
    guards: [{ vars: ['e'], test: (m) => outputsProblem(m) !== null }],
  });
  def({
    name: 'execution.fail',
    params: ['now'],
    nodes: [
      // A cancelled execution whose sagas have compensated ends cancelled (its error says what was compensated).
      { ...E, props: { status: 'running' }, set: { status: (m) => (typeof get(m, 'e', 'cancelled_at') === 'number' ? 'cancelled' : 'failed'), error: (m) => get(m, 't', 'error') ?? null, ended_at: (_m, p) => p.now } },
      { ...tok('t', 'failed'), action: 'delete' },
      step('s'),
    ],
    edges: [own('t', 'delete'), at('t', 's', 'delete')],
    nacs: [{ nodes: [{ var: 'x' }], edges: [{ var: 'xu', src: 't', dst: 'x', types: ['PARENT'] }] }],
  });

  // ---- leaving steps
  def({
    name: 'step.next',
    nodes: [E, { ...tok('c', 'done'), set: { phase: 'enter' } }, step('s'), step('n'), tok('p', 'active')],
    edges: [own('c'), at('c', 's', 'delete'), link('nx', 'NEXT', 's', 'n'), up('c', 'p'), { var: 'c_at2', action: 'create', src: 'c', dst: 'n', type: 'AT' }],
    // The token moves on only once its children are gone (a losing saga branch compensating, say).
    nacs: [{ nodes: [{ var: 'x' }], edges: [{ var: 'xu', src: 'x', dst: 'c', types: ['PARENT'] }] }],
  });
  def({
    name: 'child.done',
    nodes: [E, { ...tok('c', 'done'), action: 'delete' }, step('s'), { ...tok('p', 'active'), set: { phase: 'done' } }, { var: 'ps', labels: ['Step'], where: stepWhere(['seq', 'decision']) }],
    edges: [...dropChild('c', 's', 'p'), own('p'), at('p', 'ps')],
    nacs: [{ nodes: [{ var: 'x' }], edges: [{ var: 'xn', src: 's', dst: 'x', types: ['NEXT'] }] }],
  });
  def({
    name: 'child.failed',
    nodes: [
      E,
      { ...tok('c', 'failed'), action: 'delete' },
      step('s'),
      { ...tok('p', 'active'), set: { phase: 'failed', error: (m) => get(m, 'c', 'error') ?? null } },
      { var: 'ps', labels: ['Step'], where: stepWhere(['seq', 'decision']) },
    ],
    edges: [...dropChild('c', 's', 'p'), own('p'), at('p', 'ps')],
  });

  // ---- parallel: fork one branch at a time, count finished branches, join when enough.
  def({
    name: 'parallel.branch_done',
    nodes: [E, { ...tok('c', 'done'), action: 'delete' }, step('s'), { ...tok('p', 'active'), set: { completed: (m) => num(m, 'p', 'completed') + 1 } }, step('ps', 'parallel')],
    edges: [...dropChild('c', 's', 'p'), own('p'), at('p', 'ps')],
  });
  def({
    name: 'parallel.branch_failed',
    nodes: [
      E,
      { ...tok('c', 'failed'), action: 'delete' },
      step('s'),
      { ...tok('p', 'active'), set: { failed: (m) => num(m, 'p', 'failed') + 1, error: (m) => get(m, 'c', 'error') ?? null } },
      step('ps', 'parallel'),
    ],
    edges: [...dropChild('c', 's', 'p'), own('p'), at('p', 'ps')],
  });
  def({
    name: 'parallel.join',
    nodes: [E, { ...tok('t', 'active'), set: { phase: 'done' } }, step('s', 'parallel')],
    edges: owned('t', 's'),
    guards: [{ vars: ['t', 's'], test: (m) => num(m, 't', 'completed') >= num(m, 's', 'need') }],
  });
  def({
    name: 'parallel.fail',
    nodes: [E, { ...tok('t', 'active'), set: { phase: 'failed' } }, step('s', 'parallel')],
    edges: owned('t', 's'),
    guards: [{ vars: ['t', 's'], test: (m) => num(m, 's', 'branches') - num(m, 't', 'failed') < num(m, 's', 'need') }],
  });
  def({
    name: 'parallel.fork',
    nodes: [E, { ...tok('t', 'active'), set: { forked: (m) => [...((get(m, 't', 'forked') as number[]) ?? []), m.edge('br').props.index as number] } }, step('s', 'parallel'), step('b'), ...spawn('c', 'b', 't').nodes],
    edges: [...owned('t', 's'), link('br', 'BRANCH', 's', 'b'), ...spawn('c', 'b', 't').edges],
    guards: [{ vars: ['t', 'br'], test: (m) => !((get(m, 't', 'forked') as number[] | undefined) ?? []).includes(m.edge('br').props.index as number) }],
  });

  // ---- saga
  def({
    name: 'saga.main_done',
    nodes: [E, { ...tok('c', 'done'), action: 'delete' }, step('s'), { ...tok('p', 'active'), set: { phase: 'done' } }, step('ps', 'saga')],
    edges: [...dropChild('c', 's', 'p'), own('p'), at('p', 'ps'), link('mf', 'MAIN', 'ps', 's')],
  });
  // Main flow failed: first the per-activity `compensate` activities of the main flow, newest first, then the compensation flow.
  def({
    name: 'saga.main_failed',
    nodes: [
      E,
      { ...tok('c', 'failed'), action: 'delete' },
      step('s'),
      {
        ...tok('p', 'active'),
        set: {
          phase: 'compensating',
          error: (m) => get(m, 'c', 'error') ?? null,
          pending: (m) => pendingOf(m),
          flow: false,
        },
      },
      step('ps', 'saga'),
    ],
    edges: [...dropChild('c', 's', 'p'), own('p'), at('p', 'ps'), link('mf', 'MAIN', 'ps', 's')],
  });
  const noChild = (p: string) => ({ nodes: [{ var: `${p}_kid` }], edges: [{ var: `${p}_kidup`, src: `${p}_kid`, dst: p, types: ['PARENT'] }] });
  const pending = (m: MatchView): { activity_ref: string; input: Json; step: string }[] => (get(m, 'p', 'pending') as never) ?? [];
  def({
    name: 'saga.undo',
    nodes: [
      // `undone`: the step is compensated once, even if an enclosing saga compensates later.
      { ...E, set: { undone: (m) => [...((get(m, 'e', 'undone') as string[] | undefined) ?? []), pending(m)[0].step] } },
      { ...tok('p', 'compensating'), set: { pending: (m) => pending(m).slice(1) as unknown as Json } },
      step('ps', 'saga'),
      { var: 'c', action: 'create', labels: ['Token'], props: { phase: 'active' } },
      {
        var: 'k',
        action: 'create',
        labels: ['Task'],
        props: { status: 'scheduled', attempt: 0, compensation: true, name: null },
        set: {
          execution: (m) => m.node('e').id,
          step: (m) => m.node('ps').id,
          activity_ref: (m) => pending(m)[0].activity_ref,
          input: (m) => pending(m)[0].input,
          undoes: (m) => pending(m)[0].step,
        },
      },
    ],
    edges: [
      own('p'),
      at('p', 'ps'),
      { var: 'c_own', action: 'create', src: 'e', dst: 'c', type: 'OWNS' },
      { var: 'c_at', action: 'create', src: 'c', dst: 'ps', type: 'AT' },
      { var: 'c_up', action: 'create', src: 'c', dst: 'p', type: 'PARENT' },
      { var: 'cw', action: 'create', src: 'c', dst: 'k', type: 'WAITS' },
    ],
    guards: [{ vars: ['p'], test: (m) => pending(m).length > 0 }],
    nacs: [noChild('p')],
  });
  def({
    name: 'saga.undo_done',
    nodes: [E, { ...tok('c', 'done'), action: 'delete' }, tok('p', 'compensating'), step('ps', 'saga')],
    edges: [...dropChild('c', 'ps', 'p'), own('p'), { var: 'p_at', src: 'p', dst: 'ps', type: 'AT' }],
  });
  def({
    name: 'saga.undo_failed',
    nodes: [
      E,
      { ...tok('c', 'failed'), action: 'delete' },
      {
        ...tok('p', 'compensating'),
        set: {
          phase: 'failed',
          error: (m) => ({ code: 'COMPENSATION_FAILED', message: 'saga: a compensate activity failed', cause: get(m, 'p', 'error') ?? null, compensation: get(m, 'c', 'error') ?? null, compensated: false }),
        },
      },
      step('ps', 'saga'),
    ],
    edges: [...dropChild('c', 'ps', 'p'), own('p'), { var: 'p_at', src: 'p', dst: 'ps', type: 'AT' }],
  });
  def({
    name: 'saga.compensate',
    nodes: [E, { ...tok('p', 'compensating'), set: { flow: true } }, step('ps', 'saga'), step('cs'), ...spawn('k', 'cs', 'p').nodes],
    edges: [own('p'), at('p', 'ps'), link('cf', 'COMPENSATION', 'ps', 'cs'), ...spawn('k', 'cs', 'p').edges],
    guards: [{ vars: ['p'], test: (m) => pending(m).length === 0 && get(m, 'p', 'flow') !== true }],
    nacs: [noChild('p')],
  });
  def({
    name: 'saga.compensation_done',
    nodes: [
      E,
      { ...tok('c', 'done'), action: 'delete' },
      step('s'),
      { ...tok('p', 'compensating'), set: { phase: 'failed', error: (m) => ({ ...((get(m, 'p', 'error') as object | null) ?? {}), compensated: true }) as Json } },
      step('ps', 'saga'),
    ],
    edges: [...dropChild('c', 's', 'p'), own('p'), at('p', 'ps'), link('cf', 'COMPENSATION', 'ps', 's')],
  });
  def({
    name: 'saga.compensation_failed',
    nodes: [
      E,
      { ...tok('c', 'failed'), action: 'delete' },
      step('s'),
      {
        ...tok('p', 'compensating'),
        set: {
          phase: 'failed',
          error: (m) => ({ code: 'COMPENSATION_FAILED', message: 'saga: the compensation failed', cause: get(m, 'p', 'error') ?? null, compensation: get(m, 'c', 'error') ?? null, compensated: false }),
        },
      },
      step('ps', 'saga'),
    ],
    edges: [...dropChild('c', 's', 'p'), own('p'), at('p', 'ps'), link('cf', 'COMPENSATION', 'ps', 's')],
  });

  // Workflow timeout or cancel with a saga running (execution.timeout_saga, execution.cancel_saga): every
  // step that waits on an effect fails with WORKFLOW_TIMEOUT or CANCELLED, so the sagas compensate as on
  // any failure (innermost first) and the execution ends; compensation work (anything inside a
  // compensating saga, by document path) runs on.
  def({
    name: 'saga.timeout_step',
    nodes: [
      { ...E, where: stopping },
      { ...tok('t', 'active'), set: { phase: 'failed', error: (m) => stopFailure(m.node('e'), m.node('s')) as unknown as Json } },
      step('s'),
      { var: 'x', action: 'delete' },
    ],
    edges: [...owned('t', 's'), { var: 'tw', src: 't', dst: 'x', type: 'WAITS', action: 'delete' }],
    nacs: [
      // A compensate task (AT its saga's step) or the compensation flow's first token.
      { nodes: [tok('q', 'compensating')], edges: [{ var: 't_upq', src: 't', dst: 'q', types: ['PARENT'] }] },
      // A step deeper inside a compensating saga.
      {
        nodes: [tok('q', 'compensating'), { var: 'qs', labels: ['Step'] }],
        edges: [{ var: 'q_own', src: 'e', dst: 'q', types: ['OWNS'] }, { var: 'q_at', src: 'q', dst: 'qs', types: ['AT'] }],
        guards: [{ vars: ['s', 'qs'], test: (m) => under(String(get(m, 's', 'path')), String(get(m, 'qs', 'path'))) }],
      },
    ],
  });

  // ---- entering steps
  def({
    name: 'seq.enter',
    nodes: [E, { ...tok('t', 'enter'), set: { phase: 'active' } }, step('s', 'seq'), step('f'), ...spawn('c', 'f', 't').nodes],
    edges: [...owned('t', 's'), link('fe', 'FIRST', 's', 'f'), ...spawn('c', 'f', 't').edges],
  });
  def({
    name: 'parallel.enter',
    nodes: [E, { ...tok('t', 'enter'), set: { phase: 'active', forked: [], completed: 0, failed: 0 } }, step('s', 'parallel')],
    edges: owned('t', 's'),
  });
  def({
    name: 'saga.enter',
    nodes: [E, { ...tok('t', 'enter'), set: { phase: 'active' } }, step('s', 'saga'), step('m'), ...spawn('c', 'm', 't').nodes],
    edges: [...owned('t', 's'), link('mf', 'MAIN', 's', 'm'), ...spawn('c', 'm', 't').edges],
  });
  def({
    name: 'decision.choose',
    nodes: [E, { ...tok('t', 'enter'), set: { phase: 'active', branch: (m) => m.edge('br').props.index as number } }, step('s', 'decision'), step('b'), ...spawn('c', 'b', 't').nodes],
    edges: [...owned('t', 's'), link('br', 'BRANCH', 's', 'b'), ...spawn('c', 'b', 't').edges],
    guards: [{ vars: ['e', 't', 's', 'br'], test: (m) => choiceOf(m) === m.edge('br').props.index }],
  });
  def({
    name: 'decision.skip',
    nodes: [E, { ...tok('t', 'enter'), set: { phase: 'done', branch: null } }, step('s', 'decision')],
    edges: owned('t', 's'),
    guards: [{ vars: ['e', 't', 's'], test: (m) => choiceOf(m) === -1 }],
  });
  def({
    name: 'decision.error',
    nodes: [E, { ...tok('t', 'enter'), set: { phase: 'failed', error: (m) => choiceOf(m) as unknown as Json } }, step('s', 'decision')],
    edges: owned('t', 's'),
    guards: [{ vars: ['e', 't', 's'], test: (m) => typeof choiceOf(m) === 'object' }],
  });
  def({
    name: 'activity.schedule',
    nodes: [
      E,
      { ...tok('t', 'enter'), set: { phase: 'active' } },
      step('s', 'activity'),
      {
        var: 'k',
        action: 'create',
        labels: ['Task'],
        props: { status: 'scheduled', attempt: 0 },
        set: {
          execution: (m) => m.node('e').id,
          step: (m) => m.node('s').id,
          name: (m) => get(m, 's', 'name') ?? null,
          activity_ref: (m) => get(m, 's', 'activity_ref') ?? null,
          input: (m) => (inputOf(m) as { value: Json }).value,
        },
      },
    ],
    edges: [...owned('t', 's'), { var: 'tw', action: 'create', src: 't', dst: 'k', type: 'WAITS' }],
    guards: [{ vars: ['e', 't', 's'], test: (m) => inputOf(m).ok }],
  });
  def({
    name: 'activity.input_error',
    nodes: [E, { ...tok('t', 'enter'), set: { phase: 'failed', error: (m) => (inputOf(m) as { error: FailureData }).error as unknown as Json } }, step('s', 'activity')],
    edges: owned('t', 's'),
    guards: [{ vars: ['e', 't', 's'], test: (m) => !inputOf(m).ok }],
  });
  def({
    name: 'wait.timer',
    params: ['now'],
    nodes: [
      E,
      { ...tok('t', 'enter'), set: { phase: 'active' } },
      { var: 's', labels: ['Step'], props: { op: 'wait', wait: 'timer' } },
      {
        var: 'x',
        action: 'create',
        labels: ['Timer'],
        set: { execution: (m) => m.node('e').id, step: (m) => m.node('s').id, fire_at: (m, p) => (p.now as number) + num(m, 's', 'duration_ms') },
      },
    ],
    edges: [...owned('t', 's'), { var: 'tw', action: 'create', src: 't', dst: 'x', type: 'WAITS' }],
  });

  const sameSignal = (g: string) => (m: MatchView): boolean => get(m, g, 'name') === get(m, 's', 'signal_name');
  def({
    name: 'wait.take_signal',
    nodes: [
      {
        ...E,
        set: {
          steps: (m) => {
            const name = get(m, 's', 'name');
            const payload = get(m, 'g', 'payload') ?? null;
            return typeof name === 'string' ? updateData(m.node('e'), (d) => recordStep(d, name, payload)).steps : (get(m, 'e', 'steps') ?? {});
          },
        },
      },
      { ...tok('t', 'enter'), set: { phase: 'done' } },
      { var: 's', labels: ['Step'], props: { op: 'wait', wait: 'signal' } },
      { var: 'g', labels: ['Signal'], action: 'delete' },
    ],
    edges: [...owned('t', 's'), { var: 'rg', src: 'e', dst: 'g', type: 'RECEIVED', action: 'delete' }],
    guards: [{ vars: ['g', 's'], test: sameSignal('g') }],
    // Signals are taken in arrival order (as Temporal does): no older kept signal of that name.
    // `seq` is graph content, so a replay makes the same choice.
    nacs: [{
      nodes: [{ var: 'g0', labels: ['Signal'] }],
      edges: [{ var: 'rg0', src: 'e', dst: 'g0', types: ['RECEIVED'] }],
      guards: [{ vars: ['g0', 'g'], test: (m) => get(m, 'g0', 'name') === get(m, 'g', 'name') && num(m, 'g0', 'seq') < num(m, 'g', 'seq') }],
    }],
  });
  const listening = stepWhere(['wait'], (n) => n.props.wait === 'signal' || n.props.wait === 'event');
  def({
    name: 'wait.listen',
    params: ['now'],
    nodes: [
      E,
      { ...tok('t', 'enter'), set: { phase: 'active' } },
      { var: 's', labels: ['Step'], where: listening },
      {
        var: 'x',
        action: 'create',
        labels: ['Wait'],
        set: {
          execution: (m) => m.node('e').id,
          step: (m) => m.node('s').id,
          kind: (m) => get(m, 's', 'wait') ?? null,
          name: (m) => get(m, 's', 'wait') === 'signal' ? (get(m, 's', 'signal_name') ?? null) : (get(m, 's', 'event_type') ?? null),
          filter: (m) => (filterOf(m) as { value: Json }).value,
          deadline: (m, p) => (typeof get(m, 's', 'timeout_ms') === 'number' ? (p.now as number) + num(m, 's', 'timeout_ms') : null),
        },
      },
    ],
    edges: [...owned('t', 's'), { var: 'tw', action: 'create', src: 't', dst: 'x', type: 'WAITS' }],
    guards: [{ vars: ['e', 's'], test: (m) => filterOf(m).ok }],
    // A signal that arrived before the wait is taken by wait.take_signal instead.
    nacs: [{ nodes: [{ var: 'g', labels: ['Signal'] }], edges: [{ var: 'rg', src: 'e', dst: 'g', types: ['RECEIVED'] }], guards: [{ vars: ['g', 's'], test: sameSignal('g') }] }],
  });
  def({
    name: 'wait.filter_error',
    nodes: [E, { ...tok('t', 'enter'), set: { phase: 'failed', error: (m) => (filterOf(m) as { error: FailureData }).error as unknown as Json } }, { var: 's', labels: ['Step'], where: listening }],
    edges: owned('t', 's'),
    guards: [{ vars: ['e', 's'], test: (m) => !filterOf(m).ok }],
  });

  def({
    name: 'subworkflow.call',
    nodes: [
      E,
      { ...tok('t', 'enter'), set: { phase: 'active' } },
      step('s', 'subworkflow'),
      {
        var: 'x',
        action: 'create',
        labels: ['Call'],
        props: { status: 'pending', child: null },
        set: {
          execution: (m) => m.node('e').id,
          step: (m) => m.node('s').id,
          workflow_ref: (m) => get(m, 's', 'workflow_ref') ?? null,
          input: (m) => (inputOf(m) as { value: Json }).value,
        },
      },
    ],
    edges: [...owned('t', 's'), { var: 'tw', action: 'create', src: 't', dst: 'x', type: 'WAITS' }],
    guards: [{ vars: ['e', 't', 's'], test: (m) => inputOf(m).ok }],
  });
  def({
    name: 'subworkflow.input_error',
    nodes: [E, { ...tok('t', 'enter'), set: { phase: 'failed', error: (m) => (inputOf(m) as { error: FailureData }).error as unknown as Json } }, step('s', 'subworkflow')],
    edges: owned('t', 's'),
    guards: [{ vars: ['e', 't', 's'], test: (m) => !inputOf(m).ok }],
  });

  // ---- external facts
  const taskFact = (name: FactRule, params: string[], tokenSet: RuleNode['set'] | null, taskAction: 'delete' | { readonly [k: string]: Assignment }, execSet?: RuleNode['set']): RuleDef => ({
    name,
    params,
    nodes: [
      execSet === undefined ? E : { ...E, set: execSet },
      tokenSet === null ? tok('t', 'active') : { ...tok('t', 'active'), set: tokenSet },
      step('s'),
      taskAction === 'delete' ? { var: 'k', labels: ['Task'], action: 'delete' } : { var: 'k', labels: ['Task'], set: taskAction },
    ],
    edges: [...owned('t', 's'), { var: 'tw', src: 't', dst: 'k', type: 'WAITS', action: taskAction === 'delete' ? 'delete' : undefined }],
  });
  const waitReceive: RuleDef = {
    name: 'wait.receive',
    params: ['payload'],
    nodes: [
      {
        ...E,
        set: {
          steps: (m, p) => {
            const name = get(m, 's', 'name');
            return typeof name === 'string' ? updateData(m.node('e'), (d) => recordStep(d, name, p.payload)).steps : (get(m, 'e', 'steps') ?? {});
          },
        },
      },
      { ...tok('t', 'active'), set: { phase: 'done' } },
      step('s', 'wait'),
      { var: 'x', labels: ['Wait'], action: 'delete' },
    ],
    edges: [...owned('t', 's'), { var: 'tw', src: 't', dst: 'x', type: 'WAITS', action: 'delete' }],
  };
  const waitTimeout: RuleDef = {
    name: 'wait.timeout',
    nodes: [
      E,
      {
        ...tok('t', 'active'),
        set: { phase: 'failed', error: (m) => failure('WAIT_TIMEOUT', `wait: no ${String(get(m, 'x', 'kind'))} "${String(get(m, 'x', 'name'))}" before the timeout`, m.node('s')) as unknown as Json },
      },
      step('s', 'wait'),
      { var: 'x', labels: ['Wait'], action: 'delete' },
    ],
    edges: [...owned('t', 's'), { var: 'tw', src: 't', dst: 'x', type: 'WAITS', action: 'delete' }],
  };
  const callFact = (name: FactRule, params: string[], callAction: 'delete' | { readonly [k: string]: Assignment }, tokenSet: RuleNode['set'] | null, execSet: RuleNode['set'] | null): RuleDef => ({
    name,
    params,
    nodes: [
      execSet === null ? E : { ...E, set: execSet },
      tokenSet === null ? tok('t', 'active') : { ...tok('t', 'active'), set: tokenSet },
      step('s', 'subworkflow'),
      callAction === 'delete' ? { var: 'x', labels: ['Call'], action: 'delete' } : { var: 'x', labels: ['Call'], set: callAction },
    ],
    edges: [...owned('t', 's'), { var: 'tw', src: 't', dst: 'x', type: 'WAITS', action: callAction === 'delete' ? 'delete' : undefined }],
  });
  const subStarted = callFact('subworkflow.started', ['child'], { status: 'running', child: (_m, p) => p.child }, null, null);
  const subComplete = callFact('subworkflow.complete', ['output'], 'delete', { phase: 'done' }, {
    steps: (m, p) => {
      const name = get(m, 's', 'name');
      return typeof name === 'string' ? updateData(m.node('e'), (d) => recordStep(d, name, p.output)).steps : (get(m, 'e', 'steps') ?? {});
    },
  });
  const subFail = callFact('subworkflow.fail', ['error'], 'delete', { phase: 'failed', error: (m, p) => ({ ...(p.error as object), step: get(m, 's', 'path') ?? null }) as Json }, null);
  const facts: Record<FactRule, RuleDef> = {
    'execution.start': {
      name: 'execution.start',
      params: ['inputs', 'now', 'parent'],
      nodes: [
        { var: 'w', labels: ['Workflow'] },
        step('r'),
        {
          var: 'e',
          action: 'create',
          labels: ['Execution'],
          props: { status: 'running', steps: {}, vars: {}, outputs: {}, compensations: [] },
          set: { inputs: (_m, p) => p.inputs, started_at: (_m, p) => p.now, workflow: (m) => get(m, 'w', 'key') ?? null, workflow_id: (m) => get(m, 'w', 'workflow_id') ?? null, output_spec: (m) => get(m, 'w', 'outputs') ?? [], parent: (_m, p) => p.parent },
        },
        ...spawn('t', 'r', null).nodes,
      ],
      // No edge to the Workflow node (its degree would grow with every execution): `e.workflow` names it.
      edges: [link('wr', 'ROOT', 'w', 'r'), ...spawn('t', 'r', null).edges],
    },
    'execution.timeout': endFact('execution.timeout', 'timed_out'),
    'execution.cancel': endFact('execution.cancel', 'cancelled'),
    'activity.complete': taskFact(
      'activity.complete',
      ['output', 'attempt', 'started_at'],
      { phase: (m, p) => (completionOf(m, p).error === undefined ? 'done' : 'failed'), error: (m, p) => (completionOf(m, p).error ?? null) as Json },
      'delete',
      { steps: (m, p) => completionOf(m, p).data.steps, vars: (m, p) => completionOf(m, p).data.vars, compensations: (m, p) => completionOf(m, p).data.compensations },
    ),
    'activity.retry_wait': taskFact('activity.retry_wait', ['attempt', 'error', 'retry_at', 'started_at'], null, {
      status: 'backoff',
      attempt: (_m, p) => p.attempt,
      last_error: (_m, p) => p.error,
      retry_at: (_m, p) => p.retry_at,
    }),
    'activity.retry': taskFact('activity.retry', [], null, { status: 'scheduled' }),
    'activity.fail': taskFact('activity.fail', ['error', 'attempt', 'started_at'], { phase: 'failed', error: (m, p) => ({ ...(p.error as object), step: get(m, 's', 'path') ?? null }) as Json }, 'delete'),
    'timer.fire': {
      name: 'timer.fire',
      nodes: [E, { ...tok('t', 'active'), set: { phase: 'done' } }, { var: 'x', labels: ['Timer'], action: 'delete' }],
      edges: [own('t'), { var: 'tw', src: 't', dst: 'x', type: 'WAITS', action: 'delete' }],
    },
    'wait.receive': waitReceive,
    'wait.timeout': waitTimeout,
    'subworkflow.started': subStarted,
    'subworkflow.complete': subComplete,
    'subworkflow.fail': subFail,
    // Workflow timeout while a saga runs (its main flow, or its compensation): only marks the execution;
    // saga.timeout_step then fails the waiting steps and every running saga compensates.
    'execution.timeout_saga': {
      name: 'execution.timeout_saga',
      params: ['now'],
      nodes: [
        { ...E, props: { status: 'running' }, where: (n) => n.props.timed_out_at === undefined, set: { timed_out_at: (_m, p) => p.now } },
        tok('p', ['active', 'compensating']),
        step('ps', 'saga'),
        tok('c'),
      ],
      // A saga's token has a child (its main flow, compensate task or compensation flow); a compensate task's token has none.
      edges: [own('p'), at('p', 'ps'), up('c', 'p')],
    },
    // Cancel while a saga runs: as execution.timeout_saga, with `cancelled_at`; the execution ends cancelled.
    'execution.cancel_saga': {
      name: 'execution.cancel_saga',
      params: ['now'],
      nodes: [
        { ...E, props: { status: 'running' }, where: (n) => !stopping(n), set: { cancelled_at: (_m, p) => p.now } },
        tok('p', ['active', 'compensating']),
        step('ps', 'saga'),
        tok('c'),
      ],
      edges: [own('p'), at('p', 'ps'), up('c', 'p')],
    },
    'signal.buffer': {
      name: 'signal.buffer',
      params: ['name', 'payload'],
      nodes: [
        // `signals` numbers the kept signals (Signal `seq`), so waits take them in arrival order.
        { ...E, props: { status: 'running' }, set: { signals: (m) => num(m, 'e', 'signals') + 1 } },
        {
          var: 'g',
          action: 'create',
          labels: ['Signal'],
          set: { execution: (m) => m.node('e').id, name: (_m, p) => p.name, payload: (_m, p) => p.payload, seq: (m) => num(m, 'e', 'signals') + 1 },
        },
      ],
      edges: [{ var: 'rg', action: 'create', src: 'e', dst: 'g', type: 'RECEIVED' }],
    },
  };
  return { internal: rules, facts };
}

/**
 * A running execution told to stop while a saga ran: its workflow timeout fired
 * (execution.timeout_saga) or it was cancelled (execution.cancel_saga).
 */
function stopping(e: NodeRecord): boolean {
  return e.props.status === 'running' && (typeof e.props.timed_out_at === 'number' || typeof e.props.cancelled_at === 'number');
}

/** Why a stopping execution's waiting steps fail: cancelled, else timed out. */
function stopFailure(e: NodeRecord, s: NodeRecord): FailureData {
  return typeof e.props.cancelled_at === 'number' ? failure('CANCELLED', 'the execution was cancelled', s) : failure('WORKFLOW_TIMEOUT', 'the workflow timed out', s);
}

/** Whether document path `path` is `prefix` or inside it. */
function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** Ends a running execution from outside: its root token is cancelled and the cancellation rules clean up. */
function endFact(name: FactRule, status: ExecutionStatus): RuleDef {
  return {
    name,
    params: ['now'],
    // Not while sagas compensate after a cancel or a timeout: compensation always runs to its end.
    nodes: [{ ...E, props: { status: 'running' }, where: (n) => !stopping(n), set: { status, ended_at: (_m, p) => p.now } }, { ...tok('t'), set: { phase: 'cancelled' } }],
    edges: [own('t')],
    nacs: [{ nodes: [{ var: 'x' }], edges: [{ var: 'xu', src: 't', dst: 'x', types: ['PARENT'] }] }],
  };
}

/**
 * Records a step's result with `seq`, its place in the order results were
 * recorded (1, 2, …): the store keeps object keys in one canonical order, not
 * in the order they were written, so recency must be data.
 */
function recordStep(d: DataWriter, name: string, output: unknown): void {
  d.set('steps', name, { output, seq: lastSeq(d.steps) + 1 });
}

function lastSeq(steps: Readonly<Record<string, unknown>>): number {
  let seq = 0;
  for (const k of Object.keys(steps)) {
    const s = (steps[k] as { seq?: unknown } | null)?.seq;
    if (typeof s === 'number' && s > seq) seq = s;
  }
  return seq;
}

/**
 * A declared output's value: `$.vars.<name>` if set, else the field `<name>` of
 * the most recently recorded step output that has it (highest `seq`).
 */
function findOutput(name: string, vars: Record<string, unknown>, steps: Record<string, unknown>): unknown {
  if (Object.prototype.hasOwnProperty.call(vars, name)) return vars[name];
  let best: { seq: number; value: unknown } | undefined;
  for (const k of Object.keys(steps)) {
    const step = steps[k] as { output?: unknown; seq?: unknown } | null;
    const out = step?.output;
    if (out === null || typeof out !== 'object' || Array.isArray(out) || !Object.prototype.hasOwnProperty.call(out, name)) continue;
    const seq = typeof step?.seq === 'number' ? step.seq : 0;
    if (best === undefined || seq >= best.seq) best = { seq, value: (out as Record<string, unknown>)[name] };
  }
  return best?.value;
}
