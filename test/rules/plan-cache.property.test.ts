/**
 * The matcher caches per pattern: the bound-slot arrays of a set of bound
 * variables, and plans no statistic can change. Neither may change which
 * matches come, nor their order: after searching another graph first (which
 * fills the caches), a search must give exactly what a fresh compilation of
 * the same pattern gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { match } from '../../src/rules/match/index.ts';
import type { Pattern } from '../../src/rules/match/index.ts';
import { compilePattern } from '../../src/rules/match/compiled.ts';
import { makePlan } from '../../src/rules/match/planner.ts';
import { build, graphArb, patternArb } from './_graphs.ts';

function ordered(p: Pattern, view: Parameters<typeof match>[0], bindings: Record<string, string>): string[] {
  return match(view, p, { bindings }).map((m) => JSON.stringify(m.ids()));
}

describe('matcher caches (bound sets, fixed plans)', () => {
  for (const mode of ['injective', 'cypher'] as const) {
    it(`${mode}: same matches in the same order as a fresh compilation`, () => {
      fc.assert(
        fc.property(graphArb(), graphArb(), patternArb(mode), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.nat(), (g1, g2, p, pick, seed) => {
          const v1 = build(g1).head();
          const v2 = build(g2).head();
          const bindingsFor = (n: number): Record<string, string> => {
            const b: Record<string, string> = {};
            p.nodes.forEach((x, i) => {
              if (pick[i % pick.length]) b[x.var] = `n${(seed + i) % n}`;
            });
            return b;
          };
          const b1 = bindingsFor(g1.nodes.length);
          const b2 = bindingsFor(g2.nodes.length);
          ordered(p, v1, b1); // fills the caches on another graph
          ordered(p, v1, b1); // and hits them
          const fresh = { ...p };
          expect(ordered(p, v2, b2)).toEqual(ordered(fresh, v2, b2));
          // A plan cached as fixed is what the planner builds under any statistics.
          const cp = compilePattern(p);
          for (const [key, plan] of cp.fixedPlans) {
            const [bn, be] = key.split('|').map((s) => [...s].map((c) => c === '1'));
            expect(makePlan(cp, v2, bn, be)).toEqual(plan);
            expect(makePlan(cp, v1, bn, be)).toEqual(plan);
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});
