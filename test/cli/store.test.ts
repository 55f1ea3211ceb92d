// The tour on a durable store: run, then status, history, query at a past TxId, replay, event, cancel, each a separate process.
import { createHash } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { doc, itonami, oneLine, ORDER, SEEDS, tempDir, write } from './_helpers.ts';

describe('itonami commands on a SQLite store', { timeout: 240_000 }, () => {
  let dir = '';
  let id = '';
  beforeAll(() => {
    dir = tempDir();
    const r = itonami(['run', `${SEEDS}/order_processing.kotoba`, '-i', JSON.stringify(ORDER), '--virtual-clock', '--store', 'tour.db', '--json'], dir);
    expect(r.code).toBe(0);
    id = JSON.parse(r.stdout).executionId;
  }, 120_000);

  it('status lists the execution and shows it in detail', () => {
    const list = itonami(['status', '--store', 'tour.db', '--json'], dir);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id, status: 'completed', workflowKey: 'order_processing_saga@1.0.0' })]);
    const one = itonami(['status', id, '--store', 'tour.db'], dir);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('status     completed');
    expect(one.stdout).toContain('activities 5 done, 0 running, 0 retries, 0 failed');
  });

  it('history prints the events as a table and as JSON', () => {
    const t = itonami(['history', id, '--store', 'tour.db'], dir);
    expect(t.code).toBe(0);
    const lines = t.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^tx +\+time +event +detail$/);
    expect(lines[2]).toMatch(/^2 +0ms +WorkflowStarted +order_processing_saga inputs=/);
    expect(lines.at(-1)).toMatch(/^8 +10\.0s +WorkflowCompleted +outputs=/);
    const j = itonami(['history', id, '--store', 'tour.db', '--json'], dir);
    const types = JSON.parse(j.stdout).map((e: { type: string }) => e.type);
    expect(types[0]).toBe('WorkflowStarted');
    expect(types).toContain('TimerFired');
    expect(types.at(-1)).toBe('WorkflowCompleted');
  });

  it('query reads the head and any past TxId, as table, JSON or CSV', () => {
    const q = 'MATCH (:Execution)-[:OWNS]->(t:Token)-[:AT]->(s:Step) WHERE s.op = "activity" RETURN s.activity_ref AS activity, t.phase AS phase ORDER BY activity';
    const past = itonami(['query', q, '--at-tx', '4', '--store', 'tour.db', '--format', 'json'], dir);
    expect(past.code).toBe(0);
    // at tx 4 the inventory is reserved; the payment is still being processed
    expect(JSON.parse(past.stdout)).toEqual([{ activity: 'process_payment', phase: 'active' }]);
    const head = itonami(['query', q, '--store', 'tour.db', '--format', 'json'], dir);
    expect(JSON.parse(head.stdout)).toEqual([]);
    const csv = itonami(['query', 'AT TX 2 MATCH (k:Task) RETURN k.activity_ref AS a, k.status AS s', '--store', 'tour.db', '--format', 'csv'], dir);
    expect(csv.stdout).toBe('a,s\nvalidate_order,scheduled\n');
    const table = itonami(['query', 'MATCH (e:Execution) RETURN e.status AS status, count(*) AS n', '--store', 'tour.db'], dir);
    expect(table.stdout).toBe('status     n\n---------  -\ncompleted  1\n');
  });

  it('replay re-derives every root CID from the reopened store', () => {
    const r = itonami(['replay', id, '--store', 'tour.db'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^replay ${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 8 commits \\(tx 1\\.\\.8\\) re-derived, every root CID matches; root bafy\\S+; rebuilt status completed, same state\\n$`));
  });

  it('replay of a log whose data was altered (digest recomputed) exits 3 naming the TxId; with --json the report says so too', () => {
    copyFileSync(join(dir, 'tour.db'), join(dir, 'altered.db'));
    const db = new Database(join(dir, 'altered.db'));
    const row = db.prepare("SELECT tx, bytes FROM commits WHERE CAST(bytes AS TEXT) LIKE '%\"status\":\"scheduled\"%' ORDER BY tx LIMIT 1").get() as { tx: number; bytes: Buffer };
    const bytes = Buffer.from(row.bytes.toString('utf8').replace('"status":"scheduled"', '"status":"scheduleD"'), 'utf8');
    db.prepare('UPDATE commits SET bytes = ?, digest = ? WHERE tx = ?').run(bytes, createHash('sha256').update(bytes).digest(), row.tx);
    db.close();
    const r = itonami(['replay', id, '--store', 'altered.db', '--json'], dir);
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toMatch(new RegExp(`^itonami: determinism mismatch: tx ${row.tx}: root CID \\S+ differs from the recorded \\S+$`));
    expect(JSON.parse(r.stdout)).toEqual({ executionId: id, sameState: false, mismatch: expect.stringMatching(new RegExp(`tx ${row.tx}: root CID`)) });
  });

  it('an execution left waiting is moved on by `event` (resumed from the store) and stopped by `cancel`', () => {
    const wf = `${SEEDS}/complex_workflow.kotoba`;
    const a = itonami(['run', wf, '-i', JSON.stringify(doc('medium')), '--store', 'waits.db', '--wait', 'PT1S', '--json'], dir);
    expect(a.code).toBe(4);
    const first = JSON.parse(a.stdout).executionId;
    const b = itonami(['run', wf, '-i', JSON.stringify({ ...doc('medium'), documentId: 'd-2' }), '--store', 'waits.db', '--wait', 'PT1S', '--json'], dir);
    expect(b.code).toBe(4);
    const second = JSON.parse(b.stdout).executionId;
    expect(second).not.toBe(first);

    const noWf = itonami(['event', 'review_completed', '{"document_id":"d-1"}', '--store', 'waits.db'], dir);
    expect(noWf.code).toBe(2);
    expect(oneLine(noWf.stderr)).toContain('pass its .kotoba file with --workflow');

    const ev = itonami(['event', 'review_completed', '{"document_id":"d-1"}', '--store', 'waits.db', '-w', wf], dir);
    expect(ev.code).toBe(0);
    expect(ev.stdout).toContain('event review_completed taken by 1 wait(s)');
    expect(ev.stdout).toContain(`execution ${first} completed: `);

    const c = itonami(['cancel', second, '--store', 'waits.db', '-w', wf], dir);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain(`execution ${second} cancelled`);
    const s = itonami(['status', '--store', 'waits.db', '--json'], dir);
    const byId = Object.fromEntries(JSON.parse(s.stdout).map((x: { id: string; status: string }) => [x.id, x.status]));
    expect(byId).toEqual({ [first]: 'completed', [second]: 'cancelled' });
    const again = itonami(['cancel', second, '--store', 'waits.db', '-w', wf], dir);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('is cancelled; nothing to cancel');
  });

  it('signal: `run --signal` sends it at the start; `signal` delivers it to an execution waiting in the store', () => {
    const wf = write(dir, 'approval.kotoba', `{ workflow: { id: "approval", name: "Approval", version: "1", inputs: [], outputs: [],
      strategy: { op: "seq", strategies: [
        { op: "wait", condition: { type: "signal", signal_name: "approve" }, timeout: "PT1H" },
        { op: "activity", activity_ref: "fraud_check" } ] } } }`);
    const now = itonami(['run', wf, '--store', 'memory', '--signal', 'approve={"by":"ann"}', '--history', '--format', 'json'], dir);
    expect(now.code).toBe(0);
    expect(now.stdout).toContain('"signalName": "approve"');
    const r = itonami(['run', wf, '--store', 'signals.db', '--wait', 'PT1S', '--json'], dir);
    expect(r.code).toBe(4);
    const id = JSON.parse(r.stdout).executionId;
    const s = itonami(['signal', id, 'approve', '{"by":"bob"}', '--store', 'signals.db', '-w', wf], dir);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain(`signal approve delivered to ${id}`);
    expect(s.stdout).toContain(`execution ${id} completed: {}`);
    const again = itonami(['signal', id, 'approve', '--store', 'signals.db', '-w', wf], dir);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('is completed; signal not delivered');
  });
});
