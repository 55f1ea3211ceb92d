import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { DurationError, ExpressionSyntaxError, IrValidationError, type IrIssue } from './errors.ts';
import { classifyCondition, referencedPaths } from './expression.ts';
import { parseMappingValue } from './mapping.ts';
import { matchesIoType } from './inputs.ts';
import type { PathNode, PathRoot } from './_internals/expr-ast.ts';
import { closest, deepFreeze, formatPath } from './_internals/path.ts';
import { IO_TYPES, STRATEGY_OPS, type IOType, type Strategy, type WorkflowIR } from './types.ts';
import { stepName, walkStrategies, type DocPath } from './walk.ts';

// ---------------------------------------------------------------------------
// leaf schemas

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

const nonEmpty = z.string().min(1, { error: 'must not be empty' });

export const durationSchema = z.string().superRefine((s, ctx) => {
  try {
    parseDuration(s);
  } catch (e) {
    if (!(e instanceof DurationError)) throw e;
    ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(s)}: ${e.reason}` });
  }
});

export const retryPolicySchema = z.strictObject({
  initial_interval: durationSchema.optional(),
  backoff_coefficient: z.number().min(1, { error: 'must be at least 1' }).optional(),
  maximum_interval: durationSchema.optional(),
  maximum_attempts: z.int().min(1, { error: 'must be at least 1' }).optional(),
  non_retryable_errors: z.array(z.string()).optional(),
}).superRefine((p, ctx) => {
  // A cap below the first delay is a contradiction (mergeRetryPolicy refuses it); found here, it names the document path.
  if (p.initial_interval === undefined || p.maximum_interval === undefined) return;
  let initial: number;
  let maximum: number;
  try {
    initial = parseDuration(p.initial_interval);
    maximum = parseDuration(p.maximum_interval);
  } catch {
    return; // already reported by durationSchema
  }
  if (maximum < initial) {
    ctx.addIssue({ code: 'custom', path: ['maximum_interval'], message: `maximum_interval ${p.maximum_interval} is less than initial_interval ${p.initial_interval}` });
  }
});

function mappingSchema(roots: readonly PathRoot[], keysAreIdents = false) {
  return z.record(z.string(), z.json()).superRefine((m, ctx) => {
    for (const [key, value] of Object.entries(m)) {
      if (keysAreIdents && !IDENT.test(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `variable name ${JSON.stringify(key)} must be an identifier (letters, digits, _)` });
      }
      try {
        parseMappingValue(value, { roots });
      } catch (e) {
        if (!(e instanceof ExpressionSyntaxError)) throw e;
        ctx.addIssue({ code: 'custom', path: [key], message: `bad path ${JSON.stringify(value)}: column ${e.column}: ${e.reason}` });
      }
    }
  });
}

const INPUT_ROOTS: readonly PathRoot[] = ['inputs', 'steps', 'vars'];
const OUTPUT_ROOTS: readonly PathRoot[] = ['inputs', 'steps', 'vars', 'output'];
export const inputMappingSchema = mappingSchema(INPUT_ROOTS);
export const outputMappingSchema = mappingSchema(OUTPUT_ROOTS, true);


export const ioSpecSchema = z
  .strictObject({
    name: z.string().regex(IDENT, { error: 'must be an identifier (letters, digits, _), as it is read as $.inputs.<name>' }),
    type: z.enum(IO_TYPES),
    required: z.boolean().default(false),
    default: z.json().optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.default === undefined) return;
    if (spec.required) ctx.addIssue({ code: 'custom', path: ['default'], message: 'a required value cannot have a default' });
    else if (!matchesIoType(spec.type, spec.default)) {
      ctx.addIssue({ code: 'custom', path: ['default'], message: `default does not match type "${spec.type}"` });
    }
  });

// ---------------------------------------------------------------------------
// strategies

const stepNameSchema = z
  .string()
  .regex(IDENT, { error: 'a step name must be an identifier (letters, digits, _), as it is read as $.steps.<name>' })
  .optional();

const seqSchema = z.strictObject({
  op: z.literal('seq'),
  name: stepNameSchema,
  get strategies() {
    return z.array(strategySchema).min(1, { error: 'a seq needs at least one strategy' });
  },
});

const parallelSchema = z
  .strictObject({
    op: z.literal('parallel'),
    name: stepNameSchema,
    get branches() {
      return z.array(strategySchema).min(1, { error: 'a parallel needs at least one branch' });
    },
    completion_condition: z.enum(['all', 'any', 'at_least']).default('all'),
    count: z.int().min(1, { error: 'count must be at least 1' }).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.completion_condition === 'at_least') {
      if (p.count === undefined) {
        ctx.addIssue({ code: 'custom', path: ['count'], message: 'completion_condition "at_least" needs a count' });
      } else if (Array.isArray(p.branches) && p.count > p.branches.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['count'],
          message: `count ${p.count} is greater than the number of branches (${p.branches.length})`,
        });
      }
    } else if (p.count !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['count'], message: `count is only allowed with completion_condition "at_least" (got "${p.completion_condition}")` });
    }
  });

const conditionSchema = z.string().superRefine((c, ctx) => {
  try {
    classifyCondition(c);
  } catch (e) {
    if (!(e instanceof ExpressionSyntaxError)) throw e;
    ctx.addIssue({ code: 'custom', message: `syntax error at column ${e.column}: ${e.reason} in ${JSON.stringify(c)}` });
  }
});

const decisionSchema = z.strictObject({
  op: z.literal('decision'),
  name: stepNameSchema,
  get conditions() {
    return z
      .array(
        z.strictObject({
          condition: conditionSchema,
          get branch() {
            return strategySchema;
          },
        }),
      )
      .min(1, { error: 'a decision needs at least one condition' });
  },
  get default_branch() {
    return strategySchema.optional();
  },
});

const waitConditionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('timer'), duration: durationSchema }),
  z.strictObject({ type: z.literal('signal'), signal_name: nonEmpty }),
  z.strictObject({ type: z.literal('event'), event_type: nonEmpty, filter: inputMappingSchema.optional() }),
]);

const waitSchema = z.strictObject({
  op: z.literal('wait'),
  name: stepNameSchema,
  condition: waitConditionSchema,
  timeout: durationSchema.optional(),
});

const sagaSchema = z.strictObject({
  op: z.literal('saga'),
  name: stepNameSchema,
  get main_flow() {
    return strategySchema;
  },
  get compensation() {
    return strategySchema;
  },
});

const activitySchema = z.strictObject({
  op: z.literal('activity'),
  name: stepNameSchema,
  activity_ref: nonEmpty,
  input_mapping: inputMappingSchema.optional(),
  output_mapping: outputMappingSchema.optional(),
  timeout: durationSchema.optional(),
  retry_policy: retryPolicySchema.optional(),
  compensate: nonEmpty.optional(),
});

const subworkflowSchema = z.strictObject({
  op: z.literal('subworkflow'),
  name: stepNameSchema,
  workflow_ref: nonEmpty,
  input_mapping: inputMappingSchema.optional(),
});

export const strategySchema: z.ZodType<unknown> = z.discriminatedUnion('op', [
  seqSchema,
  parallelSchema,
  decisionSchema,
  waitSchema,
  sagaSchema,
  activitySchema,
  subworkflowSchema,
]);

export const workflowSchema = z.strictObject({
  id: nonEmpty,
  name: z.string(),
  description: z.string().optional(),
  version: z.string(),
  inputs: z.array(ioSpecSchema).default([]),
  outputs: z.array(ioSpecSchema).default([]),
  strategy: strategySchema,
  timeout: durationSchema.optional(),
  retry_policy: retryPolicySchema.optional(),
  metadata: z.record(z.string(), z.json()).optional(),
});

/** Every field name the schemas know, for "did you mean" hints on unknown fields. */
const KNOWN_FIELDS = [
  ...new Set([
    ...Object.keys(workflowSchema.shape),
    ...Object.keys(retryPolicySchema.shape),
    'name', 'type', 'required', 'default',
    ...[seqSchema, parallelSchema, decisionSchema, waitSchema, sagaSchema, activitySchema, subworkflowSchema].flatMap((s) => Object.keys(s.shape)),
    'condition', 'branch', 'duration', 'signal_name', 'event_type', 'filter',
  ]),
];

// ---------------------------------------------------------------------------
// issue formatting

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

const DISCRIMINATOR_LABEL: Record<string, string> = { op: 'op', type: 'wait condition type' };

function zodIssueToIr(issue: z.core.$ZodIssue, input: unknown): IrIssue[] {
  const path = issue.path as PropertyKey[];
  const at = formatPath(path);
  switch (issue.code) {
    case 'invalid_union': {
      const disc = (issue as { discriminator?: string }).discriminator;
      const options = (issue as { options?: unknown[] }).options;
      if (disc !== undefined && options !== undefined) {
        const label = DISCRIMINATOR_LABEL[disc] ?? disc;
        const value = valueAt(input, path);
        const list = options.map(String).join(', ');
        if (valueAt(input, path.slice(0, -1)) === null || typeof valueAt(input, path.slice(0, -1)) !== 'object') {
          return [{ path: formatPath(path.slice(0, -1)), message: `expected an object, got ${typeName(valueAt(input, path.slice(0, -1)))}` }];
        }
        if (value === undefined) return [{ path: at, message: `missing "${disc}" (expected one of ${list})` }];
        if (typeof value !== 'string') return [{ path: at, message: `${label} must be a string, got ${typeName(value)} (expected one of ${list})` }];
        const hint = closest(value, options.map(String));
        return [{ path: at, message: `unknown ${label} ${JSON.stringify(value)} (expected one of ${list})${hint ? `; did you mean "${hint}"?` : ''}` }];
      }
      return [{ path: at, message: issue.message }];
    }
    case 'invalid_type': {
      const value = valueAt(input, path);
      // zod says "int" for integers; a number that fails int or number (1.5, Infinity) is named by its value.
      const numeric = typeof value === 'number' && (issue.expected === 'int' || issue.expected === 'number');
      const expected = issue.expected === 'int' ? 'an integer' : numeric ? 'a finite number' : issue.expected;
      if (value === undefined) return [{ path: at, message: `missing required field (expected ${expected})` }];
      return [{ path: at, message: `expected ${expected}, got ${numeric ? String(value) : typeName(value)}` }];
    }
    case 'unrecognized_keys':
      return issue.keys.map((k) => {
        const hint = closest(k, KNOWN_FIELDS);
        return { path: formatPath([...path, k]), message: `unknown field "${k}"${hint && hint !== k ? `; did you mean "${hint}"?` : ''}` };
      });
    case 'invalid_value': {
      const value = valueAt(input, path);
      const list = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return [{ path: at, message: `expected one of ${list}, got ${JSON.stringify(value)}` }];
    }
    case 'too_small':
    case 'too_big':
    case 'invalid_format':
    case 'custom':
      return [{ path: at, message: issue.message }];
    default:
      return [{ path: at, message: issue.message }];
  }
}

// ---------------------------------------------------------------------------
// semantic checks on a shape-valid workflow

/** Appends to `issues` (what it found stays there if a malformed document makes it throw). */
function checkReferences(wf: WorkflowIR, issues: IrIssue[] = []): IrIssue[] {
  const inputs = new Set(wf.inputs.map((i) => i.name));
  const steps = new Set<string>();
  const explicit = new Map<string, DocPath>();

  const seenIO = (list: readonly { name: string }[], kind: 'inputs' | 'outputs'): void => {
    const seen = new Set<string>();
    list.forEach((s, i) => {
      if (seen.has(s.name)) issues.push({ path: formatPath([kind, i, 'name']), message: `duplicate ${kind.slice(0, -1)} name "${s.name}"` });
      seen.add(s.name);
    });
  };
  seenIO(wf.inputs, 'inputs');
  seenIO(wf.outputs, 'outputs');

  walkStrategies(wf.strategy, (s, path) => {
    const n = stepName(s);
    if (n !== undefined) steps.add(n);
    if (s.name !== undefined) {
      const prev = explicit.get(s.name);
      if (prev) issues.push({ path: formatPath([...path, 'name']), message: `step name "${s.name}" is already used at ${formatPath(prev)}` });
      else explicit.set(s.name, path);
    }
  });

  const checkPath = (p: PathNode, where: DocPath, text: string): void => {
    const first = p.segments[0];
    if (first === undefined || first.kind !== 'field') return;
    if (p.root === 'inputs' && !inputs.has(first.name)) {
      const hint = closest(first.name, inputs);
      issues.push({
        path: formatPath(where),
        message: `${text} reads input "${first.name}", which is not declared in inputs${hint ? `; did you mean "${hint}"?` : ''}`,
      });
    }
    if (p.root === 'steps' && !steps.has(first.name)) {
      const hint = closest(first.name, steps);
      issues.push({
        path: formatPath(where),
        message: `${text} reads step "${first.name}", but no step has that name or activity_ref${hint ? `; did you mean "${hint}"?` : ''}`,
      });
    }
  };
  const checkMapping = (m: Record<string, unknown> | undefined, where: DocPath, roots: readonly PathRoot[]): void => {
    if (!m) return;
    for (const [k, v] of Object.entries(m)) {
      const mv = parseMappingValue(v, { roots });
      if (mv.kind === 'path') checkPath(mv.path, [...where, k], JSON.stringify(mv.text));
    }
  };

  walkStrategies(wf.strategy, (s: Strategy, path) => {
    switch (s.op) {
      case 'activity':
        checkMapping(s.input_mapping, [...path, 'input_mapping'], INPUT_ROOTS);
        checkMapping(s.output_mapping, [...path, 'output_mapping'], OUTPUT_ROOTS);
        break;
      case 'subworkflow':
        checkMapping(s.input_mapping, [...path, 'input_mapping'], INPUT_ROOTS);
        break;
      case 'wait':
        if (s.condition.type === 'event') checkMapping(s.condition.filter, [...path, 'condition', 'filter'], INPUT_ROOTS);
        break;
      case 'decision':
        s.conditions.forEach((c, i) => {
          const kind = classifyCondition(c.condition);
          if (kind.kind === 'expression') {
            for (const p of referencedPaths(kind.expr.ast)) checkPath(p, [...path, 'conditions', i, 'condition'], JSON.stringify(c.condition));
          }
        });
        break;
      default:
        break;
    }
  });
  return issues;
}

// ---------------------------------------------------------------------------
// entry points

export interface ValidateOptions {
  /** Named in error messages (`order.kotoba: strategy.op: ...`). */
  readonly filename?: string;
}

/**
 * Validates a `workflow` object (already evaluated JSON) and returns the normalized,
 * deeply frozen IR. Throws `IrValidationError` listing every problem found; paths are
 * relative to the workflow object.
 */
export function validateWorkflow(value: unknown, options: ValidateOptions = {}): WorkflowIR {
  // An IR this function returned is deep-frozen and cannot have changed: valid as it is.
  if (typeof value === 'object' && value !== null && VALIDATED.has(value)) return value as WorkflowIR;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new IrValidationError(options.filename, [{ path: '', message: `expected the workflow to be an object, got ${typeName(value)}` }]);
  }
  const r = workflowSchema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.flatMap((i) => zodIssueToIr(i, value));
    // All problems at once: the reference checks also run on a document with structural ones,
    // where its shape lets them (a part too broken to walk is already reported above).
    const refs: IrIssue[] = [];
    try {
      checkReferences(value as WorkflowIR, refs);
    } catch {
      // The rest of the document is too broken to walk: its problems are the structural ones.
    }
    const seen = new Set(issues.map((i) => `${i.path}\u0000${i.message}`));
    for (const i of refs) if (!seen.has(`${i.path}\u0000${i.message}`)) issues.push(i);
    throw new IrValidationError(options.filename, issues);
  }
  const wf = r.data as unknown as WorkflowIR;
  const issues = checkReferences(wf);
  if (issues.length > 0) throw new IrValidationError(options.filename, issues);
  VALIDATED.add(wf);
  return deepFreeze(wf);
}

/** The IRs validateWorkflow returned (a worker starts every execution with one; validating it again cost 7% of its CPU). */
const VALIDATED = new WeakSet<object>();

/**
 * Validates what a `.kotoba` file evaluates to: `{ workflow: {...} }`. Returns the IR
 * like `validateWorkflow`.
 */
export function validateWorkflowDocument(doc: unknown, options: ValidateOptions = {}): WorkflowIR {
  const fail = (message: string): never => {
    throw new IrValidationError(options.filename, [{ path: '', message }]);
  };
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    fail(`the document must evaluate to an object { workflow: {...} }, got ${typeName(doc)}`);
  }
  const d = doc as Record<string, unknown>;
  if (!Object.hasOwn(d, 'workflow')) fail('the document has no "workflow" field (expected { workflow: {...} })');
  const extra = Object.keys(d).filter((k) => k !== 'workflow');
  if (extra.length === 0) return validateWorkflow(d.workflow, options);
  // Reported with the workflow's own problems, not instead of them.
  const issues: IrIssue[] = [{ path: '', message: `unknown top-level field(s) ${extra.map((k) => `"${k}"`).join(', ')} (only "workflow" is allowed; hide helpers with "::")` }];
  try {
    validateWorkflow(d.workflow, options);
  } catch (e) {
    if (!(e instanceof IrValidationError)) throw e;
    issues.push(...e.issues);
  }
  throw new IrValidationError(options.filename, issues);
}
