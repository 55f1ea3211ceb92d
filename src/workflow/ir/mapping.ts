import { ExpressionSyntaxError, MappingError } from './errors.ts';
import type { ExprNode, PathNode, PathRoot } from './_internals/expr-ast.ts';
import { parsePathText } from './_internals/expr-parser.ts';
import { evaluateAst, lookupPath, type ExecutionData } from './expression.ts';
import type { Mapping } from './types.ts';

/** How one mapping value is read. */
export type MappingValue =
  | { readonly kind: 'path'; readonly path: PathNode; readonly optional: boolean; readonly text: string }
  | { readonly kind: 'literal'; readonly value: unknown };

export interface MappingValueOptions {
  /** Roots allowed after `$.`; input mappings allow inputs/steps/vars, output mappings add `output`. */
  readonly roots?: readonly PathRoot[];
}

/**
 * Classifies a mapping value. A string starting with `$.` is a path (`$.inputs.x`,
 * `$.steps.s.output.y[0]`, `$.vars.z`; a trailing `?` makes it optional). A string
 * starting with `$$` is a literal with one `$` removed (the escape for literal `$.` text).
 * Everything else, including strings like `"true"`, `"now"` and nested objects/arrays,
 * is a literal kept exactly as written. Throws `ExpressionSyntaxError` for a bad path.
 */
export function parseMappingValue(value: unknown, options: MappingValueOptions = {}): MappingValue {
  if (typeof value === 'string') {
    if (value.startsWith('$$')) return { kind: 'literal', value: value.slice(1) };
    if (value.startsWith('$.')) {
      const { path, optional } = parsePathText(value, options.roots ? { roots: options.roots } : {});
      return { kind: 'path', path, optional, text: value };
    }
  }
  return { kind: 'literal', value };
}

const INPUT_ROOTS: readonly PathRoot[] = ['inputs', 'steps', 'vars'];
const OUTPUT_ROOTS: readonly PathRoot[] = ['inputs', 'steps', 'vars', 'output'];

/**
 * Parsed path values, per root set. Mappings are read from Step nodes at every
 * application, and the texts are the registered workflows' own, so a path is
 * parsed once, not per activity attempt. Bounded all the same: cleared when full.
 */
const PARSED = new Map<readonly PathRoot[], Map<string, MappingValue>>([
  [INPUT_ROOTS, new Map()],
  [OUTPUT_ROOTS, new Map()],
]);
const PARSED_MAX = 10_000;

function parsedPath(raw: string, roots: readonly PathRoot[]): MappingValue {
  const cache = PARSED.get(roots)!;
  let mv = cache.get(raw);
  if (mv === undefined) {
    mv = parseMappingValue(raw, { roots });
    if (cache.size >= PARSED_MAX) cache.clear();
    cache.set(raw, mv);
  }
  return mv;
}

function resolveOne(key: string, raw: unknown, data: Record<string, unknown>, roots: readonly PathRoot[], what: string): unknown {
  let mv: MappingValue;
  try {
    mv = typeof raw === 'string' && raw.startsWith('$.') ? parsedPath(raw, roots) : parseMappingValue(raw, { roots });
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) {
      throw new MappingError(`${what}: key "${key}": bad path ${JSON.stringify(raw)}: column ${e.column}: ${e.reason}`, key);
    }
    throw e;
  }
  if (mv.kind === 'literal') return mv.value;
  const evalIndex = (n: ExprNode): unknown => evaluateAst(n, data, mv.text);
  const root = data[mv.path.root];
  const r = root === undefined ? ({ found: false } as const) : lookupPath(mv.path, root, evalIndex);
  if (r.found) return r.value;
  if (mv.optional) return undefined;
  throw new MappingError(
    `${what}: key "${key}": ${mv.text} does not exist in the execution data (append "?" to make the path optional)`,
    key,
  );
}

/**
 * Resolves a mapping against execution data. Path values are looked up (a missing
 * required path throws `MappingError` naming the key; a missing optional `$.x?` path
 * leaves the key out); literals are copied as they are. `undefined` mapping → `{}`.
 */
export function resolveMapping(mapping: Mapping | Record<string, unknown> | undefined, data: ExecutionData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (mapping === undefined) return out;
  const d = data as Record<string, unknown>;
  for (const [key, raw] of Object.entries(mapping)) {
    const v = resolveOne(key, raw, d, INPUT_ROOTS, 'resolveMapping');
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * Applies an activity's `output_mapping`: each key is a variable name, each value a path
 * into `{...data, output}` (`$.output.total`, `$.output` for the whole result) or a
 * literal. Returns the variable assignments; the engine writes them to `$.vars`.
 * Without a mapping nothing is assigned (the result is still at `$.steps.<name>.output`).
 */
export function applyOutputMapping(
  mapping: Mapping | Record<string, unknown> | undefined,
  output: unknown,
  data: ExecutionData = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (mapping === undefined) return out;
  const d = { ...(data as Record<string, unknown>), output };
  for (const [key, raw] of Object.entries(mapping)) {
    const v = resolveOne(key, raw, d, OUTPUT_ROOTS, 'applyOutputMapping');
    if (v !== undefined) out[key] = v;
  }
  return out;
}
