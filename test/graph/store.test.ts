import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConflictError, GraphError, SqliteBackend, Store, checkJson, importGraphology, toGraphology } from '../../src/graph/index.ts';
import type { ItonamiError, Json } from '../../src/graph/index.ts';
import { applyChanges } from './fixtures/apply-changes.ts';

/**
 * The store specification: every backend runs the same suite (STYLE.md: one
 * reusable spec suite per interface).
 */
function storeSpecs(backendName: string, make: () => Store): void {
describe(`${backendName}: `, () => {
function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as ItonamiError).code;
  }
  return undefined;
}

function small(): Store {
  const s = make();
  s.transact((tx) => {
    tx.addNode('a', ['Person'], { name: 'Ann', age: 30 });
    tx.addNode('b', ['Person', 'Admin'], { name: 'Bob' });
    tx.addEdge('ab', 'KNOWS', 'a', 'b', { since: 2020 });
  });
  return s;
}

describe('Store basics', () => {
  it('starts empty at TxId 0 and counts commits from 1', () => {
    const s = make();
    expect(s.headTx).toBe(0);
    expect(s.head().nodeCount).toBe(0);
    const c = s.transact((tx) => void tx.addNode('x')).commit;
    expect(c.tx).toBe(1);
    expect(c.parentTx).toBe(0);
    expect(s.headTx).toBe(1);
  });

  it('a commit keeps the net change: one op per element, intermediate records left out, in an order that replays', () => {
    const s = small();
    s.transact((tx) => {
      tx.addNode('c', ['Person'], { name: 'Cy' });
      tx.mergeNodeProps('c', { age: 1 });
      tx.mergeNodeProps('c', { age: 2 }); // add + updates: one add of the last record
      tx.mergeNodeProps('a', { age: 31 });
      tx.updateNode('a', { labels: ['Person', 'Admin'], props: { name: 'Ann', age: 32 } }); // updates: one update from the first before
      tx.addNode('tmp');
      tx.addEdge('t', 'X', 'a', 'tmp');
      tx.dropEdge('t');
      tx.dropNode('tmp'); // added and dropped: nothing
      tx.mergeEdgeProps('ab', { since: 2021 });
      tx.dropEdge('ab'); // update + drop: the drop of the record before
      tx.mergeNodeProps('b', { name: 'Bo' });
      tx.dropNode('b');
      tx.addNode('b', ['Robot'], {}); // a drop then an add stay two ops
    });
    const summary = s.changes(2).map((op) => {
      const rec = 'node' in op ? op.node : op.edge;
      const before = 'before' in op ? op.before.props : undefined;
      return [op.op, rec.id, rec.props, ...(before === undefined ? [] : [before])];
    });
    expect(summary).toEqual([
      ['addNode', 'c', { age: 2, name: 'Cy' }],
      ['updateNode', 'a', { age: 32, name: 'Ann' }, { age: 30, name: 'Ann' }],
      ['dropEdge', 'ab', { since: 2020 }],
      ['dropNode', 'b', { name: 'Bob' }],
      ['addNode', 'b', {}],
    ]);
    expect(s.head().getNode('a')?.labels).toEqual(['Admin', 'Person']);
    // Versions rebuilt from the net ops read as the ones committed.
    const replayed = new Store({ keepEvery: 1 });
    for (let t = 1; t <= s.headTx; t++) replayed.transact((tx) => applyChanges(tx, s.changes(t)));
    expect(replayed.cid(2).equals(s.cid(2))).toBe(true);
  });

  it('stores labels sorted and props frozen, and reads back by id, label, type and adjacency', () => {
    const s = small();
    const h = s.head();
    expect(h.getNode('b')?.labels).toEqual(['Admin', 'Person']);
    expect(Object.isFrozen(h.getNode('a')?.props)).toBe(true);
    const persons: string[] = [];
    h.forEachNodeWithLabel('Person', (n) => void persons.push(n.id));
    expect(persons.sort()).toEqual(['a', 'b']);
    expect(h.countLabel('Admin')).toBe(1);
    expect(h.countType('KNOWS')).toBe(1);
    const out: string[] = [];
    h.forEachIncident('a', 'out', 'KNOWS', (e) => void out.push(e.dst));
    expect(out).toEqual(['b']);
    expect(h.degree('b', 'in')).toBe(1);
    expect(h.degree('b', 'out')).toBe(0);
    expect(h.labelCounts().get('Person')).toBe(2);
    expect(h.typeCounts().get('KNOWS')).toBe(1);
  });

  it('supports parallel edges and self-loops', () => {
    const s = make();
    s.transact((tx) => {
      tx.addNode('a');
      tx.addEdge('l', 'SELF', 'a', 'a');
      tx.addEdge('p1', 'R', 'a', 'a');
      tx.addEdge('p2', 'R', 'a', 'a');
    });
    expect(s.head().degree('a', 'out')).toBe(3);
    expect(s.head().degree('a', 'in')).toBe(3);
    expect(s.head().edgeCount).toBe(3);
  });

  it('keeps every version readable and unchanged after later commits', () => {
    const s = small();
    s.transact((tx) => {
      tx.updateNode('a', { props: { name: 'Ann', age: 31 } });
      tx.dropEdge('ab');
    });
    expect(s.at(1).getNode('a')?.props.age).toBe(30);
    expect(s.at(1).hasEdge('ab')).toBe(true);
    expect(s.at(2).getNode('a')?.props.age).toBe(31);
    expect(s.at(2).hasEdge('ab')).toBe(false);
    expect(s.at(0).nodeCount).toBe(0);
  });

  it('a scratch transaction on an old version sees its own writes, leaves every version as it was, and cannot commit', () => {
    const s = small();
    s.transact((tx) => void tx.updateNode('a', { props: { name: 'Ann', age: 31 } }));
    const head = s.headTx;
    const cid = s.cid(1).toString();
    const scratch = s.scratch(1);
    expect(scratch.getNode('a')?.props.age).toBe(30);
    scratch.mergeNodeProps('a', { age: 40 });
    scratch.dropEdge('ab');
    expect([scratch.getNode('a')?.props.age, scratch.hasEdge('ab')]).toEqual([40, false]);
    expect([s.at(1).getNode('a')?.props.age, s.at(1).hasEdge('ab'), s.cid(1).toString()]).toEqual([30, true, cid]);
    expect(s.head().getNode('a')?.props.age).toBe(31);
    expect(() => scratch.commit()).toThrow(/scratch transaction .* cannot commit/);
    expect(s.headTx).toBe(head);
    // The head goes on taking commits as before.
    s.transact((tx) => void tx.mergeNodeProps('a', { age: 32 }));
    expect([s.headTx, s.at(head).getNode('a')?.props.age]).toEqual([head + 1, 31]);
  });

  it('lists history with metadata and diffs two versions', () => {
    const s = small();
    s.transact((tx) => {
      tx.mergeNodeProps('a', { age: 31 });
      tx.addNode('c', ['Person']);
      tx.dropEdge('ab');
    }, { rule: 'birthday' });
    const h = s.history();
    expect(h.map((c) => c.tx)).toEqual([1, 2]);
    expect(h[1].meta).toEqual({ rule: 'birthday' });
    expect(h[1].cid.toString()).toBe(s.cid(2).toString());
    const d = s.diff(1, 2);
    expect(d.nodes.added.map((n) => n.id)).toEqual(['c']);
    expect(d.nodes.changed.map((c) => [c.before.props.age, c.after.props.age])).toEqual([[30, 31]]);
    expect(d.edges.removed.map((e) => e.id)).toEqual(['ab']);
    expect(s.diff(2, 1).edges.added.map((e) => e.id)).toEqual(['ab']);
    expect(s.diff(2, 2).nodes.added).toEqual([]);
  });

  it('reports a TxId that does not exist', () => {
    const s = small();
    expect(codeOf(() => s.at(5))).toBe('TX_NOT_FOUND');
    expect(codeOf(() => s.at(-1))).toBe('TX_NOT_FOUND');
    expect(codeOf(() => s.at(1.5))).toBe('TX_NOT_FOUND');
    expect(codeOf(() => s.diff(0, 9))).toBe('TX_NOT_FOUND');
  });
});

