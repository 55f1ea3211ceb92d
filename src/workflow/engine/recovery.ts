/**
 * The rule the engine applies when it resumes an execution from a durable
 * store: a Task still `scheduled` may have had an attempt running when the
 * process died (an attempt's start is not a commit). `activity.interrupted`
 * records that attempt as used, so the next attempt gets the next number and
 * attempt numbers never repeat, however many crashes there are.
 */
import type { Json } from '../../graph/index.ts';
import type { RuleDef } from '../../rules/index.ts';

export const ACTIVITY_INTERRUPTED = 'activity.interrupted';

const interrupted: RuleDef = {
  name: ACTIVITY_INTERRUPTED,
  params: ['attempt'],
  nodes: [
    { var: 'e', labels: ['Execution'], props: { status: 'running' } },
    { var: 't', labels: ['Token'], props: { phase: 'active' } },
    { var: 'k', labels: ['Task'], props: { status: 'scheduled' }, set: { attempt: (_m, p) => p.attempt as Json } },
  ],
  edges: [
    { var: 't_own', src: 'e', dst: 't', type: 'OWNS' },
    { var: 'tw', src: 't', dst: 'k', type: 'WAITS' },
  ],
};

/** Engine-level fact rules beyond those of the compiler (replay knows them too). */
export const RECOVERY_RULES: readonly RuleDef[] = [interrupted];
