import type { CommitInfo, EdgeRecord, GraphView, Isolation, Json, NodeRecord, Store, Transaction } from '../graph/index.ts';
import { RuleError } from './errors.ts';
import { Match, searchBound, searchSlots } from './match/match.ts';
import type { MatchView } from './match/pattern.ts';
import type { Search } from './match/search.ts';
import type { Assignment, Params, Rule } from './rule.ts';

/** What one application did. */
export interface Application {
  readonly rule: string;
  /** Left-hand-side variable -> matched element id. */
  readonly match: Record<string, string>;
  /** Created variable -> new element id. */
  readonly created: Record<string, string>;
  readonly params: Params;
}

export interface ApplyOptions {
  readonly params?: Params;
  /** A complete match (every left-hand-side variable): applied as given, or refused with a RuleError. */
  readonly match?: { readonly [variable: string]: string };
  /** Start bindings: the first applicable match that agrees with them is used. */
  readonly bindings?: { readonly [variable: string]: string };
  /** Default 'serializable'. */
  readonly isolation?: Isolation;
  /**
   * The ids to give the created elements, by variable (every created one):
   * for replaying a recorded application (`Application.created`) as it was,
   * whatever ids this build would make.
   */
  readonly created?: { readonly [variable: string]: string };
}

export interface ApplyResult {
  readonly application: Application;
  readonly commit: CommitInfo;
}

/** A match's elements, copied out of a search so the transaction can be written. */
export interface Found {
  readonly nodes: NodeRecord[];
  readonly edges: EdgeRecord[];
}

const EMPTY: Params = Object.freeze({});

/**
 * Applies `rule` once as its own transaction; the commit's meta records
 * `{rule, match, params}`. Returns undefined (and commits nothing) when the
 * rule has no applicable match.
 */
export function apply(store: Store, rule: Rule, options: ApplyOptions = {}): ApplyResult | undefined {
  const tx = store.begin({ isolation: options.isolation ?? 'serializable' });
  let application: Application | undefined;
  try {
    application = applyInTx(tx, rule, options);
  } catch (e) {
    tx.abort();
    throw e;
  }
  if (application === undefined) {
    tx.abort();
    return undefined;
  }
  const commit = tx.commit({ rule: application.rule, match: application.match, params: application.params } as Json);
  return { application, commit };
}

/**
 * Applies `rule` once inside an open transaction (a control program batches
 * several this way). Created ids are `${idPrefix}:${tx}.${k}:${pos}` (the
 * prefix is the rule's name unless the rule says otherwise): the TxId the
 * transaction will commit as, the application's index in the transaction and
 * the element's position in the rule; or `options.created`, when given.
 */
export function applyInTx(tx: Transaction, rule: Rule, options: Omit<ApplyOptions, 'isolation'> = {}): Application | undefined {
  const params = checkParams(rule, options.params ?? EMPTY);
  let found: Found | undefined;
  if (options.match !== undefined) {
    for (const v of rule.cp.vars.keys()) {
      if (!(v in options.match)) throw new RuleError('INVALID_BINDING', `applyInTx: rule "${rule.name}": the match does not bind "${v}"`);
    }
    found = findApplicable(tx, rule, params, options.match, true);
    if (found === undefined) throw new RuleError('NOT_A_MATCH', `applyInTx: rule "${rule.name}": ${JSON.stringify(options.match)} is not a match of the left-hand side`);
  } else found = findApplicable(tx, rule, params, options.bindings, false);
  if (found === undefined) return undefined;
  const created = perform(tx, rule, found, params, options.created === undefined ? undefined : recordedIds(tx, rule, options.created));
  return { rule: rule.name, match: matchIds(rule, found), created: createdIds(rule, created), params };
}

/** The first applicable match (gluing condition included), as records; strict: report a gluing violation. */
export function findApplicable(view: GraphView, rule: Rule, params: Params, bindings: { readonly [v: string]: string } | undefined, strict: boolean): Found | undefined {
  let found: Found | undefined;
  let violation: string | null = null;
  const prev = rule.current;
  rule.current = params;
  try {
    searchSlots(view, rule.cp, bindings, (s) => {
      violation = gluingViolation(view, rule, s.nodeRecs as NodeRecord[], s.edgeRecs as EdgeRecord[]);
      if (violation !== null && !strict) return true;
      found = { nodes: s.nodeRecs.slice() as NodeRecord[], edges: s.edgeRecs.slice() as EdgeRecord[] };
      return false;
    });
  } finally {
    rule.current = prev;
  }
  if (strict && found !== undefined && violation !== null) throw gluingError(rule, violation);
  return found;
}

