import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { doc, itonami, oneLine, ORDER, SEEDS, tempDir, USER, write } from './_helpers.ts';

describe('itonami run', { timeout: 180_000 }, () => {
  it('simple_sequence with an inline --input, --json, in memory', () => {
    const dir = tempDir();
    const r = itonami(['run', `${SEEDS}/simple_sequence.kotoba`, '--input', JSON.stringify(USER), '--json', '--store', 'memory'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ status: 'completed', workflowId: 'user_registration', outputs: { userId: 'user-ada', registrationComplete: true }, store: 'memory' });
    expect(typeof out.executionId).toBe('string');
    expect(out.cid).toMatch(/^bafy/);
    expect(existsSync(join(dir, 'itonami.db'))).toBe(false);
  });

  it('order_processing with @file input on the default store (./itonami.db) and the virtual clock', () => {
    const dir = tempDir();
    write(dir, 'order.json', JSON.stringify(ORDER));
    const r = itonami(['run', `${SEEDS}/order_processing.kotoba`, '-i', '@order.json', '--virtual-clock'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^completed {2}order_processing_saga@1\.0\.0 {2}in .*\(clock 10\.0s\)/);
    expect(r.stdout).toContain('outputs    {"processed":true,"confirmationId":"conf-o-1","totalAmount":42}');
    expect(r.stdout).toMatch(/execution {2}\S+/);
    expect(r.stdout).toContain('store      itonami.db · head tx 8');
    expect(existsSync(join(dir, 'itonami.db'))).toBe(true);
  });

  it('complex_workflow, low priority: --event delivers both events when the execution waits for them', () => {
    const dir = tempDir();
    const r = itonami(
      ['run', `${SEEDS}/complex_workflow.kotoba`, '-i', JSON.stringify(doc('low')), '--virtual-clock', '--store', 'memory', '--json', '--history',
        '--event', 'review_completed={"document_id":"d-1"}', '--event', 'review_assigned={"document_id":"d-1"}'],
      dir,
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ status: 'completed', outputs: { processed: true, approved: true } });
    const received = out.history.filter((e: { type: string }) => e.type === 'EventReceived').map((e: { eventType: string }) => e.eventType);
    expect(received).toEqual(['review_assigned', 'review_completed']);
  });

  it('complex_workflow, low priority, no events: the PT24H wait times out on the virtual clock (exit 1)', () => {
    const dir = tempDir();
    const r = itonami(['run', `${SEEDS}/complex_workflow.kotoba`, '-i', JSON.stringify(doc('low')), '--virtual-clock', '--store', 'memory', '--json'], dir);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('failed');
    expect(out.error).toMatchObject({ code: 'WAIT_TIMEOUT' });
    expect(out.endedAt - out.startedAt).toBe(24 * 3600_000);
  });

  it('a failing activity fails the run with exit 1 and names the error', () => {
    const dir = tempDir();
    const r = itonami(['run', `${SEEDS}/simple_sequence.kotoba`, '-i', JSON.stringify({ ...USER, email: 'nope' }), '--store', 'memory'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^failed {2}user_registration@1\.0\.0/);
    expect(r.stdout).toContain('error      INVALID_EMAIL');
  });

  it('--query (with AT TX), --history and --replay in the same process', () => {
    const dir = tempDir();
    const r = itonami(
      ['run', `${SEEDS}/order_processing.kotoba`, '-i', JSON.stringify(ORDER), '--virtual-clock', '--store', 'memory', '--history', '--replay',
        '-q', 'AT TX 3 MATCH (k:Task) RETURN k.activity_ref AS activity ORDER BY activity', '--format', 'csv'],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('activity\nprocess_payment\nreserve_inventory\n');
    expect(r.stdout).toMatch(/\n2,0ms,WorkflowStarted,"order_processing_saga inputs=/); // --format applies to --history too
    expect(r.stdout).toContain('WorkflowCompleted');
    expect(r.stdout).toMatch(/replay \S+: 8 commits \(tx 1\.\.8\) re-derived, every root CID matches; root bafy\S+; rebuilt status completed, same state/);
  });

  it('--wait gives up with exit 4 while the execution waits', () => {
    const dir = tempDir();
    const r = itonami(['run', `${SEEDS}/complex_workflow.kotoba`, '-i', JSON.stringify(doc('medium')), '--store', 'memory', '--wait', 'PT0.5S'], dir);
    expect(r.code).toBe(4);
    expect(oneLine(r.stderr)).toMatch(/^gave up after PT0\.5S: execution \S+ is still running \(at .*\(strategy\.strategies\[1\]\.conditions\[1\]\.branch/);
    const j = itonami(['run', `${SEEDS}/complex_workflow.kotoba`, '-i', JSON.stringify(doc('medium')), '--store', 'memory', '--wait', 'PT0.5S', '--json'], dir);
    expect(j.code).toBe(4);
    const out = JSON.parse(j.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['executionId', 'workflowId', 'workflowKey', 'status', 'outputs', 'error', 'startedAt', 'endedAt', 'wallMs', 'tx', 'cid', 'store', 'gaveUpAfterMs']);
    expect([out.status, out.endedAt, out.gaveUpAfterMs, out.store]).toEqual(['running', null, 500, 'memory']);
  });

  it('--help lists the options and the exit codes', () => {
    const r = itonami(['run', '--help'], tempDir());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--virtual-clock');
    expect(r.stdout).toContain('Exit codes');
    const top = itonami(['--help'], tempDir());
    expect(top.code).toBe(0);
    for (const c of ['run', 'status', 'history', 'query', 'replay', 'signal', 'event', 'cancel', 'worker', 'bench']) expect(top.stdout).toContain(`  ${c} `);
  });
});

describe('itonami run --activities', { timeout: 180_000 }, () => {
  it('uses the registry a module exports (default export)', () => {
    const dir = tempDir();
    const src = new URL('../../src/workflow/index.ts', import.meta.url).pathname;
    write(dir, 'acts.mts', `import { ActivityRegistry, FunctionActivity } from ${JSON.stringify(src)};
export default () => new ActivityRegistry()
  .register(new FunctionActivity('validate_user_data', () => ({ valid: true })))
  .register(new FunctionActivity('check_username_availability', () => ({ available: true })))
  .register(new FunctionActivity('create_user_account', (i) => ({ userId: 'custom-' + String(i.username) })))
  .register(new FunctionActivity('send_welcome_email', () => ({ sent: true, registrationComplete: true })));
`);
    const r = itonami(['run', `${SEEDS}/simple_sequence.kotoba`, '-i', JSON.stringify(USER), '--store', 'memory', '--activities', 'acts.mts', '--json'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).outputs).toEqual({ userId: 'custom-ada', registrationComplete: true });
    write(dir, 'none.mts', 'export default 42;\n');
    const bad = itonami(['run', `${SEEDS}/simple_sequence.kotoba`, '--activities', 'none.mts'], dir);
    expect(bad.code).toBe(2);
    expect(oneLine(bad.stderr)).toMatch(/^itonami: --activities none\.mts: the module exports no activities/);
  });
});
