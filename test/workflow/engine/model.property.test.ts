/**
 * Random well-formed strategy trees with random activity outcomes end as a
 * small reference model says; every generated execution replays to the same
 * root CIDs. Trees without parallels make exactly the model's calls, in
 * order, compensations included (with parallels, which branch gets how far
 * is a matter of timing, so only outcomes and at-most-once are checked).
 */
import fc from 'fast-check';
import { applyPatches, enablePatches } from 'immer';
import type { Patch } from 'immer';
import { describe, expect, it } from 'vitest';
import { ActivityError } from '../../../src/workflow/activities/index.ts';
import type { Strategy } from '../../../src/workflow/ir/index.ts';
import { engineWith, workflow } from './_helpers.ts';
import type { Behaviour } from './_helpers.ts';
import type { WorkflowEngine } from '../../../src/workflow/engine/index.ts';

enablePatches();

type Outcome = 'ok' | 'flaky' | 'fatal' | 'exhaust';
type Tree =
  | { op: 'activity'; outcome: Outcome; undo: boolean }
  | { op: 'seq'; children: Tree[] }
  | { op: 'parallel'; children: Tree[]; completion: 'all' | 'any' | 'at_least'; count: number }
  | { op: 'decision'; conds: boolean[]; children: Tree[]; dflt: Tree | null }
  | { op: 'saga'; main: Tree; comp: Tree };

const outcome = fc.constantFrom<Outcome>('ok', 'ok', 'ok', 'flaky', 'fatal', 'exhaust');
const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ op: fc.constant('activity' as const), outcome, undo: fc.boolean() }),
    fc.record({ op: fc.constant('seq' as const), children: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }) }),
    fc
      .record({ children: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }), completion: fc.constantFrom('all' as const, 'any' as const, 'at_least' as const), k: fc.nat() })
      .map((r) => ({ op: 'parallel' as const, children: r.children, completion: r.completion, count: 1 + (r.k % r.children.length) })),
    fc
      .record({ children: fc.array(tie('tree'), { minLength: 1, maxLength: 2 }), conds: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }), dflt: fc.option(tie('tree'), { nil: null }) })
      .map((r) => ({ op: 'decision' as const, children: r.children, conds: r.conds.slice(0, r.children.length), dflt: r.dflt })),
    fc.record({ op: fc.constant('saga' as const), main: tie('tree'), comp: tie('tree') }),
  ),
}));

/**
 * Trees without parallels: everything they do happens in one order, which the
 * model can give exactly. A saga at the root over a seq, sagas often nested,
 * and most activities with a compensation: most runs compensate something.
 */
const { serial } = fc.letrec<{ serial: Tree }>((tie) => ({
  serial: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: fc.record({ op: fc.constant('activity' as const), outcome, undo: fc.constantFrom(true, true, true, false) }), weight: 3 },
    { arbitrary: fc.record({ op: fc.constant('seq' as const), children: fc.array(tie('serial'), { minLength: 1, maxLength: 3 }) }), weight: 1 },
    {
      arbitrary: fc
        .record({ children: fc.array(tie('serial'), { minLength: 1, maxLength: 2 }), conds: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }), dflt: fc.option(tie('serial'), { nil: null }) })
        .map((r) => ({ op: 'decision' as const, children: r.children, conds: r.conds.slice(0, r.children.length), dflt: r.dflt })),
      weight: 1,
    },
    { arbitrary: fc.record({ op: fc.constant('saga' as const), main: tie('serial'), comp: tie('serial') }), weight: 2 },
  ),
}));
const serialTree: fc.Arbitrary<Tree> = fc
  .record({ steps: fc.array(serial, { minLength: 2, maxLength: 4 }), comp: serial })
  .map(({ steps, comp }) => ({ op: 'saga' as const, main: { op: 'seq' as const, children: steps }, comp }));

