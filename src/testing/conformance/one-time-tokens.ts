/**
 * @module Store conformance: the OneTimeTokenStore contract — hashed at rest (the store sees only
 * hashes), expiring, purpose-bound, and redeemed at most once however many redeem at the same time.
 */
import { describe, expect, it } from 'vitest';
import type { OneTimeTokenRecord, OneTimeTokenStore } from '../../core/stores.ts';
import { HOUR, MINUTE, T0, hex, sha256 } from './fixtures.ts';

export interface OneTimeTokenFixture {
  tokens(): OneTimeTokenStore;
  /** The id of a user the tokens may belong to (a stored one, where the store checks). */
  userId(): Promise<string>;
}

function newToken(userId: string, overrides: Partial<OneTimeTokenRecord> = {}): OneTimeTokenRecord {
  return {
    tokenHash: sha256(hex(32)),
    purpose: 'confirm-email',
    userId,
    binding: `bound:${hex()}`,
    createdAtMs: T0,
    expiresAtMs: T0 + HOUR,
    ...overrides,
  };
}

export function describeOneTimeTokenStore(f: OneTimeTokenFixture): void {
  describe('OneTimeTokenStore', () => {
    it('redeems a token once, returning it exactly; a second redemption finds nothing', async () => {
      const token = newToken(await f.userId());
      await f.tokens().createOneTimeToken(token);
      expect(await f.tokens().findOneTimeToken(token.tokenHash)).toEqual({ ...token, usedAtMs: null });
      expect(await f.tokens().consumeOneTimeToken(token.tokenHash, 'confirm-email', T0 + MINUTE)).toEqual(token);
      expect(await f.tokens().consumeOneTimeToken(token.tokenHash, 'confirm-email', T0 + 2 * MINUTE)).toBeUndefined();
      expect(await f.tokens().findOneTimeToken(token.tokenHash)).toEqual({ ...token, usedAtMs: T0 + MINUTE });
    });

    it('20 concurrent redemptions of one token: exactly one succeeds', async () => {
      const token = newToken(await f.userId());
      await f.tokens().createOneTimeToken(token);
      const results = await Promise.all(Array.from({ length: 20 }, () => f.tokens().consumeOneTimeToken(token.tokenHash, 'confirm-email', T0 + MINUTE)));
      expect(results.filter((r) => r !== undefined)).toEqual([token]);
    });

    it('never redeems an expired token (expiry is exclusive), and leaves it unused', async () => {
      const token = newToken(await f.userId(), { expiresAtMs: T0 + HOUR });
      await f.tokens().createOneTimeToken(token);
      expect(await f.tokens().consumeOneTimeToken(token.tokenHash, 'confirm-email', T0 + HOUR)).toBeUndefined();
      expect((await f.tokens().findOneTimeToken(token.tokenHash))?.usedAtMs).toBeNull();
      expect(await f.tokens().consumeOneTimeToken(token.tokenHash, 'confirm-email', T0 + HOUR - 1)).toEqual(token);
    });

    it('redeems only for its own purpose: a confirmation link is no change-of-e-mail link', async () => {
      const token = newToken(await f.userId(), { purpose: 'change-email' });
      await f.tokens().createOneTimeToken(token);
      expect(await f.tokens().consumeOneTimeToken(token.tokenHash, 'confirm-email', T0)).toBeUndefined();
      expect(await f.tokens().consumeOneTimeToken(token.tokenHash, 'email-signin', T0)).toBeUndefined();
      expect((await f.tokens().findOneTimeToken(token.tokenHash))?.usedAtMs).toBeNull();
      expect(await f.tokens().consumeOneTimeToken(token.tokenHash, 'change-email', T0)).toEqual(token);
    });

    it('an unknown hash finds nothing', async () => {
      expect(await f.tokens().consumeOneTimeToken(sha256(hex()), 'confirm-email', T0)).toBeUndefined();
      expect(await f.tokens().findOneTimeToken(sha256(hex()))).toBeUndefined();
    });

    it("deletes the user's unused tokens of one purpose, keeping spent ones, other purposes and other users'", async () => {
      const userId = await f.userId();
      const other = await f.userId();
      const [a, b, spent, otherPurpose, otherUser] = [
        newToken(userId),
        newToken(userId),
        newToken(userId),
        newToken(userId, { purpose: 'email-signin' }),
        newToken(other),
      ];
      for (const token of [a, b, spent, otherPurpose, otherUser]) await f.tokens().createOneTimeToken(token);
      await f.tokens().consumeOneTimeToken(spent.tokenHash, 'confirm-email', T0);
      expect(await f.tokens().deleteOneTimeTokensOfUser(userId, 'confirm-email')).toBe(2);
      expect(await f.tokens().findOneTimeToken(a.tokenHash)).toBeUndefined();
      expect(await f.tokens().findOneTimeToken(b.tokenHash)).toBeUndefined();
      expect((await f.tokens().findOneTimeToken(spent.tokenHash))?.usedAtMs).toBe(T0);
      expect(await f.tokens().findOneTimeToken(otherPurpose.tokenHash)).toBeDefined();
      expect(await f.tokens().findOneTimeToken(otherUser.tokenHash)).toBeDefined();
    });
  });
}
