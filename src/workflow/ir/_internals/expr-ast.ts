/** Syntax tree of the expression language. Nodes are frozen; `kind` discriminates. */

export type PathRoot = 'inputs' | 'steps' | 'vars' | 'output';

export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | '+' | '-' | '*' | '/' | '%';
export type UnaryOp = '!' | '-';

export interface LiteralNode {
  readonly kind: 'literal';
  readonly value: null | boolean | number | string;
}
export interface ArrayNode {
  readonly kind: 'array';
  readonly items: readonly ExprNode[];
}
export type PathSegment =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'index'; readonly index: ExprNode };
export interface PathNode {
  readonly kind: 'path';
  readonly root: PathRoot;
  readonly segments: readonly PathSegment[];
}
export interface UnaryNode {
  readonly kind: 'unary';
  readonly op: UnaryOp;
  readonly operand: ExprNode;
}
export interface BinaryNode {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: ExprNode;
  readonly right: ExprNode;
}
export interface CallNode {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly ExprNode[];
}

export type ExprNode = LiteralNode | ArrayNode | PathNode | UnaryNode | BinaryNode | CallNode;
export type ExprKind = ExprNode['kind'];

/** A visitor with one case per node kind; a missing case does not compile. */
export type ExprVisitor<R> = { readonly [K in ExprKind]: (node: Extract<ExprNode, { kind: K }>) => R };

export function visit<R>(node: ExprNode, visitor: ExprVisitor<R>): R {
  return (visitor[node.kind] as (n: ExprNode) => R)(node);
}

export const node = {
  literal: (value: LiteralNode['value']): LiteralNode => Object.freeze({ kind: 'literal', value }),
  array: (items: ExprNode[]): ArrayNode => Object.freeze({ kind: 'array', items: Object.freeze(items) }),
  /** A literal string index is stored as a field, so `$.a["b"]` and `$.a.b` are one tree. */
  path: (root: PathRoot, segments: PathSegment[]): PathNode =>
    Object.freeze({
      kind: 'path',
      root,
      segments: Object.freeze(
        segments.map((s): PathSegment =>
          Object.freeze(
            s.kind === 'index' && s.index.kind === 'literal' && typeof s.index.value === 'string'
              ? { kind: 'field', name: s.index.value }
              : s,
          ),
        ),
      ),
    }),
  unary: (op: UnaryOp, operand: ExprNode): UnaryNode => Object.freeze({ kind: 'unary', op, operand }),
  binary: (op: BinaryOp, left: ExprNode, right: ExprNode): BinaryNode =>
    Object.freeze({ kind: 'binary', op, left, right }),
  call: (name: string, args: ExprNode[]): CallNode => Object.freeze({ kind: 'call', name, args: Object.freeze(args) }),
};

/** Binding strength of binary operators; higher binds tighter. All are left-associative. */
export const PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  in: 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
};
const UNARY_PRECEDENCE = 7;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function precedenceOf(n: ExprNode): number {
  if (n.kind === 'binary') return PRECEDENCE[n.op];
  if (n.kind === 'unary') return UNARY_PRECEDENCE;
  if (n.kind === 'literal' && typeof n.value === 'number' && (n.value < 0 || Object.is(n.value, -0))) {
    return UNARY_PRECEDENCE;
  }
  return 8;
}

function printNumber(v: number): string {
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

/** Prints a node as source text that parses back to an equivalent tree (minimal parentheses). */
export function printExpr(n: ExprNode): string {
  return visit(n, {
    literal: (l) => (typeof l.value === 'string' ? JSON.stringify(l.value) : typeof l.value === 'number' ? printNumber(l.value) : String(l.value)),
    array: (a) => `[${a.items.map(printExpr).join(', ')}]`,
    path: (p) =>
      `$.${p.root}` +
      p.segments
        .map((s) =>
          s.kind === 'field' ? (IDENT.test(s.name) ? `.${s.name}` : `[${JSON.stringify(s.name)}]`) : `[${printExpr(s.index)}]`,
        )
        .join(''),
    unary: (u) => {
      const inner = printExpr(u.operand);
      const wrap = precedenceOf(u.operand) < UNARY_PRECEDENCE;
      const body = wrap ? `(${inner})` : inner;
      // avoid "--x" reading oddly; the lexer has no "--" but keep a space for clarity
      return u.op === '-' && body.startsWith('-') ? `- ${body}` : `${u.op}${body}`;
    },
    binary: (b) => {
      const p = PRECEDENCE[b.op];
      const l = printExpr(b.left);
      const r = printExpr(b.right);
      const left = precedenceOf(b.left) < p ? `(${l})` : l;
      const right = precedenceOf(b.right) <= p ? `(${r})` : r;
      return `${left} ${b.op} ${right}`;
    },
    call: (c) => `${c.name}(${c.args.map(printExpr).join(', ')})`,
  });
}