/** Builds the IR, naming every activity leaf a0, a1, ... in document order. */
function build(t: Tree, acts: Map<string, Outcome>): Strategy {
  switch (t.op) {
    case 'activity': {
      const name = `a${acts.size}`;
      acts.set(name, t.outcome);
      // A per-activity compensation `u<name>` (always succeeds): run by the innermost failing saga around it.
      return t.undo ? { op: 'activity', activity_ref: name, compensate: `u${name}` } : { op: 'activity', activity_ref: name };
    }
    case 'seq':
      return { op: 'seq', strategies: t.children.map((c) => build(c, acts)) };
    case 'parallel':
      return (
        t.completion === 'at_least'
          ? { op: 'parallel', completion_condition: 'at_least', count: t.count, branches: t.children.map((c) => build(c, acts)) }
          : { op: 'parallel', completion_condition: t.completion, branches: t.children.map((c) => build(c, acts)) }
      ) as Strategy;
    case 'decision': {
      const conditions = t.children.map((c, i) => ({ condition: String(t.conds[i]), branch: build(c, acts) }));
      return (t.dflt === null ? { op: 'decision', conditions } : { op: 'decision', conditions, default_branch: build(t.dflt, acts) }) as Strategy;
    }
    case 'saga':
      return { op: 'saga', main_flow: build(t.main, acts), compensation: build(t.comp, acts) };
  }
}

interface Result {
  ok: boolean;
  compensated: boolean;
  /** Activities that certainly run. */
  must: Set<string>;
}

/** The reference model: deliberately simpler than the engine (no tokens, no timing). */
function model(t: Tree, names: Iterator<string>): Result {
  switch (t.op) {
    case 'activity': {
      const name = names.next().value as string;
      return { ok: t.outcome === 'ok' || t.outcome === 'flaky', compensated: false, must: new Set([name]) };
    }
    case 'seq': {
      const must = new Set<string>();
      let failed: Result | undefined;
      for (const c of t.children) {
        if (failed !== undefined) {
          skip(c, names);
          continue;
        }
        const r = model(c, names);
        r.must.forEach((n) => must.add(n));
        if (!r.ok) failed = r;
      }
      return failed === undefined ? { ok: true, compensated: false, must } : { ok: false, compensated: failed.compensated, must };
    }
    case 'parallel': {
      // A branch that succeeds never fails later and the other way round, so the
      // outcome depends only on how many branches succeed, not on their timing.
      const rs = t.children.map((c) => model(c, names));
      const need = t.completion === 'all' ? rs.length : t.completion === 'any' ? 1 : t.count;
      const ok = rs.filter((r) => r.ok).length >= need;
      // Which branches get how far before the parallel ends is a matter of timing.
      return { ok, compensated: false, must: ok && need === rs.length ? new Set(rs.flatMap((r) => [...r.must])) : new Set() };
    }
    case 'decision': {
      const chosen = t.conds.findIndex((c) => c);
      const branches = [...t.children, ...(t.dflt === null ? [] : [t.dflt])];
      const pick = chosen >= 0 ? chosen : t.dflt === null ? -1 : t.children.length;
      let out: Result = { ok: true, compensated: false, must: new Set() };
      branches.forEach((b, i) => {
        if (i === pick) out = model(b, names);
        else skip(b, names);
      });
      return out;
    }
    case 'saga': {
      const m = model(t.main, names);
      if (m.ok) {
        skip(t.comp, names);
        return m;
      }
      const c = model(t.comp, names);
      return { ok: false, compensated: c.ok, must: new Set([...m.must, ...c.must]) };
    }
  }
}

/**
 * The calls a tree without parallels makes, in order: each attempt of an
 * activity (flaky: 2, exhaust: 3), and, when a saga's main flow fails, the
 * compensations `u<name>` of the activities it completed that are not yet
 * undone, newest first, then its compensation flow. Returns whether `t` succeeded.
 */
