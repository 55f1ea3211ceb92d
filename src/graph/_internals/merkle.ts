import * as crypto from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { CborWriter } from './cbor.ts';
import * as champ from './champ.ts';
import type { ChampNode } from './champ.ts';
import { DIGEST } from './records.ts';
import type { EdgeRec, NodeRec } from './records.ts';

/**
 * Merkle hashing of a version. Only the content tries (nodes by id, edges by
 * id) are hashed: the indexes are functions of them, so hashing them would add
 * cost and no information. Digests are cached on trie nodes and elements, so
 * hashing a new version costs what changed times the trie depth.
 */

const SHA256 = 0x12;
const DAG_CBOR = 0x71;

/**
 * Digests are kept as 32-character latin1 strings: about 50 bytes of heap
 * each, against about 200 for a Uint8Array, and there is one per element and
 * per trie node.
 */
export type Digest32 = string;

const sha256: (data: Uint8Array) => Digest32 =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (data) => (crypto as unknown as { hash(alg: string, d: Uint8Array, enc: 'latin1'): string }).hash('sha256', data, 'latin1')
    : (data) => crypto.createHash('sha256').update(data).digest().toString('latin1');

const writer = new CborWriter();

/** Called for each block hashed for the first time; the durable backends collect them. */
export type BlockSink = (digest: Digest32, bytes: Uint8Array) => void;

export function hashBlock(bytes: Uint8Array): Digest32 {
  return sha256(bytes);
}

export function digestBytes(digest: Digest32): Uint8Array {
  return new Uint8Array(Buffer.from(digest, 'latin1'));
}

export function cidOf(digest: Digest32): CID {
  return CID.createV1(DAG_CBOR, Digest.create(SHA256, digestBytes(digest)));
}

export function encodeNodeRec(w: CborWriter, n: NodeRec): void {
  // keys in DAG-CBOR order: id, props, labels
  w.head(5, 3);
  w.string('id');
  w.string(n.id);
  w.string('props');
  w.map(n.props as Record<string, unknown>);
  w.string('labels');
  w.value(n.labels);
}

export function encodeEdgeRec(w: CborWriter, e: EdgeRec): void {
  // keys in DAG-CBOR order: id, dst, src, type, props
  w.head(5, 5);
  w.string('id');
  w.string(e.id);
  w.string('dst');
  w.string(e.dst);
  w.string('src');
  w.string(e.src);
  w.string('type');
  w.string(e.type);
  w.string('props');
  w.map(e.props as Record<string, unknown>);
}

function elementDigest(rec: NodeRec | EdgeRec, sink: BlockSink | undefined): Digest32 {
  if (rec[DIGEST] !== undefined) return rec[DIGEST];
  writer.reset();
  if ('type' in rec) encodeEdgeRec(writer, rec);
  else encodeNodeRec(writer, rec);
  const bytes = writer.bytes();
  const d = hashBlock(bytes);
  if (sink) sink(d, bytes.slice());
  rec[DIGEST] = d;
  return d;
}

/**
 * Digest of a trie node: [datamap, nodemap, [key, link, ...], [link, ...]].
 * Children first (depth first), then this node, so one shared writer serves.
 */
export function trieDigest(node: ChampNode<NodeRec | EdgeRec>, sink?: BlockSink): Digest32 {
  const cached = champ.digestOf(node);
  if (cached !== undefined) return cached;
  const pairs = champ.pairCount(node);
  const children = champ.childCount(node);
  const valueDigests: Digest32[] = new Array(pairs);
  for (let i = 0; i < pairs; i++) valueDigests[i] = elementDigest(champ.valueAt(node, i), sink);
  const childDigests: Digest32[] = new Array(children);
  for (let i = 0; i < children; i++) childDigests[i] = trieDigest(champ.childAt(node, i), sink);
  const w = writer.reset();
  w.head(4, 4);
  w.number(champ.datamapOf(node));
  w.number(champ.nodemapOf(node));
  w.head(4, 2 * pairs);
  for (let i = 0; i < pairs; i++) {
    w.string(champ.keyAt(node, i));
    w.link(valueDigests[i]);
  }
  w.head(4, childDigests.length);
  for (const d of childDigests) w.link(d);
  const bytes = w.bytes();
  const d = hashBlock(bytes);
  if (sink) sink(d, bytes.slice());
  champ.setDigest(node, d);
  return d;
}

/** The root block of a version: {edges: link, nodes: link}. */
export function rootDigest(nodes: ChampNode<NodeRec>, edges: ChampNode<EdgeRec>, sink?: BlockSink): Digest32 {
  const n = trieDigest(nodes as ChampNode<NodeRec | EdgeRec>, sink);
  const e = trieDigest(edges as ChampNode<NodeRec | EdgeRec>, sink);
  const w = writer.reset();
  w.head(5, 2);
  w.string('edges');
  w.link(e);
  w.string('nodes');
  w.link(n);
  const bytes = w.bytes();
  const d = hashBlock(bytes);
  if (sink) sink(d, bytes.slice());
  return d;
}
