/**
 * `npm run bench -- store [--scale 0.1]`
 *
 * The versioned store against a mutable graphology MultiDirectedGraph doing the
 * same mutations and reads without history (the floor), in one process run.
 * Phases run one after another and each drops its graph before the next, so
 * no contender pays for the garbage collector walking another's heap.
 */
import { MultiDirectedGraph } from 'graphology';
import { Store } from '../src/graph/index.ts';
import type { Snapshot } from '../src/graph/index.ts';
import { finish, gc, heapUsed, log, median, rng, round, time } from './_harness.ts';

interface Data {
  N: number;
  M: number;
  K: number;
  BACK: number;
  nodeIds: string[];
  edgeIds: string[];
  src: Int32Array;
  dst: Int32Array;
  readNodes: string[];
}

export async function main(args: string[]): Promise<void> {
  const scaleArg = args.indexOf('--scale');
  const scale = scaleArg >= 0 ? Number(args[scaleArg + 1]) : 1;
  const N = Math.round(100_000 * scale);
  const M = Math.round(1_000_000 * scale);
  const K = Math.round(100_000 * scale);
  const BACK = Math.round(50_000 * scale);
  const R: Record<string, unknown> = { nodes: N, edges: M, commits: K };

  // The same ids and endpoints for every contender.
  const rand = rng(42);
  const nodeIds = Array.from({ length: N }, (_, i) => `n${i}`);
  const edgeIds = Array.from({ length: M + K }, (_, i) => `e${i}`);
  const src = new Int32Array(M + K);
  const dst = new Int32Array(M + K);
  for (let i = 0; i < M + K; i++) {
    src[i] = Math.floor(rand() * N);
    dst[i] = Math.floor(rand() * N);
  }
  const readNodes = Array.from({ length: 20_000 }, () => nodeIds[Math.floor(rand() * N)]);
  const d: Data = { N, M, K, BACK, nodeIds, edgeIds, src, dst, readNodes };

  const baseHeap = heapUsed();
  buildPhase(d, R);
  gc();
  commitPhase(d, R);
  gc();
  memoryPhase(d, R, baseHeap);

  R.commit_ratio_vs_graphology = round((R.commits_with_cid_ms as number) / (R.graphology_inserts_ms as number));
  R.commit_nohash_ratio = round((R.commits_no_cid_ms as number) / (R.graphology_inserts_ms as number));
  R.build_one_tx_vs_graphology = round((R.build_one_tx_ms as number) / (R.graphology_build_ms as number));
  R.build_10k_tx_vs_graphology = round((R.build_10k_tx_ms as number) / (R.graphology_build_ms as number));
  R.head_read_vs_graphology = round((R.read_head_ms as number) / (R.read_graphology_ms as number));
  finish('store', R);
}

const ROUNDS = 10;

/** Builds (timed), each contender alone in the heap. */
function buildPhase(d: Data, R: Record<string, unknown>): void {
  const { N, M, nodeIds, edgeIds, src, dst } = d;
  {
    const g = new MultiDirectedGraph();
    const t = time(() => buildGraphology(d, g, M));
    log(`graphology: build ${round(t.ms)} ms`);
    R.graphology_build_ms = round(t.ms);
  }
  gc();
  {
    const store = new Store();
    const t = time(() => buildOne(d, store, M));
    log(`itonami: build in one transaction ${round(t.ms)} ms`);
    R.build_one_tx_ms = round(t.ms);
    const c = time(() => store.cid());
    log(`itonami: first root CID of the built graph ${round(c.ms)} ms`);
    R.initial_cid_ms = round(c.ms);
  }
  gc();
  {
    const store = new Store();
    const CH = 10_000;
    const t = time(() => {
      for (let start = 0; start < N; start += CH) {
        store.transact((tx) => {
          for (let i = start; i < Math.min(N, start + CH); i++) tx.addNode(nodeIds[i], ['V']);
        }, null, { isolation: 'snapshot' });
      }
      for (let start = 0; start < M; start += CH) {
        store.transact((tx) => {
          for (let i = start; i < Math.min(M, start + CH); i++) tx.addEdge(edgeIds[i], 'E', nodeIds[src[i]], nodeIds[dst[i]]);
        }, null, { isolation: 'snapshot' });
      }
    });
    log(`itonami: build in 10k-element transactions ${round(t.ms)} ms (${store.headTx} commits, all retained)`);
    R.build_10k_tx_ms = round(t.ms);
  }
}

function buildGraphology(d: Data, g: MultiDirectedGraph, edges: number): void {
  for (let i = 0; i < d.N; i++) g.addNode(d.nodeIds[i], { labels: ['V'] });
  for (let i = 0; i < edges; i++) g.addEdgeWithKey(d.edgeIds[i], d.nodeIds[d.src[i]], d.nodeIds[d.dst[i]], { type: 'E' });
}

function buildOne(d: Data, store: Store, edges: number): void {
  const tx = store.begin({ isolation: 'snapshot' });
  for (let i = 0; i < d.N; i++) tx.addNode(d.nodeIds[i], ['V']);
  for (let i = 0; i < edges; i++) tx.addEdge(d.edgeIds[i], 'E', d.nodeIds[d.src[i]], d.nodeIds[d.dst[i]]);
  tx.commit({ bench: 'build' });
}

