/** Small random graphs and patterns for property tests. */
import fc from 'fast-check';
import { Store } from '../../src/graph/index.ts';
import type { Guard, Nac, Pattern, PatternEdge, PatternNode } from '../../src/rules/match/index.ts';

export interface GraphSpec {
  nodes: { labels: string[]; x: number }[];
  edges: { type: string; src: number; dst: number; x: number }[];
}

export const graphArb = (maxNodes = 5, maxEdges = 8): fc.Arbitrary<GraphSpec> =>
  fc.integer({ min: 1, max: maxNodes }).chain((n) =>
    fc.record({
      nodes: fc.array(fc.record({ labels: fc.subarray(['A', 'B']), x: fc.integer({ min: 0, max: 1 }) }), { minLength: n, maxLength: n }),
      edges: fc.array(
        fc.record({ type: fc.constantFrom('s', 't'), src: fc.nat(n - 1), dst: fc.nat(n - 1), x: fc.integer({ min: 0, max: 1 }) }),
        { maxLength: maxEdges },
      ),
    }),
  );

export function build(spec: GraphSpec, store = new Store()): Store {
  store.transact((tx) => {
    spec.nodes.forEach((n, i) => tx.addNode(`n${i}`, n.labels, { x: n.x }));
    spec.edges.forEach((e, i) => tx.addEdge(`e${i}`, e.type, `n${e.src}`, `n${e.dst}`, { x: e.x }));
  });
  return store;
}

const pnodeArb = (v: string): fc.Arbitrary<PatternNode> =>
  fc.record({ labels: fc.subarray(['A', 'B'], { maxLength: 1 }), x: fc.option(fc.integer({ min: 0, max: 1 }), { freq: 3 }) }).map(({ labels, x }) => ({
    var: v,
    labels,
    ...(x === null ? {} : { props: { x } }),
  }));

const pedgeArb = (v: string, vars: string[]): fc.Arbitrary<PatternEdge> =>
  fc
    .record({
      src: fc.constantFrom(...vars),
      dst: fc.constantFrom(...vars),
      direction: fc.constantFrom('out' as const, 'in' as const, 'either' as const),
      types: fc.option(fc.subarray(['s', 't'], { minLength: 1 }), { freq: 2 }),
      x: fc.option(fc.integer({ min: 0, max: 1 }), { freq: 4 }),
    })
    .map(({ src, dst, direction, types, x }) => ({
      var: v,
      src,
      dst,
      direction,
      ...(types === null ? {} : { types }),
      ...(x === null ? {} : { props: { x } }),
    }));

export const patternArb = (mode: 'injective' | 'cypher'): fc.Arbitrary<Pattern> =>
  fc.integer({ min: 1, max: 3 }).chain((n) => {
    const vars = Array.from({ length: n }, (_, i) => `v${i}`);
    return fc.integer({ min: 0, max: 3 }).chain((m) =>
      fc
        .record({
          nodes: fc.tuple(...vars.map(pnodeArb)),
          edges: fc.tuple(...Array.from({ length: m }, (_, i) => pedgeArb(`r${i}`, vars))),
          coincide: fc.option(fc.tuple(fc.constantFrom(...vars), fc.constantFrom(...vars)), { freq: 3 }),
          guard: fc.option(fc.tuple(fc.constantFrom(...vars), fc.constantFrom(...vars)), { freq: 3 }),
          nac: fc.option(
            fc.record({
              from: fc.constantFrom(...vars),
              to: fc.option(fc.constantFrom(...vars)),
              type: fc.constantFrom('s', 't'),
              label: fc.subarray(['A', 'B'], { maxLength: 1 }),
              dir: fc.constantFrom('out' as const, 'in' as const, 'either' as const),
            }),
            { freq: 2 },
          ),
        })
        .map(({ nodes, edges, coincide, guard, nac }) => {
          const guards: Guard[] =
            guard === null ? [] : [{ vars: [guard[0], guard[1]], test: (mv) => (mv.node(guard[0]).props.x as number) <= (mv.node(guard[1]).props.x as number) }];
          const nacs: Nac[] = [];
          if (nac !== null) {
            const to = nac.to ?? 'w';
            nacs.push({
              nodes: nac.to === null ? [{ var: 'w', labels: nac.label }] : [],
              edges: [{ var: 'ne', src: nac.from, dst: to, types: [nac.type], direction: nac.dir }],
            });
          }
          return {
            nodes,
            edges,
            homomorphism: mode,
            ...(coincide !== null && mode === 'injective' && coincide[0] !== coincide[1] ? { mayCoincide: [coincide] } : {}),
            guards,
            nacs,
          } as Pattern;
        }),
    );
  });
