/**
 * The TCK's value syntax (result tables, parameters) and its comparison
 * rules: integers and floats are distinct, lists ordered unless asked
 * otherwise, nodes and relationships compared by labels/type and properties.
 */
import type { EdgeRecord, GraphView, NodeRecord } from '../../src/graph/index.ts';
import { Float, PathValue, fromJson, isNode } from '../../src/gql/eval/values.ts';
import type { Value } from '../../src/gql/eval/values.ts';

export type TckValue =
  | { readonly t: 'null' }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'int'; readonly v: bigint }
  | { readonly t: 'float'; readonly v: number }
  | { readonly t: 'string'; readonly v: string }
  | { readonly t: 'list'; readonly v: readonly TckValue[] }
  | { readonly t: 'map'; readonly v: ReadonlyMap<string, TckValue> }
  | { readonly t: 'node'; readonly labels: readonly string[]; readonly props: ReadonlyMap<string, TckValue> }
  | { readonly t: 'rel'; readonly type: string; readonly props: ReadonlyMap<string, TckValue> }
  | { readonly t: 'path'; readonly start: TckValue; readonly steps: readonly { readonly rel: TckValue; readonly forward: boolean; readonly node: TckValue }[] };

class Reader {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }
  peek(): string {
    this.ws();
    return this.s[this.i] ?? '';
  }
  eat(c: string): void {
    this.ws();
    if (!this.s.startsWith(c, this.i)) throw new Error(`TCK value: expected ${c} at ${this.i} in ${this.s}`);
    this.i += c.length;
  }
  tryEat(c: string): boolean {
    this.ws();
    if (this.s.startsWith(c, this.i)) {
      this.i += c.length;
      return true;
    }
    return false;
  }
  name(): string {
    this.ws();
    if (this.s[this.i] === '`') {
      const j = this.s.indexOf('`', this.i + 1);
      const n = this.s.slice(this.i + 1, j);
      this.i = j + 1;
      return n;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i));
    if (m === null) throw new Error(`TCK value: expected a name at ${this.i} in ${this.s}`);
    this.i += m[0].length;
    return m[0];
  }
}

export function parseTckValue(text: string): TckValue {
  const r = new Reader(text.trim());
  const v = value(r);
  r.ws();
  if (r.i !== r.s.length) throw new Error(`TCK value: trailing text in ${text}`);
  return v;
}

function props(r: Reader): Map<string, TckValue> {
  const m = new Map<string, TckValue>();
  r.eat('{');
  if (r.tryEat('}')) return m;
  do {
    const k = r.name();
    r.eat(':');
    m.set(k, value(r));
  } while (r.tryEat(','));
  r.eat('}');
  return m;
}

function node(r: Reader): TckValue {
  r.eat('(');
  const labels: string[] = [];
  while (r.tryEat(':')) labels.push(r.name());
  const p = r.peek() === '{' ? props(r) : new Map<string, TckValue>();
  r.eat(')');
  return { t: 'node', labels: labels.sort(), props: p };
}

function rel(r: Reader): TckValue {
  r.eat('[');
  r.eat(':');
  const type = r.name();
  const p = r.peek() === '{' ? props(r) : new Map<string, TckValue>();
  r.eat(']');
  return { t: 'rel', type, props: p };
}

function value(r: Reader): TckValue {
  const c = r.peek();
  const rest = r.s.slice(r.i);
  if (c === '(') return node(r);
  if (c === '<') {
    r.eat('<');
    const start = node(r);
    const steps: { rel: TckValue; forward: boolean; node: TckValue }[] = [];
    while (r.peek() !== '>') {
      const back = r.tryEat('<-');
      if (!back) r.eat('-');
      const e = rel(r);
      const forward = !back;
      if (forward) r.eat('->');
      else r.eat('-');
      steps.push({ rel: e, forward, node: node(r) });
    }
    r.eat('>');
    return { t: 'path', start, steps };
  }
  if (c === '[') {
    // A relationship `[:T]` or a list.
    if (/^\[\s*:/.test(rest)) return rel(r);
    r.eat('[');
    const xs: TckValue[] = [];
    if (!r.tryEat(']')) {
      do xs.push(value(r));
      while (r.tryEat(','));
      r.eat(']');
    }
    return { t: 'list', v: xs };
  }
  if (c === '{') return { t: 'map', v: props(r) };
  if (c === "'" || c === '"') {
    let i = r.i + 1;
    let out = '';
    while (r.s[i] !== c) {
      if (r.s[i] === '\\') {
        const n = r.s[i + 1];
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
        i += 2;
      } else out += r.s[i++];
    }
    r.i = i + 1;
    return { t: 'string', v: out };
  }
  const kw = /^(null|true|false|NaN|-?Infinity)\b/.exec(rest);
  if (kw !== null) {
    r.i += kw[0].length;
    if (kw[0] === 'null') return { t: 'null' };
    if (kw[0] === 'true' || kw[0] === 'false') return { t: 'bool', v: kw[0] === 'true' };
    return { t: 'float', v: Number(kw[0]) };
  }
  const m = /^-?(\d+\.\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|\d+[eE][-+]?\d+|\d+)/.exec(rest);
  if (m !== null) {
    r.i += m[0].length;
    return /^-?\d+$/.test(m[0]) ? { t: 'int', v: BigInt(m[0]) } : { t: 'float', v: Number(m[0]) };
  }
  throw new Error(`TCK value: cannot read ${rest}`);
}

function propsOf(p: { readonly [k: string]: unknown }): Map<string, TckValue> {
  const m = new Map<string, TckValue>();
  for (const [k, v] of Object.entries(p)) m.set(k, fromEngine(fromJson(v as never), undefined));
  return m;
}

/** An engine value in the TCK's terms. */
export function fromEngine(v: Value, view: GraphView | undefined): TckValue {
  if (v === null) return { t: 'null' };
  switch (typeof v) {
    case 'boolean':
      return { t: 'bool', v };
    case 'number':
    case 'bigint':
      return { t: 'int', v: BigInt(v) };
    case 'string':
      return { t: 'string', v };
  }
  if (v instanceof Float) return { t: 'float', v: v.v };
  if (Array.isArray(v)) return { t: 'list', v: v.map((x) => fromEngine(x, view)) };
  if (v instanceof Map) return { t: 'map', v: new Map([...v].map(([k, x]) => [k, fromEngine(x, view)])) };
  if (v instanceof PathValue) {
    const steps = v.edges.map((e, i) => ({ rel: fromEngine(e, view), forward: e.src === v.nodes[i].id, node: fromEngine(v.nodes[i + 1], view) }));
    return { t: 'path', start: fromEngine(v.nodes[0], view), steps };
  }
  if (isNode(v)) return { t: 'node', labels: [...(v as NodeRecord).labels].sort(), props: propsOf(v.props) };
  const e = v as EdgeRecord;
  return { t: 'rel', type: e.type, props: propsOf(e.props) };
}

function floatEq(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}

function mapEq(a: ReadonlyMap<string, TckValue>, b: ReadonlyMap<string, TckValue>, unordered: boolean): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || !tckEqual(v, w, unordered)) return false;
  }
  return true;
}

