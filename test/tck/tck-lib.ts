/**
 * A Gherkin runner for the openCypher TCK: used by `run.ts` (CLI) and
 * `tck.test.ts` (vitest). Each scenario runs on a fresh in-memory store.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AstBuilder, compile, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin';
import { IdGenerator } from '@cucumber/messages';
import type { Pickle, PickleStep } from '@cucumber/messages';
import { Store } from '../../src/graph/index.ts';
import type { GraphView } from '../../src/graph/index.ts';
import { GqlError, GqlSyntaxError } from '../../src/gql/errors.ts';
import { GqlEvalError } from '../../src/gql/eval-errors.ts';
import { executeRaw } from '../../src/gql/query.ts';
import type { RawResult } from '../../src/gql/query.ts';
import type { Value } from '../../src/gql/eval/values.ts';
import { fromEngine, multisetEqual, parseTckValue, showTck, tckEqual, toEngine } from './tck-values.ts';
import type { TckValue } from './tck-values.ts';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const defaultFeaturesDir = resolve(projectRoot, '../shared/tck/features');

export interface Scenario {
  /** `feature-file-relative-path:scenario name[:example index]` */
  readonly id: string;
  readonly file: string;
  readonly pickle: Pickle;
}

export interface ScenarioResult {
  readonly id: string;
  readonly file: string;
  readonly passed: boolean;
  readonly message?: string;
}

function featureFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? featureFiles(p) : p.endsWith('.feature') ? [p] : [];
    });
}

export function loadScenarios(featuresDir: string = defaultFeaturesDir): Scenario[] {
  const out: Scenario[] = [];
  const newId = IdGenerator.incrementing();
  for (const file of featureFiles(featuresDir)) {
    const parser = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher());
    const doc = parser.parse(readFileSync(file, 'utf8'));
    const uri = relative(featuresDir, file);
    const perScenario = new Map<string, number>();
    for (const pickle of compile(doc, uri, newId)) {
      let id = `${uri}:${pickle.name}`;
      if (pickle.astNodeIds.length > 1) {
        const k = (perScenario.get(pickle.astNodeIds[0]) ?? 0) + 1;
        perScenario.set(pickle.astNodeIds[0], k);
        id += `:${k}`;
      }
      out.push({ id, file: uri, pickle });
    }
  }
  return out;
}

class Failure extends Error {}

interface GraphState {
  readonly nodes: number;
  readonly rels: number;
  readonly labels: Set<string>;
  readonly props: Map<string, string>;
}

function graphState(view: GraphView): GraphState {
  const labels = new Set<string>();
  const props = new Map<string, string>();
  view.forEachNode((n) => {
    for (const l of n.labels) labels.add(l);
    for (const [k, v] of Object.entries(n.props)) props.set(`n${n.id}.${k}`, JSON.stringify(v));
  });
  view.forEachEdge((e) => {
    for (const [k, v] of Object.entries(e.props)) props.set(`e${e.id}.${k}`, JSON.stringify(v));
  });
  return { nodes: view.nodeCount, rels: view.edgeCount, labels, props };
}

function sideEffects(a: GraphState, b: GraphState): Map<string, number> {
  const m = new Map<string, number>();
  const put = (k: string, n: number): void => void (n > 0 && m.set(k, n));
  put('+nodes', Math.max(0, b.nodes - a.nodes));
  put('-nodes', Math.max(0, a.nodes - b.nodes));
  put('+relationships', Math.max(0, b.rels - a.rels));
  put('-relationships', Math.max(0, a.rels - b.rels));
  put('+labels', [...b.labels].filter((l) => !a.labels.has(l)).length);
  put('-labels', [...a.labels].filter((l) => !b.labels.has(l)).length);
  let added = 0;
  let removed = 0;
  for (const [k, v] of b.props) {
    const w = a.props.get(k);
    if (w === undefined) added++;
    else if (w !== v) {
      added++;
      removed++;
    }
  }
  for (const k of a.props.keys()) if (!b.props.has(k)) removed++;
  put('+properties', added);
  put('-properties', removed);
  return m;
}

const parserDetails = new Set(['UnexpectedSyntax', 'InvalidNumberLiteral', 'InvalidRelationshipPattern', 'InvalidUnicodeLiteral', 'InvalidUnicodeCharacter']);

function table(step: PickleStep): string[][] {
  return step.argument?.dataTable?.rows.map((r) => r.cells.map((c) => c.value)) ?? [];
}

function showRow(r: readonly TckValue[]): string {
  return `| ${r.map(showTck).join(' | ')} |`;
}

