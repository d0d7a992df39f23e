/** @module Is the principal's login recent enough for this action? Records the grace period when one opens. */
import { checkFreshness, type FreshnessRule } from '../features/sessions/index.ts';
import type { Kernel, Principal } from './kernel.ts';

/** Freshness needs a session: Basic and bearer callers are never fresh (as in Flask-Security). */
export async function isPrincipalFresh(kernel: Kernel, principal: Principal, rule: FreshnessRule): Promise<boolean> {
  if (rule.withinMs < 0 && rule.level !== 2) return true;
  const session = principal.session;
  if (!session) return false;
  const verdict = checkFreshness(session, kernel.clock.nowMs(), rule);
  if (verdict.fresh && verdict.graceUntilMs !== undefined) {
    await kernel.stores.sessions.updateFreshness(session.id, { graceUntilMs: verdict.graceUntilMs });
  }
  return verdict.fresh;
}
