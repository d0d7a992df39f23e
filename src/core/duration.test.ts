import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs } from './duration.ts';

describe('parseDurationMs', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['30d', 2_592_000_000],
    ['0s', 0],
    ['  15m ', 900_000],
    ['-5s', -5_000],
  ])('parses %j as %i ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', '10', 'm', '10x', '1.5h', '10 m', '10M', '1h30m', 'ten minutes', '0x10s', '9999999999999999d'])('refuses %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});

describe('formatDurationMs', () => {
  it.each([
    [0, '0ms'],
    [500, '500ms'],
    [1_500, '1500ms'],
    [30_000, '30s'],
    [90_000, '90s'],
    [600_000, '10m'],
    [5_400_000, '90m'],
    [3_600_000, '1h'],
    [86_400_000, '1d'],
    [2_592_000_000, '30d'],
  ])('formats %i ms as %j', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });

  it('round-trips through parseDurationMs', () => {
    for (const ms of [0, 1, 999, 1_000, 61_000, 3_600_000, 7 * 86_400_000, 123_456_789]) {
      expect(parseDurationMs(formatDurationMs(ms))).toBe(ms);
    }
  });
});
