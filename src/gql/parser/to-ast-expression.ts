import type { CstNode, IToken } from 'chevrotain';
import type {
  BinaryOperator,
  CaseWhen,
  Expression,
  FloatLiteral,
  IntegerLiteral,
  MapEntry,
  MapLiteral,
  Parameter,
  SourcePosition,
} from '../ast.ts';
import { has, list, mk, posOf, req, reqTok, subnode, subnodes, tok, toks } from './cst.ts';
import { decodeName, decodeParameter, decodeString, integerImageValue, integerValue } from './literals.ts';
import { syntaxErrorAtToken } from './syntax-error.ts';
import { labelTermToAst, relationshipsPatternToAst } from './to-ast-pattern.ts';

/** Converts an `expression` CST node (or any of its precedence levels) to an AST expression. */
export function expressionToAst(c: CstNode): Expression {
  switch (c.name) {
    case 'expression':
    case 'standaloneExpression':
      return leftAssoc(c, 'xorExpression', () => 'OR');
    case 'xorExpression':
      return leftAssoc(c, 'andExpression', () => 'XOR');
    case 'andExpression':
      return leftAssoc(c, 'notExpression', () => 'AND');
    case 'notExpression':
      return notToAst(c);
    case 'comparisonExpression':
      return comparisonToAst(c);
    case 'predicateExpression':
      return predicateToAst(c);
    case 'additiveExpression':
      return leftAssoc(c, 'multiplicativeExpression', (t) => t.image as BinaryOperator);
    case 'multiplicativeExpression':
      return leftAssoc(c, 'powerExpression', (t) => t.image as BinaryOperator);
    case 'powerExpression':
      return leftAssoc(c, 'unaryExpression', () => '^');
    case 'unaryExpression':
      return unaryToAst(c);
    case 'postfixExpression':
      return postfixToAst(c);
    case 'atom':
      return atomToAst(c);
    default:
      throw new Error(`GQL parser: unexpected CST node ${c.name}`);
  }
}

function operands(c: CstNode, key: string): Expression[] {
  return subnodes(c, key).map(expressionToAst);
}

function binary(operator: BinaryOperator, left: Expression, right: Expression, pos: SourcePosition = left.pos): Expression {
  return mk({ kind: 'BinaryExpression', operator, left, right, pos });
}

function leftAssoc(c: CstNode, operandKey: string, opOf: (t: IToken) => BinaryOperator): Expression {
  // Standalone expressions wrap a single `expression` child.
  if (c.name === 'standaloneExpression') return expressionToAst(req(c, 'expression'));
  const xs = operands(c, operandKey);
  const ops = toks(c, 'op');
  let acc = xs[0]!;
  for (let i = 0; i < ops.length; i++) acc = binary(opOf(ops[i]!), acc, xs[i + 1]!);
  return acc;
}

function notToAst(c: CstNode): Expression {
  const nots = toks(c, 'op');
  let acc = expressionToAst(req(c, 'comparisonExpression'));
  for (let i = nots.length - 1; i >= 0; i--) acc = mk({ kind: 'UnaryExpression', operator: 'NOT', operand: acc, pos: posOf(nots[i]!) });
  return acc;
}

/** `a < b = c` means `a < b AND b = c`. */
function comparisonToAst(c: CstNode): Expression {
  const xs = operands(c, 'predicateExpression');
  const ops = toks(c, 'op');
  if (ops.length === 0) return xs[0]!;
  let acc = binary(ops[0]!.image as BinaryOperator, xs[0]!, xs[1]!);
  for (let i = 1; i < ops.length; i++) acc = binary('AND', acc, binary(ops[i]!.image as BinaryOperator, xs[i]!, xs[i + 1]!));
  return acc;
}

function predicateToAst(c: CstNode): Expression {
  let acc = expressionToAst(req(c, 'additiveExpression'));
  for (const s of subnodes(c, 'op')) {
    if (has(s, 'IS')) {
      acc = mk({ kind: 'NullPredicate', operand: acc, negated: has(s, 'NOT'), pos: acc.pos });
      continue;
    }
    const operator: BinaryOperator = has(s, 'IN') ? 'IN' : has(s, 'STARTS') ? 'STARTS WITH' : has(s, 'ENDS') ? 'ENDS WITH' : 'CONTAINS';
    acc = binary(operator, acc, expressionToAst(req(s, 'additiveExpression')));
  }
  return acc;
}