function serialCalls(t: Tree, names: Iterator<string>, undo: Set<string>, st: { calls: string[]; completed: { name: string; undone: boolean }[] }): boolean {
  switch (t.op) {
    case 'activity': {
      const name = names.next().value as string;
      const attempts = { ok: 1, flaky: 2, fatal: 1, exhaust: 3 }[t.outcome];
      for (let i = 0; i < attempts; i++) st.calls.push(name);
      const ok = t.outcome === 'ok' || t.outcome === 'flaky';
      if (ok && undo.has(name)) st.completed.push({ name, undone: false });
      return ok;
    }
    case 'seq': {
      let ok = true;
      for (const c of t.children) {
        if (!ok) skip(c, names);
        else ok = serialCalls(c, names, undo, st);
      }
      return ok;
    }
    case 'parallel':
      throw new Error('serialCalls: no parallels');
    case 'decision': {
      const chosen = t.conds.findIndex((c) => c);
      const branches = [...t.children, ...(t.dflt === null ? [] : [t.dflt])];
      const pick = chosen >= 0 ? chosen : t.dflt === null ? -1 : t.children.length;
      let ok = true;
      branches.forEach((b, i) => {
        if (i === pick) ok = serialCalls(b, names, undo, st);
        else skip(b, names);
      });
      return ok;
    }
    case 'saga': {
      const from = st.completed.length;
      if (serialCalls(t.main, names, undo, st)) {
        skip(t.comp, names);
        return true;
      }
      for (let i = st.completed.length - 1; i >= from; i--) {
        const c = st.completed[i];
        if (c.undone) continue;
        c.undone = true;
        st.calls.push(`u${c.name}`);
      }
      serialCalls(t.comp, names, undo, st);
      return false;
    }
  }
}

/** Visits the activity leaves in document order (the order `build` names them), saying which lie in a compensation flow. */
function leaves(t: Tree, visit: (inCompensation: boolean) => void, inComp = false): void {
  switch (t.op) {
    case 'activity':
      visit(inComp);
      return;
    case 'seq':
    case 'parallel':
      t.children.forEach((c) => leaves(c, visit, inComp));
      return;
    case 'decision':
      t.children.forEach((c) => leaves(c, visit, inComp));
      if (t.dflt !== null) leaves(t.dflt, visit, inComp);
      return;
    case 'saga':
      leaves(t.main, visit, inComp);
      leaves(t.comp, visit, true);
  }
}

/** The activities inside compensation flows, by the names `build` gives them. */
function compensationWork(t: Tree): Set<string> {
  const out = new Set<string>();
  let n = 0;
  leaves(t, (inComp) => {
    if (inComp) out.add(`a${n}`);
    n++;
  });
  return out;
}

function skip(t: Tree, names: Iterator<string>): void {
  leaves(t, () => void names.next());
}

function behaviour(o: Outcome): Behaviour {
  switch (o) {
    case 'ok':
      return () => ({ done: true });
    case 'flaky':
      return (_i, attempt) => {
        if (attempt === 1) throw new ActivityError('FLAKY', 'once', { retryable: true });
        return { done: true };
      };
    case 'fatal':
      return () => {
        throw new ActivityError('FATAL', 'no', { retryable: false });
      };
    case 'exhaust':
      return () => {
        throw new ActivityError('AGAIN', 'always', { retryable: true });
      };
  }
}

/** Builds and starts `t`; every activity `a<k>` behaves as drawn, its compensation `ua<k>` succeeds. */
function start(t: Tree) {
  const acts = new Map<string, Outcome>();
  const strategy = build(t, acts);
  const env = engineWith(Object.fromEntries([...acts].flatMap(([n, o]) => [[n, behaviour(o)], [`u${n}`, behaviour('ok')]])));
  // A declared output (every activity returns `done`): a completion fills it, and records the patch.
  const id = env.engine.startWorkflow(workflow(strategy, { retry_policy: { initial_interval: 'PT1S', maximum_attempts: 3 }, outputs: [{ name: 'done', type: 'boolean' }] }), {});
  return { acts, env, id };
}

const DATA = ['steps', 'vars', 'outputs', 'compensations'] as const;

/** An Execution's data at `tx` (empty before the execution exists). */
function dataAt(engine: WorkflowEngine, id: string, tx: number): Record<string, unknown> {
  const props = engine.store.at(tx).getNode(id)?.props ?? {};
  return Object.fromEntries(DATA.map((k) => [k, props[k] ?? (k === 'compensations' ? [] : {})]));
}

/** Each commit's recorded patches, applied in order, turn its execution's data at the parent into its data. */
function patchesAreTheDataChanges(engine: WorkflowEngine): void {
  for (const c of engine.store.history()) {
    const meta = c.meta as { execution?: string; applications?: { patches: Patch[] }[] } | null;
    if (meta?.execution === undefined || meta.applications === undefined) continue;
    const patches = meta.applications.flatMap((a) => a.patches);
    expect(applyPatches(dataAt(engine, meta.execution, c.parentTx), patches)).toEqual(dataAt(engine, meta.execution, c.tx));
  }
}

