import type { LabelExpression } from './ast.ts';

/**
 * A label expression as a test over a node's sorted label list. It depends on
 * the AST only, so GQL MATCH and the rule syntax (src/rules/text) share it.
 */
export function labelTest(l: LabelExpression): (labels: readonly string[]) => boolean {
  switch (l.kind) {
    case 'LabelName':
      return (ls) => ls.includes(l.name);
    case 'LabelWildcard':
      return (ls) => ls.length > 0;
    case 'LabelNegation': {
      const t = labelTest(l.operand);
      return (ls) => !t(ls);
    }
    case 'LabelConjunction': {
      const ts = l.operands.map(labelTest);
      return (ls) => ts.every((t) => t(ls));
    }
    case 'LabelDisjunction': {
      const ts = l.operands.map(labelTest);
      return (ls) => ts.some((t) => t(ls));
    }
  }
}
