import * as dagCbor from '@ipld/dag-cbor';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import { describe, expect, it } from 'vitest';
import * as champ from '../../src/graph/_internals/champ.ts';
import { CborWriter, Link } from '../../src/graph/_internals/cbor.ts';
import { cidOf, trieDigest } from '../../src/graph/_internals/merkle.ts';
import { NodeRec } from '../../src/graph/_internals/records.ts';

/** Structure of a trie as plain data, to compare shapes. */
function shape(n: champ.ChampNode<unknown>): unknown {
  const pairs = champ.pairCount(n);
  const out: unknown[] = [champ.datamapOf(n), champ.nodemapOf(n)];
  for (let i = 0; i < pairs; i++) out.push(champ.keyAt(n, i), champ.valueAt(n, i));
  for (let i = 0; i < champ.childCount(n); i++) out.push(shape(champ.childAt(n, i)));
  return out;
}

const hashes: [string, (k: string) => number][] = [
  ['real hash', champ.hashKey],
  // Few distinct hashes: forces deep paths and full-hash collision nodes.
  ['degenerate hash', (k) => (k.length % 3) * 0x11111111],
  ['shared prefix hash', (k) => (champ.hashKey(k) & 0xff) | 0xabcd0000],
];

describe('CHAMP trie', () => {
  for (const [name, hash] of hashes) {
    it(`matches a Map under random sets and removes (${name}), and its shape depends only on its keys`, () => {
      const saved = champ.hashing.hash;
      champ.hashing.hash = hash;
      try {
        checkTrie(hash);
      } finally {
        champ.hashing.hash = saved;
      }
    });
  }

  function checkTrie(hash: (k: string) => number): void {
    {
      const key = fc.string({ maxLength: 4 });
      const ops = fc.array(fc.tuple(fc.boolean(), key, fc.nat(5)), { maxLength: 60 });
      fc.assert(
        fc.property(ops, fc.boolean(), (list, transient) => {
          const edit = transient ? {} : null;
          let root = champ.emptyNode<number>();
          const model = new Map<string, number>();
          for (const [isSet, k, v] of list) {
            const c = champ.newChange();
            if (isSet) {
              root = champ.set(root, k, v, edit, c, hash(k));
              expect(c.added).toBe(!model.has(k));
              model.set(k, v);
            } else {
              root = champ.remove(root, k, edit, c, hash(k));
              expect(c.removed).toBe(model.has(k));
              model.delete(k);
            }
          }
          for (const [k, v] of model) expect(champ.get(root, k, hash(k))).toBe(v);
          const seen = new Map<string, number>();
          champ.forEach(root, (v, k) => void seen.set(k, v));
          expect(seen).toEqual(model);
          // Canonical: the same key set inserted in sorted order has the same shape.
          let fresh = champ.emptyNode<number>();
          for (const k of [...model.keys()].sort()) fresh = champ.set(fresh, k, model.get(k)!, null, champ.newChange(), hash(k));
          expect(shape(root)).toEqual(shape(fresh));
        }),
        { numRuns: 300 },
      );
    }
  }

  it('diff reports exactly the changed keys', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 3 }), fc.nat(3)), fc.dictionary(fc.string({ maxLength: 3 }), fc.nat(3)), (a, b) => {
        const build = (o: Record<string, number>) => {
          let r = champ.emptyNode<{ v: number }>();
          for (const [k, v] of Object.entries(o)) r = champ.set(r, k, { v }, null, champ.newChange());
          return r;
        };
        const got: string[] = [];
        champ.diff(build(a), build(b), (k, before, after) => {
          if (before?.v !== after?.v) got.push(k);
        });
        const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
        const want = [...keys].filter((k) => a[k] !== b[k]);
        expect(got.sort()).toEqual(want.sort());
      }),
    );
  });
});

describe('block encoding', () => {
  const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);

  it('writes the same bytes as @ipld/dag-cbor for any JSON value', () => {
    fc.assert(
      fc.property(json, (v) => {
        const w = new CborWriter();
        w.value(v);
        expect(Buffer.from(w.bytes()).toString('hex')).toBe(Buffer.from(dagCbor.encode(v)).toString('hex'));
      }),
      { numRuns: 500 },
    );
  });

  it('writes links as DAG-CBOR CIDs, and trie blocks decode to their documented layout', () => {
    const digest = String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i * 7));
    const w = new CborWriter();
    w.value({ l: new Link(digest) });
    const decoded = dagCbor.decode(w.bytes()) as { l: CID };
    expect(decoded.l.equals(cidOf(digest))).toBe(true);

    let root = champ.emptyNode<NodeRec>();
    for (let i = 0; i < 40; i++) root = champ.set(root, `n${i}`, new NodeRec(`n${i}`, ['L'], { i }), null, champ.newChange());
    const blocks = new Map<string, Uint8Array>();
    const d = trieDigest(root, (dg, bytes) => void blocks.set(dg, bytes));
    const top = dagCbor.decode(blocks.get(d)!) as [number, number, unknown[], CID[]];
    expect(top[0]).toBe(champ.datamapOf(root));
    expect(top[1]).toBe(champ.nodemapOf(root));
    expect(top[3].length).toBe(champ.childCount(root));
    // every block hashes to its key
    for (const [dg, bytes] of blocks) {
      const el = dagCbor.decode(bytes);
      expect(Buffer.from(dagCbor.encode(el)).equals(Buffer.from(bytes))).toBe(true);
      expect(dg.length).toBe(32);
    }
    const leaf = [...blocks.values()].map((b) => dagCbor.decode(b)).find((x) => !Array.isArray(x)) as { id: string; labels: string[]; props: { i: number } };
    expect(leaf.labels).toEqual(['L']);
  });
});
