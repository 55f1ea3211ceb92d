import { ActivityError, ActivityRegistry, FunctionActivity } from '../../../src/workflow/activities/index.ts';
import type { JsonObject } from '../../../src/workflow/activities/index.ts';
import { VirtualClock } from '../../../src/workflow/clock.ts';
import { WorkflowEngine } from '../../../src/workflow/engine/index.ts';
import type { Predicate } from '../../../src/workflow/compiler/index.ts';
import { validateWorkflow } from '../../../src/workflow/ir/index.ts';
import type { Strategy, WorkflowIR } from '../../../src/workflow/ir/index.ts';
import type { Json } from '../../../src/graph/index.ts';

export type Behaviour = (input: JsonObject, attempt: number) => Json | Promise<Json>;

/** A registry of recording activities; `calls` lists `name` (and `name#attempt` in `attempts`). */
export function recorder(behaviours: Record<string, Behaviour>, clock: VirtualClock) {
  const calls: string[] = [];
  const log: { name: string; input: JsonObject; attempt: number; at: number }[] = [];
  const registry = new ActivityRegistry();
  for (const [name, b] of Object.entries(behaviours)) {
    registry.register(
      new FunctionActivity(name, (input, ctx) => {
        calls.push(name);
        log.push({ name, input, attempt: ctx.attempt, at: clock.now() });
        return b(input, ctx.attempt);
      }),
    );
  }
  return { registry, calls, log };
}

export const ok = (out: Json = {}): Behaviour => () => out;
export const fail = (code: string, retryable = false): Behaviour => () => {
  throw new ActivityError(code, `${code}!`, { retryable });
};
export const never = (): Behaviour => () => new Promise<Json>(() => undefined);

export function workflow(strategy: Strategy, extra: Record<string, unknown> = {}): WorkflowIR {
  return validateWorkflow({ id: 'wf', name: 'wf', version: '1', inputs: [], outputs: [], strategy, ...extra });
}

export function act(ref: string, extra: Record<string, unknown> = {}): Strategy {
  return { op: 'activity', activity_ref: ref, ...extra } as Strategy;
}

export function engineWith(behaviours: Record<string, Behaviour>, predicates: Record<string, Predicate> = {}, clock = new VirtualClock({ autoAdvance: true })) {
  const rec = recorder(behaviours, clock);
  let b = WorkflowEngine.builder().withStorage('memory').withClock(clock).withActivities(rec.registry);
  for (const [n, p] of Object.entries(predicates)) b = b.withPredicate(n, p);
  return { engine: b.build(), clock, ...rec };
}

export async function runOnce(strategy: Strategy, behaviours: Record<string, Behaviour>, options: { inputs?: Record<string, unknown>; extra?: Record<string, unknown>; predicates?: Record<string, Predicate> } = {}) {
  const env = engineWith(behaviours, options.predicates);
  const id = env.engine.startWorkflow(workflow(strategy, options.extra), options.inputs ?? {});
  const done = await env.engine.waitForCompletion(id);
  return { ...env, id, done };
}

export const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};