/** All applicable matches (up to `limit`), in the matcher's order. */
export function findAllApplicable(view: GraphView, rule: Rule, params: Params, limit = Infinity, fn?: (f: Found) => void): Found[] {
  const out: Found[] = [];
  const prev = rule.current;
  rule.current = params;
  try {
    searchSlots(view, rule.cp, undefined, (s: Search) => {
      if (gluingViolation(view, rule, s.nodeRecs as NodeRecord[], s.edgeRecs as EdgeRecord[]) !== null) return true;
      const f = { nodes: s.nodeRecs.slice() as NodeRecord[], edges: s.edgeRecs.slice() as EdgeRecord[] };
      if (fn !== undefined) fn(f);
      else out.push(f);
      return out.length < limit;
    });
  } finally {
    rule.current = prev;
  }
  return out;
}

/** Matches of the rule's left-hand side (gluing condition not checked), materialised. */
export function matchesOf(view: GraphView, rule: Rule, params: Params = EMPTY, limit = Infinity): Match[] {
  const out: Match[] = [];
  const prev = rule.current;
  rule.current = checkParams(rule, params);
  try {
    searchSlots(view, rule.cp, undefined, (s) => {
      out.push(Match.of(s));
      return out.length < limit;
    });
  } finally {
    rule.current = prev;
  }
  return out;
}

/** Re-checks a match found earlier against `view` (elements, constraints, guards, NACs, gluing). */
export function stillApplicable(view: GraphView, rule: Rule, params: Params, f: Found): Found | undefined {
  const cp = rule.cp;
  const all = allBound(rule);
  const nodeIds = new Array<string>(f.nodes.length);
  for (let i = 0; i < nodeIds.length; i++) nodeIds[i] = f.nodes[i].id;
  const edgeIds = new Array<string>(f.edges.length);
  for (let i = 0; i < edgeIds.length; i++) edgeIds[i] = f.edges[i].id;
  let found: Found | undefined;
  const prev = rule.current;
  rule.current = params;
  try {
    searchBound(view, cp, nodeIds, edgeIds, 'all', all.nodes, all.edges, (s) => {
      if (gluingViolation(view, rule, s.nodeRecs as NodeRecord[], s.edgeRecs as EdgeRecord[]) !== null) return true;
      found = { nodes: s.nodeRecs.slice() as NodeRecord[], edges: s.edgeRecs.slice() as EdgeRecord[] };
      return false;
    });
  } finally {
    rule.current = prev;
  }
  return found;
}

const allBounds = new WeakMap<Rule, { nodes: boolean[]; edges: boolean[] }>();
function allBound(rule: Rule): { nodes: boolean[]; edges: boolean[] } {
  let b = allBounds.get(rule);
  if (b === undefined) {
    b = { nodes: rule.cp.nodes.map(() => true), edges: rule.cp.edges.map(() => true) };
    allBounds.set(rule, b);
  }
  return b;
}

export function checkParams(rule: Rule, params: Params): Params {
  for (const p of rule.params) {
    if (!(p in params)) throw new RuleError('PARAM_MISSING', `apply: rule "${rule.name}" needs parameter $${p}`);
  }
  for (const p of Object.keys(params)) {
    if (!rule.params.includes(p)) throw new RuleError('UNKNOWN_PARAM', `apply: rule "${rule.name}" has no parameter $${p}`);
  }
  return params;
}

function gluingError(rule: Rule, code: string): RuleError {
  return code === 'GLUING_DANGLING'
    ? new RuleError('GLUING_DANGLING', `applyInTx: rule "${rule.name}": a deleted node keeps an edge the rule does not delete (dangling condition)`)
    : new RuleError('GLUING_IDENTIFICATION', `applyInTx: rule "${rule.name}": a deleted element is identified with another matched element (identification condition)`);
}

/** The DPO gluing condition: null when it holds (always in SPO mode). */
export function gluingViolation(view: GraphView, rule: Rule, nodes: readonly NodeRecord[], edges: readonly EdgeRecord[]): string | null {
  if (rule.mode === 'spo') return null;
  const cn = rule.coincideNodes;
  for (let k = 0; k < cn.length; k += 2) {
    if (nodes[cn[k]].id === nodes[cn[k + 1]].id && (rule.delNodes.includes(cn[k]) || rule.delNodes.includes(cn[k + 1]))) return 'GLUING_IDENTIFICATION';
  }
  const ce = rule.coincideEdges;
  for (let k = 0; k < ce.length; k += 2) {
    if (edges[ce[k]].id === edges[ce[k + 1]].id && (rule.delEdges.includes(ce[k]) || rule.delEdges.includes(ce[k + 1]))) return 'GLUING_IDENTIFICATION';
  }
  const dn = rule.delNodes;
  for (let k = 0; k < dn.length; k++) {
    const id = nodes[dn[k]].id;
    let deleted = 0;
    const de = rule.delEdges;
    for (let j = 0; j < de.length; j++) {
      const e = edges[de[j]];
      if (e.src === id) deleted++;
      if (e.dst === id) deleted++;
    }
    if (view.degree(id, 'out') + view.degree(id, 'in') > deleted) return 'GLUING_DANGLING';
  }
  return null;
}

