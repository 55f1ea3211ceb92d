import type { CstNode } from 'chevrotain';
import type {
  AtTxClause,
  Clause,
  Expression,
  OrderByClause,
  PropertyReference,
  Query,
  QueryBody,
  RemoveItem,
  ReturnItem,
  SetItem,
  SetQuantifier,
  SingleQuery,
  SortSpecification,
  WhereClause,
} from '../ast.ts';
import { has, list, mk, posOf, req, reqTok, subnode, subnodes, textOf, tok } from './cst.ts';
import { expressionToAst, integerToAst, parameterToAst, symbolicNameToString, variableName } from './to-ast-expression.ts';
import { syntaxErrorAt } from './syntax-error.ts';
import { graphPatternToAst, pathPatternToAst } from './to-ast-pattern.ts';

/** Converts the `query` CST to the AST; `src` is the query text (for return-item column names). */
export function queryToAst(c: CstNode, src: string): Query {
  const at = subnode(c, 'atTx');
  let body: QueryBody = singleQueryToAst(req(c, 'singleQuery'), src);
  for (const u of subnodes(c, 'unionPart')) {
    body = mk({
      kind: 'CompositeQuery',
      left: body,
      setOperator: has(u, 'ALL') ? 'UNION ALL' : 'UNION',
      right: singleQueryToAst(req(u, 'singleQuery'), src),
      pos: posOf(u),
    });
  }
  return mk({ kind: 'Query', atTx: at === undefined ? null : atTxToAst(at), body, pos: posOf(c) });
}

function atTxToAst(c: CstNode): AtTxClause {
  const int = subnode(c, 'integer');
  const tx = int !== undefined ? integerToAst(int) : parameterToAst(reqTok(c, 'Parameter'));
  return mk({ kind: 'AtTxClause', tx, pos: posOf(c) });
}

function singleQueryToAst(c: CstNode, src: string): SingleQuery {
  const clauses = subnodes(c, 'clause').map((k) => clauseToAst(firstChild(k), src));
  checkClauseOrder(clauses, c);
  return mk({ kind: 'SingleQuery', clauses: list(clauses), pos: posOf(c) });
}

const clauseNames: Readonly<Record<Clause['kind'], string>> = {
  MatchStatement: 'MATCH',
  OptionalMatch: 'OPTIONAL MATCH',
  WithClause: 'WITH',
  UnwindClause: 'UNWIND',
  ReturnStatement: 'RETURN',
  CreateClause: 'CREATE',
  MergeClause: 'MERGE',
  SetStatement: 'SET',
  RemoveStatement: 'REMOVE',
  DeleteStatement: 'DELETE',
};

const readingOnly = new Set<Clause['kind']>(['MatchStatement', 'OptionalMatch', 'WithClause', 'UnwindClause']);

/** As in openCypher: RETURN only comes last, and a query ends with RETURN or an updating clause. */
function checkClauseOrder(clauses: readonly Clause[], c: CstNode): void {
  for (let i = 0; i + 1 < clauses.length; i++) {
    if (clauses[i]!.kind === 'ReturnStatement') {
      const next = clauses[i + 1]!;
      const found = clauseNames[next.kind];
      throw syntaxErrorAt(next.pos.offset, next.pos.line, next.pos.column, `expected end of input or 'UNION' but found '${found}'`, ['end of input', "'UNION'"], found);
    }
  }
  const last = clauses[clauses.length - 1]!;
  if (readingOnly.has(last.kind)) {
    const end = c.location;
    const offset = (end?.endOffset ?? 0) + 1;
    const line = end?.endLine ?? 1;
    const column = (end?.endColumn ?? 0) + 1;
    throw syntaxErrorAt(offset, line, column, `a query cannot end with ${clauseNames[last.kind]}: expected 'RETURN' or an updating clause`, ["'RETURN'"], 'end of input');
  }
}

function firstChild(c: CstNode): CstNode {
  for (const k in c.children) {
    const n = subnode(c, k);
    if (n !== undefined) return n;
  }
  throw new Error(`GQL parser: empty ${c.name}`);
}

