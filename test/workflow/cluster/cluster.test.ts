/**
 * The distributed mode against a real PostgreSQL, each test in its own
 * schema: migrations, fencing, lease hand-over, health; then three worker
 * processes running 500 workflows with one SIGKILLed and restarted, and a
 * PostgreSQL restart mid-run. One file, so that the server restart (the last
 * test) cannot hit another test of this folder running in parallel.
 */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { ActivityRegistry, FunctionActivity, WorkflowEngine } from '../../../src/workflow/index.ts';
import { Store, plainEntry } from '../../../src/graph/index.ts';
import { ClusterError, DistributedEngine, RoundRobinBalancer } from '../../../src/workflow/cluster/index.ts';
import { NodeGroupCommit } from '../../../src/workflow/cluster/_internals/group-commit.ts';
import { createPool, parseLocation } from '../../../src/workflow/cluster/_internals/pg.ts';
import { MIGRATIONS, migrate } from '../../../src/workflow/cluster/_internals/schema.ts';
import { StreamBackend, loadStream } from '../../../src/workflow/cluster/_internals/stream-backend.ts';
import { PG_URL, ROOT, aliveNodes, completionsByExecution, dropSchema, freshSchema, ruleCounts, seq3, skipMessage, sql, startWorker, until } from './_helpers.ts';
import type { WorkerProcess } from './_helpers.ts';

const execFileAsync = promisify(execFile);

skipMessage('cluster tests');

function checkExactlyOnce(completions: Map<string, Map<string, number>>, ids: readonly string[]): { duplicates: number; missing: number } {
  let duplicates = 0;
  let missing = 0;
  for (const id of ids) {
    const tasks = completions.get(id);
    if (tasks === undefined || tasks.size !== 3) missing++;
    for (const n of tasks?.values() ?? []) if (n !== 1) duplicates++;
  }
  return { duplicates, missing };
}

async function stopAll(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
}


