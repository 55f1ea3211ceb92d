/** Parameter placeholders found in a SQL text, outside literals and comments. */
export interface Placeholders {
  /** `?` and `?NNN` (SQLite), `$1` ... (PostgreSQL). */
  readonly positional: number;
  /** `:name`, `@name`, `$name` (SQLite), without the sigil. */
  readonly named: ReadonlySet<string>;
}

/**
 * Scans `sql` for placeholders, skipping '...' strings, "..." identifiers,
 * `--` and block comments, and PostgreSQL dollar-quoted strings ($tag$...$tag$).
 * `::` (a PostgreSQL cast) is not a placeholder.
 */
export function scanPlaceholders(sql: string): Placeholders {
  let positional = 0;
  const named = new Set<string>();
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(sql, i, c);
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '?') {
      positional++;
      i++;
      while (i < n && isDigit(sql[i])) i++;
    } else if (c === '$') {
      if (isDigit(sql[i + 1] ?? '')) {
        positional++;
        i++;
        while (i < n && isDigit(sql[i])) i++;
      } else {
        const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
        if (tag !== null) {
          const end = sql.indexOf(tag[0], i + tag[0].length);
          i = end < 0 ? n : end + tag[0].length;
        } else {
          i = readName(sql, i + 1, named);
        }
      }
    } else if (c === ':' && sql[i + 1] === ':') {
      i += 2;
    } else if (c === ':' || c === '@') {
      i = readName(sql, i + 1, named);
    } else {
      i++;
    }
  }
  return { positional, named };
}

function skipQuoted(sql: string, start: number, q: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === q) {
      if (sql[i + 1] === q) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

function readName(sql: string, i: number, named: Set<string>): number {
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i));
  if (m === null) return i;
  named.add(m[0]);
  return i + m[0].length;
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
