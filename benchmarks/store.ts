/**
 * `npm run bench -- store [--scale 0.1]`
 *
 * The versioned store against a mutable graphology MultiDirectedGraph doing the
 * same mutations and reads without history (the floor), in one process run.
 */
import { MultiDirectedGraph } from 'graphology';
import { Store } from '../src/graph/index.ts';
import { finish, heapUsed, log, median, rng, round, time } from './_harness.ts';

export async function main(args: string[]): Promise<void> {
  const scaleArg = args.indexOf('--scale');
  const scale = scaleArg >= 0 ? Number(args[scaleArg + 1]) : 1;
  const N = Math.round(100_000 * scale);
  const M = Math.round(1_000_000 * scale);
  const K = Math.round(100_000 * scale);
  const BACK = Math.round(50_000 * scale);
  const READS = 20_000;
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
  const readNodes = Array.from({ length: READS }, () => nodeIds[Math.floor(rand() * N)]);

  const baseHeap = heapUsed();
  // Held through one object so the heap figures can drop them.
  const holder: Holder = { g: null, hashed: null, plain: null };
  const data = { N, M, K, BACK, READS, nodeIds, edgeIds, src, dst, readNodes };
  timings(data, holder, R);

  finishHeap(data, holder, R, baseHeap);
  finish('store', R);
}

interface Holder {
  g: MultiDirectedGraph | null;
  hashed: Store | null;
  plain: Store | null;
}

interface Data {
  N: number;
  M: number;
  K: number;
  BACK: number;
  READS: number;
  nodeIds: string[];
  edgeIds: string[];
  src: Int32Array;
  dst: Int32Array;
  readNodes: string[];
}

