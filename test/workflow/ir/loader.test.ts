import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IrLoadError, IrValidationError } from '../../../src/workflow/ir/errors.ts';
import { loadWorkflowFile, loadWorkflowSource } from '../../../src/workflow/ir/loader.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'itonami-ir-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

async function loadError(p: Promise<unknown>): Promise<IrLoadError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(IrLoadError);
    return e as IrLoadError;
  }
  throw new Error('expected a load error');
}

const WF = `
local step(ref) = { op: "activity", activity_ref: ref };
{
  workflow: {
    id: "param_" + std.extVar("env"),
    name: "Param",
    version: std.toString(std.extVar("major")) + ".0",
    inputs: [{ name: "x", type: "number", required: true }],
    strategy: { op: "seq", strategies: [step("a"), step("b")] },
    timeout: std.extVar("timeout"),
  },
}
`;

describe('loadWorkflowFile / loadWorkflowSource', () => {
  it('binds ext vars (strings as strings, other JSON as code)', async () => {
    const p = await write('param.kotoba', WF);
    const ir = await loadWorkflowFile(p, { extVars: { env: 'prod', major: 2, timeout: 'PT1H' } });
    expect(ir.id).toBe('param_prod');
    expect(ir.version).toBe('2.0');
    expect(ir.timeout).toBe('PT1H');
    expect(ir.strategy.op === 'seq' && ir.strategy.strategies.length).toBe(2);
  });

  it('binds extCode and validates what results', async () => {
    const p = await write('param2.kotoba', WF);
    const e = await loadWorkflowFile(p, { extVars: { env: 'dev', major: 1 }, extCode: { timeout: '"PT"' } }).catch((x) => x);
    expect(e).toBeInstanceOf(IrValidationError);
    expect(e.message).toBe('param2.kotoba: timeout: invalid duration "PT": has "T" but no hours, minutes or seconds after it');
  });

  it('binds top-level arguments', async () => {
    const p = await write(
      'tla.kotoba',
      `function(env, replicas=1) { workflow: { id: "w_" + env, name: "n", version: "1",
         strategy: { op: "parallel", completion_condition: "at_least", count: replicas,
                     branches: [{ op: "activity", activity_ref: "a" }, { op: "activity", activity_ref: "b" }] } } }`,
    );
    const ir = await loadWorkflowFile(p, { tlaVars: { env: 'staging', replicas: 2 } });
    expect(ir.id).toBe('w_staging');
    expect(ir.strategy).toMatchObject({ op: 'parallel', count: 2 });
    const ir2 = await loadWorkflowFile(p, { tlaVars: { env: 'x' }, tlaCode: { replicas: '1 + 0' } });
    expect(ir2.strategy).toMatchObject({ count: 1 });
    const e = await loadWorkflowFile(p, { tlaVars: { env: 'x', replicas: 3 } }).catch((x) => x);
    expect(e).toBeInstanceOf(IrValidationError);
    expect(e.issues[0].path).toBe('strategy.count');
  });

  it('a syntax error names file, line and column', async () => {
    const p = await write('broken.kotoba', '{\n  workflow: {\n    id: "x",\n    name: ,\n  },\n}\n');
    const e = await loadError(loadWorkflowFile(p));
    expect(e.code).toBe('IR_JSONNET');
    expect(e.line).toBe(4);
    expect(e.column).toBe(11);
    expect(e.message).toMatch(/^loadWorkflowFile: broken\.kotoba:4:11: syntax error: /);
  });

  it('a runtime error names file, line and column', async () => {
    const e = await loadError(
      loadWorkflowSource('{\n  workflow: {\n    id: std.extVar("missing"),\n  },\n}', { filename: 'snippet.kotoba' }),
    );
    expect(e.code).toBe('IR_JSONNET');
    expect([e.line, e.column]).toEqual([3, 9]);
    expect(e.message).toBe('loadWorkflowSource: snippet.kotoba:3:9: evaluation error: undefined external variable: missing');
  });

  it('an error() in Jsonnet is reported, not thrown raw', async () => {
    const e = await loadError(loadWorkflowSource('{ workflow: error "no workflow for you" }', { filename: 'e.kotoba' }));
    expect(e.message).toContain('e.kotoba:1:13: evaluation error: no workflow for you');
  });

  it('an error inside an imported library names the library, its line and column, and where the file reached it', async () => {
    await mkdir(join(dir, 'libs'), { recursive: true });
    const lib = await write('libs/boom.libsonnet', '{\n  f(x):: error "boom " + x,\n  n(s):: std.parseInt(s),\n}\n');
    const p = await write('uses-boom.kotoba', 'local b = import "libs/boom.libsonnet";\n{ workflow: { id: b.f("q"), name: "x", version: "1", strategy: { op: "activity", activity_ref: "a" } } }\n');
    const e = await loadError(loadWorkflowFile(p));
    expect(e.code).toBe('IR_JSONNET');
    expect([e.file, e.line, e.column]).toEqual([lib, 2, 10]);
    expect(e.message).toBe('loadWorkflowFile: libs/boom.libsonnet:2:10: evaluation error: boom q (reached from uses-boom.kotoba:2:19)');
    // An error in the standard library is placed at the user's code that called it.
    const p2 = await write('uses-std.kotoba', 'local b = import "libs/boom.libsonnet";\n{ workflow: { id: "x" + b.n("zz"), name: "x", version: "1", strategy: { op: "activity", activity_ref: "a" } } }\n');
    const e2 = await loadError(loadWorkflowFile(p2));
    expect([e2.file, e2.line, e2.column]).toEqual([lib, 3, 10]);
    expect(e2.message).toMatch(/^loadWorkflowFile: libs\/boom\.libsonnet:3:10: evaluation error: zz is not a base 10 integer.* \(reached from uses-std\.kotoba:2:25\)$/);
  });

  it('a syntax error inside an imported library names the library', async () => {
    const lib = await write('broken.libsonnet', '{\n  x: 1,,\n}\n');
    const p = await write('uses-broken.kotoba', 'local b = import "broken.libsonnet";\n{ workflow: b }\n');
    const e = await loadError(loadWorkflowFile(p));
    expect([e.file, e.line, e.column]).toEqual([lib, 2, 8]);
    expect(e.message).toMatch(/^loadWorkflowFile: broken\.libsonnet:2:8: syntax error: .* \(while loading uses-broken\.kotoba\)$/);
  });

  it('a missing file is IR_NOT_FOUND', async () => {
    const e = await loadError(loadWorkflowFile(join(dir, 'nope.kotoba')));
    expect(e.code).toBe('IR_NOT_FOUND');
    expect(e.message).toContain('nope.kotoba: no such file');
    expect((await loadError(loadWorkflowFile(dir))).code).toBe('IR_NOT_FOUND');
  });

  it('a missing import is IR_JSONNET', async () => {
    const p = await write('imp.kotoba', 'local lib = import "lib.libsonnet";\n{ workflow: lib }');
    const e = await loadError(loadWorkflowFile(p));
    expect(e.code).toBe('IR_JSONNET');
    expect(e.line).toBe(1);
  });

  it('relative imports resolve next to the file', async () => {
    await write('steps.libsonnet', '{ act(ref):: { op: "activity", activity_ref: ref } }');
    const p = await write('uses-lib.kotoba', 'local s = import "steps.libsonnet";\n{ workflow: { id: "l", name: "l", version: "1", strategy: s.act("go") } }');
    const ir = await loadWorkflowFile(p);
    expect(ir.strategy).toEqual({ op: 'activity', activity_ref: 'go' });
  });

  it('validation errors from source name the filename', async () => {
    const e = await loadWorkflowSource('{ workflow: { id: "x", name: "x", version: "1", strategy: { op: "sequence" } } }', {
      filename: '/some/dir/order.kotoba',
    }).catch((x) => x);
    expect(e).toBeInstanceOf(IrValidationError);
    expect(e.message).toMatch(/^order\.kotoba: strategy\.op: unknown op "sequence"/);
  });

  it('a document that is not { workflow } is invalid', async () => {
    const e = await loadWorkflowSource('[1, 2]', { filename: 'arr.kotoba' }).catch((x) => x);
    expect(e).toBeInstanceOf(IrValidationError);
    expect(e.message).toContain('arr.kotoba');
  });
});
