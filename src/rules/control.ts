import type { CommitInfo, GraphView, Isolation, Json, Store, Transaction } from '../graph/index.ts';
import { RuleError } from './errors.ts';
import { checkParams, findAllApplicable, findApplicable, matchIds, perform, stillApplicable } from './apply.ts';
import type { Found } from './apply.ts';
import type { Params } from './rule.ts';
import { Rule } from './rule.ts';

/**
 * A control program. A bare rule means `once(rule)`.
 * - once: one application of the first applicable match; succeeds if it applied.
 * - alap: repeats its body while the body succeeds; always succeeds.
 * - seq: runs every step in order; succeeds if all did.
 * - priority: runs the first option that succeeds.
 * - choice: tries the options in a seeded random order; the first that succeeds.
 * - repeat (`rule[n]`): runs the body up to n times, stopping at a failure; succeeds if it ran n times.
 * - all: applies a maximal set of pairwise independent matches at once.
 */
export type Program = Rule | Once | Alap | Seq | Priority | Choice | Repeat | All;

export interface Once {
  readonly kind: 'once';
  readonly rule: Rule;
  readonly params?: Params;
}
export interface Alap {
  readonly kind: 'alap';
  readonly body: Program;
}
export interface Seq {
  readonly kind: 'seq';
  readonly steps: readonly Program[];
}
export interface Priority {
  readonly kind: 'priority';
  readonly options: readonly Program[];
}
export interface Choice {
  readonly kind: 'choice';
  readonly options: readonly Program[];
  readonly seed: number;
}
export interface Repeat {
  readonly kind: 'repeat';
  readonly body: Program;
  readonly n: number;
}
export interface All {
  readonly kind: 'all';
  readonly rule: Rule;
  readonly params?: Params;
}

export const once = (rule: Rule, params?: Params): Once => ({ kind: 'once', rule, params });
export const alap = (body: Program): Alap => ({ kind: 'alap', body });
export const seq = (...steps: Program[]): Seq => ({ kind: 'seq', steps });
export const priority = (...options: Program[]): Priority => ({ kind: 'priority', options });
export const choice = (options: readonly Program[], seed = 0): Choice => ({ kind: 'choice', options, seed });
export const repeat = (body: Program, n: number): Repeat => ({ kind: 'repeat', body, n });
export const all = (rule: Rule, params?: Params): All => ({ kind: 'all', rule, params });

export interface RunOptions {
  /**
   * 'each' (default): every application is its own commit, meta
   * `{rule, match, params}`. 'step': each step of a top-level `seq` (or the
   * whole program) is one transaction, meta `{control, applications}`.
   */
  readonly commit?: 'each' | 'step';
  readonly isolation?: Isolation;
  /** In 'step' mode, also record every application's rule and match in the meta (large). */
  readonly recordMatches?: boolean;
}

export interface RunResult {
  readonly success: boolean;
  /** Rule applications made. */
  readonly applications: number;
  readonly commits: readonly CommitInfo[];
}

interface Outcome {
  success: boolean;
  applications: number;
}

/** Runs a control program against the store. */
export function run(store: Store, program: Program, options: RunOptions = {}): RunResult {
  const r = new Runner(store, options);
  let out: Outcome;
  if (r.mode === 'step') {
    if (isSeq(program)) {
      out = { success: true, applications: 0 };
      for (const s of program.steps) {
        const o = r.inStep(s);
        out.applications += o.applications;
        if (!o.success) out.success = false;
      }
    } else out = r.inStep(program);
  } else out = r.exec(program);
  return { success: out.success, applications: out.applications, commits: r.commits };
}

function isSeq(p: Program): p is Seq {
  return !(p instanceof Rule) && p.kind === 'seq';
}

class Runner {
  readonly mode: 'each' | 'step';
  readonly commits: CommitInfo[] = [];
  private tx: Transaction | null = null;
  private log: Json[] | null = null;
  /** One generator per choice node: successive choices differ, runs repeat. */
  private readonly rngs = new Map<Choice, () => number>();