function timings(data: Data, holder: Holder, R: Record<string, unknown>): void {
  const { N, M, K, BACK, READS, nodeIds, edgeIds, src, dst, readNodes } = data;
  // ---- graphology: the floor ----
  const g = (holder.g = new MultiDirectedGraph());
  const gBuild = time(() => {
    for (let i = 0; i < N; i++) g.addNode(nodeIds[i], { labels: ['V'] });
    for (let i = 0; i < M; i++) g.addEdgeWithKey(edgeIds[i], nodeIds[src[i]], nodeIds[dst[i]], { type: 'E' });
  });
  const gCommits = time(() => {
    for (let i = M; i < M + K; i++) g.addEdgeWithKey(edgeIds[i], nodeIds[src[i]], nodeIds[dst[i]], { type: 'E' });
  });
  const gReads = () =>
    time(() => {
      let sum = 0;
      for (const n of readNodes) g.forEachOutNeighbor(n, (m) => void (sum += m.length));
      return sum;
    });
  log(`graphology: build ${round(gBuild.ms)} ms, ${K} edge inserts ${round(gCommits.ms)} ms`);
  R.graphology_build_ms = round(gBuild.ms);
  R.graphology_inserts_ms = round(gCommits.ms);

  // ---- Itonami: build in one transaction ----
  const buildOne = (store: Store) => {
    const tx = store.begin({ isolation: 'snapshot' });
    for (let i = 0; i < N; i++) tx.addNode(nodeIds[i], ['V']);
    for (let i = 0; i < M; i++) tx.addEdge(edgeIds[i], 'E', nodeIds[src[i]], nodeIds[dst[i]]);
    tx.commit({ bench: 'build' });
  };
  const hashed = (holder.hashed = new Store());
  const oneTx = time(() => buildOne(hashed));
  log(`itonami: build in one transaction ${round(oneTx.ms)} ms`);
  R.build_one_tx_ms = round(oneTx.ms);
  R.build_one_tx_vs_graphology = round(oneTx.ms / gBuild.ms);

  // ---- Itonami: build in 10k-element transactions ----
  const plain = (holder.plain = new Store());
  const batched = time(() => {
    const CH = 10_000;
    for (let start = 0; start < N; start += CH) {
      plain.transact((tx) => {
        for (let i = start; i < Math.min(N, start + CH); i++) tx.addNode(nodeIds[i], ['V']);
      }, null, { isolation: 'snapshot' });
    }
    for (let start = 0; start < M; start += CH) {
      plain.transact((tx) => {
        for (let i = start; i < Math.min(M, start + CH); i++) tx.addEdge(edgeIds[i], 'E', nodeIds[src[i]], nodeIds[dst[i]]);
      }, null, { isolation: 'snapshot' });
    }
  });
  log(`itonami: build in 10k-element transactions ${round(batched.ms)} ms (${plain.headTx} commits)`);
  R.build_10k_tx_ms = round(batched.ms);
  R.build_10k_tx_vs_graphology = round(batched.ms / gBuild.ms);

  // The first root CID hashes the whole graph once; later ones only what changed.
  const initialCid = time(() => hashed.cid());
  log(`itonami: first root CID of the built graph ${round(initialCid.ms)} ms`);
  R.initial_cid_ms = round(initialCid.ms);

  // ---- 100k single-edge commits, each with its root CID ----
  const withCid = time(() => {
    for (let i = M; i < M + K; i++) {
      const tx = hashed.begin();
      tx.addEdge(edgeIds[i], 'E', nodeIds[src[i]], nodeIds[dst[i]]);
      tx.commit(null);
      hashed.cid();
    }
  });
  log(`itonami: ${K} single-edge commits with root CIDs ${round(withCid.ms)} ms (${round((withCid.ms * 1000) / K, 2)} µs each)`);
  R.commits_with_cid_ms = round(withCid.ms);

  // ---- the same commits, no CID asked for ----
  const noCid = time(() => {
    for (let i = M; i < M + K; i++) {
      const tx = plain.begin();
      tx.addEdge(edgeIds[i], 'E', nodeIds[src[i]], nodeIds[dst[i]]);
      tx.commit(null);
    }
  });
  log(`itonami: ${K} single-edge commits without CIDs ${round(noCid.ms)} ms (${round((noCid.ms * 1000) / K, 2)} µs each)`);
  R.commits_no_cid_ms = round(noCid.ms);
  R.commit_ratio_vs_graphology = round(withCid.ms / gCommits.ms);
  R.commit_nohash_ratio = round(noCid.ms / gCommits.ms);

  // ---- reads at head and 50k commits back (alternating rounds, median) ----
  const headSnap = hashed.head();
  const oldSnap = hashed.at(hashed.headTx - BACK);
  const readOn = (snap: ReturnType<Store['head']>) =>
    time(() => {
      let sum = 0;
      for (const n of readNodes) snap.forEachIncident(n, 'out', undefined, (e) => void (sum += e.dst.length));
      return sum;
    });
  const headTimes: number[] = [];
  const oldTimes: number[] = [];
  const gTimes: number[] = [];
  for (let round_ = 0; round_ < 7; round_++) {
    headTimes.push(readOn(headSnap).ms);
    oldTimes.push(readOn(oldSnap).ms);
    gTimes.push(gReads().ms);
  }
  const headRead = median(headTimes);
  const oldRead = median(oldTimes);
  const gRead = median(gTimes);
  log(`reads of ${READS} out-neighbourhoods: head ${round(headRead)} ms, ${BACK} commits back ${round(oldRead)} ms, graphology ${round(gRead)} ms`);
  R.read_head_ms = round(headRead);
  R.read_old_ms = round(oldRead);
  R.read_graphology_ms = round(gRead);
  R.old_read_ratio = round(oldRead / headRead);
  R.head_read_vs_graphology = round(headRead / gRead);

}

function finishHeap(data: Data, holder: Holder, R: Record<string, unknown>, baseHeap: number): void {
  const { N, M, K, nodeIds, edgeIds, src, dst } = data;
  // ---- heap: 100k retained versions versus the final graph alone ----
  // Only the history store stays alive, then only a store of the final graph.
  const finalEdges = holder.plain!.head().edgeCount;
  holder.g = null;
  holder.hashed = null;
  const withHistory = heapUsed() - baseHeap;
  holder.plain = null;
  let finalOnly: Store | null = new Store();
  {
    const tx = finalOnly.begin({ isolation: 'snapshot' });
    for (let i = 0; i < N; i++) tx.addNode(nodeIds[i], ['V']);
    for (let i = 0; i < M + K; i++) tx.addEdge(edgeIds[i], 'E', nodeIds[src[i]], nodeIds[dst[i]]);
    tx.commit(null);
  }
  const finalBytes = heapUsed() - baseHeap;
  if (finalOnly.head().edgeCount !== finalEdges) throw new Error('bench: final graphs differ');
  finalOnly = null;
  log(`heap: ${K + 1 + Math.ceil(N / 10_000) + Math.ceil(M / 10_000)} versions retained ${round(withHistory / 2 ** 20, 1)} MiB, final graph alone ${round(finalBytes / 2 ** 20, 1)} MiB`);
  R.heap_versions_mib = round(withHistory / 2 ** 20, 1);
  R.heap_final_mib = round(finalBytes / 2 ** 20, 1);
  R.memory_ratio_100k_versions = round(withHistory / finalBytes);

}
