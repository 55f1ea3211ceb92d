import { readFileSync } from 'node:fs';
import type { Json } from '../graph/index.ts';
import { CliError } from './errors.ts';

/**
 * Parses an option value that is JSON text or `@file` (a JSON file).
 * `what` names the option in messages (`--input`).
 */
export function parseJsonArg(what: string, value: string): Json {
  let text = value;
  let where = what;
  if (value.startsWith('@')) {
    const file = value.slice(1);
    where = `${what} ${file}`;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new CliError('USAGE', `${where}: no such file`);
    }
  }
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new CliError('USAGE', `${where}: not valid JSON (${(e as Error).message})`);
  }
}

/** Like parseJsonArg, but a value that is not JSON is taken as a plain string (for payloads). */
export function parsePayload(what: string, value: string | undefined): Json {
  if (value === undefined) return null;
  if (value.startsWith('@')) return parseJsonArg(what, value);
  try {
    return JSON.parse(value) as Json;
  } catch {
    return value;
  }
}

/** `name=value` (value optional). */
export function splitAssignment(what: string, s: string): { name: string; value: string | undefined } {
  const i = s.indexOf('=');
  const name = i < 0 ? s : s.slice(0, i);
  if (name.trim() === '') throw new CliError('USAGE', `${what} ${JSON.stringify(s)}: expected name=value`);
  return { name, value: i < 0 ? undefined : s.slice(i + 1) };
}

/** Parses a non-negative integer option. */
export function parseTxArg(what: string, s: string): number {
  if (!/^\d+$/.test(s)) throw new CliError('USAGE', `${what} ${JSON.stringify(s)}: expected a TxId (a non-negative integer)`);
  return Number(s);
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