describe('Store bad input', () => {
  it('rejects an edge to a missing node, naming both', () => {
    const s = small();
    const tx = s.begin();
    try {
      tx.addEdge('x', 'T', 'a', 'zzz');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(GraphError);
      expect((e as GraphError).code).toBe('NODE_NOT_FOUND');
      expect((e as Error).message).toContain('"x"');
      expect((e as Error).message).toContain('"zzz"');
    }
  });

  it('rejects duplicate ids', () => {
    const s = small();
    expect(codeOf(() => s.transact((tx) => void tx.addNode('a')))).toBe('DUPLICATE_ID');
    expect(codeOf(() => s.transact((tx) => void tx.addEdge('ab', 'T', 'a', 'b')))).toBe('DUPLICATE_ID');
  });

  it('refuses to delete a node that keeps edges, unless the same transaction deletes them (in any order)', () => {
    const s = small();
    const tx = s.begin();
    tx.dropNode('b');
    expect(codeOf(() => tx.commit())).toBe('DANGLING_EDGE');
    expect(s.headTx).toBe(1);
    s.transact((t) => {
      t.dropNode('b');
      t.dropEdge('ab');
    });
    expect(s.head().hasNode('b')).toBe(false);
  });

  it('rejects property values that are not JSON-like, naming the property', () => {
    const s = small();
    const bad: unknown[] = [() => 1, undefined, NaN, Infinity, new Date(), new Map(), 10n, Symbol('s')];
    for (const v of bad) {
      const tx = s.begin();
      try {
        tx.addNode('n', [], { good: 1, bad: v } as never);
        expect.unreachable();
      } catch (e) {
        expect((e as GraphError).code).toBe('INVALID_PROPERTY');
        expect((e as Error).message).toContain('bad');
      }
      tx.abort();
    }
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    expect(codeOf(() => s.transact((tx) => void tx.addNode('n', [], { cyc } as never)))).toBe('INVALID_PROPERTY');
    expect(codeOf(() => s.transact((tx) => void tx.addNode('n', [], { deep: [{ f: undefined }] } as never)))).toBe('INVALID_PROPERTY');
    // A shared (non-cyclic) sub-object is fine.
    const shared = { k: 1 };
    s.transact((tx) => void tx.addNode('n', [], { x: shared, y: shared }));
  });

  it('checkJson refuses what the store refuses, naming the method, the subject and the path, and keeps nothing', () => {
    const v = { ok: [1, 'a', null, { b: true }], shared: { k: 1 } };
    expect(() => checkJson('M', 'payload', v)).not.toThrow();
    expect(Object.isFrozen(v)).toBe(false);
    expect(() => checkJson('M', 'payload', { a: [1, NaN] })).toThrow('M: payload: property payload.a[1] is NaN, which is not a JSON number');
    expect(codeOf(() => checkJson('M', 'payload', new Date()))).toBe('INVALID_PROPERTY');
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    expect(() => checkJson('M', 'payload', cyc)).toThrow(/payload\.self contains a cycle/);
  });

  it('a failed transaction changes nothing, and a failed op leaves the transaction as it was', () => {
    const s = small();
    const cid = s.cid().toString();
    const tx = s.begin();
    tx.addNode('c');
    expect(codeOf(() => tx.addEdge('x', 'T', 'c', 'nope'))).toBe('NODE_NOT_FOUND');
    expect(tx.hasEdge('x')).toBe(false);
    expect(tx.hasNode('c')).toBe(true);
    tx.dropNode('a');
    expect(codeOf(() => tx.commit())).toBe('DANGLING_EDGE');
    expect(s.headTx).toBe(1);
    expect(s.cid().toString()).toBe(cid);
    expect(s.head().hasNode('c')).toBe(false);
    expect(codeOf(() => tx.addNode('d'))).toBe('TX_CLOSED');
  });

  it('copies props so later changes to the caller object do not leak in', () => {
    const s = make();
    const p = { list: [1, 2] };
    s.transact((tx) => void tx.addNode('a', [], p));
    p.list.push(3);
    expect(s.head().getNode('a')?.props.list).toEqual([1, 2]);
  });

  it('a property named __proto__ is an ordinary key, at any depth, also after reopening; no prototype changes', async () => {
    const path = join(dir, `proto${files++}.db`);
    // snapshotEvery 0: no snapshot at close, so the reopened head is rebuilt from the log.
    const s = new Store({ backend: new SqliteBackend(path, { durability: 'off' }), snapshotEvery: 0 });
    const p = JSON.parse('{"__proto__": {"x": 1}, "a": {"__proto__": [2]}}');
    s.transact((tx) => {
      tx.addNode('n', [], p);
      tx.addNode('m', [], { b: 1 });
      tx.mergeNodeProps('m', { ['__proto__']: 'merged' });
    });
    s.snapshot();
    s.transact((tx) => void tx.updateNode('n', { props: { ...JSON.parse('{"__proto__": 3}'), c: 4 } }));
    const check = (view: { getNode(id: string): { props: object } | undefined }): void => {
      const n = view.getNode('n')!.props;
      const m = view.getNode('m')!.props;
      expect(Object.getPrototypeOf(n)).toBe(Object.prototype);
      expect(Object.keys(n).sort()).toEqual(['__proto__', 'c']);
      expect(JSON.stringify(n)).toBe('{"c":4,"__proto__":3}');
      expect((n as { x?: unknown }).x).toBeUndefined();
      expect(JSON.stringify(m)).toBe('{"b":1,"__proto__":"merged"}');
    };
    const v1 = (view: { getNode(id: string): { props: object } | undefined }): void => {
      const n = view.getNode('n')!.props as { a: object };
      expect(Object.getPrototypeOf(n)).toBe(Object.prototype);
      expect(JSON.stringify(n)).toBe('{"a":{"__proto__":[2]},"__proto__":{"x":1}}');
      expect(Object.getPrototypeOf(n.a)).toBe(Object.prototype);
    };
    v1(s.at(1));
    check(s.head());
    const cid = s.cid().toString();
    await s.close();
    const r = new Store({ backend: new SqliteBackend(path, { durability: 'off' }), snapshotEvery: 0 });
    v1(r.at(1)); // from the snapshot's blocks
    check(r.head()); // from the log
    expect(r.cid().toString()).toBe(cid);
    await r.close();
  });

  it('updates of a property named __proto__ (set to a value, to an object, removed) read back the same from the log', async () => {
    const path = join(dir, `proto${files++}.db`);
    const s = new Store({ backend: new SqliteBackend(path, { durability: 'off' }), snapshotEvery: 0 });
    const steps: { [k: string]: Json | undefined }[] = [
      JSON.parse('{"__proto__": 2}'),
      JSON.parse('{"__proto__": {"abcdefghij": 1}, "abcdefghij": 2}'),
      JSON.parse('{"__proto__": {"x": 1}}'),
      { ['__proto__']: undefined },
    ];
    s.transact((tx) => void tx.addNode('n', [], JSON.parse('{"__proto__": 1, "a": 1}')));
    const seen = [JSON.stringify(s.head().getNode('n')!.props)];
    for (const patch of steps) {
      s.transact((tx) => void tx.mergeNodeProps('n', patch));
      seen.push(JSON.stringify(s.head().getNode('n')!.props));
    }
    expect(seen[4]).toBe('{"a":1,"abcdefghij":2}');
    const cids = Array.from({ length: s.headTx + 1 }, (_, t) => s.cid(t).toString());
    await s.close();
    const r = new Store({ backend: new SqliteBackend(path, { durability: 'off' }), snapshotEvery: 0 });
    for (let t = 1; t <= r.headTx; t++) {
      expect(JSON.stringify(r.at(t).getNode('n')!.props)).toBe(seen[t - 1]);
      expect(r.cid(t).toString()).toBe(cids[t]);
    }
    await r.close();
  });
});

