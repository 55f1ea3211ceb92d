// The pure parts of the command: rendering and error mapping (no process spawned).
import { describe, expect, it } from 'vitest';
import { CliError, describeError } from '../../src/cli/errors.ts';
import { ExitCode } from '../../src/cli/exit-codes.ts';
import { formatElapsed, render, toJson } from '../../src/cli/format.ts';
import { ItonamiError } from '../../src/graph/index.ts';

describe('render', () => {
  const columns = ['a', 'b'];
  const rows = [['x', 1], [null, { k: [1, 2] }], ['say "hi", ok', 2n]];
  it('table', () => {
    expect(render('table', columns, rows)).toBe('a             b\n------------  -----------\nx             1\nnull          {"k":[1,2]}\nsay "hi", ok  2\n');
  });
  it('csv quotes what needs it', () => {
    expect(render('csv', columns, rows)).toBe('a,b\nx,1\nnull,"{""k"":[1,2]}"\n"say ""hi"", ok",2\n');
  });
  it('json keys rows by column; bigints become numbers', () => {
    expect(JSON.parse(render('json', columns, rows))).toEqual([{ a: 'x', b: 1 }, { a: null, b: { k: [1, 2] } }, { a: 'say "hi", ok', b: 2 }]);
  });
  it('sorted keys for canonical comparison', () => {
    expect(toJson({ b: 1, a: { d: 1, c: 2 } }, undefined, true)).toBe('{"a":{"c":2,"d":1},"b":1}');
  });
  it('elapsed times', () => {
    expect([850, 12_345, 125_000, 7_500_000].map(formatElapsed)).toEqual(['850ms', '12.3s', '2m 05s', '2h 05m']);
  });
});

describe('describeError', () => {
  it('maps codes to exit codes and drops API entry points', () => {
    expect(describeError(new ItonamiError('IR_NOT_FOUND', 'loadWorkflowFile: x.kotoba: no such file'))).toEqual({ message: 'x.kotoba: no such file', exit: ExitCode.USAGE, unexpected: false });
    expect(describeError(new ItonamiError('GQL_TX', 'GQL: AT TX 9: no such TxId (head is 8)')).message).toBe('AT TX 9: no such TxId (head is 8)');
    expect(describeError(new ItonamiError('DETERMINISM', 'replayLog: tx 6: root CID a differs from the recorded b'))).toEqual({ message: 'determinism mismatch: tx 6: root CID a differs from the recorded b', exit: ExitCode.DETERMINISM, unexpected: false });
    expect(describeError(new ItonamiError('WAIT_TIMEOUT', 'WorkflowEngine.waitForCompletion: "e" did not end')).exit).toBe(ExitCode.STILL_RUNNING);
    expect(describeError(new CliError('UNKNOWN_ACTIVITY', 'w.kotoba: strategy.activity_ref: no activity "x"')).exit).toBe(ExitCode.USAGE);
    // A damaged file or one that is not a store: the store cannot serve the command.
    expect(describeError(new ItonamiError('CORRUPT_BLOCK', 'Store.open: bad block'))).toEqual({ message: 'bad block', exit: ExitCode.USAGE, unexpected: false });
    expect(describeError(new ItonamiError('WORKFLOW_CHANGED', 'WorkflowEngine.registerWorkflow: workflow "w@1" is already in the store with a different definition')).exit).toBe(ExitCode.USAGE);
    expect(describeError(new ItonamiError('INVALID_RETRY_POLICY', 'WorkflowEngine.registerWorkflow: w@1: step x: maximum_interval below initial_interval')).exit).toBe(ExitCode.USAGE);
    expect(describeError(new TypeError('x is undefined')).exit).toBe(ExitCode.INTERNAL);
  });
});
