/**
 * The commit log's format: `compactEntryJson` writes an entry, `loggedOp`
 * reads one op back (any format a log was ever written in), checked.
 */
import type { CommitEntry, Op } from '../backend.ts';
import type { EdgeRecord, Json, NodeRecord, Props } from '../types.ts';
import { isPlainObject } from './json.ts';
import { EdgeRec, NodeRec, sameLabels } from './records.ts';

/**
 * A commit entry as compact JSON text (format 3): `{tx, parentTx, time, meta,
 * ops}` where each op is an array, its first element saying what it is:
 *
 *     ["+n", id, labels, props?]          add a node (props left out when empty)
 *     ["+e", id, type, src, dst, props?]  add an edge
 *     ["~n", id, set, del?, labels?]      update a node: the top-level properties
 *                                         added or replaced with their new values,
 *                                         those removed (null when none but labels
 *                                         follow), and the labels if they changed
 *     ["~e", id, set, del?]               update an edge
 *     ["~N", id, changes, labels?]        update a node by paths: each change is
 *     ["~E", id, changes]                 [path, value] (set) or [path] (remove),
 *                                         a path the keys from a top-level
 *                                         property down; written when a change
 *                                         lies below the top level
 *     ["-n", id] / ["-e", id]             drop a node / an edge
 *
 * What it leaves out is the state before the op, which the store reading the
 * log takes from the version it is rebuilding (an op naming a record that
 * version does not hold is CORRUPT_BLOCK). Earlier logs hold ops as objects
 * (`{op: "dropNode", id}`, `{op: "updateNode", id, set, ...}`, or whole
 * records) and read the same (`loggedOp`); positional ops are a third shorter.
 * Paths keep a long-lived node's log proportional to what a step changed: an
 * Execution's `steps` gains one entry per step, and logging the whole object
 * each time made a workflow's log grow with the square of its steps.
 *
 * One `JSON.stringify` over the whole entry: a record's props serialise as
 * themselves, so only the small op arrays are built; a call per record, or
 * string concatenation, cost twice as much.
 */
export function compactEntryJson(c: CommitEntry): string {
  const ops = new Array<unknown>(c.ops.length);
  for (let i = 0; i < c.ops.length; i++) {
    const op = c.ops[i];
    switch (op.op) {
      case 'addNode': {
        const n = op.node;
        ops[i] = isEmpty(n.props) ? ['+n', n.id, n.labels] : ['+n', n.id, n.labels, n.props];
        break;
      }
      case 'addEdge': {
        const e = op.edge;
        ops[i] = isEmpty(e.props) ? ['+e', e.id, e.type, e.src, e.dst] : ['+e', e.id, e.type, e.src, e.dst, e.props];
        break;
      }
      case 'updateNode':
        ops[i] = updateDelta('~n', op.node.id, sameLabels(op.before.labels, op.node.labels) ? undefined : op.node.labels, op.before.props, op.node.props);
        break;
      case 'updateEdge':
        ops[i] = updateDelta('~e', op.edge.id, undefined, op.before.props, op.edge.props);
        break;
      case 'dropNode':
        ops[i] = ['-n', op.node.id];
        break;
      case 'dropEdge':
        ops[i] = ['-e', op.edge.id];
        break;
    }
  }
  // Key order is the format's: tx, parentTx, time, meta, ops, cid (undefined ones are left out).
  return JSON.stringify({ tx: c.tx, parentTx: c.parentTx, time: c.time, meta: c.meta, ops, cid: c.cid });
}

function isEmpty(props: Props): boolean {
  for (const _ in props) return false;
  return true;
}

/**
 * An update as the properties it set and removed. A value is compared by
 * reference: the store keeps an unchanged property's value when it merges
 * (`mergeNodeProps`), and the unchanged parts of a changed object value when
 * the caller built it from the old one, so a long-lived node (an Execution)
 * logs what a step changed, not its whole state; a value rebuilt equal is
 * logged again, which is larger but as exact. A property whose old and new
 * values are both objects is logged by the paths that changed inside it
 * (`["~N", ...]`).
 */
