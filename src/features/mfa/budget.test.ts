import { describe, expect, it } from 'vitest';
import { createMemoryCounterStore } from '../../stores/memory/counter-store.ts';
import { claimPendingSignIn, reserveMfaAttempt, type MfaBudgetRule } from './budget.ts';

const RULE: MfaBudgetRule = { attemptsPerSignIn: 5, attemptBudget: { count: 10, windowMs: 900_000 }, pendingTtlMs: 300_000 };

describe('MFA attempt budget', () => {
  it('of 1,000 concurrent attempts on one pending sign-in, at most its budget is granted', async () => {
    const counters = createMemoryCounterStore();
    const attempts = await Promise.all(Array.from({ length: 1000 }, () => reserveMfaAttempt(counters, RULE, { userId: 'u1', pendingId: 'p1' })));
    expect(attempts.filter((a) => a.granted)).toHaveLength(5);
    expect(attempts.filter((a) => !a.granted && a.reason === 'sign_in_spent')).toHaveLength(995);
  });

  it('the account budget caps guesses across pending sign-ins; a success gives its unit back', async () => {
    const counters = createMemoryCounterStore();
    let granted = 0;
    for (let p = 0; p < 4; p++) {
      for (let i = 0; i < 5; i++) {
        const a = await reserveMfaAttempt(counters, RULE, { userId: 'u2', pendingId: `p${p}` });
        if (a.granted) {
          granted += 1;
          await a.failed();
        }
      }
    }
    expect(granted).toBe(10);
    const refused = await reserveMfaAttempt(counters, RULE, { userId: 'u2', pendingId: 'fresh' });
    expect(refused).toMatchObject({ granted: false, reason: 'account_budget' });

    const other = await reserveMfaAttempt(counters, RULE, { userId: 'u3' });
    expect(other.granted).toBe(true);
    if (other.granted) await other.succeeded();
    expect((await counters.peek('mfa:u:u3'))?.count).toBe(0);
  });

  it('never touches the password budget keys', async () => {
    const counters = createMemoryCounterStore();
    const a = await reserveMfaAttempt(counters, RULE, { userId: 'u4', pendingId: 'p' });
    if (a.granted) await a.failed();
    expect(await counters.peek('lo:f:any:u:u4')).toBeUndefined();
    expect(await counters.peek('lo:s:127.0.0.1')).toBeUndefined();
  });

  it('a pending sign-in is claimed once, however many race', async () => {
    const counters = createMemoryCounterStore();
    const claims = await Promise.all(Array.from({ length: 50 }, () => claimPendingSignIn(counters, RULE, 'p9')));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });
});
