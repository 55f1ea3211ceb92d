/**
 * Example activities and decision predicates for
 * ../shared/seed-workflows/complex_workflow.kotoba (document processing).
 */
import { ActivityRegistry, FunctionActivity } from '../../src/workflow/activities/index.ts';
import type { JsonObject } from '../../src/workflow/activities/index.ts';
import type { Predicate } from '../../src/workflow/compiler/index.ts';

export interface ComplexWorkflowOptions {
  /** Whether auto_approve_high_priority answers at once (default) or never (so the reviewer branch must win). */
  readonly autoApprove?: boolean;
}

export function complexWorkflowActivities(options: ComplexWorkflowOptions = {}): {
  registry: ActivityRegistry;
  predicates: Record<string, Predicate>;
  calls: { name: string; input: JsonObject; at: number }[];
} {
  const calls: { name: string; input: JsonObject; at: number }[] = [];
  const fn = (name: string, handler: (input: JsonObject) => JsonObject | Promise<JsonObject>) =>
    new FunctionActivity(name, (input, ctx) => {
      calls.push({ name, input, at: ctx.clock?.now() ?? 0 });
      return handler(input);
    });
  const registry = new ActivityRegistry()
    .register(fn('validate_document', (i) => ({ valid: true, document_id: i.document_id ?? null })))
    .register(
      fn('auto_approve_high_priority', () =>
        options.autoApprove === false ? new Promise<JsonObject>(() => undefined) : { approved: true, reviewer: 'auto' },
      ),
    )
    .register(fn('assign_reviewer', (i) => ({ reviewer: `reviewer-${String(i.priority)}` })))
    .register(fn('queue_for_review', (i) => ({ queued: true, priority: i.priority ?? null })))
    .register(fn('finalize_document', (i) => ({ processed: true, approved: i.approved === 'true' })))
    .register(fn('notify_requester', () => ({ notified: true })))
    .register(fn('update_audit_log', () => ({ logged: true })));
  const priority = (data: { inputs?: unknown }): unknown => (data.inputs as { priority?: unknown } | undefined)?.priority;
  const predicates: Record<string, Predicate> = {
    is_high_priority: (d) => priority(d) === 'high',
    is_medium_priority: (d) => priority(d) === 'medium',
  };
  return { registry, predicates, calls };
}
