import { basename } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Json } from '../../graph/index.ts';
import type { ExecutionSnapshot } from '../../workflow/index.ts';
import { CliError } from '../errors.ts';
import { checkReadQuery } from '../read-query.ts';
import { describeSteps, errorText, historyRows } from '../events-view.ts';
import { ExitCode } from '../exit-codes.ts';
import { FORMATS, formatElapsed, render, toJson } from '../format.ts';
import type { Format } from '../format.ts';
import { collect, parseJsonArg, parsePayload, parseTxArg, splitAssignment } from '../json-arg.ts';
import { writeErr, writeOut } from '../output.ts';
import { Progress } from '../progress.ts';
import { replayCheck, replayLine } from '../replay-check.ts';
import { defaultStore } from '../defaults.ts';

interface RunOptions {
  input?: string;
  activities?: string;
  store: string;
  json?: boolean;
  extVar: string[];
  virtualClock?: boolean;
  event: string[];
  signal: string[];
  wait?: string;
  query: string[];
  atTx?: string;
  format: Format;
  history?: boolean;
  replay?: boolean;
  progress: boolean;
}

export function runCommand(program: Command, action: (fn: () => Promise<number>) => Promise<void>): void {
  program
    .command('run')
    .description('load, validate, register and start a workflow, then wait for it to end')
    .argument('<file>', 'the workflow (.kotoba, Jsonnet)')
    .option('-i, --input <json|@file>', 'workflow inputs: a JSON object, or @file for a JSON file', '{}')
    .option('-a, --activities <module>', 'module exporting the activities (default: the examples in examples/activities)')
    .option('-s, --store <file|memory>', 'where executions are kept: a SQLite file, or "memory" (default: $ITONAMI_STORE or ./itonami.db)', defaultStore())
    .option('--json', 'print one JSON object (no progress)')
    .option('--ext-var <name=value>', 'Jsonnet external variable (std.extVar), repeatable', collect, [])
    .option('--virtual-clock', 'run timers, timeouts and retry back-off on virtual time: waits end at once (demos, tests)')
    .option('--event <type[=payload]>', 'deliver this event (payload JSON) when the execution waits for it, repeatable', collect, [])
    .option('--signal <name[=payload]>', 'send this signal (payload JSON) right after the start, repeatable', collect, [])
    .option('--wait <duration>', 'give up waiting after this ISO 8601 duration of clock time (exit 4)')
    .option('-q, --query <gql>', 'after the run, print this GQL query over the store (AT TX n in the text reads a past version), repeatable', collect, [])
    .option('--at-tx <n>', 'run the --query queries at this TxId')
    .addOption(new Option('--format <format>', 'format of --query and --history output').choices(FORMATS).default('table'))
    .option('--history', 'after the run, print the event history')
    .option('--replay', 'after the run, replay the log from the start and check every root CID (exit 3 on a mismatch)')
    .option('--no-progress', 'no live progress, even on a terminal')
    .addHelpText(
      'after',
      `
The clock is real time unless --virtual-clock: order_processing's PT10S timer then waits 10 s.
Exit codes: 0 completed, 1 failed/cancelled/timed out, 2 bad input, 3 replay mismatch, 4 still running after --wait.

Examples:
  itonami run order_processing.kotoba -i '{"orderId":"o-1","customerId":"c-1","amount":42,"items":[{"sku":"a"}]}'
  itonami run simple_sequence.kotoba -i @inputs.json --json
  itonami run complex_workflow.kotoba -i @doc.json --virtual-clock \\
      --event 'review_assigned={"document_id":"d-1"}' --event 'review_completed={"document_id":"d-1"}'
  itonami run order_processing.kotoba -i @order.json --virtual-clock --history --replay \\
      -q 'AT TX 5 MATCH (e:Execution)-[:OWNS]->(t:Token)-[:AT]->(s:Step) RETURN s.path, t.phase'`,
    )
    .action((file: string, opts: RunOptions) => action(() => run(file, opts)));
}

