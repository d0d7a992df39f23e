/**
 * @module The attempt budget: every check of a secret takes its attempt *before* the secret is
 * evaluated, atomically, from the subject's budget (lockout with backoff) and the client's budget
 * of failures (credential stuffing); it is refused without evaluating when none is left, and the
 * attempt is given back on success. However many requests race, at most `threshold` guesses at a
 * subject are evaluated before the first lock, and one per lock after that.
 */
import type { CounterStore, Reservation } from '../../core/stores.ts';
import { lockoutDelayMs, lockoutKeys, lockoutScope, type LockoutRule } from './backoff.ts';

/** How long a claimed lock holds while its attempt is being checked, at most (then it is settled). */
const CLAIM_HOLD_MS = 60_000;

export interface AttemptBudgetRule extends LockoutRule {
  /** A (client, subject) pair that succeeded recently keeps its own budget this long. */
  readonly knownDeviceMs: number;
  /** Failed attempts one client may make across all subjects. */
  readonly ipFailureBudget: { readonly count: number; readonly windowMs: number };
}

export interface AttemptRequest {
  /**
   * Whose budget: `u:<user id>` for an account (every spelling of it shares one budget), `i:<key>`
   * for an identity no account holds (so a lock looks the same either way), or null for a secret
   * that belongs to no subject (a reset link): then only the client's budget applies.
   */
  readonly subject: string | null;
  /** The client's bucket (an IP or an IPv6 prefix). */
  readonly clientBucket: string;
  /** Whether a recent success from this client gives it its own budget for the subject (logins). */
  readonly honourKnownDevice: boolean;
}

export type AttemptRefusal = { readonly granted: false; readonly reason: 'locked' | 'ip_budget'; readonly retryAfterMs: number };

/** A granted attempt: settle it exactly once with the outcome of the check. */
export interface GrantedAttempt {
  readonly granted: true;
  /** Clears the subject's failures and lock, returns the client's unit, marks the device as known. */
  succeeded(): Promise<void>;
  /** Keeps the attempt counted; from the threshold on, locks the subject. Returns the lock's length (0: none). */
  failed(): Promise<{ readonly lockedForMs: number }>;
  /** The check could not run (hashing queue full, store down): it was no guess — give everything back. */
  abandoned(): Promise<void>;
}

export type AttemptReservation = GrantedAttempt | AttemptRefusal;

/**
 * Takes one attempt. Order matters: the client's budget first (cheap, and a spent client never
 * touches the subject's counters), then the subject's. The first `threshold − 1` attempts are
 * free (a reservation against that allowance); past it an attempt must first claim the lock (a
 * reservation of one) and is only then counted, so concurrent attempts past the threshold are
 * refused while it is evaluated, take nothing, and the lock it sets follows the curve of the
 * failures actually evaluated. Each later attempt waits for the lock to expire and claims it anew.
 */
export async function reserveAttempt(counters: CounterStore, rule: AttemptBudgetRule, request: AttemptRequest): Promise<AttemptReservation> {
  const { subject, clientBucket } = request;
  const knownGood =
    subject !== null && request.honourKnownDevice && (await counters.peek(lockoutKeys.knownGood(subject, clientBucket))) !== undefined;

  const clientKey = lockoutKeys.stuffing(clientBucket);
  let clientUnit: Reservation | undefined;
  if (!knownGood) {
    clientUnit = await counters.reserve(clientKey, rule.ipFailureBudget.count, rule.ipFailureBudget.windowMs);
    if (!clientUnit.granted) return { granted: false, reason: 'ip_budget', retryAfterMs: clientUnit.resetInMs };
  }
  const returnClientUnit = () => (clientUnit ? counters.release(clientKey, clientUnit) : Promise.resolve());

  if (subject === null) {
    return {
      granted: true,
      succeeded: returnClientUnit,
      failed: async () => ({ lockedForMs: 0 }),
      abandoned: returnClientUnit,
    };
  }

  const scope = lockoutScope(subject, clientBucket, knownGood);
  const failuresKey = lockoutKeys.failures(scope);
  const lockKey = lockoutKeys.lock(scope);
  const lock = await counters.peek(lockKey);
  if (lock) {
    await returnClientUnit();
    return { granted: false, reason: 'locked', retryAfterMs: lock.resetInMs };
  }
  let unit = await counters.reserve(failuresKey, rule.threshold - 1, rule.failureWindowMs);
  const claimsLock = !unit.granted;
  if (claimsLock) {
    const next = unit.count + 1;
    // Held for the whole check (a queued hash can take longer than a 1 s lock); settling replaces it.
    const claim = await counters.reserve(lockKey, 1, Math.max(lockoutDelayMs(next, rule), CLAIM_HOLD_MS));
    if (!claim.granted) {
      await returnClientUnit();
      return { granted: false, reason: 'locked', retryAfterMs: Math.min(claim.resetInMs, lockoutDelayMs(next, rule)) };
    }
    unit = await counters.reserve(failuresKey, Number.MAX_SAFE_INTEGER, rule.failureWindowMs);
  }
  const attempt = unit.count;

  return {
    granted: true,
    async succeeded() {
      await Promise.all([
        counters.delete(failuresKey),
        counters.delete(lockKey),
        returnClientUnit(),
        request.honourKnownDevice ? counters.put(lockoutKeys.knownGood(subject, clientBucket), 1, rule.knownDeviceMs) : undefined,
      ]);
    },
    async failed() {
      const lockedForMs = lockoutDelayMs(attempt, rule);
      // The lock runs from the failure, not from the claim made before the (slow) check.
      if (lockedForMs > 0) await counters.put(lockKey, attempt, lockedForMs);
      return { lockedForMs };
    },
    async abandoned() {
      await Promise.all([counters.release(failuresKey, unit), claimsLock ? counters.delete(lockKey) : undefined, returnClientUnit()]);
    },
  };
}