describe('Optimistic concurrency', () => {
  it('first committer wins on a write-write conflict', () => {
    const s = small();
    const t1 = s.begin();
    const t2 = s.begin();
    t1.mergeNodeProps('a', { age: 1 });
    t2.mergeNodeProps('a', { age: 2 });
    t1.commit();
    try {
      t2.commit();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConflictError);
      expect((e as ConflictError).conflictingTx).toBe(2);
      // Read and written, named once.
      expect((e as ConflictError).keys).toEqual(['n:a']);
      expect((e as ConflictError).message).toMatch(/on n:a \(transaction based on/);
    }
    expect(s.head().getNode('a')?.props.age).toBe(1);
  });

  it('disjoint writes both commit, rebased on the newer head', () => {
    const s = small();
    const t1 = s.begin();
    const t2 = s.begin();
    t1.addNode('c');
    t2.addNode('d');
    t1.commit();
    t2.commit();
    expect(s.head().hasNode('c') && s.head().hasNode('d')).toBe(true);
    expect(s.at(2).hasNode('d')).toBe(false);
  });

  it('serializable: a read of what a concurrent commit wrote conflicts; snapshot isolation ignores it', () => {
    const s = small();
    const t1 = s.begin();
    const t2 = s.begin();
    const t3 = s.begin({ isolation: 'snapshot' });
    t1.mergeNodeProps('a', { age: 40 });
    t2.getNode('a');
    t2.addNode('c');
    t3.getNode('a');
    t3.addNode('d');
    t1.commit();
    expect(codeOf(() => t2.commit())).toBe('CONFLICT');
    t3.commit();
    expect(s.head().hasNode('d')).toBe(true);
  });

  it('an edge to a node deleted concurrently conflicts in either isolation', () => {
    const s = make();
    s.transact((tx) => {
      tx.addNode('a');
      tx.addNode('b');
    });
    const t1 = s.begin({ isolation: 'snapshot' });
    const t2 = s.begin({ isolation: 'snapshot' });
    t1.dropNode('b');
    t2.addEdge('e', 'T', 'a', 'b');
    t1.commit();
    expect(codeOf(() => t2.commit())).toBe('CONFLICT');
    expect(s.head().edgeCount).toBe(0);
  });
});

