import { ExpressionSyntaxError } from '../errors.ts';
import { node, PRECEDENCE, type BinaryOp, type ExprNode, type PathNode, type PathRoot, type PathSegment } from './expr-ast.ts';

type TokenKind = 'number' | 'string' | 'ident' | 'dollar' | 'punct' | 'eof';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly value?: number | string;
  /** 0-based offset into the source. */
  readonly pos: number;
}

const PUNCT = ['==', '!=', '<=', '>=', '&&', '||', '(', ')', '[', ']', ',', '.', '<', '>', '!', '+', '-', '*', '/', '%', '?'];

/** Functions of the language and their arity `[min, max]`. */
export const FUNCTION_ARITY: Readonly<Record<string, readonly [number, number]>> = {
  len: [1, 1],
  exists: [1, 1],
  lower: [1, 1],
  upper: [1, 1],
  contains: [2, 2],
  startsWith: [2, 2],
  endsWith: [2, 2],
};

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '/': '/', '\\': '\\', '"': '"', "'": "'" };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const err = (reason: string, pos: number): never => {
    throw new ExpressionSyntaxError(reason, src, pos + 1);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c)) {
      const m = /^(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(src.slice(i));
      if (!m) err(`malformed number`, i);
      i += m![0].length;
      if (i < src.length && /[A-Za-z_0-9]/.test(src[i]!)) err(`malformed number`, start);
      out.push({ kind: 'number', text: m![0], value: Number(m![0]), pos: start });
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      let s = '';
      for (;;) {
        if (i >= src.length) err('unterminated string', start);
        const d = src[i]!;
        if (d === c) {
          i++;
          break;
        }
        if (d === '\\') {
          const e = src[i + 1];
          if (e === undefined) err('unterminated string', start);
          if (e === 'u') {
            const hex = src.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) err('bad \\u escape in string', i);
            s += String.fromCharCode(parseInt(hex, 16));
            i += 6;
            continue;
          }
          const mapped = ESCAPES[e!];
          if (mapped === undefined) err(`unknown escape "\\${e}" in string`, i);
          s += mapped;
          i += 2;
          continue;
        }
        s += d;
        i++;
      }
      out.push({ kind: 'string', text: src.slice(start, i), value: s, pos: start });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      i += m[0].length;
      out.push({ kind: 'ident', text: m[0], pos: start });
      continue;
    }
    if (c === '$') {
      i++;
      out.push({ kind: 'dollar', text: '$', pos: start });
      continue;
    }
    const p = PUNCT.find((q) => src.startsWith(q, i));
    if (p === undefined) err(`unexpected character ${JSON.stringify(c)}`, i);
    i += p!.length;
    out.push({ kind: 'punct', text: p!, pos: start });
  }
  out.push({ kind: 'eof', text: '', pos: src.length });
  return out;
}

function describe(t: Token): string {
  return t.kind === 'eof' ? 'end of input' : JSON.stringify(t.text);
}

const BINARY_OPS = new Set(Object.keys(PRECEDENCE));

export interface ParseOptions {
  /** Path roots allowed after `$.`; default inputs, steps, vars. */
  readonly roots?: readonly PathRoot[];
}

const DEFAULT_ROOTS: readonly PathRoot[] = ['inputs', 'steps', 'vars'];

class Parser {
  private i = 0;
  private readonly toks: Token[];
  constructor(
    private readonly src: string,
    private readonly roots: readonly PathRoot[],
  ) {
    this.toks = tokenize(src);
  }

  private peek(): Token {
    return this.toks[this.i]!;
  }
  private next(): Token {
    return this.toks[this.i++]!;
  }
  fail(reason: string, t: Token = this.peek()): never {
    throw new ExpressionSyntaxError(reason, this.src, t.pos + 1);
  }
  private isPunct(text: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === text;
  }
  private expect(text: string): void {
    if (!this.isPunct(text)) this.fail(`expected "${text}" but found ${describe(this.peek())}`);
    this.i++;
  }
  atEnd(): boolean {
    return this.peek().kind === 'eof';
  }
  expectEnd(): void {
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(`unexpected ${describe(t)} after the end of the expression`);
  }

  private binaryOp(): BinaryOp | undefined {
    const t = this.peek();
    if (t.kind === 'punct' && BINARY_OPS.has(t.text)) return t.text as BinaryOp;
    if (t.kind === 'ident' && t.text === 'in') return 'in';
    return undefined;
  }