/**
 * The 100k single-edge commits, in rounds that alternate the contenders
 * (graphology inserts, commits with a root CID each, commits without), so
 * that load on the machine falls on all three alike.
 */
function commitPhase(d: Data, R: Record<string, unknown>): void {
  const { M, K, BACK, nodeIds, edgeIds, src, dst, readNodes } = d;
  const g = new MultiDirectedGraph();
  buildGraphology(d, g, M);
  const hashed = new Store();
  buildOne(d, hashed, M);
  hashed.cid();
  const plain = new Store();
  buildOne(d, plain, M);
  gc();
  let gMs = 0;
  let hMs = 0;
  let pMs = 0;
  const per = Math.ceil(K / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    const from = M + r * per;
    const to = Math.min(M + K, from + per);
    gMs += time(() => {
      for (let i = from; i < to; i++) g.addEdgeWithKey(edgeIds[i], nodeIds[src[i]], nodeIds[dst[i]], { type: 'E' });
    }).ms;
    hMs += time(() => {
      for (let i = from; i < to; i++) {
        const tx = hashed.begin();
        tx.addEdge(edgeIds[i], 'E', nodeIds[src[i]], nodeIds[dst[i]]);
        tx.commit(null);
        hashed.cid();
      }
    }).ms;
    pMs += time(() => {
      for (let i = from; i < to; i++) {
        const tx = plain.begin();
        tx.addEdge(edgeIds[i], 'E', nodeIds[src[i]], nodeIds[dst[i]]);
        tx.commit(null);
      }
    }).ms;
  }
  log(`${K} edge inserts: graphology ${round(gMs)} ms; itonami commits with a root CID each ${round(hMs)} ms (${round((hMs * 1000) / K, 2)} µs each), without ${round(pMs)} ms (${round((pMs * 1000) / K, 2)} µs each)`);
  R.graphology_inserts_ms = round(gMs);
  R.commits_with_cid_ms = round(hMs);
  R.commits_no_cid_ms = round(pMs);

  // Reads: out-neighbourhoods at head, BACK commits back, and on graphology, alternating.
  const head = hashed.head();
  const old = hashed.at(hashed.headTx - BACK);
  const readOn = (snap: Snapshot) =>
    time(() => {
      let sum = 0;
      for (const n of readNodes) snap.forEachIncident(n, 'out', undefined, (e) => void (sum += e.dst.length));
      return sum;
    }).ms;
  const readG = () =>
    time(() => {
      let sum = 0;
      for (const n of readNodes) g.forEachOutEdge(n, (_e, _a, _s, t) => void (sum += t.length));
      return sum;
    }).ms;
  const h: number[] = [];
  const o: number[] = [];
  const gr: number[] = [];
  for (let r = 0; r < 7; r++) {
    h.push(readOn(head));
    o.push(readOn(old));
    gr.push(readG());
  }
  log(`${readNodes.length} out-neighbourhood reads: head ${round(median(h))} ms, ${BACK} commits back ${round(median(o))} ms, graphology ${round(median(gr))} ms`);
  R.read_head_ms = round(median(h));
  R.read_old_ms = round(median(o));
  R.read_graphology_ms = round(median(gr));
  R.old_read_ratio = round(median(o) / median(h));
}

/** Heap of a store holding 100k single-edge versions against a store of the final graph alone. */
function memoryPhase(d: Data, R: Record<string, unknown>, baseHeap: number): void {
  const { N, M, K, nodeIds, edgeIds, src, dst } = d;
  const withHistory = (() => {
    const store = new Store();
    buildOne(d, store, M);
    for (let i = M; i < M + K; i++) {
      const tx = store.begin();
      tx.addEdge(edgeIds[i], 'E', nodeIds[src[i]], nodeIds[dst[i]]);
      tx.commit(null);
    }
    const bytes = heapUsed() - baseHeap;
    if (store.head().edgeCount !== M + K || store.headTx !== K + 1) throw new Error('bench: wrong store');
    return bytes;
  })();
  gc();
  const finalOnly = (() => {
    const store = new Store();
    const tx = store.begin({ isolation: 'snapshot' });
    for (let i = 0; i < N; i++) tx.addNode(nodeIds[i], ['V']);
    for (let i = 0; i < M + K; i++) tx.addEdge(edgeIds[i], 'E', nodeIds[src[i]], nodeIds[dst[i]]);
    tx.commit(null);
    const bytes = heapUsed() - baseHeap;
    if (store.head().edgeCount !== M + K) throw new Error('bench: wrong edge count');
    return bytes;
  })();
  log(`heap: ${K + 1} versions retained ${round(withHistory / 2 ** 20, 1)} MiB, the final graph alone ${round(finalOnly / 2 ** 20, 1)} MiB`);
  R.heap_versions_mib = round(withHistory / 2 ** 20, 1);
  R.heap_final_mib = round(finalOnly / 2 ** 20, 1);
  R.memory_ratio_100k_versions = round(withHistory / finalOnly);
}