function unaryToAst(c: CstNode): Expression {
  const signs = toks(c, 'op');
  const postfix = req(c, 'postfixExpression');
  let acc = expressionToAst(postfix);
  let i = signs.length - 1;
  // A minus directly before a numeric literal is part of the literal, so that
  // -9223372036854775808 is in range.
  const last = signs[i];
  if (last !== undefined && last.image === '-' && isBareNumber(postfix)) {
    acc = negateLiteral(acc as IntegerLiteral | FloatLiteral, posOf(last));
    i--;
  }
  for (; i >= 0; i--) {
    const t = signs[i]!;
    acc = mk({ kind: 'UnaryExpression', operator: t.image === '-' ? '-' : '+', operand: acc, pos: posOf(t) });
  }
  return acc;
}

function isBareNumber(postfix: CstNode): boolean {
  if (has(postfix, 'op') || has(postfix, 'Colon')) return false;
  const atom = req(postfix, 'atom');
  return has(atom, 'integer') || has(atom, 'FloatLiteral');
}

function negateLiteral(lit: IntegerLiteral | FloatLiteral, pos: SourcePosition): Expression {
  if (lit.kind === 'FloatLiteral') return mk({ kind: 'FloatLiteral', value: -lit.value, overflow: lit.overflow, pos });
  const v = typeof lit.value === 'bigint' ? -lit.value : -BigInt(lit.value);
  return mk({ kind: 'IntegerLiteral', ...integerValue(v), pos });
}

function postfixToAst(c: CstNode): Expression {
  let acc = expressionToAst(req(c, 'atom'));
  for (const op of subnodes(c, 'op')) {
    const name = subnode(op, 'symbolicName');
    if (name !== undefined) {
      acc = mk({ kind: 'PropertyReference', subject: acc, property: symbolicNameToString(name), pos: acc.pos });
      continue;
    }
    const from = subnode(op, 'from');
    const to = subnode(op, 'to');
    if (has(op, 'DotDot')) {
      acc = mk({
        kind: 'SliceExpression',
        subject: acc,
        from: from === undefined ? null : expressionToAst(from),
        to: to === undefined ? null : expressionToAst(to),
        pos: acc.pos,
      });
    } else if (from !== undefined) {
      acc = mk({ kind: 'IndexExpression', subject: acc, index: expressionToAst(from), pos: acc.pos });
    } else {
      throw syntaxErrorAtToken(reqTok(op, 'RBracket'), "expected an expression but found ']'");
    }
  }
  const label = subnode(c, 'labelTerm');
  if (label !== undefined) acc = mk({ kind: 'LabelPredicate', subject: acc, label: labelTermToAst(label), pos: acc.pos });
  return acc;
}

function atomToAst(c: CstNode): Expression {
  const pos = posOf(c);
  const int = subnode(c, 'integer');
  if (int !== undefined) return integerToAst(int);
  const float = tok(c, 'FloatLiteral');
  if (float !== undefined) {
    const value = Number(float.image);
    return mk({ kind: 'FloatLiteral', value, overflow: !Number.isFinite(value), pos });
  }
  const str = tok(c, 'StringLiteral');
  if (str !== undefined) return mk({ kind: 'StringLiteral', value: decodeString(str), pos });
  if (has(c, 'TRUE')) return mk({ kind: 'BooleanLiteral', value: true, pos });
  if (has(c, 'FALSE')) return mk({ kind: 'BooleanLiteral', value: false, pos });
  if (has(c, 'NULL')) return mk({ kind: 'NullLiteral', pos });
  const param = tok(c, 'Parameter');
  if (param !== undefined) return parameterToAst(param);
  const sub = firstSubnode(c);
  switch (sub.name) {
    case 'caseExpression':
      return caseToAst(sub);
    case 'listComprehension':
      return listComprehensionToAst(sub);
    case 'listLiteral':
      return mk({ kind: 'ListLiteral', elements: list(operands(sub, 'expression')), pos });
    case 'mapLiteral':
      return mapLiteralToAst(sub);
    case 'relationshipsPattern':
      return mk({ kind: 'PatternPredicate', pattern: relationshipsPatternToAst(sub), pos });
    case 'expression':
      return expressionToAst(sub);
    case 'listPredicate':
      return listPredicateToAst(sub);
    case 'functionCall':
      return functionCallToAst(sub);
    case 'variable':
      return mk({ kind: 'VariableReference', name: variableName(sub), pos });
    default:
      throw new Error(`GQL parser: unexpected atom ${sub.name}`);
  }
}

