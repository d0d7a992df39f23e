/**
 * @module Freshness: was the password typed recently enough for this action? As Flask-Security's
 * `auth_required(within=, grace=)`: passing a check opens a grace period so a multi-step flow
 * that began fresh is not interrupted half-way.
 */
import type { SessionRecord } from '../../core/stores.ts';

export interface FreshnessRule {
  /** How recent the password must be. Negative: freshness disabled. */
  readonly withinMs: number;
  /** After a passed check, stay fresh this long even past `withinMs`. */
  readonly graceMs: number;
  /**
   * 2: a second factor must have been proved within `withinMs` (at sign-in or by a step-up); no
   * grace period applies. Default 1: a password (or any factor) within `withinMs`.
   */
  readonly level?: 1 | 2;
}

export type FreshnessVerdict =
  | { readonly fresh: true; /** Store this as the new grace end. */ readonly graceUntilMs?: number }
  | { readonly fresh: false };

export function checkFreshness(
  session: Pick<SessionRecord, 'freshAtMs' | 'graceUntilMs'> & Partial<Pick<SessionRecord, 'aal' | 'factorAtMs'>>,
  nowMs: number,
  rule: FreshnessRule,
): FreshnessVerdict {
  if (rule.level === 2) {
    if (session.aal !== 2) return { fresh: false };
    const factorAtMs = session.factorAtMs ?? 0;
    return rule.withinMs < 0 || (factorAtMs > 0 && nowMs - factorAtMs <= rule.withinMs) ? { fresh: true } : { fresh: false };
  }
  if (rule.withinMs < 0) return { fresh: true };
  if (session.freshAtMs > 0 && nowMs - session.freshAtMs <= rule.withinMs) {
    const graceUntilMs = nowMs + rule.graceMs;
    return rule.graceMs > 0 && graceUntilMs > session.graceUntilMs ? { fresh: true, graceUntilMs } : { fresh: true };
  }
  if (nowMs < session.graceUntilMs) return { fresh: true };
  return { fresh: false };
}
