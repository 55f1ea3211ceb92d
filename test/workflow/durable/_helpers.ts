import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivityError, ActivityRegistry, FunctionActivity } from '../../../src/workflow/activities/index.ts';
import type { JsonObject } from '../../../src/workflow/activities/index.ts';
import { validateWorkflow } from '../../../src/workflow/ir/index.ts';
import type { Strategy, WorkflowIR } from '../../../src/workflow/ir/index.ts';
import type { Json } from '../../../src/graph/index.ts';

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Call {
  readonly name: string;
  readonly executionId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly idempotencyKey: string;
  readonly input: JsonObject;
}

export type Behaviour = (input: JsonObject, attempt: number) => Json | Promise<Json>;

/** Recording activities: every attempt is appended to `calls`. */
export function recorder(behaviours: Record<string, Behaviour>): { registry: ActivityRegistry; calls: Call[] } {
  const calls: Call[] = [];
  const registry = new ActivityRegistry();
  for (const [name, b] of Object.entries(behaviours)) {
    registry.register(
      new FunctionActivity(name, (input, ctx) => {
        calls.push({ name, executionId: ctx.executionId, taskId: ctx.taskId, attempt: ctx.attempt, idempotencyKey: ctx.idempotencyKey, input });
        return b(input, ctx.attempt);
      }),
    );
  }
  return { registry, calls };
}

export const never = (): Behaviour => () => new Promise<Json>(() => undefined);
export const failFirst = (code: string): Behaviour => (input, attempt) => {
  if (attempt < 2) throw new ActivityError(code, `${code}!`, { retryable: true });
  return { v: input.v ?? null };
};

export function workflow(id: string, strategy: Strategy, extra: Record<string, unknown> = {}): WorkflowIR {
  return validateWorkflow({ id, name: id, version: '1', inputs: [], outputs: [], strategy, ...extra });
}

export function act(ref: string, extra: Record<string, unknown> = {}): Strategy {
  return { op: 'activity', activity_ref: ref, ...extra } as Strategy;
}

export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('until: condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}
