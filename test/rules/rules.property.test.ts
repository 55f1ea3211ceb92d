import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EdgeRecord, Store } from '../../src/graph/index.ts';
import { RuleError, apply, defineRule, matchesOf } from '../../src/rules/index.ts';
import type { Rule, RuleDef } from '../../src/rules/index.ts';
import { build, graphArb } from './_graphs.ts';

/** Random rules over the same small vocabulary as the random graphs. */
const ruleArb: fc.Arbitrary<RuleDef> = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    actions: fc.array(fc.constantFrom('delete' as const, 'preserve' as const), { minLength: 3, maxLength: 3 }),
    edges: fc.array(fc.record({ s: fc.nat(2), d: fc.nat(2), t: fc.constantFrom('s', 't'), a: fc.constantFrom('delete' as const, 'preserve' as const) }), { maxLength: 2 }),
    create: fc.array(fc.record({ s: fc.nat(3), d: fc.nat(3), t: fc.constantFrom('s', 't') }), { maxLength: 2 }),
    spo: fc.boolean(),
    allow: fc.boolean(),
    setX: fc.boolean(),
  })
  .map(({ n, actions, edges, create, spo, allow, setX }) => {
    const vars = Array.from({ length: n }, (_, i) => `v${i}`);
    const nodes: RuleDef['nodes'][number][] = vars.map((v, i) => ({
      var: v,
      action: actions[i],
      ...(setX && actions[i] === 'preserve' ? { set: { y: (m) => (m.node(v).props.x as number) + 10 } } : {}),
    }));
    nodes.push({ var: 'c', action: 'create', labels: ['C'], props: { made: true } });
    const live = [...vars.filter((_, i) => actions[i] === 'preserve'), 'c'];
    return {
      name: 'r',
      nodes,
      edges: [
        ...edges.map((e, i) => ({
          var: `e${i}`,
          action: actions[e.s % n] === 'delete' || actions[e.d % n] === 'delete' ? 'delete' : e.a,
          src: vars[e.s % n],
          dst: vars[e.d % n],
          type: e.t,
        })),
        ...create.map((e, i) => ({ var: `k${i}`, action: 'create' as const, src: live[e.s % live.length], dst: live[e.d % live.length], type: e.t })),
      ],
      mode: spo ? 'spo' : 'dpo',
      ...(allow && n >= 2 ? { allow: [['v0', 'v1'] as const] } : {}),
    } as RuleDef;
  });

function edges(s: Store): EdgeRecord[] {
  const out: EdgeRecord[] = [];
  s.head().forEachEdge((e) => void out.push(e));
  return out;
}

function check(store: Store, rule: Rule): void {
  const before = store.head();
  const ms = matchesOf(before, rule);
  if (ms.length === 0) return;
  const m = ms[0];
  const ids = m.ids() as Record<string, string>;
  const headTx = store.headTx;
  const cid = store.cid().toString();
  let res;
  try {
    res = apply(store, rule, { match: ids, isolation: 'snapshot' });
  } catch (e) {
    // a refused match leaves the store as it was
    expect(e).toBeInstanceOf(RuleError);
    expect(['GLUING_DANGLING', 'GLUING_IDENTIFICATION']).toContain((e as RuleError).code);
    expect(rule.mode).toBe('dpo');
    expect(store.headTx).toBe(headTx);
    expect(store.cid().toString()).toBe(cid);
    return;
  }
  expect(res).toBeDefined();
  const after = store.head();
  // no dangling edge anywhere
  for (const e of edges(store)) {
    expect(after.hasNode(e.src)).toBe(true);
    expect(after.hasNode(e.dst)).toBe(true);
  }
  const def = rule.def;
  const deleted = new Set<string>();
  for (const x of [...def.nodes, ...(def.edges ?? [])]) if (x.action === 'delete') deleted.add(ids[x.var]);
  for (const n of def.nodes) {
    if (n.action === 'create') {
      const id = res!.application.created[n.var];
      const rec = after.getNode(id)!;
      expect(rec.labels).toEqual(n.labels);
      expect(rec.props.made).toBe(true);
    } else if (n.action === 'delete') expect(after.hasNode(ids[n.var])).toBe(false);
    else if (!deleted.has(ids[n.var])) {
      const rec = after.getNode(ids[n.var])!;
      expect(rec).toBeDefined();
      if (n.set) expect(rec.props.y).toBe((before.getNode(ids[n.var])!.props.x as number) + 10);
    }
  }
  for (const e of def.edges ?? []) {
    if (e.action === 'create') {
      const rec = after.getEdge(res!.application.created[e.var]);
      const gone = [e.src, e.dst].some((v) => v in ids && deleted.has(ids[v]));
      if (gone) expect(rec).toBeUndefined();
      else expect(rec!.type).toBe(e.type);
    } else if (e.action === 'delete') expect(after.hasEdge(ids[e.var])).toBe(false);
    else expect(after.hasEdge(ids[e.var])).toBe(!deleted.has(ids[e.src]) && !deleted.has(ids[e.dst])); // SPO: deletion wins
  }
  expect(store.commitInfo(store.headTx).meta).toMatchObject({ rule: 'r', match: ids });
}

describe('rule application', () => {
  it('leaves no dangling edge, keeps K, removes L\\K, adds R\\K; refusals change nothing', () => {
    fc.assert(
      fc.property(graphArb(), ruleArb, (g, def) => {
        const store = build(g);
        check(store, defineRule(def));
      }),
      { numRuns: 500 },
    );
  });

  it('a gluing-violating match is refused and the store is unchanged', () => {
    const store = build({ nodes: [{ labels: [], x: 0 }, { labels: [], x: 0 }], edges: [{ type: 's', src: 0, dst: 1, x: 0 }] });
    const del = defineRule({ name: 'del', nodes: [{ var: 'a', action: 'delete' }] });
    const tx = store.headTx;
    const cid = store.cid().toString();
    expect(() => apply(store, del, { match: { a: 'n0' } })).toThrowError(expect.objectContaining({ code: 'GLUING_DANGLING' }));
    expect(store.headTx).toBe(tx);
    expect(store.cid().toString()).toBe(cid);
    // searching skips non-applicable matches: none applies here
    expect(apply(store, del)).toBeUndefined();
    const id = defineRule({ name: 'id', nodes: [{ var: 'a', action: 'delete' }, { var: 'b' }], allow: [['a', 'b']] });
    expect(() => apply(store, id, { match: { a: 'n0', b: 'n0' } })).toThrowError(expect.objectContaining({ code: 'GLUING_IDENTIFICATION' }));
    expect(store.headTx).toBe(tx);
    // SPO deletes the dangling edge
    const spo = defineRule({ name: 'spo', nodes: [{ var: 'a', action: 'delete' }], mode: 'spo' });
    apply(store, spo, { match: { a: 'n0' } });
    expect(store.head().edgeCount).toBe(0);
  });

  it('the same application sequence from the same start gives identical root CIDs', () => {
    fc.assert(
      fc.property(graphArb(), fc.array(ruleArb, { minLength: 1, maxLength: 4 }), (g, defs) => {
        const rules = defs.map((d, i) => defineRule({ ...d, name: `r${i}` }));
        const runOnce = (): string[] => {
          const store = build(g);
          const cids: string[] = [];
          for (const r of rules) {
            try {
              apply(store, r, { isolation: 'snapshot' });
            } catch {
              /* refused */
            }
            cids.push(store.cid().toString());
          }
          return cids;
        };
        expect(runOnce()).toEqual(runOnce());
      }),
      { numRuns: 100 },
    );
  });
});
