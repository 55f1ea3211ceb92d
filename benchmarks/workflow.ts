/**
 * `npm run bench -- workflow [--count 2000]`
 *
 * Workflows per second in memory with no-op activities: a three-activity seq,
 * a ten-branch parallel, and the order_processing saga (happy path, its timer
 * on the virtual clock). Engine overhead per activity and per rule application
 * come from the same runs.
 */
import { fileURLToPath } from 'node:url';
import { ActivityRegistry, FunctionActivity, VirtualClock, WorkflowEngine, loadWorkflowFile } from '../src/workflow/index.ts';
import type { WorkflowIR } from '../src/workflow/index.ts';
import { finish, log, round } from './_harness.ts';

const ORDER = fileURLToPath(new URL('../../shared/seed-workflows/order_processing.kotoba', import.meta.url));

function seq3(): WorkflowIR {
  return {
    id: 'bench_seq3',
    name: 'seq3',
    version: '1',
    inputs: [],
    outputs: [],
    strategy: { op: 'seq', strategies: ['a', 'b', 'c'].map((n) => ({ op: 'activity', activity_ref: n })) },
  } as unknown as WorkflowIR;
}

function parallel10(): WorkflowIR {
  return {
    id: 'bench_parallel10',
    name: 'parallel10',
    version: '1',
    inputs: [],
    outputs: [],
    strategy: { op: 'parallel', completion_condition: 'all', branches: Array.from({ length: 10 }, (_, i) => ({ op: 'activity', activity_ref: `p${i}` })) },
  } as unknown as WorkflowIR;
}

function engineWith(names: string[]): { engine: WorkflowEngine; clock: VirtualClock } {
  const registry = new ActivityRegistry();
  for (const n of names) registry.register(new FunctionActivity(n, async () => ({ ok: true })));
  const clock = new VirtualClock({ autoAdvance: true });
  const engine = WorkflowEngine.builder().withStorage('memory').withClock(clock).withActivities(registry).build();
  return { engine, clock };
}

interface Run {
  perSecond: number;
  ms: number;
  activities: number;
  applications: number;
  commits: number;
}

/** Starts `count` executions at once and waits for all. */
async function runMany(engine: WorkflowEngine, workflowId: string, inputs: Record<string, unknown>, count: number, activitiesPer: number): Promise<Run> {
  const store = engine.store;
  const startTx = store.headTx;
  const t0 = process.hrtime.bigint();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(engine.startWorkflow(workflowId, inputs));
  const results = await Promise.all(ids.map((id) => engine.waitForCompletion(id)));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  for (const r of results) if (r.status !== 'completed') throw new Error(`bench: an execution ended ${r.status}`);
  let applications = 0;
  const commits = store.history(startTx + 1, store.headTx);
  for (const c of commits) {
    const apps = (c.meta as { applications?: unknown[] } | null)?.applications;
    applications += Array.isArray(apps) ? apps.length : 1;
  }
  return { perSecond: (count * 1000) / ms, ms, activities: count * activitiesPer, applications, commits: commits.length };
}

export async function main(args: string[]): Promise<void> {
  const countArg = args.indexOf('--count');
  const count = countArg >= 0 ? Number(args[countArg + 1]) : 2000;
  const R: Record<string, unknown> = { count };

  // Warm-up so the JIT has seen every rule once.
  {
    const { engine } = engineWith(['a', 'b', 'c']);
    engine.registerWorkflow(seq3());
    await runMany(engine, 'bench_seq3', {}, 200, 3);
  }

  const s = engineWith(['a', 'b', 'c']);
  s.engine.registerWorkflow(seq3());
  const seq = await runMany(s.engine, 'bench_seq3', {}, count, 3);
  log(`seq3: ${count} workflows in ${round(seq.ms)} ms = ${round(seq.perSecond, 1)}/s; ${seq.commits} commits, ${seq.applications} rule applications`);
  R.seq3_workflows_per_s = round(seq.perSecond, 1);
  R.seq3_commits_per_workflow = round(seq.commits / count, 2);
  R.seq3_applications_per_workflow = round(seq.applications / count, 2);
  // Overheads: the activities do nothing, so all the time is the engine's.
  R.activity_overhead_us = round((seq.ms * 1000) / seq.activities, 1);
  R.rule_application_us = round((seq.ms * 1000) / seq.applications, 1);

  const p = engineWith(Array.from({ length: 10 }, (_, i) => `p${i}`));
  p.engine.registerWorkflow(parallel10());
  const par = await runMany(p.engine, 'bench_parallel10', {}, Math.max(1, Math.floor(count / 4)), 10);
  log(`parallel10: ${Math.floor(count / 4)} workflows in ${round(par.ms)} ms = ${round(par.perSecond, 1)}/s`);
  R.parallel10_workflows_per_s = round(par.perSecond, 1);

  const order = await loadWorkflowFile(ORDER);
  const names = ['validate_order', 'process_payment', 'reserve_inventory', 'fraud_check', 'send_confirmation', 'cancel_payment', 'release_inventory', 'send_failure_notification'];
  const o = engineWith(names);
  o.engine.registerWorkflow(order);
  const saga = await runMany(o.engine, order.id, { orderId: 'o1', customerId: 'c1', amount: 10, items: ['x'] }, Math.max(1, Math.floor(count / 4)), 5);
  log(`order_processing saga: ${Math.floor(count / 4)} workflows in ${round(saga.ms)} ms = ${round(saga.perSecond, 1)}/s`);
  R.saga_workflows_per_s = round(saga.perSecond, 1);

  R.goal_seq3_workflows_per_s = 5000;
  R.goal_activity_overhead_us = 50;
  finish('workflow', R);
}
