import { stat } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
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

/** A position Jsonnet reported: the file as Jsonnet names it, 1-based line and column. */
interface JsonnetPos {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * Turns a Jsonnet error into an `IrLoadError`, naming the file, line and column
 * of the error: an imported library's own (also in `.file`), with where the file
 * being loaded reached it. Jsonnet reports `STATIC ERROR: f.kotoba:1:12: msg` or
 * `RUNTIME ERROR: msg\n\tf.kotoba:2:6-24\t...` (also `f:(2:6)-(3:1)`), innermost frame first.
 */
function jsonnetError(e: unknown, file: string, entry: string): IrLoadError {
  const raw = e instanceof Error ? e.message : String(e);
  const lines = raw.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const first = lines[0] ?? raw;
  const isTop = (f: string): boolean => f === file || resolve(f) === resolve(file);
  let at: JsonnetPos | undefined;
  let from: JsonnetPos | undefined;
  let reason = first;
  const staticErr = /^STATIC ERROR: (.*?):\(?(\d+):(\d+)(?:\)?-\S*)?: (.*)$/.exec(first);
  if (staticErr) {
    at = { file: staticErr[1], line: Number(staticErr[2]), column: Number(staticErr[3]) };
    reason = `syntax error: ${staticErr[4]}`;
  } else {
    const m = /^RUNTIME ERROR: (.*)$/.exec(first);
    if (m) reason = `evaluation error: ${m[1]}`;
    for (const l of lines.slice(1)) {
      const pos = /^(.*?):\(?(\d+):(\d+)/.exec(l);
      // Frames inside the standard library say nothing about the user's files.
      if (!pos || STD_FILES.has(pos[1])) continue;
      const p = { file: pos[1], line: Number(pos[2]), column: Number(pos[3]) };
      if (at === undefined) at = p;
      else if (isTop(p.file)) {
        from = p;
        break;
      }
      if (isTop(at.file)) break;
    }
  }
  if (at === undefined) return new IrLoadError('IR_JSONNET', `${entry}: ${displayName(file)}: ${reason}`, file, undefined, undefined, { cause: e });
  if (isTop(at.file)) return new IrLoadError('IR_JSONNET', `${entry}: ${displayName(file)}:${at.line}:${at.column}: ${reason}`, file, at.line, at.column, { cause: e });
  // The error is in an imported file: name it (relative to the file being loaded) and say how it was reached.
  const lib = relative(dirname(resolve(file)), resolve(at.file));
  const via = from === undefined ? `while loading ${displayName(file)}` : `reached from ${displayName(file)}:${from.line}:${from.column}`;
  return new IrLoadError('IR_JSONNET', `${entry}: ${lib}:${at.line}:${at.column}: ${reason} (${via})`, at.file, at.line, at.column, { cause: e });
}

/** How Jsonnet names its standard library in stack frames. */
const STD_FILES: ReadonlySet<string> = new Set(['std.jsonnet', '<std>']);

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