describe('graphology interop', () => {
  it('converts any version to graphology and imports one back with the same content', () => {
    const s = small();
    const g = toGraphology(s.at(1));
    expect(g.order).toBe(2);
    expect(g.size).toBe(1);
    expect(g.getNodeAttribute('b', 'labels')).toEqual(['Admin', 'Person']);
    expect(g.getEdgeAttribute('ab', 'type')).toBe('KNOWS');
    const s2 = make();
    importGraphology(s2, g);
    expect(s2.cid().toString()).toBe(s.cid(1).toString());
  });
});

});
}

const dir = mkdtempSync(join(tmpdir(), 'itonami-spec-'));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeSpecs('memory', () => new Store());
storeSpecs('sqlite', () => new Store({ backend: new SqliteBackend(join(dir, `s${files++}.db`), { durability: 'off' }) }));

describe('property ownership', () => {
  it('reuses stored (validated, frozen) values instead of copying them again, and still validates foreign frozen values', async () => {
    const { produce } = await import('immer');
    const s = new Store();
    s.transact((tx) => void tx.addNode('x', [], { data: { big: { list: [1, 2, 3] }, small: 1 } }));
    const before = s.head().getNode('x')!.props;
    const next = produce(before, (d: { data: { small: number } }) => {
      d.data.small = 2;
    });
    s.transact((tx) => void tx.updateNode('x', { props: next }));
    const after = s.head().getNode('x')!.props as { data: { big: unknown; small: number } };
    expect(after.data.small).toBe(2);
    // The unchanged subtree is the very same object: no copy of it was made.
    expect(after.data.big).toBe((before as { data: { big: unknown } }).data.big);
    expect(s.at(1).getNode('x')!.props).toBe(before);
    const foreign = Object.freeze({ bad: NaN });
    expect(() => s.transact((tx) => void tx.addNode('y', [], foreign))).toThrowError(/NaN/);
  });
});

