// Bad input: a non-zero exit and one clear sentence on stderr that names the place; no stack unless --debug.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { itonami, oneLine, SEEDS, tempDir, USER, write } from './_helpers.ts';

const VALID_HEAD = `{ workflow: { id: "w", name: "W", version: "1", inputs: [], outputs: [],`;

describe('itonami on bad input', { timeout: 180_000 }, () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir();
    write(dir, 'syntax.kotoba', '{\n  workflow: {\n    id: "x",\n    name: \n');
    write(dir, 'invalid.kotoba', `${VALID_HEAD} strategy: { op: "seq", strategies: [ { op: "teleport" } ] } } }`);
    write(dir, 'unknown-activity.kotoba', `${VALID_HEAD} strategy: { op: "seq", strategies: [ { op: "activity", activity_ref: "validate_order" }, { op: "activity", activity_ref: "launch_rocket" } ] } } }`);
    const r = itonami(['run', `${SEEDS}/simple_sequence.kotoba`, '-i', JSON.stringify(USER), '--store', 'errors.db'], dir);
    expect(r.code).toBe(0);
  }, 120_000);

  it('a missing file', () => {
    const r = itonami(['run', 'missing.kotoba'], dir);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe('itonami: missing.kotoba: no such file');
  });

  it('a Jsonnet syntax error names the file, line and column', () => {
    const r = itonami(['run', 'syntax.kotoba'], dir);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^itonami: syntax\.kotoba:5:1: syntax error: /);
  });

  it('invalid IR names the path in the document', () => {
    const r = itonami(['run', 'invalid.kotoba'], dir);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^itonami: invalid\.kotoba: strategy\.strategies\[0\]\.op: .*teleport/);
  });

  it('an unknown activity names the path and the activity, before anything runs', () => {
    const r = itonami(['run', 'unknown-activity.kotoba', '--store', 'unknown.db'], dir);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe('itonami: unknown-activity.kotoba: strategy.strategies[1].activity_ref: no activity "launch_rocket" is registered in examples/activities; pass --activities <module>');
  });

  it('invalid GQL names the line and column', () => {
    const r = itonami(['query', 'MATCH (n RETURN n', '--store', 'errors.db'], dir);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("itonami: GQL syntax error at line 1, column 10: expected ')' but found 'RETURN'");
    const run = itonami(['run', `${SEEDS}/simple_sequence.kotoba`, '-i', JSON.stringify(USER), '--store', 'memory', '-q', 'MATCH (n)\nRETURN n LIMIT'], dir);
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toMatch(/^itonami: GQL syntax error at line 2, column 15: /);
    expect(run.stdout).toBe(''); // the bad query is caught before the workflow runs
  });

  it('an unknown execution id', () => {
    for (const cmd of ['history', 'replay', 'status']) {
      const r = itonami([cmd, 'no-such-execution', '--store', 'errors.db'], dir);
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toBe('itonami: no execution "no-such-execution" in the store (itonami status lists them)');
    }
  });

  it('a store that cannot serve the command', () => {
    const mem = itonami(['history', 'x', '--store', 'memory'], dir);
    expect(mem.code).toBe(2);
    expect(oneLine(mem.stderr)).toMatch(/^itonami history: the memory store keeps nothing between commands/);
    const none = itonami(['query', 'MATCH (n) RETURN n', '--store', 'nowhere.db'], dir);
    expect(none.code).toBe(2);
    expect(oneLine(none.stderr)).toBe('itonami query: no store at nowhere.db ("itonami run --store nowhere.db <file.kotoba>" creates one)');
    // A file that is not a store is the user's input, not an internal error.
    write(dir, 'garbage.db', 'this is not a database, it is a text file of some length\n'.repeat(100));
    const garbage = itonami(['status', '--store', 'garbage.db'], dir);
    expect(garbage.code).toBe(2);
    expect(oneLine(garbage.stderr)).not.toMatch(/internal error/);
    expect(oneLine(garbage.stderr)).toMatch(/garbage\.db/);
    // An empty file is no store, and a read leaves it empty; a directory is no store file.
    write(dir, 'empty.db', '');
    const empty = itonami(['status', '--store', 'empty.db'], dir);
    expect(empty.code).toBe(2);
    expect(oneLine(empty.stderr)).toBe('itonami status: no store at empty.db (an empty file) ("itonami run --store empty.db <file.kotoba>" creates one)');
    expect(statSync(join(dir, 'empty.db')).size).toBe(0);
    mkdirSync(join(dir, 'a-dir'), { recursive: true });
    for (const args of [['status'], ['run', `${SEEDS}/simple_sequence.kotoba`, '-i', JSON.stringify(USER)]]) {
      const d = itonami([...args, '--store', 'a-dir'], dir);
      expect(d.code).toBe(2);
      expect(oneLine(d.stderr)).toBe('itonami: --store a-dir: a directory, not a store file');
    }
  });

  it('bad options and inputs', () => {
    const json = itonami(['run', `${SEEDS}/simple_sequence.kotoba`, '-i', '{"username":'], dir);
    expect(json.code).toBe(2);
    expect(oneLine(json.stderr)).toMatch(/^itonami: --input: not valid JSON/);
    const inputs = itonami(['run', `${SEEDS}/simple_sequence.kotoba`, '-i', '{"username":"ada"}', '--store', 'not-made.db'], dir);
    expect(inputs.code).toBe(2);
    expect(oneLine(inputs.stderr)).toMatch(/email/);
    // Refused before the store is made.
    expect(existsSync(join(dir, 'not-made.db'))).toBe(false);
    const tx = itonami(['query', 'MATCH (n) RETURN n', '--at-tx', 'yesterday', '--store', 'errors.db'], dir);
    expect(tx.code).toBe(2);
    expect(oneLine(tx.stderr)).toBe('itonami: --at-tx "yesterday": expected a TxId (a non-negative integer)');
    const unknown = itonami(['run', '--frobnicate'], dir);
    expect(unknown.code).toBe(2);
    expect(oneLine(unknown.stderr)).toBe("itonami: unknown option '--frobnicate'");
    const future = itonami(['query', 'MATCH (n) RETURN n', '--at-tx', '999', '--store', 'errors.db'], dir);
    expect(future.code).toBe(2);
    expect(oneLine(future.stderr)).toMatch(/^itonami: --at-tx 999: no such TxId \(the store's head is \d+\)$/);
    const twice = itonami(['query', 'AT TX 1 MATCH (n) RETURN count(*) AS c', '--at-tx', '2', '--store', 'errors.db'], dir);
    expect(twice.code).toBe(2);
    expect(oneLine(twice.stderr)).toBe("itonami: --at-tx 2 and the query's own AT TX disagree: give the TxId once");
    const same = itonami(['query', 'AT TX 1 MATCH (n) RETURN count(*) AS c', '--at-tx', '1', '--store', 'errors.db', '--format', 'json'], dir);
    expect(same.code).toBe(0);
    for (const update of ['CREATE (:A)', 'MATCH (n) SET n.x = 1 RETURN n', 'MATCH (n) DETACH DELETE n']) {
      const w = itonami(['query', update, '--store', 'errors.db'], dir);
      expect(w.code).toBe(2);
      expect(oneLine(w.stderr)).toBe('itonami: the query updates the graph (CREATE, SET, REMOVE, DELETE or MERGE): itonami query only reads, it never writes through GQL');
    }
    // `run --query` is held to the same rules, before the run writes anything.
    const runTwice = itonami(['run', `${SEEDS}/simple_sequence.kotoba`, '-i', JSON.stringify(USER), '--store', 'never-made.db', '--at-tx', '2', '-q', 'AT TX 5 MATCH (n) RETURN count(*) AS c'], dir);
    expect(runTwice.code).toBe(2);
    expect(oneLine(runTwice.stderr)).toBe("itonami: --at-tx 2 and the query's own AT TX disagree: give the TxId once");
    const runUpdate = itonami(['run', `${SEEDS}/simple_sequence.kotoba`, '-i', JSON.stringify(USER), '--store', 'never-made.db', '-q', 'CREATE (n:Foo) RETURN n'], dir);
    expect(runUpdate.code).toBe(2);
    expect(oneLine(runUpdate.stderr)).toBe('itonami: the query updates the graph (CREATE, SET, REMOVE, DELETE or MERGE): itonami run only reads, it never writes through GQL');
    expect(existsSync(join(dir, 'never-made.db'))).toBe(false);
    // A syntax error in an activities module names its place.
    write(dir, 'broken-acts.mts', 'export default {\n');
    const acts = itonami(['run', `${SEEDS}/simple_sequence.kotoba`, '--activities', './broken-acts.mts', '-i', JSON.stringify(USER), '--store', 'memory'], dir);
    expect(acts.code).toBe(2);
    expect(oneLine(acts.stderr)).toMatch(/^itonami: --activities \.\/broken-acts\.mts: the module failed to load: Transform failed with 1 error: \S*broken-acts\.m?ts:2:0: ERROR: /);
    const extVar = itonami(['run', `${SEEDS}/simple_sequence.kotoba`, '--ext-var', 'wid', '-i', JSON.stringify(USER), '--store', 'memory'], dir);
    expect(extVar.code).toBe(2);
    expect(oneLine(extVar.stderr)).toBe('itonami: --ext-var "wid": expected name=value (an empty value is name=)');
  });

  it('a workflow changed under the same version names the file', () => {
    const f1 = write(dir, 'w-v1.kotoba', `${VALID_HEAD} strategy: { op: "wait", condition: { type: "timer", duration: "PT1S" } } } }`);
    const f2 = write(dir, 'w-v1-edited.kotoba', `${VALID_HEAD} strategy: { op: "wait", condition: { type: "timer", duration: "PT2S" } } } }`);
    expect(itonami(['run', f1, '--store', 'changed.db', '--virtual-clock'], dir).code).toBe(0);
    const r = itonami(['run', f2, '--store', 'changed.db', '--virtual-clock'], dir);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^itonami: \S*w-v1-edited\.kotoba: workflow "w@1" is already in the store with a different definition/);
  });

  it('worker without a database names the missing option', () => {
    const r = itonami(['worker'], dir, { ITONAMI_POSTGRES: '' });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe('itonami worker: --postgres <url> is required (or set ITONAMI_POSTGRES)');
    for (const cmd of [['worker'], ['cluster', 'health']]) {
      const bad = itonami([...cmd, '--postgres', 'notaurl'], dir, { ITONAMI_POSTGRES: '' });
      expect(bad.code).toBe(2);
      expect(oneLine(bad.stderr)).toBe('itonami: --postgres "notaurl": expected a URL such as postgres://user:pass@host/db');
    }
  });

  it('worker refuses a retention that is not an integer >= 0, naming the option', () => {
    const r = itonami(['worker', '--postgres', 'postgres://nobody@127.0.0.1:1/none', '--retain-done-ms', '-5'], dir);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/--retain-done-ms "-5": expected an integer >= 0/);
  });

  it('--debug adds the stack', () => {
    const r = itonami(['run', 'syntax.kotoba', '--debug'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^itonami: syntax\.kotoba:5:1: /);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});
