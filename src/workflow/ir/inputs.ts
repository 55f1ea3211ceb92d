import { InputValidationError } from './errors.ts';
import type { IOSpec, IOType } from './types.ts';

export interface InputsOptions {
  /** Accept (and keep) values that no spec declares. Default `false`: they are an error, so typos surface. */
  readonly allowUnknown?: boolean;
  /** Named in error messages, e.g. the workflow id. */
  readonly workflowId?: string;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Whether a value has a declared input/output type (`any`: anything but undefined). */
export function matchesIoType(type: IOType, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'any':
      return v !== undefined;
  }
}

function check(
  entry: string,
  kind: 'input' | 'output',
  specs: readonly IOSpec[],
  values: unknown,
  options: InputsOptions,
): Record<string, unknown> {
  const who = options.workflowId !== undefined ? `workflow "${options.workflowId}": ` : '';
  if (values === undefined) values = {};
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    throw new InputValidationError(`${entry}: ${who}${kind}s must be an object, got ${typeName(values)}`, []);
  }
  const given = values as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const problems: { name: string; text: string }[] = [];
  for (const spec of specs) {
    const has = Object.hasOwn(given, spec.name) && given[spec.name] !== undefined;
    if (!has) {
      if (spec.default !== undefined) out[spec.name] = structuredClone(spec.default);
      else if (spec.required) problems.push({ name: spec.name, text: `missing required ${kind} "${spec.name}" (${spec.type})` });
      continue;
    }
    const v = given[spec.name];
    if (v === null) {
      // null is "no value": accepted for optional values, kept as null
      if (spec.required && spec.type !== 'any') problems.push({ name: spec.name, text: `required ${kind} "${spec.name}" is null` });
      else out[spec.name] = null;
      continue;
    }
    if (!matchesIoType(spec.type, v)) {
      // Infinity and NaN are numbers to typeof: name the value, not its type.
      const text = typeof v === 'number' ? `must be a finite number, got ${String(v)}` : `must be ${spec.type === 'array' || spec.type === 'object' ? 'an' : 'a'} ${spec.type}, got ${typeName(v)}`;
      problems.push({ name: spec.name, text: `${kind} "${spec.name}" ${text}` });
      continue;
    }
    out[spec.name] = v;
  }
  const declared = new Set(specs.map((s) => s.name));
  for (const k of Object.keys(given)) {
    if (declared.has(k)) continue;
    if (options.allowUnknown) out[k] = given[k];
    else problems.push({ name: k, text: `unknown ${kind} "${k}" (declared: ${[...declared].join(', ') || 'none'})` });
  }
  if (problems.length > 0) {
    throw new InputValidationError(`${entry}: ${who}${problems.map((p) => p.text).join('; ')}`, problems.map((p) => p.name));
  }
  return out;
}

/**
 * Validates workflow inputs against the declared `inputs[]` and returns the normalized
 * object: defaults filled in (copied), types checked (`number` means a finite number,
 * `any` accepts every JSON value), `null` accepted for optional inputs. Throws
 * `InputValidationError` (code `IR_INPUT`) naming every offending input.
 */
export function validateInputs(specs: readonly IOSpec[], inputs: unknown, options: InputsOptions = {}): Record<string, unknown> {
  return check('validateInputs', 'input', specs, inputs, options);
}

/** The same check for a workflow's result against its declared `outputs[]`. */
export function validateOutputs(specs: readonly IOSpec[], outputs: unknown, options: InputsOptions = {}): Record<string, unknown> {
  return check('validateOutputs', 'output', specs, outputs, { allowUnknown: true, ...options });
}