describe('fast write paths', () => {
  it('mergeNodeProps validates and copies only the patched values; the others stay shared', () => {
    const s = new Store();
    s.transact((tx) => void tx.addNode('x', ['A'], { keep: { deep: [1, 2] }, drop: 1, change: 'a' }));
    const before = s.head().getNode('x')!.props as { keep: unknown };
    const patch = { change: { v: [1] }, drop: undefined, added: -0 };
    s.transact((tx) => void tx.mergeNodeProps('x', patch));
    const after = s.head().getNode('x')!.props as Record<string, unknown>;
    expect(after).toEqual({ keep: { deep: [1, 2] }, change: { v: [1] }, added: 0 });
    // Keys in the store's one order (shorter first, then bytewise), not the order they were written in.
    expect(Object.keys(after)).toEqual(['keep', 'added', 'change']);
    expect(after.keep).toBe(before.keep);
    expect(after.change).not.toBe(patch.change); // copied
    expect(Object.isFrozen(after.change)).toBe(true);
    patch.change.v.push(2);
    expect(s.head().getNode('x')!.props.change).toEqual({ v: [1] });
    // A copy of a stored value that carries its hidden properties over is validated again.
    const sneaky = Object.create(Object.prototype, Object.getOwnPropertyDescriptors(before)) as Record<string, unknown>;
    Object.defineProperty(sneaky, 'bad', { value: undefined, enumerable: true });
    expect(() => s.transact((tx) => void tx.updateNode('x', { props: sneaky as never }))).toThrowError(/undefined/);
    expect(() => s.transact((tx) => void tx.mergeNodeProps('x', { bad: Number.NaN }))).toThrowError(/NaN/);
    expect(() => s.transact((tx) => void tx.mergeNodeProps('nope', { a: 1 }))).toThrowError(/does not exist/);
    s.transact((tx) => void tx.mergeNodeProps('x', { keep: undefined, change: undefined, added: undefined }));
    expect(s.head().getNode('x')!.props).toEqual({});
  });

  it('a merge that changes nothing writes nothing: no op, no new record, the same root', () => {
    const s = new Store();
    s.transact((tx) => {
      tx.addNode('x', ['A'], { n: 1, s: 'a', o: { deep: [1] } });
      tx.addNode('y');
      tx.addEdge('e', 'T', 'x', 'y', { w: 2 });
    });
    const x = s.head().getNode('x')!;
    const e = s.head().getEdge('e')!;
    const cid = s.cid().toString();
    s.transact((tx) => {
      // Each value the stored one (the object by identity), each removed key absent.
      expect(tx.mergeNodeProps('x', { n: 1, s: 'a', o: x.props.o, gone: undefined })).toBe(x);
      expect(tx.mergeEdgeProps('e', { w: 2, gone: undefined })).toBe(e);
      expect(tx.mergeNodeProps('y', {})).toBe(s.head().getNode('y'));
    });
    expect(s.changes(s.headTx)).toEqual([]);
    expect(s.head().getNode('x')).toBe(x);
    expect(s.cid().toString()).toBe(cid);
    // An equal value that is another object is a change (identity is what is compared), as is a removal.
    s.transact((tx) => void tx.mergeNodeProps('x', { o: { deep: [1] } }));
    expect(s.changes(s.headTx).map((c) => c.op)).toEqual(['updateNode']);
    s.transact((tx) => void tx.mergeNodeProps('x', { n: 1, s: undefined }));
    expect(s.head().getNode('x')!.props).toEqual({ n: 1, o: { deep: [1] } });
    // Still validated: a value that is not the stored one is checked.
    expect(() => s.transact((tx) => void tx.mergeNodeProps('x', { n: 1, bad: Number.NaN }))).toThrowError(/NaN/);
    // Updates in one transaction that end where they began are no change either.
    const x2 = s.head().getNode('x')!;
    const cid2 = s.cid().toString();
    s.transact((tx) => {
      tx.mergeNodeProps('x', { n: 2, extra: true });
      tx.updateNode('x', { labels: ['A', 'B'] });
      tx.mergeNodeProps('x', { n: 1, extra: undefined });
      tx.updateNode('x', { labels: ['A'] });
      tx.mergeEdgeProps('e', { w: 3 });
      tx.mergeEdgeProps('e', { w: 2 });
    });
    expect(s.changes(s.headTx)).toEqual([]);
    const x3 = s.head().getNode('x')!;
    expect([x3.labels, x3.props]).toEqual([x2.labels, x2.props]);
    expect(s.cid().toString()).toBe(cid2);
    // One that does not end there is one update from the first record to the last.
    s.transact((tx) => {
      tx.mergeNodeProps('x', { n: 2 });
      tx.mergeNodeProps('x', { n: 3 });
    });
    expect(s.changes(s.headTx)).toMatchObject([{ op: 'updateNode', before: { props: { n: 1 } }, node: { props: { n: 3 } } }]);
  });

  it('a no-op merge is still a read under serializable isolation, and no write under snapshot', () => {
    const s = new Store();
    s.transact((tx) => void tx.addNode('a', [], { v: 1 }));
    const ser = s.begin();
    const snap = s.begin({ isolation: 'snapshot' });
    ser.mergeNodeProps('a', { v: 1 });
    snap.mergeNodeProps('a', { v: 1 });
    s.transact((tx) => void tx.mergeNodeProps('a', { v: 2 }));
    expect(() => ser.commit()).toThrow(ConflictError);
    snap.commit();
    expect(s.head().getNode('a')!.props.v).toBe(2);
  });

  it('adoptMeta: the meta is validated and frozen in place, not copied', () => {
    const s = new Store();
    const meta = { a: [1, { b: 'c' }], n: null };
    const c = s.begin({ adoptMeta: true }).commit(meta);
    expect(c.meta).toBe(meta);
    expect(Object.isFrozen(meta.a[1])).toBe(true);
    expect(s.history(1, 1)[0].meta).toEqual({ a: [1, { b: 'c' }], n: null });
    const z = { n: -0, l: [-0] };
    expect(s.begin({ adoptMeta: true }).commit(z).meta).toEqual({ n: 0, l: [0] });
    expect(Object.is(z.n, 0)).toBe(true);
    const bad = s.begin({ adoptMeta: true });
    expect(() => bad.commit({ x: undefined } as never)).toThrowError(/undefined/);
    expect(s.headTx).toBe(2);
    const plain = { p: 1 };
    const c2 = s.begin().commit(plain);
    expect(c2.meta).not.toBe(plain);
    expect(Object.isFrozen(plain)).toBe(false);
  });

  it('a merge takes a patch\'s own keys only, whatever its prototype or Object.prototype carries', () => {
    const s = new Store();
    s.transact((tx) => void tx.addNode('a', [], { x: 1 }));
    const patch = Object.create({ inherited: 'from the prototype' }) as Record<string, Json>;
    patch.own = 2;
    s.transact((tx) => void tx.mergeNodeProps('a', patch));
    expect(s.head().getNode('a')!.props).toEqual({ x: 1, own: 2 });
    (Object.prototype as Record<string, unknown>).polluted = 'P';
    try {
      s.transact((tx) => void tx.mergeNodeProps('a', { y: 3 }), { note: 'meta' });
      expect(Object.keys(s.head().getNode('a')!.props).sort()).toEqual(['own', 'x', 'y']);
      expect(Object.keys(s.commitInfo(s.headTx).meta as object)).toEqual(['note']);
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
  });
});