/** Each completed activity is compensated at most once (nested sagas included), a failed one never; no token is left; patches are the data changes; the log replays. */
function compensatedOnceAndReplays(acts: Map<string, Outcome>, env: ReturnType<typeof start>['env'], done: { tokens: unknown }): void {
  for (const [name, o] of acts) {
    const undone = env.calls.filter((c) => c === `u${name}`).length;
    expect(undone).toBeLessThanOrEqual(1);
    if (undone > 0) expect(o === 'ok' || o === 'flaky').toBe(true);
  }
  expect(done.tokens).toEqual([]);
  patchesAreTheDataChanges(env.engine);
  expect(env.engine.verifyReplay()).toBe(env.engine.store.headTx);
}

describe('engine vs reference model', () => {
  it('random strategy trees end as the model says, and replay reproduces every root CID', async () => {
    await fc.assert(
      fc.asyncProperty(tree, async (t) => {
        const { acts, env, id } = start(t);
        const done = await env.engine.waitForCompletion(id);
        const expected = model(t, acts.keys());
        expect(done.status).toBe(expected.ok ? 'completed' : 'failed');
        if (t.op === 'saga' && !expected.ok) expect((done.error as { compensated?: boolean }).compensated).toBe(expected.compensated);
        for (const name of expected.must) expect(env.calls).toContain(name);
        // Attempts: flaky twice, exhaust three times (when they ran at all).
        for (const [name, o] of acts) {
          const n = env.calls.filter((c) => c === name).length;
          if (n > 0 && o === 'flaky') expect([1, 2]).toContain(n);
          if (n > 0 && (o === 'ok' || o === 'fatal')) expect(n).toBe(1);
          if (expected.must.has(name) && o === 'exhaust') expect(n).toBe(3);
        }
        compensatedOnceAndReplays(acts, env, done);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('without parallels: exactly the calls the model makes, in order (retries, compensations newest first, compensation flows)', async () => {
    await fc.assert(
      fc.asyncProperty(serialTree, async (t) => {
        const { acts, env, id } = start(t);
        const done = await env.engine.waitForCompletion(id);
        const undo = new Set<string>();
        let n = 0;
        const collect = (x: Tree): void => {
          if (x.op === 'activity') {
            if (x.undo) undo.add(`a${n}`);
            n++;
          } else if (x.op === 'seq' || x.op === 'parallel') x.children.forEach(collect);
          else if (x.op === 'decision') [...x.children, ...(x.dflt === null ? [] : [x.dflt])].forEach(collect);
          else {
            collect(x.main);
            collect(x.comp);
          }
        };
        collect(t);
        const st = { calls: [] as string[], completed: [] as { name: string; undone: boolean }[] };
        const ok = serialCalls(t, acts.keys(), undo, st);
        expect(env.calls).toEqual(st.calls);
        expect(done.status).toBe(ok ? 'completed' : 'failed');
        compensatedOnceAndReplays(acts, env, done);
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it('cancelled at a random moment: it ends cancelled, or as the model says if it ended first; nothing is left, nothing compensated twice, and the log replays', async () => {
    await fc.assert(
      fc.asyncProperty(tree, fc.nat({ max: 6 }), async (t, turns) => {
        const { acts, env, id } = start(t);
        for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
        const callsAtCancel = env.calls.length;
        const cancelled = env.engine.cancel(id);
        const done = await env.engine.waitForCompletion(id);
        const expected = model(t, acts.keys());
        if (cancelled) {
          expect(done.status).toBe('cancelled');
          // After the cancel only compensation work starts: per-activity compensations and compensation flows.
          const comp = compensationWork(t);
          for (const name of env.calls.slice(callsAtCancel)) expect(name.startsWith('u') || comp.has(name), `${name} started after the cancel`).toBe(true);
        } else expect(done.status).toBe(expected.ok ? 'completed' : 'failed');
        compensatedOnceAndReplays(acts, env, done);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
