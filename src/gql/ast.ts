/**
 * The GQL / openCypher syntax tree. Every node is a frozen plain object with a
 * `readonly kind`; all kinds form the `AstNode` union, so visitors can be written
 * as `Record<AstKind, …>` and a missing case does not compile. Kind names follow
 * ISO GQL rule names where GQL has the construct, openCypher names otherwise.
 */

/** Start of a node in the query text; `line` and `column` are 1-based, `offset` 0-based. */
export interface SourcePosition {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

interface Base<K extends string> {
  readonly kind: K;
  readonly pos: SourcePosition;
}

// ---------------------------------------------------------------- query

export interface Query extends Base<'Query'> {
  /** Itonami extension: `AT TX <n | $param>` pins the snapshot read by the query. */
  readonly atTx: AtTxClause | null;
  readonly body: QueryBody;
}

export interface AtTxClause extends Base<'AtTxClause'> {
  readonly tx: IntegerLiteral | Parameter;
}

export type QueryBody = SingleQuery | CompositeQuery;

/** `left UNION [ALL] right`; left-nested for three or more parts. */
export interface CompositeQuery extends Base<'CompositeQuery'> {
  readonly left: QueryBody;
  readonly setOperator: 'UNION' | 'UNION ALL';
  readonly right: SingleQuery;
}

/** Clauses in the order they were written. */
export interface SingleQuery extends Base<'SingleQuery'> {
  readonly clauses: readonly Clause[];
}

export type Clause =
  | MatchStatement
  | OptionalMatch
  | WithClause
  | UnwindClause
  | ReturnStatement
  | CreateClause
  | MergeClause
  | SetStatement
  | RemoveStatement
  | DeleteStatement;

export interface MatchStatement extends Base<'MatchStatement'> {
  readonly pattern: GraphPattern;
  readonly where: WhereClause | null;
}

/** `OPTIONAL MATCH`: same shape as `MatchStatement`. */
export interface OptionalMatch extends Base<'OptionalMatch'> {
  readonly pattern: GraphPattern;
  readonly where: WhereClause | null;
}

export interface WhereClause extends Base<'WhereClause'> {
  readonly condition: Expression;
}

export interface SetQuantifier extends Base<'SetQuantifier'> {
  readonly value: 'DISTINCT' | 'ALL';
}

/** `expression [AS alias]`; `text` is the expression's source text (the column name when unaliased). */
export interface ReturnItem extends Base<'ReturnItem'> {
  readonly expression: Expression;
  readonly alias: string | null;
  readonly text: string;
}

/** Shared by `RETURN` and `WITH`: `[DISTINCT] (* | items) [ORDER BY] [SKIP] [LIMIT]`. */
interface Projection {
  readonly quantifier: SetQuantifier | null;
  /** `RETURN *` / `WITH *` (may be followed by further items). */
  readonly star: boolean;
  readonly items: readonly ReturnItem[];
  readonly orderBy: OrderByClause | null;
  /** `SKIP n` or `OFFSET n`. */
  readonly skip: Expression | null;
  readonly limit: Expression | null;
}

export interface ReturnStatement extends Base<'ReturnStatement'>, Projection {}

export interface WithClause extends Base<'WithClause'>, Projection {
  readonly where: WhereClause | null;
}

export interface OrderByClause extends Base<'OrderByClause'> {
  readonly items: readonly SortSpecification[];
}

export interface SortSpecification extends Base<'SortSpecification'> {
  readonly expression: Expression;
  readonly ordering: 'ASC' | 'DESC';
}

export interface UnwindClause extends Base<'UnwindClause'> {
  readonly expression: Expression;
  readonly variable: string;
}

export interface CreateClause extends Base<'CreateClause'> {
  readonly pattern: GraphPattern;
}

export interface MergeClause extends Base<'MergeClause'> {
  readonly path: PathPattern;
  readonly onCreate: readonly SetItem[];
  readonly onMatch: readonly SetItem[];
}

export interface SetStatement extends Base<'SetStatement'> {
  readonly items: readonly SetItem[];
}

export type SetItem = SetPropertyItem | SetAllPropertiesItem | SetLabelItem;

/** `n.k = value` */
export interface SetPropertyItem extends Base<'SetPropertyItem'> {
  readonly target: PropertyReference;
  readonly value: Expression;
}

/** `n = map` (replace) or `n += map` (merge). */
export interface SetAllPropertiesItem extends Base<'SetAllPropertiesItem'> {
  readonly variable: string;
  readonly value: Expression;
  readonly merge: boolean;
}

/** `n:A:B` */
export interface SetLabelItem extends Base<'SetLabelItem'> {
  readonly variable: string;
  readonly labels: readonly string[];
}

export interface RemoveStatement extends Base<'RemoveStatement'> {
  readonly items: readonly RemoveItem[];
}

export type RemoveItem = RemovePropertyItem | RemoveLabelItem;

export interface RemovePropertyItem extends Base<'RemovePropertyItem'> {
  readonly target: PropertyReference;
}

export interface RemoveLabelItem extends Base<'RemoveLabelItem'> {
  readonly variable: string;
  readonly labels: readonly string[];
}

export interface DeleteStatement extends Base<'DeleteStatement'> {
  readonly detach: boolean;
  readonly expressions: readonly Expression[];
}

// ---------------------------------------------------------------- patterns

/** A comma-separated list of path patterns. */
export interface GraphPattern extends Base<'GraphPattern'> {
  readonly paths: readonly PathPattern[];
}

/**
 * `[p =] (a)-[e]->(b)…`. `edges[i]` joins `nodes[i]` and `nodes[i + 1]`, so
 * `edges.length === nodes.length - 1`.
 */
export interface PathPattern extends Base<'PathPattern'> {
  readonly variable: string | null;
  readonly nodes: readonly NodePattern[];
  readonly edges: readonly EdgePattern[];
}

/** Inline properties: a map literal or a parameter (`(n $props)`). */
export type PropertySpec = MapLiteral | Parameter;

export interface NodePattern extends Base<'NodePattern'> {
  readonly variable: string | null;
  readonly label: LabelExpression | null;
  readonly properties: PropertySpec | null;
  /** GQL element pattern predicate `(n WHERE n.x > 1)`. */
  readonly where: Expression | null;
}

/**
 * `right` is `-[]->`, `left` is `<-[]-`, `any` is `-[]-` (and `<-[]->`): an edge
 * in either direction.
 */
export type EdgeDirection = 'right' | 'left' | 'any';

export interface EdgePattern extends Base<'EdgePattern'> {
  readonly direction: EdgeDirection;
  readonly variable: string | null;
  readonly label: LabelExpression | null;
  readonly properties: PropertySpec | null;
  readonly where: Expression | null;
  /** Cypher `*1..3` inside the brackets or GQL `{1,3}` / `+` / `*` after the edge. */
  readonly quantifier: GraphPatternQuantifier | null;
}

/** Repetition bounds; `max === null` means unbounded. */
export interface GraphPatternQuantifier extends Base<'GraphPatternQuantifier'> {
  readonly min: number;
  readonly max: number | null;
}

export type LabelExpression = LabelName | LabelWildcard | LabelNegation | LabelConjunction | LabelDisjunction;

export interface LabelName extends Base<'LabelName'> {
  readonly name: string;
}

/** `%`: any label. */
export interface LabelWildcard extends Base<'LabelWildcard'> {}

export interface LabelNegation extends Base<'LabelNegation'> {
  readonly operand: LabelExpression;
}

/** `A&B`, `:A:B`; at least two operands. */
export interface LabelConjunction extends Base<'LabelConjunction'> {
  readonly operands: readonly LabelExpression[];
}

/** `A|B`, `:A|:B`; at least two operands. */
export interface LabelDisjunction extends Base<'LabelDisjunction'> {
  readonly operands: readonly LabelExpression[];
}

// ---------------------------------------------------------------- expressions

export type Expression =
  | IntegerLiteral
  | FloatLiteral
  | StringLiteral
  | BooleanLiteral
  | NullLiteral
  | ListLiteral
  | MapLiteral
  | Parameter
  | VariableReference
  | PropertyReference
  | IndexExpression
  | SliceExpression
  | FunctionCall
  | CountStar
  | UnaryExpression
  | BinaryExpression
  | NullPredicate
  | LabelPredicate
  | CaseExpression
  | ListComprehension
  | ListPredicate
  | PatternPredicate;

/**
 * `value` is a number when it is a safe JS integer, a bigint otherwise.
 * `overflow` is true when the value lies outside the signed 64-bit range; the
 * evaluator raises an error for it (openCypher `IntegerOverflow`).
 * A minus sign directly in front of the literal is folded into it.
 */
export interface IntegerLiteral extends Base<'IntegerLiteral'> {
  readonly value: number | bigint;
  readonly overflow: boolean;
}

/** `overflow` is true when the literal does not fit a finite double (`1e999`). */
export interface FloatLiteral extends Base<'FloatLiteral'> {
  readonly value: number;
  readonly overflow: boolean;
}

export interface StringLiteral extends Base<'StringLiteral'> {
  readonly value: string;
}

export interface BooleanLiteral extends Base<'BooleanLiteral'> {
  readonly value: boolean;
}

export interface NullLiteral extends Base<'NullLiteral'> {}

export interface ListLiteral extends Base<'ListLiteral'> {
  readonly elements: readonly Expression[];
}

export interface MapEntry extends Base<'MapEntry'> {
  readonly key: string;
  readonly value: Expression;
}

export interface MapLiteral extends Base<'MapLiteral'> {
  readonly entries: readonly MapEntry[];
}

/** `$name` or `$0`; `name` excludes the `$`. */
export interface Parameter extends Base<'Parameter'> {
  readonly name: string;
}

export interface VariableReference extends Base<'VariableReference'> {
  readonly name: string;
}

export interface PropertyReference extends Base<'PropertyReference'> {
  readonly subject: Expression;
  readonly property: string;
}

/** `xs[i]` (lists) or `m[k]` (maps). */
export interface IndexExpression extends Base<'IndexExpression'> {
  readonly subject: Expression;
  readonly index: Expression;
}

/** `xs[from..to]`; either bound may be absent. */
export interface SliceExpression extends Base<'SliceExpression'> {
  readonly subject: Expression;
  readonly from: Expression | null;
  readonly to: Expression | null;
}

/** `name(args)`; `name` keeps its written case and may be dotted (`date.truncate`). */
export interface FunctionCall extends Base<'FunctionCall'> {
  readonly name: string;
  readonly distinct: boolean;
  readonly args: readonly Expression[];
}

/** `count(*)` */
export interface CountStar extends Base<'CountStar'> {}

export type UnaryOperator = 'NOT' | '-' | '+';

export interface UnaryExpression extends Base<'UnaryExpression'> {
  readonly operator: UnaryOperator;
  readonly operand: Expression;
}

/**
 * Chained comparisons (`a < b = c`) are expanded to `a < b AND b = c`, the
 * middle operand being shared.
 */
export type BinaryOperator =
  | 'OR'
  | 'XOR'
  | 'AND'
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | 'IN'
  | 'STARTS WITH'
  | 'ENDS WITH'
  | 'CONTAINS'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '^';

export interface BinaryExpression extends Base<'BinaryExpression'> {
  readonly operator: BinaryOperator;
  readonly left: Expression;
  readonly right: Expression;
}

/** `x IS NULL` / `x IS NOT NULL` */
export interface NullPredicate extends Base<'NullPredicate'> {
  readonly operand: Expression;
  readonly negated: boolean;
}

/** `n:A:B` used as a boolean expression. */
export interface LabelPredicate extends Base<'LabelPredicate'> {
  readonly subject: Expression;
  readonly label: LabelExpression;
}

export interface CaseWhen extends Base<'CaseWhen'> {
  readonly when: Expression;
  readonly then: Expression;
}

/** Simple case when `operand` is present (`CASE x WHEN 1 THEN …`), searched case otherwise. */
export interface CaseExpression extends Base<'CaseExpression'> {
  readonly operand: Expression | null;
  readonly branches: readonly CaseWhen[];
  readonly elseResult: Expression | null;
}

/** `[x IN xs WHERE p | e]` */
export interface ListComprehension extends Base<'ListComprehension'> {
  readonly variable: string;
  readonly source: Expression;
  readonly where: Expression | null;
  readonly projection: Expression | null;
}

/** `all(x IN xs WHERE p)`, likewise `any`, `none`, `single`. */
export interface ListPredicate extends Base<'ListPredicate'> {
  readonly quantifier: 'all' | 'any' | 'none' | 'single';
  readonly variable: string;
  readonly source: Expression;
  readonly where: Expression | null;
}

/** A relationship pattern used as a boolean: `WHERE (a)-[:T]->(b)`. */
export interface PatternPredicate extends Base<'PatternPredicate'> {
  readonly pattern: PathPattern;
}

// ---------------------------------------------------------------- union

export type AstNode =
  | Query
  | AtTxClause
  | CompositeQuery
  | SingleQuery
  | Clause
  | WhereClause
  | SetQuantifier
  | ReturnItem
  | OrderByClause
  | SortSpecification
  | SetItem
  | RemoveItem
  | GraphPattern
  | PathPattern
  | NodePattern
  | EdgePattern
  | GraphPatternQuantifier
  | LabelExpression
  | Expression
  | MapEntry
  | CaseWhen;

export type AstKind = AstNode['kind'];

/** The node type of a given kind: `NodeOfKind<'MatchStatement'>`. */
export type NodeOfKind<K extends AstKind> = Extract<AstNode, { readonly kind: K }>;
