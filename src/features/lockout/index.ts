/** @module Lockout: the backoff curve and key names, and the attempt budget every secret check reserves from. */
export { lockoutDelayMs, lockoutKeys, lockoutScope, lockoutSubject, type LockoutRule } from './backoff.ts';
export { reserveAttempt, type AttemptBudgetRule, type AttemptRefusal, type AttemptRequest, type AttemptReservation, type GrantedAttempt } from './attempt-budget.ts';