function firstSubnode(c: CstNode): CstNode {
  for (const k in c.children) {
    const n = subnode(c, k);
    if (n !== undefined) return n;
  }
  throw new Error('GQL parser: empty atom');
}

export function integerToAst(c: CstNode): IntegerLiteral {
  const t = toks(c, 'DecimalInteger')[0] ?? toks(c, 'HexInteger')[0] ?? reqTok(c, 'OctInteger');
  return mk({ kind: 'IntegerLiteral', ...integerValue(integerImageValue(t.image)), pos: posOf(t) });
}

export function parameterToAst(t: IToken): Parameter {
  return mk({ kind: 'Parameter', name: decodeParameter(t.image), pos: posOf(t) });
}

export function mapLiteralToAst(c: CstNode): MapLiteral {
  const entries = subnodes(c, 'mapEntry').map(
    (e): MapEntry =>
      mk({ kind: 'MapEntry', key: symbolicNameToString(req(e, 'symbolicName')), value: expressionToAst(req(e, 'expression')), pos: posOf(e) }),
  );
  return mk({ kind: 'MapLiteral', entries: list(entries), pos: posOf(c) });
}

function caseToAst(c: CstNode): Expression {
  const operand = subnode(c, 'operand');
  const elseResult = subnode(c, 'else');
  const branches = subnodes(c, 'caseWhen').map(
    (w): CaseWhen => mk({ kind: 'CaseWhen', when: expressionToAst(req(w, 'when')), then: expressionToAst(req(w, 'then')), pos: posOf(w) }),
  );
  return mk({
    kind: 'CaseExpression',
    operand: operand === undefined ? null : expressionToAst(operand),
    branches: list(branches),
    elseResult: elseResult === undefined ? null : expressionToAst(elseResult),
    pos: posOf(c),
  });
}

function optionalExpression(c: CstNode, key: string): Expression | null {
  const n = subnode(c, key);
  return n === undefined ? null : expressionToAst(n);
}

function listComprehensionToAst(c: CstNode): Expression {
  return mk({
    kind: 'ListComprehension',
    variable: variableName(req(c, 'variable')),
    source: expressionToAst(req(c, 'source')),
    where: optionalExpression(c, 'where'),
    projection: optionalExpression(c, 'projection'),
    pos: posOf(c),
  });
}

function listPredicateToAst(c: CstNode): Expression {
  return mk({
    kind: 'ListPredicate',
    quantifier: reqTok(c, 'quantifier').image.toLowerCase() as 'all' | 'any' | 'none' | 'single',
    variable: variableName(req(c, 'variable')),
    source: expressionToAst(req(c, 'source')),
    where: optionalExpression(c, 'where'),
    pos: posOf(c),
  });
}

function functionCallToAst(c: CstNode): Expression {
  const parts = [variableName(req(c, 'head')), ...subnodes(c, 'tail').map(symbolicNameToString)];
  const name = parts.join('.');
  const pos = posOf(c);
  const star = tok(c, 'Star');
  if (star !== undefined) {
    if (name.toLowerCase() !== 'count') throw syntaxErrorAtToken(star, `only count(*) may take '*', not ${name}(*)`);
    return mk({ kind: 'CountStar', pos });
  }
  return mk({ kind: 'FunctionCall', name, distinct: has(c, 'DISTINCT'), args: list(operands(c, 'arg')), pos });
}

export function variableName(c: CstNode): string {
  const t = tok(c, 'Identifier') ?? reqTok(c, 'EscapedIdentifier');
  return decodeName(t.image);
}

export function symbolicNameToString(c: CstNode): string {
  const t = tok(c, 'Identifier') ?? tok(c, 'EscapedIdentifier') ?? firstToken(c);
  return decodeName(t.image);
}

function firstToken(c: CstNode): IToken {
  for (const k in c.children) {
    const t = tok(c, k);
    if (t !== undefined) return t;
  }
  throw new Error('GQL parser: empty name');
}