async function run(file: string, opts: RunOptions): Promise<number> {
  // The engine's layers load on demand, so that --help and usage errors answer at once.
  const [{ loadWorkflowFile, parseDuration, validateInputs }, { queryAt }, { checkActivities, exampleActivities, loadActivities }, { openEngine, RunClock }] = await Promise.all([
    import('../../workflow/ir/index.ts'),
    import('../../gql/index.ts'),
    import('../activities-module.ts'),
    import('../store-option.ts'),
  ]);
  const inputs = parseJsonArg('--input', opts.input ?? '{}');
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) throw new CliError('USAGE', '--input: expected a JSON object of workflow inputs');
  const extVars: Record<string, string> = {};
  for (const s of opts.extVar) {
    const { name, value } = splitAssignment('--ext-var', s);
    if (value === undefined) throw new CliError('USAGE', `--ext-var ${JSON.stringify(s)}: expected name=value (an empty value is name=)`);
    extVars[name] = value;
  }
  const events = opts.event.map((s) => {
    const { name, value } = splitAssignment('--event', s);
    return { type: name, payload: parsePayload(`--event ${name}`, value) };
  });
  const signals = opts.signal.map((s) => {
    const { name, value } = splitAssignment('--signal', s);
    return { name, payload: parsePayload(`--signal ${name}`, value) };
  });
  let waitMs: number | undefined;
  if (opts.wait !== undefined) {
    try {
      waitMs = parseDuration(opts.wait);
    } catch {
      throw new CliError('USAGE', `--wait ${JSON.stringify(opts.wait)}: expected an ISO 8601 duration such as PT30S`);
    }
  }
  const atTx = opts.atTx === undefined ? undefined : parseTxArg('--at-tx', opts.atTx);
  for (const q of opts.query) await checkReadQuery('run', q, atTx); // bad queries fail before anything runs

  const ir = await loadWorkflowFile(file, { extVars });
  const activities = opts.activities === undefined ? exampleActivities() : await loadActivities(opts.activities);
  checkActivities(ir, activities, basename(file));
  validateInputs(ir.inputs, inputs as Record<string, unknown>, { workflowId: ir.id }); // before the store is made
  const clock = new RunClock(opts.virtualClock === true);
  const engine = await openEngine({ store: opts.store, activities, clock, command: 'run' });
  const wallStart = Date.now();
  try {
    engine.registerWorkflow(ir);
  } catch (e) {
    await engine.close();
    // Which file holds the changed definition.
    if ((e as { code?: unknown }).code === 'WORKFLOW_CHANGED') throw new CliError('USAGE', `${file}: ${(e as Error).message.replace(/^WorkflowEngine\.registerWorkflow: /, '')}`, { cause: e });
    throw e;
  }
  const id = engine.startWorkflow(ir.id, inputs as Record<string, unknown>);

  for (const s of signals) engine.signal(id, s.name, s.payload);
  // Events go to the execution when it waits for them, before the clock moves on.
  const pending = [...events];
  clock.beforeIdle = () => {
    for (let i = 0; i < pending.length; i++) {
      if (engine.sendEvent(pending[i].type, pending[i].payload) > 0) {
        pending.splice(i, 1);
        return true;
      }
    }
    return false;
  };

  const progress = opts.json !== true && opts.progress && process.stderr.isTTY === true ? new Progress(engine, id) : undefined;
  progress?.start();
  const onInterrupt = (): void => {
    progress?.stop();
    void writeErr(`interrupted: execution ${id} left ${engine.getExecution(id)?.status ?? 'running'}${opts.store === 'memory' ? ' (memory store: nothing is kept)' : ''}\n`).then(() => process.exit(ExitCode.INTERRUPTED));
  };
  process.once('SIGINT', onInterrupt);
  let done: ExecutionSnapshot;
  try {
    done = await engine.waitForCompletion(id, waitMs === undefined ? {} : { timeout: waitMs });
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'WAIT_TIMEOUT') throw e;
    progress?.stop();
    const s = engine.getExecution(id)!;
    if (opts.json === true) {
      const out = { executionId: id, workflowId: s.workflowId, workflowKey: s.workflowKey, status: s.status, outputs: s.outputs, error: s.error, startedAt: s.startedAt, endedAt: s.endedAt };
      await writeOut(`${toJson({ ...out, wallMs: Date.now() - wallStart, tx: engine.store.headTx, cid: engine.store.cid().toString(), store: opts.store, gaveUpAfterMs: waitMs })}\n`);
    }
    else await writeErr(`gave up after ${opts.wait}: execution ${id} is still ${s.status}${s.tokens.length > 0 ? ` (at ${describeSteps(engine.store.head(), s)})` : ''}\n`);
    await engine.close();
    return ExitCode.STILL_RUNNING;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
  progress?.stop();
  const wallMs = Date.now() - wallStart;

  // After the run: queries, history, replay, all over the same store.
  const queries = opts.query.map((q) => {
    const r = queryAt(engine.store, atTx ?? engine.store.headTx, q);
    return { query: q, columns: r.columns, rows: r.rows };
  });
  const history = opts.history === true ? engine.getEventHistory(id) : undefined;
  const replay = opts.replay === true ? replayCheck(engine, id, done) : undefined;
  const code = replay !== undefined && !replay.sameState ? ExitCode.DETERMINISM : done.status === 'completed' ? ExitCode.OK : ExitCode.WORKFLOW_FAILED;

  if (opts.json === true) {
    const out: Record<string, unknown> = {
      executionId: id,
      workflowId: done.workflowId,
      workflowKey: done.workflowKey,
      status: done.status,
      outputs: done.outputs,
      error: done.error,
      startedAt: done.startedAt,
      endedAt: done.endedAt,
      wallMs,
      tx: engine.store.headTx,
      cid: engine.store.cid().toString(),
      store: opts.store,
    };
    if (queries.length > 0) out.queries = queries.map((q) => ({ query: q.query, columns: q.columns, rows: q.rows.map((r) => Object.fromEntries(q.columns.map((c, i) => [c, r[i]]))) }));
    if (history !== undefined) out.history = history;
    if (replay !== undefined) out.replay = replay;
    await writeOut(`${toJson(out)}\n`);
  } else {
    const lines: string[] = [];
    const clockMs = (done.endedAt ?? done.startedAt) - done.startedAt;
    const took = Math.abs(clockMs - wallMs) > 1000 ? `${formatElapsed(wallMs)} (clock ${formatElapsed(clockMs)})` : formatElapsed(wallMs);
    lines.push(`${done.status}  ${done.workflowKey}  in ${took}`);
    lines.push(`execution  ${id}`);
    if (done.status === 'completed') lines.push(`outputs    ${toJson(done.outputs)}`);
    else lines.push(`error      ${errorText(done.error)}${isCompensated(done.error) ? ' (compensated)' : ''}`);
    lines.push(`store      ${opts.store} · head tx ${engine.store.headTx} · root ${engine.store.cid().toString()}`);
    for (const q of queries) {
      lines.push('', `query: ${q.query}${atTx === undefined ? '' : ` (at tx ${atTx})`}`);
      lines.push(render(opts.format, q.columns, q.rows).trimEnd());
    }
    if (history !== undefined) {
      lines.push('', 'history:');
      if (opts.format === 'json') lines.push(toJson(history, 2));
      else {
        const h = historyRows(history);
        lines.push(render(opts.format, h.columns, h.rows).trimEnd());
      }
    }
    if (replay !== undefined) lines.push('', replayLine(replay));
    await writeOut(`${lines.join('\n')}\n`);
  }
  await engine.close();
  return code;
}

function isCompensated(error: Json): boolean {
  return error !== null && typeof error === 'object' && !Array.isArray(error) && (error as { compensated?: unknown }).compensated === true;
}
