/**
 * `updateData` records the execution-data patches of a rule application. Logs
 * written before it replaced immer hold immer's patches, and replay compares
 * patches, so it must make exactly the patches (and the data) that immer's
 * `produceWithPatches` makes for the same writes: immer is the oracle.
 */
import fc from 'fast-check';
import { enablePatches, produceWithPatches } from 'immer';
import { describe, expect, it } from 'vitest';
import { Store } from '../../../src/graph/index.ts';
import type { Json, NodeRecord } from '../../../src/graph/index.ts';
import { collectPatches, updateData } from '../../../src/workflow/compiler/execution-data.ts';

enablePatches();

type Write = { k: 'set'; key: 'steps' | 'vars' | 'outputs'; name: string; value: Json } | { k: 'push'; value: Json } | { k: 'read'; key: 'steps' | 'vars' };

// Integer-like names too: objects order those first, immer's assigned-name map does not.
const NAMES = ['a', 'b', 'c', '1', '0', 'x.y'];
const valueArb: fc.Arbitrary<Json> = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 2 }), fc.constantFrom('s', 't'), fc.record({ output: fc.integer({ min: 0, max: 2 }) }));
const mapArb = fc.dictionary(fc.constantFrom(...NAMES), valueArb, { maxKeys: 4 });
const writeArb: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ k: fc.constant('set' as const), key: fc.constantFrom('steps' as const, 'vars' as const, 'outputs' as const), name: fc.constantFrom(...NAMES), value: valueArb }),
  fc.record({ k: fc.constant('push' as const), value: valueArb }),
  // A read matters too: immer orders its patches by the first access to each key.
  fc.record({ k: fc.constant('read' as const), key: fc.constantFrom('steps' as const, 'vars' as const) }),
);

/** An Execution node as the store holds it (owned, frozen props). */
function execNode(props: Record<string, Json>): NodeRecord {
  const store = new Store();
  store.transact((tx) => void tx.addNode('e', ['Execution'], props));
  return store.head().getNode('e')!;
}

describe('updateData', () => {
  it('makes the patches and the data immer makes for the same writes', () => {
    fc.assert(
      fc.property(mapArb, mapArb, mapArb, fc.array(valueArb, { maxLength: 3 }), fc.array(writeArb, { maxLength: 8 }), fc.boolean(), (steps, vars, outputs, compensations, writes, reuse) => {
        const e = execNode({ steps, vars, outputs, compensations, other: 1 });
        // Writing a value the data holds already (same object) must be no write.
        const resolved = writes.map((w) => (reuse && w.k === 'set' && (e.props[w.key] as Record<string, Json>)[w.name] !== undefined ? { ...w, value: (e.props[w.key] as Record<string, Json>)[w.name] } : w));
        const { result: next, patches } = collectPatches(() =>
          updateData(e, (d) => {
            for (const w of resolved) {
              if (w.k === 'set') d.set(w.key, w.name, w.value);
              else if (w.k === 'push') d.push('compensations', w.value);
              else void d[w.key];
            }
          }),
        );
        const base = { steps: e.props.steps, vars: e.props.vars, outputs: e.props.outputs, compensations: e.props.compensations } as Record<string, unknown>;
        const [want, wantPatches] = produceWithPatches(base, (d: Record<string, Record<string, unknown> & unknown[]>) => {
          for (const w of resolved) {
            if (w.k === 'set') d[w.key][w.name] = w.value;
            else if (w.k === 'push') d.compensations.push(w.value);
            else void d[w.key];
          }
        });
        const strip = wantPatches.map((p) => (p.value === undefined ? { op: p.op, path: [...p.path] } : { op: p.op, path: [...p.path], value: p.value }));
        expect(patches).toEqual(strip);
        expect(next).toEqual(want);
        // Unchanged parts are the node's own values.
        for (const k of ['steps', 'vars', 'outputs', 'compensations'] as const) if (want[k] === base[k]) expect(next[k]).toBe(base[k]);
      }),
      { numRuns: 1000 },
    );
  });
});