/** TCK equality; `unorderedLists`: lists compared as multisets. */
export function tckEqual(a: TckValue, b: TckValue, unorderedLists = false): boolean {
  if (a.t !== b.t) return false;
  switch (a.t) {
    case 'null':
      return true;
    case 'bool':
    case 'int':
    case 'string':
      return a.v === (b as typeof a).v;
    case 'float':
      return floatEq(a.v, (b as typeof a).v);
    case 'list': {
      const y = (b as typeof a).v;
      if (a.v.length !== y.length) return false;
      if (!unorderedLists) return a.v.every((x, i) => tckEqual(x, y[i], unorderedLists));
      return multisetEqual(a.v, y, (p, q) => tckEqual(p, q, true));
    }
    case 'map':
      return mapEq(a.v, (b as typeof a).v, unorderedLists);
    case 'node': {
      const y = b as typeof a;
      return a.labels.join(':') === y.labels.join(':') && mapEq(a.props, y.props, unorderedLists);
    }
    case 'rel': {
      const y = b as typeof a;
      return a.type === y.type && mapEq(a.props, y.props, unorderedLists);
    }
    case 'path': {
      const y = b as typeof a;
      return (
        tckEqual(a.start, y.start) &&
        a.steps.length === y.steps.length &&
        a.steps.every((s, i) => s.forward === y.steps[i].forward && tckEqual(s.rel, y.steps[i].rel) && tckEqual(s.node, y.steps[i].node))
      );
    }
  }
}

/** Whether two lists hold the same elements with the same multiplicities. */
export function multisetEqual<T>(a: readonly T[], b: readonly T[], eq: (x: T, y: T) => boolean): boolean {
  if (a.length !== b.length) return false;
  const used = new Array<boolean>(b.length).fill(false);
  outer: for (const x of a) {
    for (let j = 0; j < b.length; j++) {
      if (!used[j] && eq(x, b[j])) {
        used[j] = true;
        continue outer;
      }
    }
    return false;
  }
  return true;
}

export function showTck(v: TckValue): string {
  switch (v.t) {
    case 'null':
      return 'null';
    case 'bool':
      return String(v.v);
    case 'int':
      return v.v.toString();
    case 'float':
      return Number.isInteger(v.v) ? v.v.toFixed(1) : String(v.v);
    case 'string':
      return `'${v.v}'`;
    case 'list':
      return `[${v.v.map(showTck).join(', ')}]`;
    case 'map':
      return `{${[...v.v].map(([k, x]) => `${k}: ${showTck(x)}`).join(', ')}}`;
    case 'node':
      return `(${v.labels.map((l) => ':' + l).join('')}${v.props.size ? ' ' + showTck({ t: 'map', v: v.props }) : ''})`;
    case 'rel':
      return `[:${v.type}${v.props.size ? ' ' + showTck({ t: 'map', v: v.props }) : ''}]`;
    case 'path':
      return `<${showTck(v.start)}${v.steps.map((s) => (s.forward ? `-${showTck(s.rel)}->` : `<-${showTck(s.rel)}-`) + showTck(s.node)).join('')}>`;
  }
}

/** A TCK parameter value as an engine value. */
export function toEngine(v: TckValue): Value {
  switch (v.t) {
    case 'null':
      return null;
    case 'bool':
    case 'string':
      return v.v;
    case 'int':
      return v.v >= BigInt(Number.MIN_SAFE_INTEGER) && v.v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.v) : v.v;
    case 'float':
      return new Float(v.v);
    case 'list':
      return v.v.map(toEngine);
    case 'map':
      return new Map([...v.v].map(([k, x]) => [k, toEngine(x)]));
    default:
      throw new Error(`TCK parameter of kind ${v.t} is not supported`);
  }
}
