/** @module Store conformance: the UserStore contract. */
import { describe, expect, it } from 'vitest';
import { UniqueViolationError } from '../../core/errors.ts';
import type { UserRecord } from '../../core/stores.ts';
import { DAY, T0, expectUniqueViolation, hex, newUser, withUsername, type Fixture } from './fixtures.ts';

export function describeUserStore(f: Fixture): void {
  const { users, storedUser } = f;
  describe('UserStore', () => {
    it('creates a user and finds it by id, e-mail key and username key, with exact field values', async () => {
      const input = withUsername(`Alice_${hex(3)}`);
      const created = await users().createUser(input);
      const expected: UserRecord = {
        id: input.id,
        email: input.email,
        emailKey: input.emailKey,
        username: input.username,
        usernameKey: input.usernameKey,
        passwordHash: input.passwordHash,
        active: true,
        uniquifier: input.uniquifier,
        createdAtMs: T0,
        updatedAtMs: T0,
        lastLoginAtMs: null,
        emailConfirmedAtMs: null,
      };
      expect(created).toEqual(expected);
      expect(await users().findUserById(input.id)).toEqual(expected);
      expect(await users().findUserByEmailKey(input.emailKey)).toEqual(expected);
      expect(await users().findUserByUsernameKey(input.usernameKey ?? '')).toEqual(expected);
      const found = await users().findUserById(input.id);
      expect(typeof found?.createdAtMs).toBe('number');
      expect(typeof found?.active).toBe('boolean');
    });

    it('finds nothing for unknown id, e-mail key or username key', async () => {
      expect(await users().findUserById(`u-missing-${hex()}`)).toBeUndefined();
      expect(await users().findUserByEmailKey(`missing-${hex()}@example.com`)).toBeUndefined();
      expect(await users().findUserByUsernameKey(`missing-${hex()}`)).toBeUndefined();
    });

    it('lookups are by key: the e-mail as typed is not a key', async () => {
      const user = await storedUser();
      expect(user.email).not.toBe(user.emailKey);
      expect(await users().findUserByEmailKey(user.email)).toBeUndefined();
    });

    it('refuses a taken e-mail key with UniqueViolationError("email") and writes nothing', async () => {
      const first = await storedUser();
      const second = newUser({ email: first.email.toUpperCase(), emailKey: first.emailKey });
      await expectUniqueViolation(users().createUser(second), 'email');
      expect(await users().findUserById(second.id)).toBeUndefined();
      expect((await users().findUserByEmailKey(first.emailKey))?.id).toBe(first.id);
    });

    it('refuses a taken username key with UniqueViolationError("username") and writes nothing', async () => {
      const name = `Bob_${hex(3)}`;
      const first = await users().createUser(withUsername(name));
      const second = withUsername(name.toUpperCase());
      await expectUniqueViolation(users().createUser(second), 'username');
      expect(await users().findUserById(second.id)).toBeUndefined();
      expect(await users().findUserByEmailKey(second.emailKey)).toBeUndefined();
      expect((await users().findUserByUsernameKey(name.toLowerCase()))?.id).toBe(first.id);
    });

    it('lets any number of users have no username', async () => {
      const a = await storedUser();
      const b = await storedUser();
      expect(a.username).toBeNull();
      expect(b.usernameKey).toBeNull();
      expect((await users().findUserById(b.id))?.usernameKey).toBeNull();
    });

    it('lets exactly one of 20 concurrent registrations of one e-mail win', async () => {
      const email = `race.${hex()}@example.com`;
      const attempts = Array.from({ length: 20 }, () => newUser({ email }));
      const results = await Promise.allSettled(attempts.map((user) => users().createUser(user)));
      const fulfilled = results.filter((r) => r.status === 'fulfilled');
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(fulfilled).toHaveLength(1);
      for (const r of rejected) {
        expect(r.reason).toBeInstanceOf(UniqueViolationError);
        expect((r.reason as UniqueViolationError).key).toBe('email');
      }
      const winner = (fulfilled[0] as PromiseFulfilledResult<UserRecord>).value;
      expect((await users().findUserByEmailKey(email))?.id).toBe(winner.id);
    });

    it('sets active, rotates the uniquifier, sets the password hash and records logins, one user only', async () => {
      const user = await storedUser();
      const bystander = await storedUser();

      await users().setUserActive(user.id, false, T0 + 1_000);
      let now = await users().findUserById(user.id);
      expect(now?.active).toBe(false);
      expect(now?.updatedAtMs).toBe(T0 + 1_000);
      await users().setUserActive(user.id, true, T0 + 2_000);
      expect((await users().findUserById(user.id))?.active).toBe(true);

      await users().rotateUniquifier(user.id, 'rotated-uniquifier', T0 + 3_000);
      now = await users().findUserById(user.id);
      expect(now?.uniquifier).toBe('rotated-uniquifier');
      expect(now?.updatedAtMs).toBe(T0 + 3_000);

      await users().setPasswordHash(user.id, '$argon2id$new-hash', T0 + 4_000);
      now = await users().findUserById(user.id);
      expect(now?.passwordHash).toBe('$argon2id$new-hash');
      expect(now?.updatedAtMs).toBe(T0 + 4_000);

      now = await users().findUserById(user.id);
      expect(now?.createdAtMs).toBe(T0);
      expect(now?.email).toBe(user.email);

      expect(await users().findUserById(bystander.id)).toEqual(bystander);
    });

    it('confirms the address only while the e-mail key is the one the link was sent to, once, and counts a confirmed creation', async () => {
      const user = await storedUser();
      const bystander = await storedUser();
      expect(user.emailConfirmedAtMs).toBeNull();
      expect(await users().confirmEmail(user.id, `other-${user.emailKey}`, T0 + 1_000)).toBe(false);
      expect((await users().findUserById(user.id))?.emailConfirmedAtMs).toBeNull();
      expect(await users().confirmEmail(user.id, user.emailKey, T0 + 2_000)).toBe(true);
      expect(await users().findUserById(user.id)).toEqual({ ...user, emailConfirmedAtMs: T0 + 2_000, updatedAtMs: T0 + 2_000 });
      expect(await users().confirmEmail(user.id, user.emailKey, T0 + 3_000)).toBe(false);
      expect((await users().findUserById(user.id))?.emailConfirmedAtMs).toBe(T0 + 2_000);
      expect(await users().findUserById(bystander.id)).toEqual(bystander);
      const confirmed = await storedUser({ emailConfirmedAtMs: T0 });
      expect(confirmed.emailConfirmedAtMs).toBe(T0);
      expect((await users().findUserById(confirmed.id))?.emailConfirmedAtMs).toBe(T0);
    });

    it('of 20 concurrent confirmations of one address, exactly one writes', async () => {
      const user = await storedUser();
      const results = await Promise.all(Array.from({ length: 20 }, () => users().confirmEmail(user.id, user.emailKey, T0 + 1_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    describe('listUsers', () => {
      it('pages newest first and counts the total', async () => {
        const tag = `pg${hex()}`;
        const made: UserRecord[] = [];
        for (let i = 1; i <= 5; i++) {
          made.push(await users().createUser(newUser({ email: `${tag}.${i}@example.com`, nowMs: T0 + i * 1_000 })));
        }
        const ids = (page: { users: readonly UserRecord[] }) => page.users.map((u) => u.id);
        const first = await users().listUsers({ search: tag, offset: 0, limit: 2 });
        expect(first.total).toBe(5);
        expect(ids(first)).toEqual([made[4]?.id, made[3]?.id]);
        const second = await users().listUsers({ search: tag, offset: 2, limit: 2 });
        expect(second.total).toBe(5);
        expect(ids(second)).toEqual([made[2]?.id, made[1]?.id]);
        const last = await users().listUsers({ search: tag, offset: 4, limit: 2 });
        expect(ids(last)).toEqual([made[0]?.id]);
        const beyond = await users().listUsers({ search: tag, offset: 10, limit: 2 });
        expect(beyond).toEqual({ users: [], total: 5 });
        expect(typeof first.total).toBe('number');
        expect(first.users[0]).toEqual(made[4]);
      });

      it('lists everyone without a search', async () => {
        const user = await storedUser({ nowMs: T0 + 365 * DAY });
        for (const search of [undefined, '']) {
          const page = await users().listUsers({ ...(search === undefined ? {} : { search }), offset: 0, limit: 1_000 });
          expect(page.total).toBeGreaterThanOrEqual(1);
          expect(page.total).toBe(page.users.length);
          expect(page.users.map((u) => u.id)).toContain(user.id);
        }
      });

      it('matches a case-insensitive substring of the e-mail or the username', async () => {
        const tag = `sr${hex()}`;
        const byEmail = await users().createUser(newUser({ email: `Carol.${tag}@Example.com` }));
        const byUsername = await users().createUser(withUsername(`Dave${tag}X`));
        const neither = await storedUser();

        const ids = async (search: string) => (await users().listUsers({ search, offset: 0, limit: 50 })).users.map((u) => u.id).sort();
        expect(await ids(tag)).toEqual([byEmail.id, byUsername.id].sort());
        expect(await ids(tag.toUpperCase())).toEqual([byEmail.id, byUsername.id].sort());
        expect(await ids(`CAROL.${tag}`)).toEqual([byEmail.id]);
        expect(await ids(`dave${tag}x`)).toEqual([byUsername.id]);
        expect(await ids(`${tag}@example`)).toEqual([byEmail.id]);
        expect(await ids(`nobody-${hex()}`)).toEqual([]);
        expect((await users().listUsers({ search: `nobody-${hex()}`, offset: 0, limit: 50 })).total).toBe(0);
        expect(await ids(neither.emailKey)).toEqual([neither.id]);
      });

      it('treats % and _ in the search literally', async () => {
        const tag = `lt${hex()}`;
        const plain = await users().createUser(newUser({ email: `${tag}ab@example.com` }));
        const underscore = await users().createUser(newUser({ email: `${tag}_b@example.com` }));
        const percent = await users().createUser(newUser({ email: `${tag}%b@example.com` }));
        const backslash = await users().createUser(newUser({ email: `${tag}\\b@example.com` }));

        const page = async (search: string) => users().listUsers({ search, offset: 0, limit: 50 });
        const ids = async (search: string) => (await page(search)).users.map((u) => u.id).sort();
        expect(await ids(tag)).toEqual([plain.id, underscore.id, percent.id, backslash.id].sort());
        expect(await ids(`${tag}_b`)).toEqual([underscore.id]);
        expect((await page(`${tag}_b`)).total).toBe(1);
        expect(await ids(`${tag}%b`)).toEqual([percent.id]);
        expect(await ids(`${tag}\\b`)).toEqual([backslash.id]);
        expect(await ids(`${tag}%`)).toEqual([percent.id]);
        expect(await ids(`${tag}_`)).toEqual([underscore.id]);
      });
    });
  });
}
