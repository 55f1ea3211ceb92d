import type { CstNode } from 'chevrotain';
import type {
  EdgeDirection,
  EdgePattern,
  Expression,
  GraphPattern,
  GraphPatternQuantifier,
  LabelExpression,
  NodePattern,
  PathPattern,
  PropertySpec,
  SourcePosition,
} from '../ast.ts';
import { has, list, mk, posOf, req, subnode, subnodes, tok, toks } from './cst.ts';
import { syntaxErrorAt, syntaxErrorAtToken } from './syntax-error.ts';
import { expressionToAst, integerToAst, mapLiteralToAst, parameterToAst, symbolicNameToString, variableName } from './to-ast-expression.ts';

export function graphPatternToAst(c: CstNode): GraphPattern {
  return mk({ kind: 'GraphPattern', paths: list(subnodes(c, 'pathPattern').map(pathPatternToAst)), pos: posOf(c) });
}

/** `pathPattern` (possibly named) or `relationshipsPattern` (never named). */
export function pathPatternToAst(c: CstNode): PathPattern {
  const v = subnode(c, 'variable');
  return mk({
    kind: 'PathPattern',
    variable: v === undefined ? null : variableName(v),
    nodes: list(subnodes(c, 'nodePattern').map(nodePatternToAst)),
    edges: list(subnodes(c, 'edgePattern').map(edgePatternToAst)),
    pos: posOf(c),
  });
}

export const relationshipsPatternToAst = pathPatternToAst;

function optionalVariable(c: CstNode): string | null {
  const v = subnode(c, 'variable');
  return v === undefined ? null : variableName(v);
}

function optionalLabel(c: CstNode): LabelExpression | null {
  const spec = subnode(c, 'labelSpec');
  return spec === undefined ? null : labelExpressionToAst(req(spec, 'labelExpression'));
}

function optionalProperties(c: CstNode): PropertySpec | null {
  const p = subnode(c, 'properties');
  if (p === undefined) return null;
  const map = subnode(p, 'mapLiteral');
  if (map !== undefined) return mapLiteralToAst(map);
  const t = tok(p, 'Parameter');
  return t === undefined ? null : parameterToAst(t);
}

function optionalWhere(c: CstNode): Expression | null {
  const e = subnode(c, 'expression');
  return e === undefined ? null : expressionToAst(e);
}

function nodePatternToAst(c: CstNode): NodePattern {
  return mk({
    kind: 'NodePattern',
    variable: optionalVariable(c),
    label: optionalLabel(c),
    properties: optionalProperties(c),
    where: optionalWhere(c),
    pos: posOf(c),
  });
}

function edgePatternToAst(c: CstNode): EdgePattern {
  const left = has(c, 'leftHead');
  const right = has(c, 'rightHead');
  const direction: EdgeDirection = left === right ? 'any' : left ? 'left' : 'right';
  const detail = subnode(c, 'edgeDetail');
  const varLength = detail === undefined ? undefined : subnode(detail, 'varLength');
  const gql = subnode(c, 'gqlQuantifier');
  if (varLength !== undefined && gql !== undefined) {
    throw syntaxErrorAtToken(toks(gql, 'LBrace')[0] ?? toks(gql, 'Plus')[0] ?? toks(gql, 'Star')[0]!, 'an edge pattern may have only one quantifier');
  }
  const quantifier = varLength !== undefined ? varLengthToAst(varLength) : gql !== undefined ? gqlQuantifierToAst(gql) : null;
  return mk({
    kind: 'EdgePattern',
    direction,
    variable: detail === undefined ? null : optionalVariable(detail),
    label: detail === undefined ? null : optionalLabel(detail),
    properties: detail === undefined ? null : optionalProperties(detail),
    where: detail === undefined ? null : optionalWhere(detail),
    quantifier,
    pos: posOf(c),
  });
}

function bound(c: CstNode | undefined): number | null {
  if (c === undefined) return null;
  const lit = integerToAst(c);
  if (typeof lit.value !== 'number') {
    const p = posOf(c);
    throw syntaxErrorAt(p.offset, p.line, p.column, 'quantifier bound is too large', [], String(lit.value));
  }
  return lit.value;
}

function quantifier(min: number, max: number | null, pos: SourcePosition): GraphPatternQuantifier {
  return mk({ kind: 'GraphPatternQuantifier', min, max, pos });
}

/** Cypher: `*` is 1.., `*n` is exactly n, `*n..` / `*..m` / `*n..m` are ranges with a default minimum of 1. */
function varLengthToAst(c: CstNode): GraphPatternQuantifier {
  const min = bound(subnode(c, 'min'));
  const max = bound(subnode(c, 'max'));
  if (!has(c, 'DotDot')) return quantifier(min ?? 1, min, posOf(c));
  return quantifier(min ?? 1, max, posOf(c));
}

/** GQL: `{n}`, `{m,n}`, `{,n}` (from 0), `{m,}`, `+` (1..), `*` (0..). */
function gqlQuantifierToAst(c: CstNode): GraphPatternQuantifier {
  const pos = posOf(c);
  if (has(c, 'Plus')) return quantifier(1, null, pos);
  if (has(c, 'Star')) return quantifier(0, null, pos);
  const min = bound(subnode(c, 'min'));
  const max = bound(subnode(c, 'max'));
  if (!has(c, 'Comma')) {
    if (min === null) throw syntaxErrorAtToken(toks(c, 'RBrace')[0]!, "expected an integer but found '}'");
    return quantifier(min, min, pos);
  }
  if (min === null && max === null) throw syntaxErrorAtToken(toks(c, 'RBrace')[0]!, "expected an integer but found '}'");
  return quantifier(min ?? 0, max, pos);
}

export function labelExpressionToAst(c: CstNode): LabelExpression {
  const terms = subnodes(c, 'labelTerm').map(labelTermToAst);
  if (terms.length === 1) return terms[0]!;
  const operands = terms.flatMap((t) => (t.kind === 'LabelDisjunction' ? t.operands : [t]));
  return mk({ kind: 'LabelDisjunction', operands: list(operands), pos: terms[0]!.pos });
}

export function labelTermToAst(c: CstNode): LabelExpression {
  const factors = subnodes(c, 'labelFactor').map(labelFactorToAst);
  if (factors.length === 1) return factors[0]!;
  const operands = factors.flatMap((f) => (f.kind === 'LabelConjunction' ? f.operands : [f]));
  return mk({ kind: 'LabelConjunction', operands: list(operands), pos: factors[0]!.pos });
}

function labelFactorToAst(c: CstNode): LabelExpression {
  const bangs = toks(c, 'Bang');
  let acc = labelPrimaryToAst(req(c, 'labelPrimary'));
  for (let i = bangs.length - 1; i >= 0; i--) acc = mk({ kind: 'LabelNegation', operand: acc, pos: posOf(bangs[i]!) });
  return acc;
}

function labelPrimaryToAst(c: CstNode): LabelExpression {
  const name = subnode(c, 'symbolicName');
  if (name !== undefined) return mk({ kind: 'LabelName', name: symbolicNameToString(name), pos: posOf(c) });
  const inner = subnode(c, 'labelExpression');
  if (inner !== undefined) return labelExpressionToAst(inner);
  return mk({ kind: 'LabelWildcard', pos: posOf(c) });
}