  constructor(
    private readonly store: Store,
    private readonly options: RunOptions,
  ) {
    this.mode = options.commit ?? 'each';
  }

  /** Runs `p` as one transaction (step mode). */
  inStep(p: Program): Outcome {
    this.tx = this.store.begin({ isolation: this.options.isolation ?? 'serializable' });
    this.log = this.options.recordMatches ? [] : null;
    let out: Outcome;
    try {
      out = this.exec(p);
    } catch (e) {
      this.tx.abort();
      this.tx = null;
      throw e;
    }
    const tx = this.tx;
    this.tx = null;
    if (out.applications === 0) tx.abort();
    else {
      const meta: Record<string, Json> = { control: describe(p), applications: out.applications };
      if (this.log !== null) meta.matches = this.log;
      this.commits.push(tx.commit(meta));
    }
    return out;
  }

  exec(p: Program): Outcome {
    if (p instanceof Rule) return this.many(p, {}, 1);
    switch (p.kind) {
      case 'once':
        return this.many(p.rule, p.params ?? {}, 1);
      case 'repeat': {
        if (!(Number.isInteger(p.n) && p.n >= 0)) throw new RuleError('INVALID_RULE', `run: repeat count must be a non-negative integer, got ${p.n}`);
        const body = bareRule(p.body);
        if (body !== undefined) return this.many(body.rule, body.params, p.n);
        let applications = 0;
        for (let i = 0; i < p.n; i++) {
          const o = this.exec(p.body);
          applications += o.applications;
          if (!o.success) return { success: false, applications };
        }
        return { success: true, applications };
      }
      case 'alap': {
        const body = bareRule(p.body);
        if (body !== undefined) return { success: true, applications: this.many(body.rule, body.params, Infinity).applications };
        let applications = 0;
        for (;;) {
          const o = this.exec(p.body);
          applications += o.applications;
          if (!o.success || o.applications === 0) return { success: true, applications };
        }
      }
      case 'seq': {
        let applications = 0;
        let success = true;
        for (const s of p.steps) {
          const o = this.exec(s);
          applications += o.applications;
          if (!o.success) success = false;
        }
        return { success, applications };
      }
      case 'priority': {
        for (const o of p.options) {
          const r = this.exec(o);
          if (r.success) return r;
        }
        return { success: false, applications: 0 };
      }
      case 'choice': {
        let rnd = this.rngs.get(p);
        if (rnd === undefined) {
          rnd = mulberry32(p.seed);
          this.rngs.set(p, rnd);
        }
        const order = shuffle(p.options.length, rnd);
        for (const i of order) {
          const r = this.exec(p.options[i]);
          if (r.success) return r;
        }
        return { success: false, applications: 0 };
      }
      case 'all':
        return this.parallel(p.rule, p.params ?? {});
    }
  }

  private view(): GraphView {
    return this.tx ?? this.store.head();
  }

  /**
   * Up to `max` applications of one rule. Matches are enumerated in batches
   * on the current graph and each is re-checked against the graph as it is
   * when its turn comes (the first of a batch needs no check), so a run of
   * applications costs one search per batch rather than one per application.
   */
  private many(rule: Rule, params: Params, max: number): Outcome {
    checkParams(rule, params);
    let applied = 0;
    let batch = 16;
    while (applied < max) {
      const limit = max === Infinity ? batch : max - applied;
      batch = Math.min(batch * 2, 1 << 20);
      const list = limit === 1 ? one(findApplicable(this.view(), rule, params, undefined, false)) : findAllApplicable(this.view(), rule, params, limit);
      if (list.length === 0) break;
      for (let i = 0; i < list.length && applied < max; i++) {
        if (this.applyFound(rule, params, list[i], i === 0)) applied++;
      }
    }
    return { success: max === Infinity || applied === max, applications: applied };
  }

