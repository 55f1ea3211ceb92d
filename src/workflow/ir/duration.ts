import { DurationError } from './errors.ts';

const MS = { W: 604_800_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1_000 } as const;

const NUM = String.raw`(\d+(?:[.,]\d+)?)`;
const WEEKS = new RegExp(String.raw`^P${NUM}W$`);
const FULL = new RegExp(
  String.raw`^P(?:${NUM}Y)?(?:${NUM}M)?(?:${NUM}D)?(?:T(?:${NUM}H)?(?:${NUM}M)?(?:${NUM}S)?)?$`,
);

function fail(input: string, why: string): never {
  throw new DurationError('parseDuration', input, why);
}

function num(text: string): number {
  return Number(text.replace(',', '.'));
}

/**
 * Parses an ISO 8601 duration into milliseconds (rounded to the nearest millisecond).
 *
 * Accepted: `PnW`, or `P[nD][T[nH][nM][nS]]` with at least one component; only the
 * last component may carry a fraction (`PT1.5S`, `PT0.25H`, `P1.5D`; `,` works as the
 * decimal sign too). A day is exactly 24 hours (elapsed time, no calendar/DST).
 * Years and months are rejected: their length is ambiguous. Negative durations are rejected.
 */
export function parseDuration(input: string): number {
  if (typeof input !== 'string') fail(String(input), 'is not a string');
  const s = input.trim();
  if (s === '') fail(input, 'is empty (expected an ISO 8601 duration such as "PT30M")');
  if (s.startsWith('-')) fail(input, 'is negative; durations must be zero or positive');
  if (s[0] !== 'P') {
    if (s[0] === 'p' || /^[Pp][0-9.,TtWwDdHhMmSs]*$/.test(s)) {
      fail(input, 'must be written in upper case (e.g. "PT1H")');
    }
    fail(input, 'is not an ISO 8601 duration: it must start with "P" (e.g. "PT1H", "P1D")');
  }
  if (s !== s.toUpperCase()) fail(input, 'must be written in upper case (e.g. "PT1H")');
  if (s === 'P') fail(input, 'has no components (e.g. "PT30M", "P1D")');

  const week = WEEKS.exec(s);
  if (week) return Math.round(num(week[1]!) * MS.W);

  const m = FULL.exec(s);
  if (!m) {
    if (/W/.test(s)) fail(input, 'mixes weeks with other components; write weeks alone ("P2W") or use days');
    fail(input, 'is not a valid ISO 8601 duration (expected P[nW] or P[nD][T[nH][nM][nS]], e.g. "P1DT2H30M")');
  }
  const [, years, months, days, hours, minutes, seconds] = m;
  if (years !== undefined || months !== undefined) {
    fail(input, 'uses years or months, whose length is ambiguous; use days or weeks instead (e.g. "P30D")');
  }
  if (s.includes('T') && hours === undefined && minutes === undefined && seconds === undefined) {
    fail(input, 'has "T" but no hours, minutes or seconds after it');
  }
  const parts: [string | undefined, number][] = [
    [days, MS.D],
    [hours, MS.H],
    [minutes, MS.M],
    [seconds, MS.S],
  ];
  const present = parts.filter(([t]) => t !== undefined) as [string, number][];
  if (present.length === 0) fail(input, 'has no components (e.g. "PT30M", "P1D")');
  present.slice(0, -1).forEach(([t]) => {
    if (/[.,]/.test(t)) fail(input, 'has a fraction on a component other than the last one');
  });
  let total = 0;
  for (const [t, unit] of present) total += num(t) * unit;
  if (!Number.isFinite(total)) fail(input, 'is too large');
  return Math.round(total);
}

/** True when `parseDuration` would accept the string. */
export function isDuration(input: unknown): input is string {
  if (typeof input !== 'string') return false;
  try {
    parseDuration(input);
    return true;
  } catch {
    return false;
  }
}

/**
 * Formats milliseconds as a canonical ISO 8601 duration (`P1DT2H3M4.5S`, `PT0S` for 0);
 * `parseDuration(formatDuration(ms)) === ms` for every non-negative integer `ms`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) {
    throw new DurationError('formatDuration', String(ms), 'is not a non-negative integer number of milliseconds');
  }
  const days = Math.floor(ms / MS.D);
  let rest = ms - days * MS.D;
  const hours = Math.floor(rest / MS.H);
  rest -= hours * MS.H;
  const minutes = Math.floor(rest / MS.M);
  rest -= minutes * MS.M;
  const secs = Math.floor(rest / MS.S);
  const millis = rest - secs * MS.S;
  let out = 'P';
  if (days > 0) out += `${days}D`;
  let time = '';
  if (hours > 0) time += `${hours}H`;
  if (minutes > 0) time += `${minutes}M`;
  if (secs > 0 || millis > 0) {
    time += millis > 0 ? `${secs}.${String(millis).padStart(3, '0').replace(/0+$/, '')}S` : `${secs}S`;
  }
  if (time !== '') out += `T${time}`;
  return out === 'P' ? 'PT0S' : out;
}
