/**
 * @module The MFA attempt budget — separate from the password budget (other keys, other limits),
 * so that spending one can never lock the other. Every second-factor check (TOTP, recovery code,
 * passkey assertion; at sign-in, step-up or enrolment) reserves its attempt first, atomically on
 * the CounterStore: from the pending sign-in's own budget (spent: the pending sign-in is dead) and
 * from the account's. However many guesses race, at most the budget is evaluated. A success gives
 * the account's unit back; a failure keeps it.
 */
import type { CounterStore, Reservation } from '../../core/stores.ts';

export interface MfaBudgetRule {
  /** Codes one pending sign-in may try before it dies. */
  readonly attemptsPerSignIn: number;
  /** Failed codes one account may have per window, across sign-ins, step-up and enrolment. */
  readonly attemptBudget: { readonly count: number; readonly windowMs: number };
  /** The life of a pending sign-in (its own budget lives as long). */
  readonly pendingTtlMs: number;
}

export const mfaBudgetKeys = {
  pending: (pendingId: string) => `mfa:p:${pendingId}`,
  account: (userId: string) => `mfa:u:${userId}`,
  /** Claimed once when the pending sign-in becomes a session: a copy of its cookie makes no second one. */
  used: (pendingId: string) => `mfa:d:${pendingId}`,
} as const;

export type MfaAttempt =
  | { readonly granted: false; readonly reason: 'sign_in_spent' | 'account_budget'; readonly retryAfterMs: number }
  | {
      readonly granted: true;
      /** The code was right: the account's unit is given back. */
      succeeded(): Promise<void>;
      /** The code was wrong: the attempt stays counted. */
      failed(): Promise<void>;
      /** The check never ran (a store failed): nothing was guessed, everything given back. */
      abandoned(): Promise<void>;
    };

export async function reserveMfaAttempt(counters: CounterStore, rule: MfaBudgetRule, request: { userId: string; pendingId?: string }): Promise<MfaAttempt> {
  let pendingUnit: Reservation | undefined;
  const pendingKey = request.pendingId ? mfaBudgetKeys.pending(request.pendingId) : undefined;
  if (pendingKey) {
    pendingUnit = await counters.reserve(pendingKey, rule.attemptsPerSignIn, rule.pendingTtlMs);
    if (!pendingUnit.granted) return { granted: false, reason: 'sign_in_spent', retryAfterMs: pendingUnit.resetInMs };
  }
  const accountKey = mfaBudgetKeys.account(request.userId);
  const accountUnit = await counters.reserve(accountKey, rule.attemptBudget.count, rule.attemptBudget.windowMs);
  const releasePending = () => (pendingKey && pendingUnit ? counters.release(pendingKey, pendingUnit) : Promise.resolve());
  if (!accountUnit.granted) {
    await releasePending();
    return { granted: false, reason: 'account_budget', retryAfterMs: accountUnit.resetInMs };
  }
  return {
    granted: true,
    succeeded: () => counters.release(accountKey, accountUnit),
    failed: async () => undefined,
    abandoned: async () => {
      await Promise.all([counters.release(accountKey, accountUnit), releasePending()]);
    },
  };
}

/** Claims the pending sign-in's single use: true for exactly one caller. */
export async function claimPendingSignIn(counters: CounterStore, rule: MfaBudgetRule, pendingId: string): Promise<boolean> {
  return (await counters.reserve(mfaBudgetKeys.used(pendingId), 1, rule.pendingTtlMs)).granted;
}