  /** Applies a found match; `fresh`: found on the current graph, no re-check needed. */
  private applyFound(rule: Rule, params: Params, f: Found, fresh: boolean): boolean {
    if (this.tx !== null) {
      const g = fresh ? f : stillApplicable(this.tx, rule, params, f);
      if (g === undefined) return false;
      perform(this.tx, rule, g, params);
      this.log?.push({ rule: rule.name, match: matchIds(rule, g) });
      return true;
    }
    const tx = this.store.begin({ isolation: this.options.isolation ?? 'serializable' });
    try {
      const g = fresh && tx.base === this.store.headTx ? f : stillApplicable(tx, rule, params, f);
      if (g === undefined) {
        tx.abort();
        return false;
      }
      perform(tx, rule, g, params);
      this.commits.push(tx.commit({ rule: rule.name, match: matchIds(rule, g), params } as Json));
      return true;
    } catch (e) {
      tx.abort();
      throw e;
    }
  }

  /**
   * All matches at once: a maximal set of pairwise parallel-independent matches
   * (no match deletes or updates an element another one matches), chosen
   * greedily in match order on one graph, then applied: in step mode inside
   * the step's transaction, in 'each' mode each in its own commit (being
   * independent, every one still applies after the others).
   */
  private parallel(rule: Rule, params: Params): Outcome {
    checkParams(rule, params);
    const found = findAllApplicable(this.view(), rule, params);
    const chosen = independent(rule, found);
    let applied = 0;
    const recheck = rule.hasNacs;
    for (const f of chosen) if (this.applyFound(rule, params, f, !recheck)) applied++;
    return { success: applied > 0, applications: applied };
  }
}

function one(f: Found | undefined): Found[] {
  return f === undefined ? [] : [f];
}

function bareRule(p: Program): { rule: Rule; params: Params } | undefined {
  if (p instanceof Rule) return { rule: p, params: {} };
  if (p.kind === 'once') return { rule: p.rule, params: p.params ?? {} };
  return undefined;
}

/** Greedy maximal independent set: written elements of one never matched by another. */
function independent(rule: Rule, found: readonly Found[]): Found[] {
  if (rule.writesNodes.length === 0 && rule.writesEdges.length === 0) return [...found];
  const usedN = new Set<string>();
  const usedE = new Set<string>();
  const writtenN = new Set<string>();
  const writtenE = new Set<string>();
  const out: Found[] = [];
  const wn = rule.writesNodes;
  const we = rule.writesEdges;
  for (const f of found) {
    let ok = true;
    for (let i = 0; ok && i < f.nodes.length; i++) if (writtenN.has(f.nodes[i].id)) ok = false;
    for (let i = 0; ok && i < f.edges.length; i++) if (writtenE.has(f.edges[i].id)) ok = false;
    for (let i = 0; ok && i < wn.length; i++) if (usedN.has(f.nodes[wn[i]].id)) ok = false;
    for (let i = 0; ok && i < we.length; i++) if (usedE.has(f.edges[we[i]].id)) ok = false;
    if (!ok) continue;
    out.push(f);
    for (const n of f.nodes) usedN.add(n.id);
    for (const e of f.edges) usedE.add(e.id);
    for (const s of wn) writtenN.add(f.nodes[s].id);
    for (const s of we) writtenE.add(f.edges[s].id);
  }
  return out;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded permutation (Fisher-Yates). */
function shuffle(n: number, rnd: () => number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** A short text for commit metadata: `passRule`, `newRule[10]`, `alap(r)`, ... */
export function describe(p: Program): string {
  if (p instanceof Rule) return p.name;
  switch (p.kind) {
    case 'once':
      return p.rule.name;
    case 'alap':
      return `alap(${describe(p.body)})`;
    case 'seq':
      return p.steps.map(describe).join('; ');
    case 'priority':
      return `priority(${p.options.map(describe).join(', ')})`;
    case 'choice':
      return `choice(${p.options.map(describe).join(', ')})`;
    case 'repeat':
      return `${describe(p.body)}[${p.n}]`;
    case 'all':
      return `all(${p.rule.name})`;
  }
}
