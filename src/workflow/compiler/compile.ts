import type { RuleDef } from '../../rules/index.ts';
import type { WorkflowIR } from '../ir/types.ts';
import { walkStrategies } from '../ir/walk.ts';
import { CompileError } from './errors.ts';
import { buildProgramGraph, pathText } from './program.ts';
import type { ProgramGraph } from './program.ts';
import type { FactRule, RuleSet } from './rules.ts';

/** A workflow compiled for the token game. */
export interface CompiledWorkflow {
  readonly ir: WorkflowIR;
  readonly program: ProgramGraph;
  /** The internal rules this workflow needs, in application order. */
  readonly rules: readonly RuleDef[];
  readonly facts: { readonly [K in FactRule]: RuleDef };
}

/** Rules whose name starts with `<op>.` are needed only when the workflow uses that op. */
const OP_PREFIXES = ['seq', 'parallel', 'decision', 'saga', 'activity', 'wait', 'subworkflow'] as const;
const KNOWN_OPS: ReadonlySet<string> = new Set(OP_PREFIXES);

/**
 * Compiles a (validated) IR: the program graph, and the subset of `ruleSet`
 * that its ops need. Throws CompileError for constructs the engine does not run yet.
 */
export function compileWorkflow(ir: WorkflowIR, ruleSet: RuleSet): CompiledWorkflow {
  const ops = new Set<string>();
  walkStrategies(ir.strategy, (s, path) => {
    if (!KNOWN_OPS.has(s.op)) throw new CompileError('UNSUPPORTED_STRATEGY', `compileWorkflow: ${ir.id}: ${pathText(path)}: op "${String(s.op)}" is not supported`, pathText(path));
    ops.add(s.op);
  });
  const rules = ruleSet.internal.filter((r) => {
    const prefix = OP_PREFIXES.find((p) => r.name.startsWith(`${p}.`));
    return prefix === undefined || ops.has(prefix);
  });
  return { ir, program: buildProgramGraph(ir), rules, facts: ruleSet.facts };
}
