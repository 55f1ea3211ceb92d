import { createToken, Lexer } from 'chevrotain';
import type { IToken, TokenType } from 'chevrotain';
import { syntaxErrorAt } from './syntax-error.ts';

// ---------------------------------------------------------------- trivia

const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\u00A0\uFEFF]+/, group: Lexer.SKIPPED });
const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: Lexer.SKIPPED });
const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED });

// ---------------------------------------------------------------- names

export const Identifier = createToken({
  name: 'Identifier',
  label: 'identifier',
  pattern: /[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\u00C0-\uFFFF]*/,
});
export const EscapedIdentifier = createToken({
  name: 'EscapedIdentifier',
  label: 'identifier',
  pattern: /`(?:[^`]|``)*`/,
});

/** Category shared by all keywords, so that labels, types and keys may be keywords. */
export const Keyword = createToken({ name: 'Keyword', pattern: Lexer.NA });

const keywords: TokenType[] = [];
function keyword(word: string): TokenType {
  const t = createToken({
    name: word,
    label: `'${word}'`,
    pattern: new RegExp(word, 'i'),
    longer_alt: Identifier,
    categories: [Keyword],
  });
  keywords.push(t);
  return t;
}

export const Match = keyword('MATCH');
export const Optional = keyword('OPTIONAL');
export const Where = keyword('WHERE');
export const With = keyword('WITH');
export const Return = keyword('RETURN');
export const Distinct = keyword('DISTINCT');
export const All = keyword('ALL');
export const As = keyword('AS');
export const Order = keyword('ORDER');
export const By = keyword('BY');
export const Ascending = keyword('ASCENDING');
export const Asc = keyword('ASC');
export const Descending = keyword('DESCENDING');
export const Desc = keyword('DESC');
export const Skip = keyword('SKIP');
export const Offset = keyword('OFFSET');
export const Limit = keyword('LIMIT');
export const Unwind = keyword('UNWIND');
export const Create = keyword('CREATE');
export const Merge = keyword('MERGE');
export const On = keyword('ON');
export const SetKw = keyword('SET');
export const Detach = keyword('DETACH');
export const Delete = keyword('DELETE');
export const Remove = keyword('REMOVE');
export const Union = keyword('UNION');
export const Or = keyword('OR');
export const Xor = keyword('XOR');
export const And = keyword('AND');
export const Not = keyword('NOT');
export const Is = keyword('IS');
export const Null = keyword('NULL');
export const True = keyword('TRUE');
export const False = keyword('FALSE');
export const In = keyword('IN');
export const Starts = keyword('STARTS');
export const Ends = keyword('ENDS');
export const Contains = keyword('CONTAINS');
export const Case = keyword('CASE');
export const When = keyword('WHEN');
export const Then = keyword('THEN');
export const Else = keyword('ELSE');
export const End = keyword('END');

// ---------------------------------------------------------------- literals

export const StringLiteral = createToken({
  name: 'StringLiteral',
  label: 'string',
  pattern: /'(?:[^'\\]|\\[\s\S])*'|"(?:[^"\\]|\\[\s\S])*"/,
});
export const FloatLiteral = createToken({
  name: 'FloatLiteral',
  label: 'number',
  pattern: /(?:\d+\.\d+(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)/,
});
export const HexInteger = createToken({ name: 'HexInteger', label: 'integer', pattern: /0x[0-9a-fA-F]+/ });
export const OctInteger = createToken({ name: 'OctInteger', label: 'integer', pattern: /0o[0-7]+/ });
export const DecimalInteger = createToken({ name: 'DecimalInteger', label: 'integer', pattern: /\d+/ });
export const Parameter = createToken({
  name: 'Parameter',
  label: 'parameter',
  pattern: /\$(?:[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\u00C0-\uFFFF]*|\d+|`(?:[^`]|``)*`)/,
});

// ---------------------------------------------------------------- punctuation

function punct(name: string, pattern: string): TokenType {
  return createToken({ name, label: `'${pattern}'`, pattern });
}

export const LParen = punct('LParen', '(');
export const RParen = punct('RParen', ')');
export const LBracket = punct('LBracket', '[');
export const RBracket = punct('RBracket', ']');
export const LBrace = punct('LBrace', '{');
export const RBrace = punct('RBrace', '}');
export const Comma = punct('Comma', ',');
export const DotDot = punct('DotDot', '..');
export const Dot = punct('Dot', '.');
export const Colon = punct('Colon', ':');
export const Semicolon = punct('Semicolon', ';');
export const Pipe = punct('Pipe', '|');
export const Ampersand = punct('Ampersand', '&');
export const Bang = punct('Bang', '!');
export const NotEquals = punct('NotEquals', '<>');
export const LessEquals = punct('LessEquals', '<=');
export const GreaterEquals = punct('GreaterEquals', '>=');
export const Less = punct('Less', '<');
export const Greater = punct('Greater', '>');
export const Equals = punct('Equals', '=');
export const PlusEquals = punct('PlusEquals', '+=');
export const Plus = punct('Plus', '+');
export const Minus = punct('Minus', '-');
export const Star = punct('Star', '*');
export const Slash = punct('Slash', '/');
export const Percent = punct('Percent', '%');
export const Caret = punct('Caret', '^');

/** All token types, in lexing priority order. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  StringLiteral,
  FloatLiteral,
  HexInteger,
  OctInteger,
  DecimalInteger,
  Parameter,
  DotDot,
  Dot,
  Keyword,
  // Longest first, so that `AS` does not shadow `ASC` nor `OR` shadow `ORDER`.
  ...[...keywords].sort((a, b) => String(b.PATTERN).length - String(a.PATTERN).length),
  Identifier,
  EscapedIdentifier,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Colon,
  Semicolon,
  Pipe,
  Ampersand,
  Bang,
  NotEquals,
  LessEquals,
  GreaterEquals,
  Less,
  Greater,
  Equals,
  PlusEquals,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Caret,
];

const lexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false });

const numberTokens = new Set<TokenType>([FloatLiteral, HexInteger, OctInteger, DecimalInteger]);

/** Splits query text into tokens, or throws `GqlSyntaxError` at the first bad character or number. */
export function tokenize(text: string): IToken[] {
  const result = lexer.tokenize(text);
  const lexError = result.errors[0];
  if (lexError !== undefined) {
    const ch = text.charAt(lexError.offset);
    const reason =
      ch === "'" || ch === '"' ? 'unterminated string literal' :
      ch === '`' ? 'unterminated escaped identifier' :
      ch === '/' && text.charAt(lexError.offset + 1) === '*' ? 'unterminated comment' :
      `unexpected character '${ch}'`;
    throw syntaxErrorAt(lexError.offset, lexError.line ?? 1, lexError.column ?? 1, reason, [], ch);
  }
  const tokens = result.tokens;
  // A number glued to a following name or number (`9223372h5`, `1B2`, `1.5.3`) is one bad literal.
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i]!;
    if (!numberTokens.has(t.tokenType)) continue;
    const next = tokens[i + 1]!;
    const glued = next.startOffset === (t.endOffset ?? t.startOffset) + 1;
    const wordy = next.tokenType === Identifier || next.tokenType === Keyword || keywords.includes(next.tokenType) || numberTokens.has(next.tokenType);
    if (glued && wordy) {
      const image = t.image + next.image;
      throw syntaxErrorAt(t.startOffset, t.startLine ?? 1, t.startColumn ?? 1, `invalid number literal '${image}'`, [], image);
    }
  }
  return tokens;
}
