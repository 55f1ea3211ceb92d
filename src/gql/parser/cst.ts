import type { CstElement, CstNode, IToken } from 'chevrotain';
import type { AstNode, SourcePosition } from '../ast.ts';

/** Small typed accessors over chevrotain's loosely typed CST. */

const none: readonly CstElement[] = Object.freeze([]);

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

export function subnodes(c: CstNode, key: string): CstNode[] {
  return (c.children[key] ?? none).filter((e): e is CstNode => !isToken(e));
}

export function toks(c: CstNode, key: string): IToken[] {
  return (c.children[key] ?? none).filter(isToken);
}

export function subnode(c: CstNode, key: string): CstNode | undefined {
  return subnodes(c, key)[0];
}

export function tok(c: CstNode, key: string): IToken | undefined {
  return toks(c, key)[0];
}

export function has(c: CstNode, key: string): boolean {
  return (c.children[key]?.length ?? 0) > 0;
}

/** A child that the grammar guarantees; its absence is a bug in the parser, not in the query. */
export function req(c: CstNode, key: string): CstNode {
  const n = subnode(c, key);
  if (n === undefined) throw new Error(`GQL parser: missing '${key}' in ${c.name}`);
  return n;
}

export function reqTok(c: CstNode, key: string): IToken {
  const t = tok(c, key);
  if (t === undefined) throw new Error(`GQL parser: missing '${key}' in ${c.name}`);
  return t;
}

export function posOf(e: CstElement): SourcePosition {
  if (isToken(e)) return Object.freeze({ offset: e.startOffset, line: e.startLine ?? 1, column: e.startColumn ?? 1 });
  const l = e.location;
  return Object.freeze({ offset: l?.startOffset ?? 0, line: l?.startLine ?? 1, column: l?.startColumn ?? 1 });
}

/** The source text a CST node spans. */
export function textOf(src: string, c: CstNode): string {
  const l = c.location;
  if (l === undefined || Number.isNaN(l.startOffset)) return '';
  return src.slice(l.startOffset, (l.endOffset ?? l.startOffset) + 1);
}

/** Freezes an AST node (shallow; arrays handed in are frozen by the caller via `list`). */
export function mk<T extends AstNode>(n: T): T {
  return Object.freeze(n);
}

export function list<T>(xs: T[]): readonly T[] {
  return Object.freeze(xs);
}
