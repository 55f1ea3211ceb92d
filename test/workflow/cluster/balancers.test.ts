/** The load balancers: which node a submitted execution is offered to. */
import { describe, expect, it } from 'vitest';
import { LeastLoadedBalancer, RoundRobinBalancer } from '../../../src/workflow/cluster/index.ts';

describe('balancers', () => {
  const nodes = [
    { id: 'b', load: 5, capacity: 10 },
    { id: 'a', load: 0, capacity: 10 },
    { id: 'c', load: 9, capacity: 100 },
  ];
  it('round-robin offers to the nodes in turn, by id', () => {
    const rr = new RoundRobinBalancer();
    const picks = Array.from({ length: 6 }, (_, i) => rr.choose(nodes, { executionId: String(i), workflowKey: 'w@1' }));
    expect(picks).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(rr.choose([], { executionId: 'x', workflowKey: 'w@1' })).toBeUndefined();
  });
  it('least-loaded offers to the lowest load/capacity and counts its own placements', () => {
    const ll = new LeastLoadedBalancer();
    // a: 0/10, b: 5/10, c: 9/100 (0.09): a until its placements pass 0.09 (1 placement = 0.1).
    const picks = Array.from({ length: 4 }, (_, i) => ll.choose(nodes, { executionId: String(i), workflowKey: 'w@1' }));
    expect(picks[0]).toBe('a');
    expect(picks[1]).toBe('c');
    expect(picks.filter((p) => p === 'b')).toHaveLength(0);
    // A fresh load figure from a node replaces the placements counted for it.
    expect(ll.choose([{ id: 'a', load: 1, capacity: 10 }, { id: 'b', load: 3, capacity: 10 }], { executionId: 'y', workflowKey: 'w@1' })).toBe('a');
  });
});