describe.skipIf(PG_URL === undefined)('cluster on PostgreSQL', () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const s of schemas) await dropSchema(s);
  });
  const fresh = (p: string) => {
    const f = freshSchema(p);
    schemas.push(f.schema);
    return f;
  };

  it('migrations are idempotent, also when several processes connect at once', async () => {
    const { schema, url } = fresh('mig');
    const pools = [0, 1, 2].map(() => createPool(parseLocation(url), 2));
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p, schema)));
      // Exactly one of the concurrent migrators applied each migration.
      expect(applied.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await migrate(pools[0], schema)).toEqual([]);
      const rows = await sql<{ version: number }>(`SELECT version FROM ${schema}.itonami_migrations`);
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      // A database migrated by a newer build is refused with a typed error.
      await sql(`INSERT INTO ${schema}.itonami_migrations (version, name) VALUES (999, 'future')`);
      await expect(migrate(pools[0], schema)).rejects.toMatchObject({ code: 'MIGRATION' });
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('fencing: a write at a stale lease epoch is refused and the stream is dropped', async () => {
    const { schema, url } = fresh('fence');
    const pool = createPool(parseLocation(url), 2);
    try {
      await migrate(pool, schema);
      await pool.query(`INSERT INTO itonami_streams (id, owner, epoch, lease_until, created_by) VALUES ('s1', 'a', 1, now() + interval '1 minute', 'a')`);
      const fenced: string[] = [];
      const group = new NodeGroupCommit({ pool, nodeId: 'a', leaseMs: 60_000, onFenced: (b) => fenced.push(b.streamId), onFailed: () => undefined, onDurable: () => undefined });
      const backend = new StreamBackend('s1', 1, group);
      const engine = WorkflowEngine.builder().withBackend(backend).withSnapshots({ every: 0 }).build();
      const store = engine.store;
      store.transact((tx) => void tx.addNode('n1', ['Thing'], { v: 1 }), { note: 'first' });
      await store.sync();
      expect((await sql(`SELECT tx, epoch FROM ${schema}.itonami_commits WHERE stream_id = 's1'`)).map((r) => [r.tx, r.epoch])).toEqual([[1, 1]]);
      // Another node takes the stream over (its lease expired): epoch 2.
      await pool.query(`UPDATE itonami_streams SET owner = 'b', epoch = 2 WHERE id = 's1'`);
      store.transact((tx) => void tx.addNode('n2', ['Thing'], { v: 2 }), { note: 'second' });
      const err = await store.sync().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterError);
      expect((err as ClusterError).code).toBe('FENCED');
      expect(fenced).toEqual(['s1']);
      // The same node id at a newer epoch (a restarted process) does not make the old writer valid again.
      await pool.query(`UPDATE itonami_streams SET owner = 'a', epoch = 3 WHERE id = 's1'`);
      const backend2 = new StreamBackend('s1', 1, group);
      const store2 = WorkflowEngine.builder().withBackend(backend2).withSnapshots({ every: 0 }).build().store;
      store2.transact((tx) => void tx.addNode('n3', ['Thing'], {}), null);
      await expect(store2.sync()).rejects.toMatchObject({ code: 'FENCED' });
      const rows = await sql(`SELECT tx FROM ${schema}.itonami_commits WHERE stream_id = 's1'`);
      expect(rows).toHaveLength(1);
      // The log as stored restores the first commit only.
      const c = await pool.connect();
      try {
        const contents = await loadStream(c, 's1');
        expect(contents.commits.map((e) => e.tx)).toEqual([1]);
      } finally {
        c.release();
      }
    } finally {
      await pool.end();
    }
  });

  it('the compact log (updates without their before-record, drops by id) restores the same commits and root CIDs', async () => {
    const { schema, url } = fresh('compact');
    const pool = createPool(parseLocation(url), 2);
    try {
      await migrate(pool, schema);
      await pool.query(`INSERT INTO itonami_streams (id, owner, epoch, lease_until, created_by) VALUES ('s1', 'a', 1, now() + interval '1 minute', 'a')`);
      const group = new NodeGroupCommit({ pool, nodeId: 'a', leaseMs: 60_000, onFenced: () => undefined, onFailed: () => undefined, onDurable: () => undefined });
      const store = new Store({ backend: new StreamBackend('s1', 1, group), snapshotEvery: 0 });
      store.transact((tx) => {
        tx.addNode('a', ['Thing'], { v: 1, deep: { x: [1, 2] } });
        tx.addNode('b', ['Thing', 'Other'], {});
        tx.addEdge('e1', 'LINK', 'a', 'b', { w: 1 });
        tx.updateNode('a', { props: { v: 2 } }); // added and updated in one commit
      }, { note: 'one' });
      store.transact((tx) => {
        tx.updateNode('b', { labels: ['Thing'], props: { s: 'x"y' } });
        tx.updateEdge('e1', { props: { w: 2 } });
        tx.addNode('c', ['Thing'], {});
        tx.addEdge('e2', 'LINK', 'b', 'c', {});
      }, null);
      store.transact((tx) => {
        tx.dropEdge('e1');
        tx.updateNode('a', { props: { v: 3 } });
        tx.dropEdge('e2');
        tx.dropNode('c');
      }, { note: 'three' });
      await store.sync();
      const stored = await sql<{ entry: string }>(`SELECT entry FROM ${schema}.itonami_commits WHERE stream_id = 's1' ORDER BY tx`);
      expect(stored.some((r) => r.entry.includes('"before"'))).toBe(false);
      const c = await pool.connect();
      try {
        const contents = await loadStream(c, 's1');
        expect(contents.commits.map((e) => e.tx)).toEqual([1, 2, 3]);
        // A store opened on the loaded (compact) log has the same versions and the same changes,
        // the records the log leaves out filled in from the version it rebuilds.
        const again = new Store({ backend: new StreamBackend('s1', 1, group, contents), snapshotEvery: 0 });
        expect(again.headTx).toBe(3);
        for (const tx of [1, 2, 3]) {
          expect(again.cid(tx).toString()).toBe(store.cid(tx).toString());
          const plain = (s: Store): string => JSON.stringify(plainEntry({ tx, parentTx: tx - 1, time: 0, meta: null, ops: s.changes(tx) }));
          expect(plain(again)).toBe(plain(store));
          expect(again.commitInfo(tx).meta).toEqual(store.commitInfo(tx).meta);
        }
        // A log with a commit missing cannot be rebuilt: refused, not guessed.
        await pool.query(`DELETE FROM itonami_commits WHERE stream_id = 's1' AND tx = 1`);
        const holed = await loadStream(c, 's1');
        expect(() => new Store({ backend: new StreamBackend('s1', 1, group, holed), snapshotEvery: 0 })).toThrow(expect.objectContaining({ code: 'CORRUPT_BLOCK' }));
      } finally {
        c.release();
      }
      group.close();
    } finally {
      await pool.end();
    }
  });

  it('a node that stops renewing its lease loses its executions to another node, which completes them exactly once', async () => {
    const { schema, spec } = fresh('lease');
    const slow = new ActivityRegistry().register(
      new FunctionActivity('sleepy', async (input, ctx) => {
        await new Promise((r) => setTimeout(r, 1500));
        return { v: (input.v as number) + 1, by: 'a', attempt: ctx.attempt };
      }),
    );
    const fast = new ActivityRegistry().register(new FunctionActivity('sleepy', (input) => ({ v: (input.v as number) + 1 })));
    const a = await DistributedEngine.builder().withStorage(spec).withActivities(slow).withWorkflow(seq3(0)).build();
    const b = await DistributedEngine.builder().withStorage(spec).withActivities(fast).build();
    try {
      // Node a renews once at start, then never within the 500 ms lease: a hung node.
      const nodeA = await a.enableDistributedExecution('a', undefined, { leaseMs: 500, heartbeatMs: 60_000, pollMs: 20 });
      const ids = await a.submitDistributedWorkflows('sleepy3', [{ v: 0 }, { v: 10 }, { v: 20 }]);
      await until('a runs the three', async () => nodeA.load === 3, 10_000, 10);
      const nodeB = await b.enableDistributedExecution('b', undefined, { leaseMs: 5000, pollMs: 20 });
      const results = await Promise.all(ids.map((id) => b.waitForDistributedResult(id, { timeout: 30_000 })));
      expect(results.map((r) => (r.outputs as { v: number }).v)).toEqual([3, 13, 23]);
      expect(nodeB.stats.resumedStreams).toBeGreaterThanOrEqual(1);
      // a's first attempts finished after the take-over: their completions were refused.
      await until('a fenced', async () => nodeA.stats.fencedStreams >= 1, 10_000, 20);
      const completions = await completionsByExecution(schema);
      for (const id of ids) {
        expect([...completions.get(id)!.values()]).toEqual([1, 1, 1]);
      }
      const epochs = await sql<{ epoch: number }>(`SELECT DISTINCT epoch FROM ${schema}.itonami_commits ORDER BY epoch`);
      expect(epochs.map((e) => e.epoch)).toContain(2);
    } finally {
      await a.close({ drainMs: 0 });
      await b.close({ drainMs: 0 });
    }
  });

  it('health lists nodes with liveness, load and heartbeat, and executions by state; signals and cancellation reach the owner', async () => {
    const { spec } = fresh('health');
    const acts = new ActivityRegistry().register(new FunctionActivity('sleepy', (input) => ({ v: (input.v as number) + 1 })));
    const waitIr = {
      id: 'waiter',
      name: 'waiter',
      version: '1',
      inputs: [],
      outputs: [{ name: 'got', type: 'object' }],
      strategy: { op: 'wait', condition: { type: 'signal', signal_name: 'go' } },
    };
    const client = await DistributedEngine.builder().withStorage(spec).withWorkflow(seq3(0)).build();
    const node = await DistributedEngine.builder().withStorage(spec).withActivities(acts).build();
    try {
      const queued = await client.submitDistributedWorkflows('sleepy3', [{ v: 1 }, { v: 2 }]);
      let h = await client.getClusterHealth();
      expect(h.nodes).toEqual([]);
      expect(h.queuedExecutions).toBe(2);
      await client.cancelDistributedWorkflow(queued[1]);
      expect((await client.getDistributedExecution(queued[1]))?.status).toBe('cancelled');
      await node.enableDistributedExecution('n1', new RoundRobinBalancer(), { pollMs: 20 });
      expect((await client.waitForDistributedResult(queued[0], { timeout: 20_000 })).outputs).toEqual({ v: 4 });
      const w1 = await client.submitDistributedWorkflow(waitIr as never, {});
      const w2 = await client.submitDistributedWorkflow('waiter', {});
      await until('both waiting', async () => (await client.getClusterHealth()).activeExecutions === 2, 10_000, 20);
      h = await client.getClusterHealth();
      expect(h.nodes.map((n) => [n.id, n.alive])).toEqual([['n1', true]]);
      expect(h.nodes[0].lastHeartbeat.getTime()).toBeGreaterThan(Date.now() - 10_000);
      await until('load reported', async () => (await client.getClusterHealth()).nodes[0].load === 2, 10_000, 50);
      await client.signalDistributed(w1, 'go', { x: 1 });
      await client.cancelDistributedWorkflow(w2);
      expect((await client.waitForDistributedResult(w1, { timeout: 20_000 })).status).toBe('completed');
      expect((await client.waitForDistributedResult(w2, { timeout: 20_000 })).status).toBe('cancelled');
      // Event histories read from the streams' logs: the events a local engine records for the same run.
      const local = WorkflowEngine.builder().withStorage('memory').build();
      local.registerWorkflow(waitIr as never);
      const l1 = local.startWorkflow('waiter', {}); // reaches its wait before it returns
      expect(local.signal(l1, 'go', { x: 1 })).toBe(true);
      await local.waitForCompletion(l1);
      const h1 = await client.getDistributedEventHistory(w1);
      expect(h1.map((e) => e.type)).toEqual(local.getEventHistory(l1).map((e) => e.type));
      expect(h1.every((e) => e.executionId === w1)).toBe(true);
      const { tx: _tx, time: _time, executionId: _id, ...lastLocal } = local.getEventHistory(l1).at(-1)!;
      expect(h1.at(-1)).toMatchObject({ ...lastLocal, type: 'WorkflowCompleted' });
      expect((await client.getDistributedEventHistory(w2)).map((e) => e.type)).toContain('WorkflowCancelled');
      expect(await client.getDistributedEventHistory(queued[1])).toEqual([]); // cancelled while queued: never ran
      await expect(client.getDistributedEventHistory('no-such-id')).rejects.toMatchObject({ code: 'UNKNOWN_EXECUTION' });
      await expect(client.waitForDistributedResult('no-such-id', { timeout: 5000 })).rejects.toMatchObject({ code: 'UNKNOWN_EXECUTION' });
      await expect(client.submitDistributedWorkflow('nope', {})).rejects.toMatchObject({ code: 'UNKNOWN_WORKFLOW' });
      await node.close({ drainMs: 0 });
      h = await client.getClusterHealth();
      expect(h.nodes.map((n) => [n.id, n.alive])).toEqual([['n1', false]]);
      expect(h.completedExecutions).toBe(2);
      expect(h.activeExecutions).toBe(0);
    } finally {
      await node.close({ drainMs: 0 });
      await client.close();
    }
  });

  it('done-stream retention deletes the log of streams whose executions all ended; results stay, the history says it was pruned', async () => {
    const { schema, spec } = fresh('retain');
    const acts = new ActivityRegistry().register(new FunctionActivity('sleepy', (input) => ({ v: (input.v as number) + 1 })));
    const client = await DistributedEngine.builder().withStorage(spec).withWorkflow(seq3(0)).build();
    const node = await DistributedEngine.builder().withStorage(spec).withActivities(acts).build();
    try {
      const ids = await client.submitDistributedWorkflows('sleepy3', [{ v: 1 }, { v: 2 }]);
      await node.enableDistributedExecution('r1', undefined, { pollMs: 20, heartbeatMs: 50, streamSize: 2, retainDoneStreamsMs: 0 });
      for (const id of ids) expect((await client.waitForDistributedResult(id, { timeout: 20_000 })).status).toBe('completed');
      await until('the done stream pruned', async () => (await sql(`SELECT 1 FROM ${schema}.itonami_streams WHERE pruned_at IS NOT NULL`)).length === 1, 10_000, 20);
      expect(await sql(`SELECT 1 FROM ${schema}.itonami_commits`)).toEqual([]);
      expect(await client.getDistributedExecution(ids[0])).toMatchObject({ status: 'completed', outputs: { v: 4 } });
      await expect(client.getDistributedEventHistory(ids[0])).rejects.toMatchObject({ code: 'HISTORY_PRUNED' });
      // Negative settings are refused.
      await expect(client.enableDistributedExecution('r2', undefined, { retainDoneStreamsMs: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/retainDoneStreamsMs/) });
    } finally {
      await node.close({ drainMs: 0 });
      await client.close();
    }
  });

  it('outputs come back in the order the workflow declares them (as the local engine gives them), not in jsonb key order', async () => {
    const { spec } = fresh('order');
    const acts = new ActivityRegistry().register(new FunctionActivity('three', () => ({ z: 1, a: 2, m: 3 })));
    // Declared zeta, alpha, mid: jsonb (and DAG-CBOR) order is mid, zeta, alpha.
    const ir = {
      id: 'ordered',
      name: 'ordered',
      version: '1',
      inputs: [],
      outputs: [{ name: 'zeta', type: 'number' }, { name: 'alpha', type: 'number' }, { name: 'mid', type: 'number' }],
      strategy: { op: 'activity', activity_ref: 'three', output_mapping: { mid: '$.output.m', alpha: '$.output.a', zeta: '$.output.z' } },
    };
    const local = WorkflowEngine.builder().withStorage('memory').withActivities(acts).build();
    local.registerWorkflow(ir as never);
    const expected = (await local.waitForCompletion(local.startWorkflow('ordered', {}))).outputs;
    await local.close();
    expect(Object.keys(expected)).toEqual(['zeta', 'alpha', 'mid']);
    const client = await DistributedEngine.builder().withStorage(spec).withWorkflow(ir as never).build();
    const node = await DistributedEngine.builder().withStorage(spec).withActivities(acts).build();
    try {
      await node.enableDistributedExecution('o1', undefined, { pollMs: 20 });
      const id = await client.submitDistributedWorkflow('ordered', {});
      const r = await client.waitForDistributedResult(id, { timeout: 20_000 });
      expect(r.status).toBe('completed');
      expect(Object.entries(r.outputs as object)).toEqual(Object.entries(expected));
      expect(Object.entries((await client.getDistributedExecution(id))!.outputs as object)).toEqual(Object.entries(expected));
      // The same key with another definition is refused (workers would run the stored one); a new description is not a new definition.
      await expect(client.registerWorkflow({ ...ir, outputs: [{ name: 'zeta', type: 'number' }] } as never)).rejects.toMatchObject({ code: 'WORKFLOW_CHANGED', message: expect.stringMatching(/"ordered@1".*bump its "version"/) });
      expect(await client.registerWorkflow({ ...ir, description: 'same steps' } as never)).toBe('ordered@1');
      // Inputs are checked at submission, as startWorkflow checks them: nothing is queued.
      await expect(client.submitDistributedWorkflows('ordered', [{}, { q: 1 }])).rejects.toMatchObject({ code: 'IR_INPUT', message: expect.stringMatching(/unknown input "q"/) });
      expect((await client.getClusterHealth()).queuedExecutions).toBe(0);
    } finally {
      await node.close({ drainMs: 0 });
      await client.close();
    }
  });

  it('an event reaches the waits of running executions on every node, each through its own filter', async () => {
    const { schema, spec } = fresh('event');
    const paid = {
      id: 'paid',
      name: 'paid',
      version: '1',
      inputs: [{ name: 'orderId', type: 'string', required: true }],
      outputs: [{ name: 'amount', type: 'number' }],
      strategy: { op: 'wait', name: 'payment', condition: { type: 'event', event_type: 'order.paid', filter: { orderId: '$.inputs.orderId' } } },
    };
    const client = await DistributedEngine.builder().withStorage(spec).withWorkflow(paid as never).build();
    const nodes = [await DistributedEngine.builder().withStorage(spec).build(), await DistributedEngine.builder().withStorage(spec).build()];
    const pending = async (): Promise<number> => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.itonami_inbox WHERE delivered_at IS NULL`))[0].n);
    const status = async (id: string): Promise<string | undefined> => (await client.getDistributedExecution(id))?.status;
    try {
      // Nothing runs yet: offered to no one.
      expect(await client.sendEventDistributed('order.paid', { orderId: 'A', amount: 1 })).toBe(0);
      const opts = { pollMs: 20, capacity: 2, streamSize: 1 };
      await nodes[0].enableDistributedExecution('e1', new RoundRobinBalancer(), opts);
      await nodes[1].enableDistributedExecution('e2', new RoundRobinBalancer(), opts);
      const orders = ['A', 'B', 'C', 'D'];
      const ids = await client.submitDistributedWorkflows('paid', orders.map((orderId) => ({ orderId })));
      await until('all four running', async () => (await client.getClusterHealth()).activeExecutions === 4, 20_000, 20);
      // Another event type, and a payload no filter matches: offered to all four, taken by none.
      expect(await client.sendEventDistributed('order.shipped', { orderId: 'A' })).toBe(4);
      expect(await client.sendEventDistributed('order.paid', { orderId: 'Z', amount: 0 })).toBe(4);
      expect(await client.sendEventDistributed('order.paid', { orderId: 'A', amount: 10 })).toBe(4);
      const a = await client.waitForDistributedResult(ids[0], { timeout: 20_000 });
      expect(a.status).toBe('completed');
      expect(a.outputs).toEqual({ amount: 10 });
      // Every offer was delivered (or declined) on its owner; the others still wait.
      await until('all offers delivered', async () => (await pending()) === 0, 20_000, 20);
      for (const id of ids.slice(1)) expect(await status(id)).toBe('running');
      // Each node held two (capacity 2), so the three left are on both nodes: the offers crossed nodes.
      const owners = await sql<{ owner: string }>(
        `SELECT DISTINCT s.owner FROM ${schema}.itonami_executions e JOIN ${schema}.itonami_streams s ON s.id = e.stream_id WHERE e.id = ANY($1::text[])`,
        [ids.slice(1)],
      );
      expect(owners.map((o) => o.owner).sort()).toEqual(['e1', 'e2']);
      const amounts: Record<string, number> = { C: 30, B: 20, D: 40 };
      let running = 3;
      for (const o of ['C', 'B', 'D']) {
        expect(await client.sendEventDistributed('order.paid', { orderId: o, amount: amounts[o] })).toBe(running--);
        const r = await client.waitForDistributedResult(ids[orders.indexOf(o)], { timeout: 20_000 });
        expect([r.status, r.outputs]).toEqual(['completed', { amount: amounts[o] }]);
      }
      await expect(client.sendEventDistributed('', {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      // What JSON cannot carry is refused where it is, not converted on the way (NaN to null, a Date to a string).
      await expect(client.sendEventDistributed('order.paid', { orderId: 'A', amount: NaN })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: 'DistributedEngine.sendEventDistributed: payload: property payload.amount is NaN, which is not a JSON number',
      });
      await expect(client.sendEventDistributed('order.paid', { at: new Date(0) } as never)).rejects.toThrow(/payload\.at is an instance of Date/);
      await expect(client.signalDistributed(ids[0], 'go', { xs: [1, undefined] } as never)).rejects.toThrow(/payload\.xs\[1\] is undefined/);
    } finally {
      for (const n of nodes) await n.close({ drainMs: 0 });
      await client.close();
    }
  });

  it('runs 500 workflows on 3 workers; a SIGKILLed worker holding executions is failed over and rejoins with the same id', async () => {
    const { schema, url, spec } = fresh('kill');
    const engine = await DistributedEngine.builder().withStorage(spec).withWorkflow(seq3(20)).build();
    // Capacity 100 a node: the 500 run in waves, so that while some have completed others are held
    // (with every execution claimed at once they all end in one burst, and the moment to kill can be missed).
    const lease = ['--lease-ms', '2500', '--drain-ms', '3000', '--stream-size', '100', '--capacity', '100'];
    const workers = ['w1', 'w2', 'w3'].map((id) => startWorker(url, id, lease));
    try {
      await until('3 workers alive', async () => (await aliveNodes(engine)).length === 3);
      const t0 = Date.now();
      const ids = await engine.submitDistributedWorkflows('sleepy3', Array.from({ length: 500 }, (_, v) => ({ v })));
      const results = Promise.all(ids.map((id) => engine.waitForDistributedResult(id, { timeout: 150_000 })));
      // Kill a worker once it is holding executions and about a fifth of the work is done: the
      // first of w2, w1, w3 that holds some (which nodes claim what is up to their claim loops).
      // (What a node holds is read from its streams, not from its last heartbeat's load, which lags by up to a heartbeat.)
      const heldBy = async (node: string): Promise<number> =>
        Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.itonami_executions e JOIN ${schema}.itonami_streams s ON s.id = e.stream_id WHERE s.owner = $1 AND e.status = 'running'`, [node]))[0].n);
      // Killed the moment its holding is seen (measuring again later could find its executions done).
      let victim = -1;
      let heldByKilled = 0;
      let completedAtKill = 0;
      await until('a busy worker and 100 completed', async () => {
        completedAtKill = (await engine.getClusterHealth()).completedExecutions;
        if (completedAtKill < 100) return false;
        for (const i of [1, 0, 2]) {
          const held = await heldBy(workers[i].nodeId);
          if (held > 0) {
            workers[i].child.kill('SIGKILL');
            victim = i;
            heldByKilled = held;
            return true;
          }
        }
        return false;
      }, 90_000, 20);
      const victimId = workers[victim].nodeId;
      expect(heldByKilled).toBeGreaterThan(0);
      await workers[victim].exited;
      const killedAt = new Date();
      await until(`${victimId} seen dead`, async () => !(await aliveNodes(engine)).includes(victimId), 30_000);
      // Restarted with the same id: it rejoins.
      workers[victim] = startWorker(url, victimId, lease);
      const done = await results;
      const ms = Date.now() - t0;

      expect(done.every((r, i) => r.status === 'completed' && (r.outputs as { v: number }).v === i + 3)).toBe(true);
      const completions = await completionsByExecution(schema);
      const { duplicates, missing } = checkExactlyOnce(completions, ids);
      expect(duplicates).toBe(0);
      expect(missing).toBe(0);
      // The failover really happened: some stream went to a new owner at a higher epoch.
      const epochs = await sql<{ max: number }>(`SELECT max(epoch) AS max FROM ${schema}.itonami_streams`);
      expect(epochs[0].max).toBeGreaterThan(1);
      await until(`${victimId} alive again`, async () => {
        const n = (await engine.getClusterHealth()).nodes.find((x) => x.id === victimId);
        return n !== undefined && n.alive && n.startedAt > killedAt;
      }, 30_000);
      const rules = await ruleCounts(schema);
      console.log(
        `failover: 500 workflows on 3 worker processes; ${victimId} SIGKILLed at ${completedAtKill} completed with ${heldByKilled} executions running on it; ` +
          `all 500 completed in ${ms} ms; duplicate completions ${duplicates}; interrupted attempts re-run ${rules.get('activity.interrupted') ?? 0}; max stream epoch ${epochs[0].max}; ${victimId} rejoined`,
      );
      if (process.env.ITONAMI_TEST_VERBOSE === '1') for (const w of workers) console.log(w.log.join('').split('\n').filter((l) => /took over|dropped|left/.test(l)).map((l) => `${w.nodeId}: ${l}`).join('\n'));
    } finally {
      await stopAll(workers);
      await engine.close();
    }
  }, 180_000);

  it('CLI: itonami cluster submit --wait runs on an itonami worker; cluster health shows the node', async () => {
    const { url } = fresh('cli');
    const worker = startWorker(url, 'cli-1', [], null); // the examples' activities
    try {
      const cli = (args: string[]) => execFileAsync(process.execPath, [join(ROOT, 'bin/itonami.js'), 'cluster', ...args, '--postgres', url, '--json'], { cwd: ROOT });
      const wf = join(ROOT, '../shared/seed-workflows/simple_sequence.kotoba');
      const input = JSON.stringify({ username: 'ann', email: 'ann@example.com', password: 'secret123' });
      const out = await cli(['submit', wf, '--input', input, '--count', '2', '--wait']);
      const results = JSON.parse(out.stdout) as { id: string; status: string; outputs: { userId?: string } }[];
      expect(results.map((r) => r.status)).toEqual(['completed', 'completed']);
      expect(results[0].outputs.userId).toBe('user-ann');
      const events = JSON.parse((await cli(['history', results[0].id])).stdout) as { type: string; executionId: string }[];
      expect(events[0]).toMatchObject({ type: 'WorkflowStarted', executionId: results[0].id });
      expect(events.at(-1)?.type).toBe('WorkflowCompleted');
      expect(events.filter((e) => e.type === 'ActivityCompleted').length).toBeGreaterThan(0);
      await expect(cli(['history', 'no-such-id'])).rejects.toMatchObject({ code: 2 });
      const health = JSON.parse((await cli(['health'])).stdout) as { nodes: { id: string; alive: boolean }[]; completedExecutions: number };
      expect(health.nodes.map((n) => [n.id, n.alive])).toEqual([['cli-1', true]]);
      expect(health.completedExecutions).toBe(2);
    } finally {
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    }
  }, 60_000);

  it('survives a PostgreSQL restart mid-run: workers reconnect and finish', async () => {
    const { schema, url, spec } = fresh('pgrestart');
    const engine = await DistributedEngine.builder().withStorage(spec).withWorkflow(seq3(10)).build();
    const workers = ['r1', 'r2'].map((id) => startWorker(url, id, ['--lease-ms', '3000', '--drain-ms', '3000']));
    // A rare failure must explain itself: the workers' own logs go with it.
    onTestFailed(() => console.log(`PostgreSQL restart test failed; worker logs:\n${workers.map((w) => w.log.join('')).join('\n---\n')}`));
    try {
      await until('2 workers alive', async () => (await aliveNodes(engine)).length === 2);
      const ids = await engine.submitDistributedWorkflows('sleepy3', Array.from({ length: 300 }, (_, v) => ({ v })));
      const results = Promise.all(ids.map((id) => engine.waitForDistributedResult(id, { timeout: 150_000 })));
      await until('50 completed', async () => (await engine.getClusterHealth()).completedExecutions >= 50, 60_000, 20);
      const before = (await engine.getClusterHealth()).completedExecutions;
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', '15', 'main', 'restart'], { stdio: 'ignore' });
      const done = await results;
      // The restart came mid-run (most of the work was still to do).
      expect(before).toBeLessThan(300);
      console.log(`PostgreSQL restarted with ${before} of 300 workflows completed; all 300 completed after it`);
      expect(done.filter((r) => r.status === 'completed').length).toBe(300);
      expect(done.every((r, i) => (r.outputs as { v: number }).v === i + 3)).toBe(true);
      const { duplicates, missing } = checkExactlyOnce(await completionsByExecution(schema), ids);
      expect(duplicates).toBe(0);
      expect(missing).toBe(0);
      if (process.env.ITONAMI_TEST_VERBOSE === '1') console.log(workers.map((w) => w.log.join('')).join('\n---\n'), JSON.stringify(await engine.getClusterHealth()));
      // Both workers are still there after the restart.
      await until('both workers alive after the restart', async () => (await aliveNodes(engine)).length === 2, 30_000);
      expect(workers.every((w) => w.child.exitCode === null)).toBe(true);
    } finally {
      await stopAll(workers);
      await engine.close();
    }
  }, 180_000);
});
