import { EOF, tokenLabel } from 'chevrotain';
import type { IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from 'chevrotain';
import { GqlSyntaxError } from '../errors.ts';

/** Builds a `GqlSyntaxError` at a known place. */
export function syntaxErrorAt(
  offset: number,
  line: number,
  column: number,
  reason: string,
  expected: readonly string[],
  found: string,
): GqlSyntaxError {
  return new GqlSyntaxError({ offset, line, column, reason, expected, found });
}

/** Builds a `GqlSyntaxError` located at a token. */
export function syntaxErrorAtToken(token: IToken, reason: string): GqlSyntaxError {
  return syntaxErrorAt(token.startOffset, token.startLine ?? 1, token.startColumn ?? 1, reason, [], token.image);
}

/** What a rule stands for when none of its alternatives matched. */
const ruleDescriptions: Readonly<Record<string, string>> = {
  atom: 'an expression',
  expression: 'an expression',
  clause: 'a clause',
  query: 'a clause',
  singleQuery: 'a clause',
  nodePattern: 'a node pattern',
  edgePattern: 'a relationship pattern',
  labelPrimary: 'a label',
  symbolicName: 'a name',
  variable: 'a variable',
};

/** Details computed while chevrotain builds its exception, carried in the message as JSON. */
interface Encoded {
  readonly expected: readonly string[];
  readonly found: string;
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

function located(actual: IToken, previous: IToken | undefined): Omit<Encoded, 'expected'> {
  if (actual.tokenType !== EOF) {
    return { found: `'${actual.image}'`, offset: actual.startOffset, line: actual.startLine ?? 1, column: actual.startColumn ?? 1 };
  }
  if (previous === undefined || previous.tokenType === EOF || Number.isNaN(previous.startOffset)) {
    return { found: 'end of input', offset: 0, line: 1, column: 1 };
  }
  return {
    found: 'end of input',
    offset: (previous.endOffset ?? previous.startOffset) + 1,
    line: previous.endLine ?? previous.startLine ?? 1,
    column: (previous.endColumn ?? previous.startColumn ?? 0) + 1,
  };
}

function labels(types: Iterable<TokenType>): string[] {
  const out = new Set<string>();
  for (const t of types) out.add(t === EOF ? 'end of input' : tokenLabel(t));
  return [...out];
}

function firstTokens(paths: readonly (readonly TokenType[])[]): TokenType[] {
  const out: TokenType[] = [];
  for (const p of paths) if (p[0] !== undefined) out.push(p[0]);
  return out;
}

function encode(e: Encoded): string {
  return JSON.stringify(e);
}

/** Message provider whose messages are JSON, decoded by `fromRecognitionException`. */
export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous }) {
    return encode({ expected: labels([expected]), ...located(actual, previous) });
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return encode({ expected: ['end of input'], ...located(firstRedundant, undefined) });
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, previous, ruleName }) {
    const description = ruleDescriptions[ruleName];
    const expected = description !== undefined ? [description] : labels(firstTokens(expectedPathsPerAlt.flat()));
    return encode({ expected, ...located(actual[0] ?? previous, previous) });
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, previous, ruleName }) {
    const description = ruleDescriptions[ruleName];
    const expected = description !== undefined ? [description] : labels(firstTokens(expectedIterationPaths));
    return encode({ expected, ...located(actual[0] ?? previous, previous) });
  },
};

function describeExpected(expected: readonly string[]): string {
  if (expected.length === 0) return 'something else';
  if (expected.length === 1) return expected[0]!;
  if (expected.length <= 8) return `one of ${expected.join(', ')}`;
  return `one of ${expected.slice(0, 8).join(', ')}, …`;
}

/** Turns a chevrotain parse exception (with a message from `errorMessageProvider`) into a `GqlSyntaxError`. */
export function fromRecognitionException(e: IRecognitionException): GqlSyntaxError {
  let info: Encoded;
  try {
    info = JSON.parse(e.message) as Encoded;
  } catch {
    const t = e.token;
    info = { expected: [], ...located(t, undefined) };
  }
  return syntaxErrorAt(
    info.offset,
    info.line,
    info.column,
    `expected ${describeExpected(info.expected)} but found ${info.found}`,
    info.expected,
    info.found === 'end of input' ? info.found : info.found.slice(1, -1),
  );
}
