import { RuleSyntaxError } from '../errors.ts';

export const CLAUSES = ['match', 'where', 'delete', 'create', 'set', 'param', 'allow', 'spo'] as const;
export type ClauseKeyword = (typeof CLAUSES)[number];

export interface Clause {
  readonly keyword: ClauseKeyword;
  /** Offset of the clause body in the whole text. */
  readonly start: number;
  readonly body: string;
}

export interface RuleText {
  readonly name: string;
  readonly start: number;
  readonly clauses: readonly Clause[];
  /** Set when the brackets do not balance: raised unless a clause reports a more precise error. */
  readonly error?: RuleSyntaxError;
}

/** 1-based line and column of an offset. */
export function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

export function syntaxError(text: string, offset: number, reason: string): RuleSyntaxError {
  const { line, column } = lineCol(text, offset);
  return new RuleSyntaxError(`parseRules: syntax error at line ${line}, column ${column}: ${reason}`, line, column);
}

const isId = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$]/.test(c);

/**
 * Splits rule texts into clauses. Clause keywords are recognised only at
 * bracket depth zero, outside strings and comments, and not after a `.`; the
 * clause bodies are then handed to the GQL parser.
 */
export function scanRules(text: string): RuleText[] {
  const rules: RuleText[] = [];
  let i = 0;
  const skip = (): void => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i])) i++;
      if (text.startsWith('//', i)) {
        while (i < text.length && text[i] !== '\n') i++;
      } else if (text.startsWith('/*', i)) {
        const j = text.indexOf('*/', i + 2);
        if (j < 0) throw syntaxError(text, i, 'unterminated comment');
        i = j + 2;
      } else return;
    }
  };
  const word = (): string => {
    const s = i;
    while (isId(text[i])) i++;
    return text.slice(s, i);
  };
  for (;;) {
    skip();
    if (i >= text.length) break;
    const at = i;
    if (word().toLowerCase() !== 'rule') throw syntaxError(text, at, `expected 'rule' but found '${text.slice(at, at + 10).split(/\s/)[0] || text[at]}'`);
    skip();
    const nameAt = i;
    const name = word();
    if (name === '' || !/^[A-Za-z_]/.test(name)) throw syntaxError(text, nameAt, 'expected a rule name');
    skip();
    if (text[i] !== '{') throw syntaxError(text, i, `expected '{' after the rule name`);
    i++;
    const clauses: Clause[] = [];
    let current: { keyword: ClauseKeyword; start: number } | null = null;
    let depth = 0;
    let closed = false;
    while (i < text.length) {
      const ch = text[i];
      if (ch === '"' || ch === "'" || ch === '`') {
        const q = ch;
        i++;
        while (i < text.length && text[i] !== q) i += text[i] === '\\' ? 2 : 1;
        if (i >= text.length) throw syntaxError(text, i, 'unterminated string');
        i++;
        continue;
      }
      if (text.startsWith('//', i) || text.startsWith('/*', i)) {
        skip();
        continue;
      }
      if (ch === '(' || ch === '[' || ch === '{') depth++;
      else if (ch === ')' || ch === ']' || (ch === '}' && depth > 0)) depth--;
      else if (ch === '}' && depth === 0) {
        if (current !== null) clauses.push({ ...current, body: text.slice(current.start, i) });
        i++;
        closed = true;
        break;
      } else if (depth === 0 && isId(ch) && !isId(text[i - 1]) && text[i - 1] !== '.') {
        const s = i;
        const w = word();
        const kw = w.toLowerCase() as ClauseKeyword;
        if ((CLAUSES as readonly string[]).includes(kw)) {
          if (current !== null) clauses.push({ ...current, body: text.slice(current.start, s) });
          else if (text.slice(nameAt, s).indexOf('{') !== text.slice(nameAt, s).lastIndexOf('{')) throw syntaxError(text, s, 'unexpected text');
          current = { keyword: kw, start: i };
        } else if (current === null) throw syntaxError(text, s, `expected a clause (${CLAUSES.join(', ')}) but found '${w}'`);
        continue;
      } else if (current === null && !/\s/.test(ch)) throw syntaxError(text, i, `expected a clause (${CLAUSES.join(', ')}) but found '${ch}'`);
      i++;
    }
    if (!closed) {
      // Unbalanced brackets: hand the text up to the last '}' to the parser, which locates the fault.
      const error = syntaxError(text, text.length, `rule "${name}" is missing its closing '}'`);
      const end = text.lastIndexOf('}');
      if (current === null || end < current.start) throw error;
      clauses.push({ ...current, body: text.slice(current.start, end) });
      rules.push({ name, start: at, clauses, error });
      break;
    }
    rules.push({ name, start: at, clauses });
  }
  return rules;
}
