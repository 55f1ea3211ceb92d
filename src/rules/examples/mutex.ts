import { defineRule } from '../rule.ts';
import type { Rule } from '../rule.ts';

/**
 * The rules of the mutex benchmark (Varró, Schürr, Varró, VL/HCC 2005) used by
 * the short transformation sequence, as in ../shared/benchmarks/ANCHORS.md.
 * "No request to any resource" is two NACs under injective NAC semantics:
 * one to another resource, one to the matched resource itself.
 */
export function mutexRules(): {
  newRule: Rule;
  killRule: Rule;
  mountRule: Rule;
  unmountRule: Rule;
  passRule: Rule;
  requestRule: Rule;
  takeRule: Rule;
  releaseRule: Rule;
  giveRule: Rule;
} {
  const P = ['Process'];
  const R = ['Resource'];
  return {
    newRule: defineRule({
      name: 'newRule',
      nodes: [{ var: 'p1', labels: P }, { var: 'p2', labels: P }, { var: 'p', action: 'create', labels: P }],
      edges: [
        { var: 'n', action: 'delete', src: 'p1', dst: 'p2', type: 'next' },
        { var: 'n1', action: 'create', src: 'p1', dst: 'p', type: 'next' },
        { var: 'n2', action: 'create', src: 'p', dst: 'p2', type: 'next' },
      ],
    }),
    killRule: defineRule({
      name: 'killRule',
      nodes: [{ var: 'p1', labels: P }, { var: 'p', labels: P, action: 'delete' }, { var: 'p2', labels: P }],
      edges: [
        { var: 'n1', action: 'delete', src: 'p1', dst: 'p', type: 'next' },
        { var: 'n2', action: 'delete', src: 'p', dst: 'p2', type: 'next' },
        { var: 'n', action: 'create', src: 'p1', dst: 'p2', type: 'next' },
      ],
    }),
    mountRule: defineRule({
      name: 'mountRule',
      nodes: [{ var: 'p', labels: P }, { var: 'r', labels: R, action: 'create' }],
      edges: [{ var: 't', action: 'create', src: 'r', dst: 'p', type: 'token' }],
    }),
    unmountRule: defineRule({
      name: 'unmountRule',
      nodes: [{ var: 'r', labels: R, action: 'delete' }, { var: 'p', labels: P }],
      edges: [{ var: 't', action: 'delete', src: 'r', dst: 'p', type: 'token' }],
    }),
    passRule: defineRule({
      name: 'passRule',
      nodes: [{ var: 'r', labels: R }, { var: 'p1', labels: P }, { var: 'p2', labels: P }],
      edges: [
        { var: 't', action: 'delete', src: 'r', dst: 'p1', type: 'token' },
        { var: 'n', src: 'p1', dst: 'p2', type: 'next' },
        { var: 't2', action: 'create', src: 'r', dst: 'p2', type: 'token' },
      ],
      nacs: [{ edges: [{ var: 'q', src: 'p1', dst: 'r', types: ['request'] }] }],
    }),
    requestRule: defineRule({
      name: 'requestRule',
      nodes: [{ var: 'p', labels: P }, { var: 'r', labels: R }],
      edges: [{ var: 'q', action: 'create', src: 'p', dst: 'r', type: 'request' }],
      nacs: [
        { edges: [{ var: 'h', src: 'r', dst: 'p', types: ['held_by'] }] },
        { nodes: [{ var: 'x', labels: R }], edges: [{ var: 'q', src: 'p', dst: 'x', types: ['request'] }] },
        { edges: [{ var: 'q', src: 'p', dst: 'r', types: ['request'] }] },
      ],
    }),
    takeRule: defineRule({
      name: 'takeRule',
      nodes: [{ var: 'r', labels: R }, { var: 'p', labels: P }],
      edges: [
        { var: 't', action: 'delete', src: 'r', dst: 'p', type: 'token' },
        { var: 'q', action: 'delete', src: 'p', dst: 'r', type: 'request' },
        { var: 'h', action: 'create', src: 'r', dst: 'p', type: 'held_by' },
      ],
    }),
    releaseRule: defineRule({
      name: 'releaseRule',
      nodes: [{ var: 'r', labels: R }, { var: 'p', labels: P }],
      edges: [
        { var: 'h', action: 'delete', src: 'r', dst: 'p', type: 'held_by' },
        { var: 'rel', action: 'create', src: 'r', dst: 'p', type: 'release' },
      ],
      nacs: [
        { nodes: [{ var: 'x', labels: R }], edges: [{ var: 'q', src: 'p', dst: 'x', types: ['request'] }] },
        { edges: [{ var: 'q', src: 'p', dst: 'r', types: ['request'] }] },
      ],
    }),
    giveRule: defineRule({
      name: 'giveRule',
      nodes: [{ var: 'r', labels: R }, { var: 'p1', labels: P }, { var: 'p2', labels: P }],
      edges: [
        { var: 'rel', action: 'delete', src: 'r', dst: 'p1', type: 'release' },
        { var: 'n', src: 'p1', dst: 'p2', type: 'next' },
        { var: 't', action: 'create', src: 'r', dst: 'p2', type: 'token' },
      ],
    }),
  };
}
