import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { IrLoadError } from './errors.ts';
import { validateWorkflowDocument } from './schema.ts';
import type { JsonValue, WorkflowIR } from './types.ts';
import { newJsonnet, type JsonnetVm } from './_internals/jsonnet.ts';

export interface LoadOptions {
  /**
   * External variables (`std.extVar(name)`). A string is bound as a string; any other
   * JSON value is bound as code (`JSON.stringify(value)`), so numbers, booleans and
   * objects arrive with their types.
   */
  readonly extVars?: Readonly<Record<string, JsonValue>>;
  /** External variables bound to raw Jsonnet code. */
  readonly extCode?: Readonly<Record<string, string>>;
  /** Top-level arguments, for a file that evaluates to a function; same typing as `extVars`. */
  readonly tlaVars?: Readonly<Record<string, JsonValue>>;
  /** Top-level arguments bound to raw Jsonnet code. */
  readonly tlaCode?: Readonly<Record<string, string>>;
  /** Extra library search paths for `import`. */
  readonly jpath?: readonly string[];
}

export interface LoadSourceOptions extends LoadOptions {
  /** Used for Jsonnet error positions, relative imports and error messages. */
  readonly filename: string;
}

function makeJsonnet(options: LoadOptions): JsonnetVm {
  const j = newJsonnet();
  for (const [k, v] of Object.entries(options.extVars ?? {})) {
    if (typeof v === 'string') j.extString(k, v);
    else j.extCode(k, JSON.stringify(v));
  }
  for (const [k, v] of Object.entries(options.extCode ?? {})) j.extCode(k, v);
  for (const [k, v] of Object.entries(options.tlaVars ?? {})) {
    if (typeof v === 'string') j.tlaString(k, v);
    else j.tlaCode(k, JSON.stringify(v));
  }
  for (const [k, v] of Object.entries(options.tlaCode ?? {})) j.tlaCode(k, v);
  for (const p of options.jpath ?? []) j.addJpath(p);
  return j;
}

/** Short name for messages: the base name keeps messages readable (`order.kotoba: ...`). */
function displayName(file: string): string {
  return basename(file);
}

/**
 * Turns a Jsonnet error into an `IrLoadError`, naming the file, line and column.
 * Jsonnet reports `STATIC ERROR: f.kotoba:1:12: msg` or
 * `RUNTIME ERROR: msg\n\tf.kotoba:2:6-24\t...` (also `f:(2:6)-(3:1)`).
 */
function jsonnetError(e: unknown, file: string, entry: string): IrLoadError {
  const raw = e instanceof Error ? e.message : String(e);
  const name = displayName(file);
  const lines = raw.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const first = lines[0] ?? raw;
  let line: number | undefined;
  let column: number | undefined;
  let reason = first;
  const staticErr = /^STATIC ERROR: (.*?):\(?(\d+):(\d+)(?:\)?-\S*)?: (.*)$/.exec(first);
  if (staticErr) {
    line = Number(staticErr[2]);
    column = Number(staticErr[3]);
    reason = `syntax error: ${staticErr[4]}`;
  } else {
    const m = /^RUNTIME ERROR: (.*)$/.exec(first);
    if (m) reason = `evaluation error: ${m[1]}`;
    // the first stack frame that names a position
    for (const l of lines.slice(1)) {
      const pos = /^(.*?):\(?(\d+):(\d+)/.exec(l);
      if (pos) {
        line = Number(pos[2]);
        column = Number(pos[3]);
        break;
      }
    }
  }
  const where = line !== undefined ? `${name}:${line}:${column}` : name;
  return new IrLoadError('IR_JSONNET', `${entry}: ${where}: ${reason}`, file, line, column, { cause: e });
}

async function evaluate(run: () => Promise<string>, file: string, entry: string): Promise<unknown> {
  let json: string;
  try {
    json = await run();
  } catch (e) {
    throw jsonnetError(e, file, entry);
  }
  try {
    return JSON.parse(json);
  } catch (e) {
    throw new IrLoadError('IR_JSONNET', `${entry}: ${displayName(file)}: Jsonnet produced invalid JSON`, file, undefined, undefined, { cause: e });
  }
}

/**
 * Evaluates a `.kotoba` file (Jsonnet) and returns its validated, normalized IR.
 * Errors: `IrLoadError` `IR_NOT_FOUND` (no such file), `IR_JSONNET` (syntax or
 * evaluation error, with line and column); `IrValidationError` `IR_INVALID`.
 */
export async function loadWorkflowFile(path: string, options: LoadOptions = {}): Promise<WorkflowIR> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a file');
  } catch (e) {
    throw new IrLoadError('IR_NOT_FOUND', `loadWorkflowFile: ${path}: no such file`, path, undefined, undefined, { cause: e });
  }
  const doc = await evaluate(() => makeJsonnet(options).evaluateFile(path), path, 'loadWorkflowFile');
  return validateWorkflowDocument(doc, { filename: displayName(path) });
}

/** Like `loadWorkflowFile` for Jsonnet source held in memory. */
export async function loadWorkflowSource(text: string, options: LoadSourceOptions): Promise<WorkflowIR> {
  const { filename } = options;
  const doc = await evaluate(() => makeJsonnet(options).evaluateSnippet(text, filename), filename, 'loadWorkflowSource');
  return validateWorkflowDocument(doc, { filename: displayName(filename) });
}