const counters = new WeakMap<Transaction, number>();
const NO_IDS: string[] = [];

/**
 * `recorded` as ids in R order (as `perform` takes them), checked before
 * anything is written: each created variable given a non-empty string, no
 * two created nodes (or edges) given the same id, none an element `view`
 * already holds.
 */
function recordedIds(view: GraphView, rule: Rule, recorded: unknown): string[] {
  const bad = (why: string): RuleError => new RuleError('INVALID_BINDING', `applyInTx: rule "${rule.name}": ${why}`);
  if (typeof recorded !== 'object' || recorded === null || Array.isArray(recorded)) throw bad(`created must be an object of ids by variable, got ${JSON.stringify(recorded)}`);
  const given = recorded as Record<string, unknown>;
  const nodes = rule.newNodes.map((x) => x.var);
  const edges = rule.newEdges.map((x) => x.var);
  for (const v of Object.keys(given)) if (!nodes.includes(v) && !edges.includes(v)) throw bad(`"${v}" is not a created variable`);
  const idOf = (v: string, seen: Set<string>, exists: (id: string) => boolean): string => {
    const id = given[v];
    if (typeof id !== 'string' || id === '') throw bad(id === undefined ? `no id given for created "${v}"` : `the id given for created "${v}" is ${JSON.stringify(id)}, not a non-empty string`);
    if (seen.has(id)) throw bad(`created "${v}" is given id "${id}" twice`);
    if (exists(id)) throw bad(`created "${v}" is given id "${id}", which the graph holds already`);
    seen.add(id);
    return id;
  };
  const seenNodes = new Set<string>();
  const seenEdges = new Set<string>();
  return [...nodes.map((v) => idOf(v, seenNodes, (id) => view.hasNode(id))), ...edges.map((v) => idOf(v, seenEdges, (id) => view.hasEdge(id)))];
}

/**
 * Performs the rewrite of one match; returns the ids of the created nodes and
 * edges (R order): `given` when given, else made from the rule's id prefix.
 */
