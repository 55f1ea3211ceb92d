import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, isDuration, parseDuration } from '../../../src/workflow/ir/duration.ts';
import { DurationError } from '../../../src/workflow/ir/errors.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['PT30M', 30 * M],
    ['PT1.5S', 1500],
    ['PT1,5S', 1500],
    ['P1D', D],
    ['P1DT2H', D + 2 * H],
    ['PT0.25H', 15 * M],
    ['P2W', 14 * D],
    ['P0.5W', 3.5 * D],
    ['PT10S', 10 * S],
    ['PT72H', 72 * H],
    ['P1DT2H3M4.005S', D + 2 * H + 3 * M + 4005],
    ['P1.5D', 36 * H],
    ['PT0S', 0],
    ['P0D', 0],
    ['PT0.0004S', 0],
    ['PT0.0006S', 1],
    ['PT90M', 90 * M],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(isDuration(text)).toBe(true);
  });

  it.each([
    ['PT', 'has "T" but no hours'],
    ['P', 'has no components'],
    ['1H', 'must start with "P"'],
    ['-PT1S', 'negative'],
    ['P1Y', 'years or months'],
    ['P2M', 'years or months'],
    ['P1Y2M', 'years or months'],
    ['pt1h', 'upper case'],
    ['', 'empty'],
    ['PT1.5H30M', 'fraction on a component other than the last'],
    ['P1W2D', 'mixes weeks'],
    ['PT1H1H', 'not a valid ISO 8601 duration'],
    ['P1DT', 'has "T" but no hours'],
    ['PT.5S', 'not a valid ISO 8601 duration'],
    ['PT1S ', undefined],
  ])('rejects %j', (text, why) => {
    if (why === undefined) {
      // surrounding whitespace is tolerated
      expect(parseDuration(text)).toBe(1000);
      return;
    }
    try {
      parseDuration(text);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DurationError);
      expect((e as DurationError).code).toBe('IR_DURATION');
      expect((e as DurationError).message).toContain(why);
      expect((e as DurationError).message.startsWith('parseDuration: ')).toBe(true);
    }
    expect(isDuration(text)).toBe(false);
  });

  it('formats canonically', () => {
    expect(formatDuration(0)).toBe('PT0S');
    expect(formatDuration(1500)).toBe('PT1.5S');
    expect(formatDuration(D + 2 * H)).toBe('P1DT2H');
    expect(formatDuration(30 * M)).toBe('PT30M');
    expect(formatDuration(1)).toBe('PT0.001S');
    expect(() => formatDuration(-1)).toThrow(DurationError);
    expect(() => formatDuration(1.5)).toThrow(DurationError);
  });

  it('property: formatDuration/parseDuration round-trip on integer milliseconds', () => {
    fc.assert(
      fc.property(fc.nat({ max: 400 * D }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: component sums match', () => {
    fc.assert(
      fc.property(
        fc.record({ d: fc.option(fc.nat(1000)), h: fc.option(fc.nat(100)), m: fc.option(fc.nat(100)), s: fc.option(fc.nat(100)) }),
        ({ d, h, m, s }) => {
          fc.pre(d !== null || h !== null || m !== null || s !== null);
          const time = `${h !== null ? `${h}H` : ''}${m !== null ? `${m}M` : ''}${s !== null ? `${s}S` : ''}`;
          const text = `P${d !== null ? `${d}D` : ''}${time ? `T${time}` : ''}`;
          expect(parseDuration(text)).toBe((d ?? 0) * D + (h ?? 0) * H + (m ?? 0) * M + (s ?? 0) * S);
        },
      ),
    );
  });
});
