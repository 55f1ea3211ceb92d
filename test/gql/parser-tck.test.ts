import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AstBuilder, compile, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin';
import { IdGenerator } from '@cucumber/messages';
import { describe, expect, it } from 'vitest';
import { GqlSyntaxError } from '../../src/gql/errors.ts';
import { parse } from '../../src/gql/parser/index.ts';
import type { AstNode } from '../../src/gql/ast.ts';

const tckRoot = fileURLToPath(new URL('../../../shared/tck/features', import.meta.url));

/** Compile-time errors that the parser reports itself; every other expected error is semantic. */
const parserErrors = new Set(['UnexpectedSyntax', 'InvalidNumberLiteral', 'InvalidRelationshipPattern']);
/** Literal range errors: the parser keeps the literal and sets `overflow`; the evaluator raises. */
const overflowErrors = new Set(['IntegerOverflow', 'FloatingPointOverflow']);

interface TckQuery {
  readonly where: string;
  readonly text: string;
  /** For the scenario's main query: the expected compile-time error detail, if any. */
  readonly compileError: string | null;
}

function featureFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? featureFiles(p) : p.endsWith('.feature') ? [p] : [];
  });
}

function loadQueries(): TckQuery[] {
  const out: TckQuery[] = [];
  const newId = IdGenerator.incrementing();
  for (const file of featureFiles(tckRoot).sort()) {
    const parser = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher());
    const doc = parser.parse(readFileSync(file, 'utf8'));
    const uri = relative(tckRoot, file);
    for (const pickle of compile(doc, uri, newId)) {
      const error = pickle.steps
        .map((s) => /SyntaxError should be raised at compile time: (\w+)/.exec(s.text)?.[1])
        .find((x) => x !== undefined);
      for (const step of pickle.steps) {
        const content = step.argument?.docString?.content;
        if (content === undefined) continue;
        const main = /^executing query:?$/.test(step.text.trim());
        const setup = /^having executed:?$/.test(step.text.trim());
        if (!main && !setup) continue;
        out.push({ where: `${uri}: ${pickle.name}`, text: content, compileError: main ? (error ?? null) : null });
      }
    }
  }
  return out;
}

function walk(n: unknown, visit: (n: AstNode) => void): void {
  if (Array.isArray(n)) for (const x of n) walk(x, visit);
  else if (n !== null && typeof n === 'object' && 'kind' in n) {
    visit(n as AstNode);
    for (const [k, v] of Object.entries(n)) if (k !== 'pos') walk(v, visit);
  }
}

const queries = loadQueries();

describe('parser on the openCypher TCK queries', () => {
  it('finds the TCK queries', () => {
    expect(queries.length).toBeGreaterThan(600);
  });

  it('parses every query whose scenario expects no syntax error from the parser', () => {
    const failures: string[] = [];
    for (const q of queries) {
      if (q.compileError !== null && parserErrors.has(q.compileError)) continue;
      try {
        parse(q.text);
      } catch (e) {
        failures.push(`${q.where}\n${q.text}\n${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('rejects with GqlSyntaxError every query whose scenario expects a syntax error', () => {
    const accepted: string[] = [];
    const expecting = queries.filter((q) => q.compileError !== null && parserErrors.has(q.compileError));
    expect(expecting.length).toBeGreaterThan(10);
    for (const q of expecting) {
      try {
        parse(q.text);
        accepted.push(`${q.where}\n${q.text}`);
      } catch (e) {
        expect(e).toBeInstanceOf(GqlSyntaxError);
        expect((e as GqlSyntaxError).code).toBe('GQL_SYNTAX');
      }
    }
    expect(accepted).toEqual([]);
  });

  it('flags out-of-range literals of the overflow scenarios', () => {
    const overflowing = queries.filter((q) => q.compileError !== null && overflowErrors.has(q.compileError));
    expect(overflowing.length).toBeGreaterThan(0);
    for (const q of overflowing) {
      let flagged = false;
      walk(parse(q.text), (n) => {
        if ((n.kind === 'IntegerLiteral' || n.kind === 'FloatLiteral') && n.overflow) flagged = true;
      });
      expect(flagged, q.where).toBe(true);
    }
  });
});
