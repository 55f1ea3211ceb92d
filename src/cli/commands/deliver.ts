import type { Command } from 'commander';
import type { ExecutionSnapshot, WorkflowEngine } from '../../workflow/index.ts';
import { CliError } from '../errors.ts';
import { describeSteps, errorText } from '../events-view.ts';
import { ExitCode } from '../exit-codes.ts';
import { toJson } from '../format.ts';
import { collect, parsePayload } from '../json-arg.ts';
import { writeOut } from '../output.ts';
import { activitiesOption, requireExecution, storeOption } from './common.ts';
import type { Action, StoreOptions } from './common.ts';

interface DeliverOptions extends StoreOptions {
  workflow: string[];
  wait: boolean;
}

const HELP = `
Executions move on only in an engine that knows their workflow: pass the .kotoba
file(s) with --workflow. Registering a workflow on a durable store also resumes
its other running executions. After the delivery the command lets the
execution(s) run until they end or wait again (--no-wait: commit and exit).`;

function options(cmd: Command): Command {
  return activitiesOption(storeOption(cmd))
    .option('-w, --workflow <file.kotoba>', 'workflow file(s) of the executions concerned, repeatable', collect, [])
    .option('--no-wait', 'exit once the fact is committed, without running what it enables')
    .addHelpText('after', HELP);
}

/** Opens the store with the activities and the given workflows registered (which resumes their running executions). */
async function openWithWorkflows(command: string, opts: DeliverOptions) {
  const [{ loadWorkflowFile }, { exampleActivities, loadActivities }, { openEngine, RunClock, settle }] = await Promise.all([
    import('../../workflow/index.ts'),
    import('../activities-module.ts'),
    import('../store-option.ts'),
  ]);
  const irs = [];
  for (const f of opts.workflow) irs.push(await loadWorkflowFile(f));
  const activities = opts.activities === undefined ? exampleActivities() : await loadActivities(opts.activities);
  const clock = new RunClock(false);
  const engine = await openEngine({ store: opts.store, command, persistent: true, activities, clock });
  const keys = new Set(irs.map((ir) => engine.registerWorkflow(ir)));
  // Registering resumed the running executions of these workflows: let them reach their waits before the fact arrives.
  const resumed = engine.listExecutions({ status: 'running' }).filter((s) => keys.has(s.workflowKey)).map((s) => s.id);
  if (resumed.length > 0) await settle(engine, clock, resumed);
  return { engine, keys, settle: (ids: string[]) => settle(engine, clock, ids) };
}

function requireRegistered(s: ExecutionSnapshot, keys: ReadonlySet<string>): void {
  if (!keys.has(s.workflowKey)) {
    throw new CliError('USAGE', `execution ${s.id} runs workflow ${s.workflowKey}: pass its .kotoba file with --workflow so the engine can move it on`);
  }
}

function line(engine: WorkflowEngine, s: ExecutionSnapshot): string {
  if (s.status === 'running') return `execution ${s.id} is running, waiting at ${describeSteps(engine.store.head(), s)}`;
  if (s.status === 'completed') return `execution ${s.id} completed: ${toJson(s.outputs)}`;
  return `execution ${s.id} ${s.status}${s.error === null ? '' : `: ${errorText(s.error)}`}`;
}

async function finish(engine: WorkflowEngine, text: string[]): Promise<void> {
  await engine.close();
  await writeOut(`${text.join('\n')}\n`);
}

/** `signal`, `event`, `cancel`: external facts delivered to executions in a persistent store. */
export function deliverCommands(program: Command, action: Action): void {
  options(
    program
      .command('signal')
      .description('send a signal to a running execution (kept for its next wait on that name if none waits now)')
      .argument('<id>', 'execution id')
      .argument('<name>', 'signal name')
      .argument('[payload]', 'JSON payload (text that is not JSON is sent as a string; @file reads a file)'),
  ).action((id: string, name: string, payload: string | undefined, opts: DeliverOptions) =>
    action(async () => {
      const value = parsePayload('payload', payload);
      const { engine, keys, settle } = await openWithWorkflows('signal', opts);
      const s = requireExecution(engine, id);
      if (s.status !== 'running') {
        await finish(engine, [`execution ${id} is ${s.status}; signal not delivered`]);
        return ExitCode.WORKFLOW_FAILED;
      }
      requireRegistered(s, keys);
      engine.signal(id, name, value);
      const out = [`signal ${name} delivered to ${id} (tx ${engine.store.headTx})`];
      if (opts.wait) out.push(...(await settle([id])).map((x) => line(engine, x)));
      await finish(engine, out);
      return ExitCode.OK;
    }),
  );

  options(
    program
      .command('event')
      .description('deliver an event to every waiting execution whose wait is for its type and whose filter matches the payload')
      .argument('<type>', 'event type')
      .argument('[payload]', 'JSON payload (text that is not JSON is sent as a string; @file reads a file)'),
  ).action((type: string, payload: string | undefined, opts: DeliverOptions) =>
    action(async () => {
      const value = parsePayload('payload', payload);
      const { engine, keys, settle } = await openWithWorkflows('event', opts);
      // Which executions wait for it, and can the engine move them?
      const waiting = new Set<string>();
      engine.store.head().forEachNodeWithLabel('Wait', (x) => void (x.props.kind === 'event' && x.props.name === type && waiting.add(x.props.execution as string)));
      for (const id of waiting) requireRegistered(engine.getExecution(id)!, keys);
      const before = engine.store.headTx;
      const n = engine.sendEvent(type, value);
      const took: string[] = [];
      for (const c of engine.store.history(before + 1, engine.store.headTx)) {
        const ex = (c.meta as { execution?: unknown } | null)?.execution;
        if (typeof ex === 'string' && waiting.has(ex) && !took.includes(ex)) took.push(ex);
      }
      const out = [`event ${type} taken by ${n} wait(s)`];
      if (opts.wait && took.length > 0) out.push(...(await settle(took)).map((x) => line(engine, x)));
      await finish(engine, out);
      return ExitCode.OK;
    }),
  );

  options(program.command('cancel').description('cancel a running execution: with a saga running, its sagas compensate first; otherwise its tokens are cancelled and attempts in flight aborted').argument('<id>', 'execution id')).action(
    (id: string, opts: DeliverOptions) =>
      action(async () => {
        const { engine, keys, settle } = await openWithWorkflows('cancel', opts);
        const s = requireExecution(engine, id);
        if (s.status !== 'running') {
          await finish(engine, [`execution ${id} is ${s.status}; nothing to cancel`]);
          return ExitCode.WORKFLOW_FAILED;
        }
        requireRegistered(s, keys);
        if (!engine.cancel(id)) {
          await finish(engine, [`execution ${id} is already compensating after a cancel or a timeout; its compensation runs to its end`]);
          return ExitCode.WORKFLOW_FAILED;
        }
        const out = opts.wait ? (await settle([id])).map((x) => line(engine, x)) : [`execution ${id} cancelled (tx ${engine.store.headTx}); a running saga compensates first`];
        await finish(engine, out);
        return ExitCode.OK;
      }),
  );
}
