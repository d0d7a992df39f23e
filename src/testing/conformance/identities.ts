/** @module Store conformance: the IdentityStore contract (social sign-in identities by issuer and subject). */
import { describe, expect, it } from 'vitest';
import type { IdentityRecord } from '../../core/stores.ts';
import { HOUR, T0, expectUniqueViolation, hex, newUser, type Fixture } from './fixtures.ts';

const ISSUER = 'https://id.example.com';

function newIdentity(userId: string, overrides: Partial<IdentityRecord> = {}): IdentityRecord {
  return {
    id: `i-${hex()}`,
    userId,
    provider: 'corp',
    issuer: ISSUER,
    subject: `sub-${hex()}`,
    email: `Someone.${hex(3)}@Example.com`,
    emailVerified: true,
    createdAtMs: T0,
    lastUsedAtMs: null,
    ...overrides,
  };
}

export function describeIdentityStore(f: Fixture): void {
  const identities = () => f.stores().identities;
  describe('IdentityStore', () => {
    it('stores an identity and finds it by (issuer, subject), with exact field values', async () => {
      const user = await f.storedUser();
      const identity = newIdentity(user.id, { email: null, emailVerified: false });
      await identities().createIdentity(identity);
      expect(await identities().findIdentity(ISSUER, identity.subject)).toEqual(identity);
      expect(await identities().findIdentity(`${ISSUER}/other`, identity.subject)).toBeUndefined();
      expect(await identities().findIdentity(ISSUER, identity.subject.toUpperCase())).toBeUndefined();
    });

    it('refuses a second holder of one (issuer, subject); the same subject at another issuer is another identity', async () => {
      const [a, b] = await Promise.all([f.storedUser(), f.storedUser()]);
      const first = newIdentity(a.id);
      await identities().createIdentity(first);
      await expectUniqueViolation(identities().createIdentity(newIdentity(b.id, { subject: first.subject })), 'other');
      await identities().createIdentity(newIdentity(b.id, { subject: first.subject, issuer: 'https://other.example' }));
      expect((await identities().findIdentity(ISSUER, first.subject))?.userId).toBe(a.id);
    });

    it('lists a user\'s identities oldest first, and only theirs', async () => {
      const [a, b] = await Promise.all([f.storedUser(), f.storedUser()]);
      const later = newIdentity(a.id, { createdAtMs: T0 + HOUR, provider: 'github' });
      const earlier = newIdentity(a.id, { createdAtMs: T0 });
      await identities().createIdentity(later);
      await identities().createIdentity(earlier);
      await identities().createIdentity(newIdentity(b.id));
      expect((await identities().listIdentitiesOfUser(a.id)).map((i) => i.id)).toEqual([earlier.id, later.id]);
    });

    it('creates a user and its identity together, or neither', async () => {
      const user = newUser();
      const { userId: _, ...identity } = newIdentity('unused');
      const created = await f.stores().identities.createUserWithIdentity(user, identity);
      expect(created.id).toBe(user.id);
      expect(await f.users().findUserById(user.id)).toEqual(created);
      expect(await identities().findIdentity(ISSUER, identity.subject)).toEqual({ ...identity, userId: user.id });

      // The pair is taken: the user is not left behind without it.
      const orphan = newUser();
      await expectUniqueViolation(identities().createUserWithIdentity(orphan, { ...identity, id: `i-${hex()}` }), 'other');
      expect(await f.users().findUserById(orphan.id)).toBeUndefined();
      // The e-mail is taken: no identity is left behind without a user.
      const { userId: __, ...another } = newIdentity('unused');
      await expectUniqueViolation(identities().createUserWithIdentity(newUser({ email: user.email, emailKey: user.emailKey }), another), 'email');
      expect(await identities().findIdentity(ISSUER, another.subject)).toBeUndefined();
    });

    it('records a sign-in: the time and what the provider now says of the e-mail', async () => {
      const user = await f.storedUser();
      const identity = newIdentity(user.id);
      await identities().createIdentity(identity);
      await identities().recordIdentityUse(identity.id, { atMs: T0 + HOUR, email: 'new@example.com', emailVerified: false });
      expect(await identities().findIdentity(ISSUER, identity.subject)).toEqual({ ...identity, lastUsedAtMs: T0 + HOUR, email: 'new@example.com', emailVerified: false });
    });

    it('deletes only the owner\'s identity, and with keepOne never the last one', async () => {
      const [owner, other] = await Promise.all([f.storedUser(), f.storedUser()]);
      const one = newIdentity(owner.id);
      const two = newIdentity(owner.id);
      await identities().createIdentity(one);
      await identities().createIdentity(two);
      expect(await identities().deleteIdentityOfUser(one.id, other.id, { keepOne: false })).toBe('not-found');
      expect(await identities().deleteIdentityOfUser(`i-${hex()}`, owner.id, { keepOne: false })).toBe('not-found');
      expect(await identities().deleteIdentityOfUser(one.id, owner.id, { keepOne: true })).toBe('deleted');
      expect(await identities().deleteIdentityOfUser(two.id, owner.id, { keepOne: true })).toBe('last');
      expect((await identities().listIdentitiesOfUser(owner.id)).map((i) => i.id)).toEqual([two.id]);
      expect(await identities().deleteIdentityOfUser(two.id, owner.id, { keepOne: false })).toBe('deleted');
      expect(await identities().listIdentitiesOfUser(owner.id)).toEqual([]);
    });

    it('leaves one identity when the last two are unlinked at once with keepOne', async () => {
      const owner = await f.storedUser();
      const pair = [newIdentity(owner.id), newIdentity(owner.id)];
      for (const identity of pair) await identities().createIdentity(identity);
      const results = await Promise.all(pair.map((identity) => identities().deleteIdentityOfUser(identity.id, owner.id, { keepOne: true })));
      expect(results.sort()).toEqual(['deleted', 'last']);
      expect(await identities().listIdentitiesOfUser(owner.id)).toHaveLength(1);
    });
  });
}
