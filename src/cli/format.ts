/** Plain-text renderings of query results and event lists: table, CSV, JSON. */

export type Format = 'table' | 'json' | 'csv';

export const FORMATS: readonly Format[] = ['table', 'json', 'csv'];

/** JSON.stringify that writes bigints as numbers (GQL integers can be bigints). */
export function toJson(value: unknown, indent?: number, sortKeys = false): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
      if (sortKeys && v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      return v;
    },
    indent,
  );
}

/** A cell as text: strings bare, everything else as JSON. */
export function cellText(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return toJson(v);
}

const MAX_CELL = 80;

/** An aligned text table; long cells are shortened with an ellipsis (use json or csv for full values). */
export function renderTable(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const text = rows.map((r) => r.map((v) => {
    const t = cellText(v).replace(/\s*\n\s*/g, ' ');
    return t.length > MAX_CELL ? `${t.slice(0, MAX_CELL - 1)}…` : t;
  }));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [line(columns), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)];
  return `${out.join('\n')}\n`;
}

function csvCell(v: unknown): string {
  const t = cellText(v);
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** RFC 4180 CSV with a header line. */
export function renderCsv(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [columns, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** JSON: one object per row, keyed by column. */
export function renderJsonRows(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return `${toJson(rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]]))), 2)}\n`;
}

export function render(format: Format, columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  switch (format) {
    case 'table':
      return renderTable(columns, rows);
    case 'csv':
      return renderCsv(columns, rows);
    case 'json':
      return renderJsonRows(columns, rows);
  }
}

/** `12.3s`, `850ms`, `2h 03m`. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