export function perform(tx: Transaction, rule: Rule, f: Found, params: Params, given?: readonly string[]): string[] {
  const { nodes, edges } = f;
  const k = counters.get(tx) ?? 0;
  counters.set(tx, k + 1);
  // Values are computed on the match as found, before any write.
  const view = new FoundView(rule, f);
  const nu = rule.nodeUpdates;
  const eu = rule.edgeUpdates;
  const nn = rule.newNodes;
  const ne = rule.newEdges;
  const nodeProps = nu.length === 0 ? undefined : new Array<{ [k: string]: Json | undefined }>(nu.length);
  for (let j = 0; j < nu.length; j++) nodeProps![j] = withUnset(evalSet(nu[j].setKeys, nu[j].setVals, view, params), nu[j].unset);
  const edgeProps = eu.length === 0 ? undefined : new Array<{ [k: string]: Json | undefined }>(eu.length);
  for (let j = 0; j < eu.length; j++) edgeProps![j] = withUnset(evalSet(eu[j].setKeys, eu[j].setVals, view, params), eu[j].unset);
  const newNodeProps = nn.length === 0 ? undefined : new Array<{ readonly [k: string]: Json }>(nn.length);
  for (let j = 0; j < nn.length; j++) newNodeProps![j] = nn[j].setKeys.length === 0 ? nn[j].props : { ...nn[j].props, ...evalSet(nn[j].setKeys, nn[j].setVals, view, params) };
  const newEdgeProps = ne.length === 0 ? undefined : new Array<{ readonly [k: string]: Json }>(ne.length);
  for (let j = 0; j < ne.length; j++) newEdgeProps![j] = ne[j].setKeys.length === 0 ? ne[j].props : { ...ne[j].props, ...evalSet(ne[j].setKeys, ne[j].setVals, view, params) };

  const de = rule.delEdges;
  let dropped: Set<string> | undefined;
  for (let j = 0; j < de.length; j++) {
    const id = edges[de[j]].id;
    if (de.length > 1) {
      dropped ??= new Set();
      if (dropped.has(id)) continue;
      dropped.add(id);
    }
    tx.dropEdge(id);
  }
  const dn = rule.delNodes;
  // Only SPO lets a match identify a deleted node with another matched one (DPO's
  // gluing condition refuses it), so only SPO must look before it writes.
  const spo = rule.mode === 'spo';
  for (let j = 0; j < dn.length; j++) {
    const id = nodes[dn[j]].id;
    if (spo && !tx.hasNode(id)) continue; // two deleted variables on one node
    if (spo) {
      const extra: string[] = [];
      tx.forEachIncident(id, 'out', undefined, (e) => void extra.push(e.id));
      tx.forEachIncident(id, 'in', undefined, (e) => void extra.push(e.id));
      for (const e of new Set(extra)) tx.dropEdge(e);
    }
    tx.dropNode(id);
  }
  for (let j = 0; j < nu.length; j++) {
    const id = nodes[nu[j].slot].id;
    if (!spo || tx.hasNode(id)) tx.mergeNodeProps(id, nodeProps![j]);
  }
  for (let j = 0; j < eu.length; j++) {
    const id = edges[eu[j].slot].id;
    if (!spo || tx.hasEdge(id)) tx.mergeEdgeProps(id, edgeProps![j]);
  }
  if (nn.length === 0 && ne.length === 0) return NO_IDS;
  const prefix = `${rule.idPrefix}:${tx.base + 1}.${k}:`;
  const ids: string[] = new Array(nn.length + ne.length);
  for (let j = 0; j < nn.length; j++) {
    const id = given === undefined ? prefix + nn[j].pos : given[j];
    tx.addNode(id, nn[j].labels, newNodeProps![j]);
    ids[j] = id;
  }
  for (let j = 0; j < ne.length; j++) {
    const e = ne[j];
    const id = given === undefined ? prefix + e.pos : given[nn.length + j];
    const src = e.src >= 0 ? nodes[e.src].id : ids[-1 - e.src];
    const dst = e.dst >= 0 ? nodes[e.dst].id : ids[-1 - e.dst];
    ids[nn.length + j] = id;
    // SPO: a preserved node identified with a deleted one is deleted (deletion wins), and so are edges created on it.
    if (rule.mode === 'spo' && dn.length > 0 && (!tx.hasNode(src) || !tx.hasNode(dst))) continue;
    tx.addEdge(id, e.type, src, dst, newEdgeProps![j]);
  }
  return ids;
}

function withUnset(props: { [k: string]: Json | undefined }, unset: readonly string[]): { [k: string]: Json | undefined } {
  if (unset.length === 0) return props;
  const out = { ...props };
  for (const k of unset) out[k] = undefined;
  return out;
}

function evalSet(keys: readonly string[], vals: readonly Assignment[], view: MatchView, params: Params): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (let i = 0; i < keys.length; i++) {
    const v = vals[i];
    if (typeof v !== 'function') {
      out[keys[i]] = v;
      continue;
    }
    try {
      out[keys[i]] = v(view, params);
    } catch (e) {
      if (e instanceof RuleError) throw e;
      throw new RuleError('EVAL', `applyInTx: assignment to "${keys[i]}" failed: ${(e as Error).message}`, { cause: e });
    }
  }
  return out;
}

export function matchIds(rule: Rule, f: Found): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of rule.cp.nodes) out[n.var] = f.nodes[n.slot].id;
  for (const e of rule.cp.edges) out[e.var] = f.edges[e.slot].id;
  return out;
}

function createdIds(rule: Rule, ids: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const nn = rule.newNodes;
  const ne = rule.newEdges;
  for (let j = 0; j < nn.length; j++) out[nn[j].var] = ids[j];
  for (let j = 0; j < ne.length; j++) out[ne[j].var] = ids[nn.length + j];
  return out;
}

/** MatchView over a found match. */
class FoundView implements MatchView {
  constructor(
    private readonly rule: Rule,
    private readonly f: Found,
  ) {}
  node(v: string): NodeRecord {
    const x = this.rule.cp.vars.get(v);
    if (x === undefined || x.kind !== 'node') throw new RuleError('INVALID_BINDING', `rule "${this.rule.name}": "${v}" is not a matched node`);
    return this.f.nodes[x.slot];
  }
  edge(v: string): EdgeRecord {
    const x = this.rule.cp.vars.get(v);
    if (x === undefined || x.kind !== 'edge') throw new RuleError('INVALID_BINDING', `rule "${this.rule.name}": "${v}" is not a matched edge`);
    return this.f.edges[x.slot];
  }
  path(v: string): readonly EdgeRecord[] {
    throw new RuleError('INVALID_BINDING', `rule "${this.rule.name}": "${v}" is not a path`);
  }
  has(v: string): boolean {
    return this.rule.cp.vars.has(v);
  }
}
