/**
 * @module OneTimeTokenStore in process memory (one process only; tests, and an app that keeps users
 * elsewhere). Redeeming checks and marks in one synchronous step: no `await` between the check and
 * the write, so concurrent redemptions cannot both pass.
 */
import type { OneTimeTokenRecord, OneTimeTokenStore } from '../../core/stores.ts';

type Stored = OneTimeTokenRecord & { usedAtMs: number | null };

export function createMemoryOneTimeTokenStore(): OneTimeTokenStore {
  const tokens = new Map<string, Stored>();
  return {
    async createOneTimeToken(token) {
      if (tokens.has(token.tokenHash)) throw new Error('one-time token hash already stored');
      tokens.set(token.tokenHash, { ...token, usedAtMs: null });
    },
    async consumeOneTimeToken(tokenHash, purpose, nowMs) {
      const stored = tokens.get(tokenHash);
      if (!stored || stored.purpose !== purpose || stored.usedAtMs !== null || stored.expiresAtMs <= nowMs) return undefined;
      stored.usedAtMs = nowMs;
      const { usedAtMs: _used, ...record } = stored;
      return record;
    },
    async findOneTimeToken(tokenHash) {
      const stored = tokens.get(tokenHash);
      return stored ? { ...stored } : undefined;
    },
    async deleteOneTimeTokensOfUser(userId, purpose) {
      let count = 0;
      for (const [hash, stored] of tokens) {
        if (stored.userId === userId && stored.purpose === purpose && stored.usedAtMs === null) {
          tokens.delete(hash);
          count += 1;
        }
      }
      return count;
    },
  };
}
