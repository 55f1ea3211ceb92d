import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/graph/index.ts';
import type { Json, NodeRecord } from '../../src/graph/index.ts';
import { forEachNodeWithProperty, indexStats } from '../../src/graph/_internals/prop-index.ts';
import { countMatches, match } from '../../src/rules/match/index.ts';

/** The property index answers what a scan answers, on every version of a random history, read in any order. */
const valueArb: fc.Arbitrary<Json> = fc.oneof(fc.constantFrom(0, 1, 2, 'a', 'b', true, null), fc.constant([1, 'a']), fc.constant({ p: 1, q: [2] }));
const opArb = fc.record({ kind: fc.constantFrom('add', 'set', 'drop', 'relabel'), node: fc.nat(7), label: fc.constantFrom('A', 'B'), value: fc.option(valueArb, { freq: 4 }) });

function scan(nodes: NodeRecord[], label: string | undefined, key: string, value: Json): string[] {
  return nodes.filter((n) => (label === undefined || n.labels.includes(label)) && n.props[key] !== undefined && JSON.stringify(n.props[key]) === JSON.stringify(value)).map((n) => n.id).sort();
}

describe('property index', () => {
  it('== a scan, on every version, whichever version is read first', () => {
    fc.assert(
      fc.property(fc.array(fc.array(opArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(10), { minLength: 1, maxLength: 8 }), valueArb, fc.option(fc.constantFrom('A', 'B')), (commits, reads, value, label) => {
        const store = new Store();
        for (const ops of commits)
          store.transact((tx) => {
            for (const op of ops) {
              const id = `n${op.node}`;
              const has = tx.getNode(id) !== undefined;
              const props: { [k: string]: Json } = op.value === null ? {} : { k: op.value };
              if (op.kind === 'add' && !has) tx.addNode(id, [op.label], props);
              else if (op.kind === 'set' && has) tx.updateNode(id, { props });
              else if (op.kind === 'drop' && has) tx.dropNode(id);
              else if (op.kind === 'relabel' && has) tx.updateNode(id, { labels: [op.label] });
            }
          });
        for (const r of reads) {
          const view = store.at(r % (store.headTx + 1));
          const nodes: NodeRecord[] = [];
          view.forEachNode((n) => void nodes.push(n));
          const got: string[] = [];
          expect(forEachNodeWithProperty(view, label ?? undefined, 'k', value, (n) => void got.push(n.id))).toBe(true);
          expect(got.sort()).toEqual(scan(nodes, label ?? undefined, 'k', value));
          // and through the matcher (a SCAN_NODE with a property): counted through the index, matched by a scan
          const p = { nodes: [{ var: 'n', ...(label === null ? {} : { labels: [label] }), props: { k: value } }] };
          expect(countMatches(view, p)).toBe(scan(nodes, label ?? undefined, 'k', value).length);
          expect(match(view, p).map((m) => m.node('n').id).sort()).toEqual(scan(nodes, label ?? undefined, 'k', value));
        }
      }),
      { numRuns: 300 },
    );
    expect(indexStats().builds).toBeGreaterThan(0);
  });

  it('is not used on an open transaction (it would go stale): the caller scans', () => {
    const store = new Store();
    store.transact((tx) => void tx.addNode('a', ['A'], { k: 1 }));
    const tx = store.begin();
    expect(forEachNodeWithProperty(tx, 'A', 'k', 1, () => {})).toBe(false);
    tx.updateNode('a', { props: { k: 2 } });
    expect(match(tx, { nodes: [{ var: 'n', labels: ['A'], props: { k: 2 } }] }).length).toBe(1);
    tx.abort();
  });
});