/** Runs one scenario; never throws. */
export function runScenario(s: Scenario, featuresDir: string = defaultFeaturesDir): ScenarioResult {
  const store = new Store();
  const params = new Map<string, Value>();
  let result: RawResult | null = null;
  let error: unknown = null;
  let before: GraphState | null = null;
  try {
    for (const step of s.pickle.steps) {
      const text = step.text.trim();
      let m: RegExpExecArray | null;
      if (text === 'an empty graph' || text === 'any graph') continue;
      if ((m = /^the (.+) graph$/.exec(text)) !== null) {
        const name = m[1];
        const file = join(featuresDir, '..', 'graphs', name, `${name}.cypher`);
        if (!existsSync(file)) throw new Failure(`graph ${name} not found at ${file}`);
        executeRaw(store, readFileSync(file, 'utf8'));
        continue;
      }
      if (/^having executed:?$/.test(text)) {
        executeRaw(store, step.argument!.docString!.content, params);
        continue;
      }
      if (/^parameters are:?$/.test(text)) {
        for (const [k, v] of table(step)) params.set(k, toEngine(parseTckValue(v)));
        continue;
      }
      if (/^executing (control )?query:?$/.test(text)) {
        before = graphState(store.head());
        try {
          result = executeRaw(store, step.argument!.docString!.content, params);
          error = null;
        } catch (e) {
          error = e;
          result = null;
        }
        continue;
      }
      if ((m = /^an? (\w+) should be raised at (\w+(?: time)?): (\w+)$/.exec(text)) !== null) {
        const [, type, phase, detail] = m;
        if (error === null) throw new Failure(`expected ${type}: ${detail}, but the query succeeded`);
        if (!(error instanceof GqlError)) throw new Failure(`expected ${type}: ${detail}, got a non-GQL error: ${String(error)}`);
        if (error instanceof GqlSyntaxError) {
          if (type !== 'SyntaxError' || !parserDetails.has(detail)) throw new Failure(`expected ${type}: ${detail}, got ${error.message}`);
        } else if (error instanceof GqlEvalError) {
          if (error.detail !== detail) throw new Failure(`expected ${type}: ${detail}, got ${error.tckType}: ${error.detail} (${error.message})`);
          if (error.phase !== (phase === 'compile time' ? 'compile' : 'runtime')) throw new Failure(`expected ${detail} at ${phase}, got it at ${error.phase}`);
        } else throw new Failure(`expected ${type}: ${detail}, got ${error.message}`);
        error = null;
        continue;
      }
      if (error !== null) throw error;
      if (/^the result should be empty$/.test(text)) {
        if (result === null) throw new Failure('no query ran');
        if (result.rows.length !== 0) throw new Failure(`expected no rows, got ${result.rows.length}`);
        continue;
      }
      if ((m = /^the result should be(?:, in (any order|order))?(?: \(ignoring element order for lists\))?:$/.exec(text)) !== null) {
        if (result === null) throw new Failure('no query ran');
        const ordered = m[1] === 'order';
        const unorderedLists = text.includes('ignoring element order for lists');
        const rows = table(step);
        const header = rows[0] ?? [];
        const cols = header.map((h) => result!.columns.indexOf(h));
        if (header.length !== result.columns.length || cols.some((c) => c < 0)) throw new Failure(`expected columns ${header.join(', ')}, got ${result.columns.join(', ')}`);
        const view = store.head();
        const expected = rows.slice(1).map((r) => r.map(parseTckValue));
        const actual = result.rows.map((r) => cols.map((c) => fromEngine(r[c], view)));
        const rowEq = (a: readonly TckValue[], b: readonly TckValue[]): boolean => a.every((x, i) => tckEqual(x, b[i], unorderedLists));
        const ok = ordered ? expected.length === actual.length && expected.every((r, i) => rowEq(r, actual[i])) : multisetEqual(expected, actual, rowEq);
        if (!ok) throw new Failure(`result mismatch\nexpected:\n${expected.map(showRow).join('\n')}\nactual:\n${actual.map(showRow).join('\n')}`);
        continue;
      }
      if (text === 'no side effects' || /^the side effects should be:?$/.test(text)) {
        if (before === null) throw new Failure('no query ran');
        const got = sideEffects(before, graphState(store.head()));
        const want = new Map(table(step).map(([k, v]) => [k.trim(), Number(v)] as const));
        const same = got.size === want.size && [...want].every(([k, v]) => got.get(k) === v);
        if (!same) throw new Failure(`side effects: expected ${JSON.stringify([...want])}, got ${JSON.stringify([...got])}`);
        continue;
      }
      throw new Failure(`unsupported step: ${text}`);
    }
    if (error !== null) throw error;
    return { id: s.id, file: s.file, passed: true };
  } catch (e) {
    return { id: s.id, file: s.file, passed: false, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

export function runAll(featuresDir: string = defaultFeaturesDir, only?: ReadonlySet<string>): ScenarioResult[] {
  return loadScenarios(featuresDir)
    .filter((s) => only === undefined || only.has(s.id))
    .map((s) => runScenario(s, featuresDir));
}

export const passingFile = join(projectRoot, 'test/tck/passing.txt');

export function readPassing(): string[] {
  if (!existsSync(passingFile)) return [];
  return readFileSync(passingFile, 'utf8')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '' && !l.startsWith('#'));
}
