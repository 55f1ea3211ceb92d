import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countMatches, match } from '../../src/rules/match/index.ts';
import type { Nac, Pattern } from '../../src/rules/match/index.ts';
import { bruteMatches } from './_brute.ts';
import { build, graphArb, patternArb } from './_graphs.ts';

function keys(p: Pattern, ms: ReturnType<typeof match>): string[] {
  const vars = [...p.nodes.map((n) => n.var), ...(p.edges ?? []).map((e) => e.var)];
  return ms.map((m) => JSON.stringify(vars.map((v) => m.ids()[v]))).sort();
}

describe('matcher == brute-force enumerator', () => {
  it('injective: a NAC node may coincide with an outer node its guard reads exactly when mayCoincide says so', () => {
    fc.assert(
      fc.property(graphArb(), patternArb('injective'), fc.boolean(), fc.subarray(['A', 'B'], { maxLength: 1 }), fc.nat(), (g, p, allow, labels, k) => {
        const outer = p.nodes[k % p.nodes.length].var;
        const nac: Nac = {
          nodes: [{ var: 'nw', labels }],
          guards: [{ vars: ['nw', outer], test: (mv) => mv.node('nw').props.x === mv.node(outer).props.x }],
          ...(allow ? { mayCoincide: [['nw', outer]] } : {}),
        };
        const q: Pattern = { ...p, nacs: [...(p.nacs ?? []), nac] };
        const view = build(g).head();
        expect(keys(q, match(view, q))).toEqual(bruteMatches(view, q));
      }),
      { numRuns: 400 },
    );
  });

  for (const mode of ['injective', 'cypher'] as const) {
    it(`${mode}: same matches, NACs and guards included`, () => {
      fc.assert(
        fc.property(graphArb(), patternArb(mode), (g, p) => {
          const view = build(g).head();
          const got = keys(p, match(view, p));
          expect(got).toEqual(bruteMatches(view, p));
          expect(countMatches(view, p)).toBe(got.length);
        }),
        { numRuns: 400 },
      );
    });
    it(`${mode}: start bindings restrict to the matches that agree`, () => {
      fc.assert(
        fc.property(graphArb(), patternArb(mode), fc.nat(4), (g, p, k) => {
          const view = build(g).head();
          const v = p.nodes[0].var;
          const id = `n${k % g.nodes.length}`;
          const got = keys(p, match(view, p, { bindings: { [v]: id } }));
          const all = bruteMatches(view, p).filter((s) => (JSON.parse(s) as string[])[0] === id);
          expect(got).toEqual(all);
        }),
        { numRuns: 200 },
      );
    });
  }
});