  expression(minPrec = 1): ExprNode {
    let left = this.unary();
    for (;;) {
      const op = this.binaryOp();
      if (op === undefined || PRECEDENCE[op] < minPrec) return left;
      this.i++;
      const right = this.expression(PRECEDENCE[op] + 1);
      left = node.binary(op, left, right);
    }
  }

  private unary(): ExprNode {
    if (this.isPunct('!') || this.isPunct('-')) {
      const op = this.next().text as '!' | '-';
      return node.unary(op, this.unary());
    }
    return this.primary();
  }

  private primary(): ExprNode {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.i++;
        return node.literal(t.value as number);
      case 'string':
        this.i++;
        return node.literal(t.value as string);
      case 'dollar':
        return this.path();
      case 'ident': {
        this.i++;
        if (t.text === 'true') return node.literal(true);
        if (t.text === 'false') return node.literal(false);
        if (t.text === 'null') return node.literal(null);
        if (this.isPunct('(')) return this.call(t);
        if (t.text === 'in') this.fail(`unexpected "in"`, t);
        this.fail(
          `unknown name ${JSON.stringify(t.text)} (paths start with "$.", e.g. "$.inputs.${t.text}"; a condition that is only a name is a registered predicate)`,
          t,
        );
      }
      // falls through: unreachable, fail() throws
      case 'punct':
        if (t.text === '(') {
          this.i++;
          const e = this.expression();
          this.expect(')');
          return e;
        }
        if (t.text === '[') {
          this.i++;
          const items: ExprNode[] = [];
          if (!this.isPunct(']')) {
            for (;;) {
              items.push(this.expression());
              if (!this.isPunct(',')) break;
              this.i++;
            }
          }
          this.expect(']');
          return node.array(items);
        }
        return this.fail(`unexpected ${describe(t)}`);
      case 'eof':
        return this.fail('unexpected end of input');
    }
  }

  private call(nameTok: Token): ExprNode {
    const arity = FUNCTION_ARITY[nameTok.text];
    if (arity === undefined || !Object.hasOwn(FUNCTION_ARITY, nameTok.text)) {
      this.fail(`unknown function ${JSON.stringify(nameTok.text)} (known: ${Object.keys(FUNCTION_ARITY).join(', ')})`, nameTok);
    }
    this.expect('(');
    const args: ExprNode[] = [];
    if (!this.isPunct(')')) {
      for (;;) {
        args.push(this.expression());
        if (!this.isPunct(',')) break;
        this.i++;
      }
    }
    this.expect(')');
    const [min, max] = arity!;
    if (args.length < min || args.length > max) {
      this.fail(`${nameTok.text}() takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}`, nameTok);
    }
    return node.call(nameTok.text, args);
  }

  path(): PathNode {
    const dollar = this.next();
    if (dollar.kind !== 'dollar') this.fail(`expected "$"`, dollar);
    if (!this.isPunct('.')) this.fail(`expected "." after "$" (e.g. "$.inputs.x")`);
    this.i++;
    const rootTok = this.next();
    if (rootTok.kind !== 'ident' || !(this.roots as readonly string[]).includes(rootTok.text)) {
      this.fail(`a path must start with ${this.roots.map((r) => `"$.${r}"`).join(', ')}; found ${describe(rootTok)}`, rootTok);
    }
    const segments: PathSegment[] = [];
    for (;;) {
      if (this.isPunct('.')) {
        this.i++;
        const f = this.next();
        if (f.kind !== 'ident') this.fail(`expected a field name after "." but found ${describe(f)}`, f);
        segments.push({ kind: 'field', name: f.text });
      } else if (this.isPunct('[')) {
        this.i++;
        const idx = this.expression();
        this.expect(']');
        segments.push({ kind: 'index', index: idx });
      } else break;
    }
    return node.path(rootTok.text as PathRoot, segments);
  }

  optionalMark(): boolean {
    if (this.isPunct('?')) {
      this.i++;
      return true;
    }
    return false;
  }
}

/** Parses a complete expression. Throws `ExpressionSyntaxError` (with a 1-based column). */
export function parseExpr(src: string, options: ParseOptions = {}): ExprNode {
  const p = new Parser(src, options.roots ?? DEFAULT_ROOTS);
  if (p.atEnd()) p.fail('empty expression');
  const e = p.expression();
  p.expectEnd();
  return e;
}

/** Parses a mapping path `$.a.b[0]`, optionally followed by `?`. */
export function parsePathText(src: string, options: ParseOptions = {}): { path: PathNode; optional: boolean } {
  const p = new Parser(src, options.roots ?? DEFAULT_ROOTS);
  const path = p.path();
  const optional = p.optionalMark();
  p.expectEnd();
  return { path, optional };
}
