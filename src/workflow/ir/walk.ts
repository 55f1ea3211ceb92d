import type { Strategy } from './types.ts';

/** A document path as segments, relative to the `workflow` object. */
export type DocPath = readonly (string | number)[];

/** The children of a strategy with the path segments that lead to each, in document order. */
export function childStrategies(s: Strategy): [DocPath, Strategy][] {
  switch (s.op) {
    case 'seq':
      return s.strategies.map((c, i) => [['strategies', i], c]);
    case 'parallel':
      return s.branches.map((c, i) => [['branches', i], c]);
    case 'decision': {
      const out: [DocPath, Strategy][] = s.conditions.map((c, i) => [['conditions', i, 'branch'], c.branch]);
      if (s.default_branch) out.push([['default_branch'], s.default_branch]);
      return out;
    }
    case 'saga':
      return [
        [['main_flow'], s.main_flow],
        [['compensation'], s.compensation],
      ];
    case 'wait':
    case 'activity':
    case 'subworkflow':
      return [];
    default:
      // Only in a document that failed validation (its reference checks still walk what they can).
      return [];
  }
}

/**
 * Visits every strategy depth-first in document order, with its path
 * (`['strategy', 'main_flow', 'strategies', 2]`).
 */
export function walkStrategies(root: Strategy, visit: (s: Strategy, path: DocPath) => void, base: DocPath = ['strategy']): void {
  if (root === null || typeof root !== 'object') return; // (an invalid document)
  visit(root, base);
  for (const [seg, child] of childStrategies(root)) walkStrategies(child, visit, [...base, ...seg]);
}

/**
 * The name under which a step's result is stored (`$.steps.<name>`): the explicit
 * `name`, else the `activity_ref` of an activity or the `workflow_ref` of a
 * sub-workflow; `undefined` for other unnamed strategies (they produce no output).
 */
export function stepName(s: Strategy): string | undefined {
  if (s.name !== undefined) return s.name;
  if (s.op === 'activity') return s.activity_ref;
  if (s.op === 'subworkflow') return s.workflow_ref;
  return undefined;
}
