/**
 * @module IdentityStore in process memory (one process only: tests, and an app whose users live in
 * a store of its own). Each check-and-write is one synchronous step — no `await` between them — so
 * concurrent calls cannot both take one (issuer, subject) or both unlink a user's last two identities.
 * A new user and its first identity go through the given UserStore; the pair is held while it writes.
 */
import { UniqueViolationError } from '../../core/errors.ts';
import type { IdentityRecord, IdentityStore, UserStore } from '../../core/stores.ts';

const keyOf = (issuer: string, subject: string) => JSON.stringify([issuer, subject]);

export function createMemoryIdentityStore(users: UserStore): IdentityStore {
  const byKey = new Map<string, IdentityRecord>();
  /** Pairs being written together with their new user: taken, though not yet findable. */
  const held = new Set<string>();

  function take(identity: IdentityRecord): void {
    const key = keyOf(identity.issuer, identity.subject);
    if (byKey.has(key) || held.has(key)) throw new UniqueViolationError('other');
    byKey.set(key, { ...identity });
  }

  const ofUser = (userId: string) => [...byKey.values()].filter((identity) => identity.userId === userId);

  return {
    async createIdentity(identity) {
      take(identity);
    },
    async createUserWithIdentity(user, identity) {
      const key = keyOf(identity.issuer, identity.subject);
      if (byKey.has(key) || held.has(key)) throw new UniqueViolationError('other');
      held.add(key);
      try {
        const created = await users.createUser(user);
        byKey.set(key, { ...identity, userId: created.id });
        return created;
      } finally {
        held.delete(key);
      }
    },
    async findIdentity(issuer, subject) {
      const found = byKey.get(keyOf(issuer, subject));
      return found ? { ...found } : undefined;
    },
    async listIdentitiesOfUser(userId) {
      return ofUser(userId)
        .sort((a, b) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((identity) => ({ ...identity }));
    },
    async recordIdentityUse(id, use) {
      for (const [key, identity] of byKey) {
        if (identity.id === id) byKey.set(key, { ...identity, lastUsedAtMs: use.atMs, email: use.email, emailVerified: use.emailVerified });
      }
    },
    async deleteIdentityOfUser(id, userId, { keepOne }) {
      const mine = ofUser(userId);
      const target = mine.find((identity) => identity.id === id);
      if (!target) return 'not-found';
      if (keepOne && mine.length < 2) return 'last';
      byKey.delete(keyOf(target.issuer, target.subject));
      return 'deleted';
    },
  };
}