function clauseToAst(c: CstNode, src: string): Clause {
  const pos = posOf(c);
  switch (c.name) {
    case 'matchClause': {
      const pattern = graphPatternToAst(req(c, 'graphPattern'));
      const where = whereToAst(subnode(c, 'whereClause'));
      return has(c, 'OPTIONAL') ? mk({ kind: 'OptionalMatch', pattern, where, pos }) : mk({ kind: 'MatchStatement', pattern, where, pos });
    }
    case 'withClause':
      return mk({ kind: 'WithClause', ...projectionToAst(req(c, 'projectionBody'), src), where: whereToAst(subnode(c, 'whereClause')), pos });
    case 'returnClause':
      return mk({ kind: 'ReturnStatement', ...projectionToAst(req(c, 'projectionBody'), src), pos });
    case 'unwindClause':
      return mk({ kind: 'UnwindClause', expression: expressionToAst(req(c, 'expression')), variable: variableName(req(c, 'variable')), pos });
    case 'createClause':
      return mk({ kind: 'CreateClause', pattern: graphPatternToAst(req(c, 'graphPattern')), pos });
    case 'mergeClause': {
      const actions = subnodes(c, 'mergeAction');
      const itemsOf = (when: string): readonly SetItem[] =>
        list(actions.filter((a) => reqTok(a, 'when').tokenType.name === when).flatMap((a) => subnodes(a, 'setItem').map(setItemToAst)));
      return mk({ kind: 'MergeClause', path: pathPatternToAst(req(c, 'pathPattern')), onCreate: itemsOf('CREATE'), onMatch: itemsOf('MATCH'), pos });
    }
    case 'setClause':
      return mk({ kind: 'SetStatement', items: list(subnodes(c, 'setItem').map(setItemToAst)), pos });
    case 'removeClause':
      return mk({ kind: 'RemoveStatement', items: list(subnodes(c, 'removeItem').map(removeItemToAst)), pos });
    case 'deleteClause':
      return mk({ kind: 'DeleteStatement', detach: has(c, 'DETACH'), expressions: list(subnodes(c, 'expression').map(expressionToAst)), pos });
    default:
      throw new Error(`GQL parser: unexpected clause ${c.name}`);
  }
}

function whereToAst(c: CstNode | undefined): WhereClause | null {
  if (c === undefined) return null;
  return mk({ kind: 'WhereClause', condition: expressionToAst(req(c, 'expression')), pos: posOf(c) });
}

interface ProjectionFields {
  readonly quantifier: SetQuantifier | null;
  readonly star: boolean;
  readonly items: readonly ReturnItem[];
  readonly orderBy: OrderByClause | null;
  readonly skip: Expression | null;
  readonly limit: Expression | null;
}

function projectionToAst(c: CstNode, src: string): ProjectionFields {
  const q = tok(c, 'DISTINCT') ?? tok(c, 'ALL');
  const order = subnode(c, 'orderBy');
  const skip = subnode(c, 'skipClause');
  const limit = subnode(c, 'limitClause');
  return {
    quantifier: q === undefined ? null : mk({ kind: 'SetQuantifier', value: q.tokenType.name === 'DISTINCT' ? 'DISTINCT' : 'ALL', pos: posOf(q) }),
    star: has(c, 'Star'),
    items: list(subnodes(c, 'returnItem').map((i) => returnItemToAst(i, src))),
    orderBy: order === undefined ? null : orderByToAst(order),
    skip: skip === undefined ? null : expressionToAst(req(skip, 'expression')),
    limit: limit === undefined ? null : expressionToAst(req(limit, 'expression')),
  };
}

function returnItemToAst(c: CstNode, src: string): ReturnItem {
  const e = req(c, 'expression');
  const alias = subnode(c, 'variable');
  return mk({
    kind: 'ReturnItem',
    expression: expressionToAst(e),
    alias: alias === undefined ? null : variableName(alias),
    text: textOf(src, e),
    pos: posOf(c),
  });
}

function orderByToAst(c: CstNode): OrderByClause {
  const items = subnodes(c, 'sortItem').map((s): SortSpecification => {
    const o = tok(s, 'ordering');
    const ordering = o !== undefined && o.tokenType.name.startsWith('DESC') ? 'DESC' : 'ASC';
    return mk({ kind: 'SortSpecification', expression: expressionToAst(req(s, 'expression')), ordering, pos: posOf(s) });
  });
  return mk({ kind: 'OrderByClause', items: list(items), pos: posOf(c) });
}

function propertyTarget(c: CstNode): PropertyReference | null {
  const v = req(c, 'variable');
  const keys = subnodes(c, 'property');
  if (keys.length === 0) return null;
  let acc: Expression = mk({ kind: 'VariableReference', name: variableName(v), pos: posOf(v) });
  for (const k of keys) acc = mk({ kind: 'PropertyReference', subject: acc, property: symbolicNameToString(k), pos: acc.pos });
  return acc as PropertyReference;
}

function setItemToAst(c: CstNode): SetItem {
  const pos = posOf(c);
  const variable = variableName(req(c, 'variable'));
  const target = propertyTarget(c);
  const value = subnode(c, 'expression');
  if (target !== null && value !== undefined) return mk({ kind: 'SetPropertyItem', target, value: expressionToAst(value), pos });
  if (value !== undefined) {
    const merge = reqTok(c, 'assign').image === '+=';
    return mk({ kind: 'SetAllPropertiesItem', variable, value: expressionToAst(value), merge, pos });
  }
  return mk({ kind: 'SetLabelItem', variable, labels: list(subnodes(c, 'label').map(symbolicNameToString)), pos });
}

function removeItemToAst(c: CstNode): RemoveItem {
  const pos = posOf(c);
  const target = propertyTarget(c);
  if (target !== null) return mk({ kind: 'RemovePropertyItem', target, pos });
  return mk({
    kind: 'RemoveLabelItem',
    variable: variableName(req(c, 'variable')),
    labels: list(subnodes(c, 'label').map(symbolicNameToString)),
    pos,
  });
}

