/**
 * The mutex STS and the Sierpinski generations written by hand against a
 * mutable graphology graph: DESIGN.md §7's floor ("a mutable graphology graph
 * doing the same work"), run in the same process as our rule engine. No
 * history, no rule engine: matches are found by hand-written lookups, helped
 * by edge-type indexes kept by hand (graphology has none), so this is the
 * fastest the same rewriting gets on this machine with a string-keyed
 * mutable graph.
 */
import { MultiDirectedGraph } from 'graphology';

type G = MultiDirectedGraph<{ labels: string[] }, { type: string }>;

/**
 * Edge keys of one type in insertion order. Deletion is lazy (a key whose edge
 * is gone is skipped, keys are never reused) and the array is compacted when
 * most of it is dead: `first` is O(1) amortised. (A JS Set is not: its
 * iteration walks the holes that deletions leave until the next rehash.)
 */
class TypeIndex {
  keys: string[] = [];
  head = 0;
  live = 0;
}

/** A graph with an edge-type index kept by hand (graphology has none). */
class Typed {
  readonly g: G = new MultiDirectedGraph();
  private readonly byType = new Map<string, TypeIndex>();
  private k = 0;

  private index(type: string): TypeIndex {
    let x = this.byType.get(type);
    if (x === undefined) this.byType.set(type, (x = new TypeIndex()));
    return x;
  }
  addEdge(type: string, src: string, dst: string): string {
    const key = `e${this.k++}`;
    this.g.addDirectedEdgeWithKey(key, src, dst, { type });
    const x = this.index(type);
    x.keys.push(key);
    x.live++;
    return key;
  }
  dropEdge(key: string): void {
    const x = this.index(this.g.getEdgeAttribute(key, 'type'));
    this.g.dropEdge(key);
    if (--x.live * 2 < x.keys.length - x.head && x.keys.length > 64) {
      x.keys = x.keys.filter((k) => this.g.hasEdge(k));
      x.head = 0;
    }
  }
  /** The first out-edge of `node` with `type` (and target `dst`, if given). */
  outEdge(node: string, type: string, dst?: string): string | undefined {
    return this.g.findOutEdge(node, (_e, a, _s, t) => a.type === type && (dst === undefined || t === dst));
  }
  first(type: string): string | undefined {
    const x = this.index(type);
    while (x.head < x.keys.length && !this.g.hasEdge(x.keys[x.head])) x.head++;
    return x.keys[x.head];
  }
  /** The live edges of `type`, as of the call. */
  all(type: string): string[] {
    const x = this.index(type);
    const out: string[] = [];
    for (let i = x.head; i < x.keys.length; i++) if (this.g.hasEdge(x.keys[i])) out.push(x.keys[i]);
    return out;
  }
}

/** STS of size n (ANCHORS.md): milliseconds and rule applications. */
export function stsGraphology(n: number): { ms: number; apps: number; nodes: number } {
  const t = new Typed();
  const g = t.g;
  g.addNode('p0', { labels: ['Process'] });
  g.addNode('p1', { labels: ['Process'] });
  t.addEdge('next', 'p0', 'p1');
  t.addEdge('next', 'p1', 'p0');
  let apps = 0;
  let pid = 2;
  const t0 = process.hrtime.bigint();
  // newRule n-2 times: p1 -next-> p2 becomes p1 -next-> p -next-> p2.
  for (let i = 0; i < n - 2; i++) {
    const e = t.first('next')!;
    const p1 = g.source(e);
    const p2 = g.target(e);
    t.dropEdge(e);
    const p = `p${pid++}`;
    g.addNode(p, { labels: ['Process'] });
    t.addEdge('next', p1, p);
    t.addEdge('next', p, p2);
    apps++;
  }
  // mountRule: a resource with the token on some process.
  const r = 'r0';
  g.addNode(r, { labels: ['Resource'] });
  t.addEdge('token', r, g.source(t.first('next')!));
  apps++;
  // requestRule n times: a process with no request and not holding r requests r.
  const waiting: string[] = [];
  g.forEachNode((p, a) => void (a.labels[0] === 'Process' && waiting.push(p)));
  let cursor = 0;
  for (let i = 0; i < n; i++) {
    while (cursor < waiting.length) {
      const p = waiting[cursor++];
      if (t.outEdge(r, 'held_by', p) !== undefined || t.outEdge(p, 'request') !== undefined) continue;
      t.addEdge('request', p, r);
      apps++;
      break;
    }
  }
  // (takeRule, releaseRule, giveRule) n times.
  for (let i = 0; i < n; i++) {
    // take: r -token-> p, p -request-> r  =>  r -held_by-> p
    const tok = t.first('token')!;
    const p = g.target(tok);
    const rr = g.source(tok);
    const q = t.outEdge(p, 'request', rr);
    if (q === undefined) throw new Error('stsGraphology: takeRule found no match');
    t.dropEdge(tok);
    t.dropEdge(q);
    t.addEdge('held_by', rr, p);
    // release: r -held_by-> p, p requests nothing  =>  r -release-> p
    const h = t.first('held_by')!;
    const hr = g.source(h);
    const hp = g.target(h);
    if (t.outEdge(hp, 'request') !== undefined) throw new Error('stsGraphology: releaseRule found no match');
    t.dropEdge(h);
    t.addEdge('release', hr, hp);
    // give: r -release-> p1 -next-> p2  =>  r -token-> p2
    const rel = t.first('release')!;
    const relR = g.source(rel);
    const p1 = g.target(rel);
    const nx = t.outEdge(p1, 'next')!;
    t.dropEdge(rel);
    t.addEdge('token', relR, g.target(nx));
    apps += 3;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, apps, nodes: g.order };
}

/** Sierpinski generations 1..maxGen, each one pass over all triangles; milliseconds per generation. */
export function sierpinskiGraphology(maxGen: number, onGen: (gen: number, ms: number, apps: number, nodes: number) => boolean): void {
  const t = new Typed();
  const g = t.g;
  let vid = 0;
  const node = (): string => {
    const v = `v${vid++}`;
    g.addNode(v, { labels: ['V'] });
    return v;
  };
  const a0 = node();
  const b0 = node();
  const c0 = node();
  t.addEdge('A', a0, b0);
  t.addEdge('B', b0, c0);
  t.addEdge('C', c0, a0);
  for (let gen = 1; gen <= maxGen; gen++) {
    const t0 = process.hrtime.bigint();
    // All triangles a -A-> b -B-> c -C-> a, found before any is rewritten.
    const found: [string, string, string][] = [];
    for (const e1 of t.all('A')) {
      const a = g.source(e1);
      const b = g.target(e1);
      g.forEachOutEdge(b, (e2, at, _s, c) => {
        if (at.type !== 'B') return;
        const e3 = t.outEdge(c, 'C', a);
        if (e3 !== undefined) found.push([e1, e2, e3]);
      });
    }
    for (const [e1, e2, e3] of found) {
      const a = g.source(e1);
      const b = g.source(e2);
      const c = g.source(e3);
      t.dropEdge(e1);
      t.dropEdge(e2);
      t.dropEdge(e3);
      const ab = node();
      const bc = node();
      const ca = node();
      t.addEdge('A', a, ab);
      t.addEdge('B', ab, ca);
      t.addEdge('C', ca, a);
      t.addEdge('A', ab, b);
      t.addEdge('B', b, bc);
      t.addEdge('C', bc, ab);
      t.addEdge('A', ca, bc);
      t.addEdge('B', bc, c);
      t.addEdge('C', c, ca);
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!onGen(gen, ms, found.length, g.order)) return;
  }
}
