import type { IToken } from 'chevrotain';
import { syntaxErrorAtToken } from './syntax-error.ts';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** The exact value of an integer token (`42`, `0x2A`, `0o52`). */
export function integerImageValue(image: string): bigint {
  return BigInt(image);
}

/** A number when it is a safe JS integer, the bigint otherwise; plus whether it leaves the int64 range. */
export function integerValue(v: bigint): { value: number | bigint; overflow: boolean } {
  const value = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  return { value, overflow: v > INT64_MAX || v < INT64_MIN };
}

const simpleEscapes: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** The value of a quoted string token, with escapes resolved (`\n`, `\uXXXX`, `\UXXXXXXXX`, …). */
export function decodeString(token: IToken): string {
  const body = token.image.slice(1, -1);
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = body[i + 1] ?? '';
    const simple = simpleEscapes[e];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    const width = e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const hex = body.slice(i + 2, i + 2 + width);
    if (width > 0 && /^[0-9a-fA-F]+$/.test(hex) && hex.length === width) {
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) throw syntaxErrorAtToken(token, `invalid escape sequence '\\${e}${hex}' in string literal`);
      out += String.fromCodePoint(cp);
      i += 1 + width;
      continue;
    }
    throw syntaxErrorAtToken(token, `invalid escape sequence '\\${e}' in string literal`);
  }
  return out;
}

/** A name as written: backquoted names lose their quotes and un-double inner backquotes. */
export function decodeName(image: string): string {
  return image.startsWith('`') ? image.slice(1, -1).replaceAll('``', '`') : image;
}

/** `$name` → `name`. */
export function decodeParameter(image: string): string {
  return decodeName(image.slice(1));
}
