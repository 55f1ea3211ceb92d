/**
 * Load balancing decides which node an execution is *offered* to when it is
 * submitted. An offer is a preference, not an assignment: the offered node
 * claims it first; if it does not within the offer time, any node may.
 */

/** A node as the balancer sees it (from the `itonami_nodes` heartbeats). */
export interface NodeLoad {
  readonly id: string;
  /** Executions the node is running now. */
  readonly load: number;
  /** How many executions it runs at most. */
  readonly capacity: number;
}

/** What is being placed. */
export interface Placement {
  readonly executionId: string;
  readonly workflowKey: string;
}

/**
 * Chooses a node for each submitted execution among the live nodes (never
 * empty when called). Return `undefined` to leave the execution to whichever
 * node claims it first. Implement it to plug in one's own policy.
 */
export interface LoadBalancer {
  readonly name: string;
  choose(nodes: readonly NodeLoad[], placement: Placement): string | undefined;
}

/** Offers executions to the live nodes in turn (ordered by id). */
export class RoundRobinBalancer implements LoadBalancer {
  readonly name = 'round-robin';
  private next = 0;
  choose(nodes: readonly NodeLoad[], _placement?: Placement): string | undefined {
    if (nodes.length === 0) return undefined;
    const sorted = [...nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const n = sorted[this.next % sorted.length];
    this.next = (this.next + 1) % sorted.length;
    return n.id;
  }
}

/**
 * Offers each execution to the node with the lowest load / capacity, counting
 * the executions this balancer placed since the last heartbeat figures so that
 * a burst of submissions spreads instead of all going to the idlest node.
 */
export class LeastLoadedBalancer implements LoadBalancer {
  readonly name = 'least-loaded';
  /** Placements since a node's reported load was read: node id -> [reported load, placed]. */
  private readonly placed = new Map<string, { seen: number; placed: number }>();
  choose(nodes: readonly NodeLoad[], _placement?: Placement): string | undefined {
    let best: NodeLoad | undefined;
    let bestScore = Infinity;
    for (const n of nodes) {
      const p = this.placed.get(n.id);
      // A new load figure from the node already counts what we placed before it.
      const extra = p !== undefined && p.seen === n.load ? p.placed : 0;
      const score = (n.load + extra) / Math.max(1, n.capacity);
      if (score < bestScore || (score === bestScore && best !== undefined && n.id < best.id)) {
        best = n;
        bestScore = score;
      }
    }
    if (best === undefined) return undefined;
    const p = this.placed.get(best.id);
    if (p !== undefined && p.seen === best.load) p.placed++;
    else this.placed.set(best.id, { seen: best.load, placed: 1 });
    return best.id;
  }
}

/** `round-robin` | `least-loaded` -> a balancer. */
export function balancerNamed(name: string): LoadBalancer | undefined {
  if (name === 'round-robin') return new RoundRobinBalancer();
  if (name === 'least-loaded') return new LeastLoadedBalancer();
  return undefined;
}
