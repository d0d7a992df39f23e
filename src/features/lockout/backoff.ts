/**
 * @module Per-identity lockout with exponential backoff (the seed's curve), the per-IP budget of
 * failed logins (credential stuffing), and the "known good" pair that keeps a victim's own
 * network out of an attacker's lockout. Pure rules and key names; attempt-budget.ts counts.
 */

export interface LockoutRule {
  /** Failures before the first lock. */
  readonly threshold: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** How long failures are remembered (from the first one) when no success resets them. */
  readonly failureWindowMs: number;
}

/** 0 below the threshold; then base · 2^(failures − threshold), capped: 3 → 1 s, 4 → 2 s, … ≤ 15 min. */
export function lockoutDelayMs(failures: number, rule: Pick<LockoutRule, 'threshold' | 'baseDelayMs' | 'maxDelayMs'>): number {
  if (failures < rule.threshold) return 0;
  const exponent = Math.min(failures - rule.threshold, 40);
  return Math.min(rule.baseDelayMs * 2 ** exponent, rule.maxDelayMs);
}

/**
 * Which budget an attempt draws from. A (client, identity) pair that logged in successfully
 * recently has its own: an attacker spraying the victim's e-mail from elsewhere locks only the
 * shared budget, not the victim's usual network.
 */
export function lockoutScope(subject: string, clientBucket: string, knownGood: boolean): string {
  return knownGood ? `known:${clientBucket}:${subject}` : `any:${subject}`;
}

/** The budget of an account (all its spellings share it), or of an identity that no account holds. */
export const lockoutSubject = {
  user: (userId: string) => `u:${userId}`,
  unknownIdentity: (identityKey: string) => `i:${identityKey}`,
} as const;

export const lockoutKeys = {
  failures: (scope: string) => `lo:f:${scope}`,
  lock: (scope: string) => `lo:l:${scope}`,
  knownGood: (subject: string, clientBucket: string) => `lo:g:${clientBucket}:${subject}`,
  stuffing: (clientBucket: string) => `lo:s:${clientBucket}`,
} as const;