function updateDelta(code: '~n' | '~e', id: string, labels: readonly string[] | undefined, before: Props, after: Props): unknown[] {
  // No prototype: a property named __proto__ is a key like any other.
  const set: Record<string, Json> = Object.create(null);
  let del: string[] | undefined;
  let paths: unknown[] | undefined;
  for (const k in after) {
    const a = after[k];
    if (!hasOwn.call(before, k)) set[k] = a;
    else if (a !== before[k]) {
      const b = before[k];
      if (isObject(a) && isObject(b)) changesInto((paths ??= []), [k], b, a);
      else set[k] = a;
    }
  }
  for (const k in before) if (!hasOwn.call(after, k)) (del ??= []).push(k);
  if (paths !== undefined) {
    for (const k in set) paths.push([[k], set[k]]);
    if (del !== undefined) for (const k of del) paths.push([[k]]);
    const up = code === '~n' ? '~N' : '~E';
    return labels === undefined ? [up, id, paths] : [up, id, paths, labels];
  }
  if (labels !== undefined) return [code, id, set, del ?? null, labels];
  return del === undefined ? [code, id, set] : [code, id, set, del];
}

const hasOwn = Object.prototype.hasOwnProperty;

function isObject(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The changes from object `b` to object `a` (at `path`) as [path, value] and [path] entries. */
function changesInto(out: unknown[], path: string[], b: { [k: string]: Json }, a: { [k: string]: Json }): void {
  for (const k in a) {
    const av = a[k];
    if (!hasOwn.call(b, k)) out.push([[...path, k], av]);
    else if (av !== b[k]) {
      const bv = b[k];
      if (isObject(av) && isObject(bv)) changesInto(out, [...path, k], bv, av);
      else out.push([[...path, k], av]);
    }
  }
  for (const k in b) if (!hasOwn.call(a, k)) out.push([[...path, k]]);
}

/**
 * A logged op in the object form the reader takes (`LoggedOp`), checked: a
 * positional op (format 3) becomes one; an object op (earlier formats) is
 * returned as it is once its shape is right. Throws a plain Error naming what
 * is wrong for any other shape (the caller names the commit): a log is never
 * read into a wrong graph.
 */
export function loggedOp(op: unknown): LoggedOp {
  if (Array.isArray(op)) return positionalOp(op);
  if (!isPlainObject(op)) throw new Error(`an op is ${show(op)}`);
  const o = op as LoggedOp;
  const what = `op ${show(o.op)}`;
  switch (o.op) {
    case 'addNode':
      nodeRecord(what, o.node);
      break;
    case 'addEdge':
      edgeRecord(what, o.edge);
      break;
    case 'updateNode':
    case 'updateEdge':
      if (o.set === undefined) {
        if (o.op === 'updateNode') nodeRecord(what, o.node);
        else edgeRecord(what, o.edge);
      } else delta(what, o.id, o.set, o.del, o.labels);
      break;
    case 'dropNode':
    case 'dropEdge': {
      const rec = (o.op === 'dropNode' ? o.node : o.edge) as { id?: unknown } | undefined;
      const isRecord = rec instanceof NodeRec || rec instanceof EdgeRec || isPlainObject(rec);
      text(what, 'id', rec === undefined ? o.id : isRecord ? rec.id : rec);
      break;
    }
    default:
      throw new Error(`an op has kind ${show(o.op)}`);
  }
  return o;
}

function positionalOp(a: unknown[]): LoggedOp {
  const what = `op ${show(a[0])}`;
  const at = (i: number, name: string): string => text(what, name, a[i]);
  const propsAt = (i: number): Props => (a.length > i ? plain(what, 'props', a[i]) : {}) as Props;
  const arity = (min: number, max: number): void => {
    if (a.length < min || a.length > max) throw new Error(`${what} has ${a.length} elements`);
  };
  switch (a[0]) {
    case '+n':
      arity(3, 4);
      return { op: 'addNode', node: { id: at(1, 'id'), labels: strings(what, 'labels', a[2]), props: propsAt(3) } };
    case '+e':
      arity(5, 6);
      return { op: 'addEdge', edge: { id: at(1, 'id'), type: at(2, 'type'), src: at(3, 'src'), dst: at(4, 'dst'), props: propsAt(5) } };
    case '~n':
    case '~e': {
      arity(3, a[0] === '~n' ? 5 : 4);
      const del = a[3] === null || a[3] === undefined ? undefined : a[3];
      const out = { op: a[0] === '~n' ? 'updateNode' : 'updateEdge', id: a[1], set: a[2], del, labels: a[4] } as LoggedOp;
      delta(what, out.id, out.set, out.del, out.labels);
      return out;
    }
    case '~N':
    case '~E': {
      arity(3, a[0] === '~N' ? 4 : 3);
      if (a.length > 3) strings(what, 'labels', a[3]);
      return { op: a[0] === '~N' ? 'updateNode' : 'updateEdge', id: at(1, 'id'), paths: changeList(what, a[2]), labels: a[3] as string[] | undefined };
    }
    case '-n':
    case '-e':
      arity(2, 2);
      return { op: a[0] === '-n' ? 'dropNode' : 'dropEdge', id: at(1, 'id') };
    default:
      throw new Error(`an op starts with ${show(a[0])}`);
  }
}

// A record the store made (a commit not yet written, read back from the queue) is right as it is.
function nodeRecord(what: string, n: unknown): void {
  if (n instanceof NodeRec) return;
  const r = plain(what, 'node', n) as Record<string, unknown>;
  text(what, 'node id', r.id);
  strings(what, 'labels', r.labels);
  plain(what, 'props', r.props);
}

function edgeRecord(what: string, e: unknown): void {
  if (e instanceof EdgeRec) return;
  const r = plain(what, 'edge', e) as Record<string, unknown>;
  for (const k of ['id', 'type', 'src', 'dst']) text(what, `edge ${k}`, r[k]);
  plain(what, 'props', r.props);
}

/** A list of path changes, checked: each [path] or [path, value], each path one or more keys. */
function changeList(what: string, v: unknown): PathChange[] {
  // Empty when a value was rebuilt equal (an update that changed nothing in content, as `["~n", id, {}]`).
  if (!Array.isArray(v)) throw new Error(`${what} has changes ${show(v)}, not a list of changes`);
  for (const c of v) {
    if (!Array.isArray(c) || c.length < 1 || c.length > 2) throw new Error(`${what} has a change ${show(c)}, not [path] or [path, value]`);
    if (strings(what, 'path', c[0]).length === 0) throw new Error(`${what} has an empty path`);
  }
  return v as PathChange[];
}

function delta(what: string, id: unknown, set: unknown, del: unknown, labels: unknown): void {
  text(what, 'id', id);
  plain(what, 'set', set);
  if (del !== undefined) strings(what, 'del', del);
  if (labels !== undefined) strings(what, 'labels', labels);
}

function text(what: string, name: string, v: unknown): string {
  if (typeof v !== 'string') throw new Error(`${what} has ${name} ${show(v)}, not a string`);
  return v;
}

function strings(what: string, name: string, v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${what} has ${name} ${show(v)}, not a list of strings`);
  return v;
}

function plain(what: string, name: string, v: unknown): object {
  if (!isPlainObject(v)) throw new Error(`${what} has ${name} ${show(v)}, not an object`);
  return v as object;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

type Rec = NodeRecord | EdgeRecord;
/** An op as the reader takes it (`loggedOp`): full (records) or compact (an update without `before`, a drop by `id`). */
export type LoggedOp = { op: Op['op']; id?: string; node?: Rec; edge?: Rec; before?: Rec; labels?: string[]; set?: Record<string, Json>; del?: string[]; paths?: PathChange[] };
/** A change of an update by paths: [path, value] sets the value there, [path] removes the key. */
export type PathChange = readonly [path: readonly string[], value?: Json];

