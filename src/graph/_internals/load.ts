import * as dagCbor from '@ipld/dag-cbor';
import type { CID } from 'multiformats/cid';
import { GraphError } from '../errors.ts';
import type { Props } from '../types.ts';
import * as champ from './champ.ts';
import type { ChampNode } from './champ.ts';
import { Draft, EMPTY_VALUE } from './graph-value.ts';
import type { GraphValue } from './graph-value.ts';
import { reviveJson } from './json.ts';
import { DIGEST, EdgeRec, NodeRec } from './records.ts';

/**
 * Rebuilds a version from its blocks. The content tries are decoded node by
 * node with their digests (so they are never hashed again); the indexes are
 * rebuilt from the elements.
 */
export function loadValue(getBlock: (digest: string) => Uint8Array | undefined, root: string): GraphValue {
  const rootBlock = decodeBlock(getBlock, root, 'root') as { nodes?: CID; edges?: CID };
  if (!rootBlock || !rootBlock.nodes || !rootBlock.edges) throw corrupt(root, 'is not a root block');
  let nodeCount = 0;
  let edgeCount = 0;
  const nodes = loadTrie(getBlock, digestOf(rootBlock.nodes), (d) => {
    const b = decodeBlock(getBlock, d, 'node') as { id: string; labels: string[]; props: Props };
    nodeCount++;
    const rec = new NodeRec(b.id, Object.freeze(b.labels), reviveJson(b.props, true));
    rec[DIGEST] = d;
    return rec;
  });
  const edges = loadTrie(getBlock, digestOf(rootBlock.edges), (d) => {
    const b = decodeBlock(getBlock, d, 'edge') as { id: string; type: string; src: string; dst: string; props: Props };
    edgeCount++;
    const rec = new EdgeRec(b.id, b.type, b.src, b.dst, reviveJson(b.props, true));
    rec[DIGEST] = d;
    return rec;
  });
  const draft = new Draft({ ...EMPTY_VALUE, nodes, edges, nodeCount, edgeCount });
  // Re-putting the same records leaves the content tries as they are and fills the indexes.
  forEachValue(nodes, (n) => draft.putNode(n, undefined));
  forEachValue(edges, (e) => draft.putEdge(e));
  return draft.freeze();
}

function loadTrie<V>(getBlock: (digest: string) => Uint8Array | undefined, digest: string, element: (digest: string) => V): ChampNode<V> {
  const block = decodeBlock(getBlock, digest, 'trie node') as [number, number, unknown[], CID[]];
  if (!Array.isArray(block) || block.length !== 4) throw corrupt(digest, 'is not a trie node');
  const [datamap, nodemap, pairs, links] = block;
  if (datamap === 0 && nodemap === 0 && pairs.length === 0) return champ.emptyNode<V>();
  const arr: unknown[] = new Array(pairs.length + links.length);
  for (let i = 0; i < pairs.length; i += 2) {
    arr[i] = pairs[i];
    arr[i + 1] = element(digestOf(pairs[i + 1] as CID));
  }
  for (let i = 0; i < links.length; i++) arr[pairs.length + i] = loadTrie(getBlock, digestOf(links[i]), element);
  const node = champ.makeNode<V>(datamap, nodemap, arr);
  champ.setDigest(node, digest);
  return node;
}

function forEachValue<V>(node: ChampNode<V>, fn: (v: V) => void): void {
  champ.forEach(node, (v) => void fn(v));
}

function decodeBlock(getBlock: (digest: string) => Uint8Array | undefined, digest: string, what: string): unknown {
  const bytes = getBlock(digest);
  if (bytes === undefined) throw corrupt(digest, `(${what}) is missing`);
  try {
    return dagCbor.decode(bytes);
  } catch (e) {
    throw corrupt(digest, `(${what}) cannot be decoded: ${(e as Error).message}`);
  }
}

function digestOf(cid: CID): string {
  return Buffer.from(cid.multihash.digest).toString('latin1');
}

function corrupt(digest: string, what: string): GraphError {
  return new GraphError('CORRUPT_BLOCK', `Store.open: block ${Buffer.from(digest, 'latin1').toString('hex')} ${what}`);
}
