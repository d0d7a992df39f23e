import { describe, expect, it } from 'vitest';
import { checkFreshness, type FreshnessRule } from './freshness.ts';

const MINUTE_MS = 60_000;
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const TEN_MIN: FreshnessRule = { withinMs: 10 * MINUTE_MS, graceMs: 0 };
const TEN_MIN_GRACE_5: FreshnessRule = { withinMs: 10 * MINUTE_MS, graceMs: 5 * MINUTE_MS };

const at = (freshAtMs: number, graceUntilMs = 0) => ({ freshAtMs, graceUntilMs });

describe('checkFreshness: within', () => {
  it('is fresh right after the password was typed', () => {
    expect(checkFreshness(at(T0), T0, TEN_MIN)).toEqual({ fresh: true });
  });

  it('is fresh at exactly `within` (600000 ms) and stale 1 ms later', () => {
    expect(checkFreshness(at(T0), T0 + 600_000, TEN_MIN)).toEqual({ fresh: true });
    expect(checkFreshness(at(T0), T0 + 600_001, TEN_MIN)).toEqual({ fresh: false });
  });

  it('within 0 is fresh only at the very millisecond', () => {
    const rule = { withinMs: 0, graceMs: 0 };
    expect(checkFreshness(at(T0), T0, rule)).toEqual({ fresh: true });
    expect(checkFreshness(at(T0), T0 + 1, rule)).toEqual({ fresh: false });
  });

  it('a session that never proved a password (freshAt 0) is not fresh', () => {
    expect(checkFreshness(at(0), T0, TEN_MIN)).toEqual({ fresh: false });
    expect(checkFreshness(at(0), 5, TEN_MIN)).toEqual({ fresh: false });
  });
});

describe('checkFreshness: negative within disables the check', () => {
  it.each([-1, -600_000])('within %d: always fresh, even without any login time', (withinMs) => {
    expect(checkFreshness(at(0), T0, { withinMs, graceMs: 0 })).toEqual({ fresh: true });
    expect(checkFreshness(at(T0), T0 + 365 * 24 * 60 * MINUTE_MS, { withinMs, graceMs: 5 * MINUTE_MS })).toEqual({ fresh: true });
  });

  it('opens no grace window when disabled', () => {
    expect(checkFreshness(at(T0), T0, { withinMs: -1, graceMs: 5 * MINUTE_MS })).toEqual({ fresh: true });
  });
});

describe('checkFreshness: grace', () => {
  it('a passed check returns a grace end of now + grace', () => {
    expect(checkFreshness(at(T0), T0 + 1_000, TEN_MIN_GRACE_5)).toEqual({ fresh: true, graceUntilMs: T0 + 1_000 + 300_000 });
  });

  it('no grace configured: no grace end to store', () => {
    expect(checkFreshness(at(T0), T0 + 1_000, TEN_MIN)).toEqual({ fresh: true });
  });

  it('the grace window opened at the last fresh millisecond outlives `within`', () => {
    const passed = checkFreshness(at(T0), T0 + 600_000, TEN_MIN_GRACE_5);
    expect(passed).toEqual({ fresh: true, graceUntilMs: T0 + 900_000 });
    const graceUntilMs = T0 + 900_000;
    expect(checkFreshness(at(T0, graceUntilMs), T0 + 600_001, TEN_MIN_GRACE_5)).toEqual({ fresh: true });
    expect(checkFreshness(at(T0, graceUntilMs), T0 + 899_999, TEN_MIN_GRACE_5)).toEqual({ fresh: true });
    expect(checkFreshness(at(T0, graceUntilMs), T0 + 900_000, TEN_MIN_GRACE_5)).toEqual({ fresh: false });
  });

  it('a check in the grace window (past `within`) does not extend the grace', () => {
    expect(checkFreshness(at(T0, T0 + 900_000), T0 + 700_000, TEN_MIN_GRACE_5)).toEqual({ fresh: true });
  });

  it('does not return a grace end that would shorten the stored one', () => {
    expect(checkFreshness(at(T0, T0 + 2_000_000), T0 + 1_000, TEN_MIN_GRACE_5)).toEqual({ fresh: true });
    expect(checkFreshness(at(T0, T0 + 301_000), T0 + 1_000, TEN_MIN_GRACE_5)).toEqual({ fresh: true });
  });

  it('returns a grace end when it extends the stored one by 1 ms', () => {
    expect(checkFreshness(at(T0, T0 + 300_999), T0 + 1_000, TEN_MIN_GRACE_5)).toEqual({ fresh: true, graceUntilMs: T0 + 301_000 });
  });

  it('a grace window alone keeps a session fresh until its end, even with freshAt 0', () => {
    expect(checkFreshness(at(0, T0 + 10), T0 + 9, TEN_MIN_GRACE_5)).toEqual({ fresh: true });
    expect(checkFreshness(at(0, T0 + 10), T0 + 10, TEN_MIN_GRACE_5)).toEqual({ fresh: false });
  });
});

describe('checkFreshness: level 2 (a second factor within)', () => {
  const L2: FreshnessRule = { withinMs: 10 * MINUTE_MS, graceMs: 5 * MINUTE_MS, level: 2 };
  const session = (aal: 1 | 2, factorAtMs: number) => ({ freshAtMs: T0, graceUntilMs: T0 + 3_600_000, aal, factorAtMs });

  it('a one-factor session is never fresh at level 2, however recent its password or grace', () => {
    expect(checkFreshness(session(1, 0), T0, L2)).toEqual({ fresh: false });
    expect(checkFreshness(session(1, T0), T0, L2)).toEqual({ fresh: false });
    expect(checkFreshness(session(1, T0), T0, { ...L2, withinMs: -1 })).toEqual({ fresh: false });
  });

  it('fresh up to exactly `within` after the second factor, stale 1 ms later; no grace', () => {
    expect(checkFreshness(session(2, T0), T0 + 600_000, L2)).toEqual({ fresh: true });
    expect(checkFreshness(session(2, T0), T0 + 600_001, L2)).toEqual({ fresh: false });
  });

  it('the password alone (freshAt) does not count at level 2', () => {
    expect(checkFreshness({ ...session(2, T0 - 3_600_000), freshAtMs: T0 }, T0, L2)).toEqual({ fresh: false });
  });
});
