import type { CstNode, IToken } from 'chevrotain';
import type { Expression, GraphPattern, Query } from '../ast.ts';
import { GqlSyntaxError } from '../errors.ts';
import { GqlGrammar } from './grammar.ts';
import { Case, End, LBrace, LBracket, LParen, RBrace, RBracket, RParen, tokenize } from './lexer.ts';
import { fromRecognitionException, syntaxErrorAt, syntaxErrorAtToken } from './syntax-error.ts';
import { expressionToAst } from './to-ast-expression.ts';
import { graphPatternToAst } from './to-ast-pattern.ts';
import { queryToAst } from './to-ast.ts';

/** Deepest nesting of brackets and CASE accepted; keeps recursion far from the stack limit. */
export const MAX_NESTING = 200;

let grammar: GqlGrammar | undefined;

const openers = new Set([LParen, LBracket, LBrace, Case]);
const closers = new Set([RParen, RBracket, RBrace, End]);

function checkNesting(tokens: readonly IToken[]): void {
  let depth = 0;
  for (const t of tokens) {
    if (openers.has(t.tokenType)) {
      if (++depth > MAX_NESTING) throw syntaxErrorAtToken(t, `nesting deeper than ${MAX_NESTING} levels`);
    } else if (closers.has(t.tokenType) && depth > 0) depth--;
  }
}

function run<T>(text: string, entry: (g: GqlGrammar) => CstNode, convert: (cst: CstNode) => T): T {
  try {
    if (typeof text !== 'string') throw syntaxErrorAt(0, 1, 1, 'query text must be a string', [], String(text));
    const tokens = tokenize(text);
    checkNesting(tokens);
    grammar ??= new GqlGrammar();
    grammar.input = tokens;
    const cst = entry(grammar);
    const error = grammar.errors[0];
    if (error !== undefined) throw fromRecognitionException(error);
    return convert(cst);
  } catch (e) {
    if (e instanceof GqlSyntaxError) throw e;
    const reason = e instanceof RangeError ? 'query is nested too deeply' : `internal parser error: ${e instanceof Error ? e.message : String(e)}`;
    throw syntaxErrorAt(0, 1, 1, reason, [], '');
  }
}

/**
 * Parses a query: `[AT TX n] clause… [UNION [ALL] clause…]…`.
 * @throws GqlSyntaxError (and nothing else) when the text is not a valid query.
 */
export function parse(text: string): Query {
  return run(text, (g) => g.query(), (cst) => queryToAst(cst, text));
}

/**
 * Parses a comma-separated list of path patterns, e.g. `(a:A)-[:T]->(b), (c)`.
 * @throws GqlSyntaxError
 */
export function parsePattern(text: string): GraphPattern {
  return run(text, (g) => g.patternList(), (cst) => graphPatternToAst(cst.children['graphPattern']![0] as CstNode));
}

/**
 * Parses a single expression, e.g. `a.x + 1 > $min`.
 * @throws GqlSyntaxError
 */
export function parseExpression(text: string): Expression {
  return run(text, (g) => g.standaloneExpression(), expressionToAst);
}
