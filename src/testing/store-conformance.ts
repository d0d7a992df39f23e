/**
 * @module The store conformance suite: every implementation of core/stores.ts (memory, SQLite,
 * PostgreSQL, …) registers it and must pass it unchanged. Over ~400 lines because it is the whole
 * contract in one place; each test makes its own users, roles and sessions (random ids), so all
 * of them share one database without colliding.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UniqueViolationError } from '../core/errors.ts';
import type { AuditRecord, NewUser, SessionRecord, Stores, UserRecord } from '../core/stores.ts';

export interface OpenedStores {
  readonly stores: Stores;
  dispose(): Promise<void>;
}

/** 2026-01-01: far above 2^31, so a bigint column that comes back as a string or is truncated shows. */
const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const hex = (bytes = 6) => randomBytes(bytes).toString('hex');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function newUser(overrides: Partial<NewUser> = {}): NewUser {
  const tag = hex();
  const email = overrides.email ?? `User.${tag}@Example.com`;
  return {
    id: `u-${tag}`,
    email,
    emailKey: email.toLowerCase(),
    username: null,
    usernameKey: null,
    passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$${hex(16)}`,
    uniquifier: hex(16),
    nowMs: T0,
    ...overrides,
  };
}

function withUsername(username: string, overrides: Partial<NewUser> = {}): NewUser {
  return newUser({ username, usernameKey: username.toLowerCase(), ...overrides });
}

function newSession(userId: string, uniquifier: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: `s-${hex()}`,
    tokenHash: sha256(hex(32)),
    userId,
    uniquifier,
    createdAtMs: T0,
    lastSeenAtMs: T0,
    expiresAtMs: T0 + DAY,
    freshAtMs: T0,
    graceUntilMs: 0,
    remember: false,
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (conformance)',
    fingerprint: sha256(hex()),
    ...overrides,
  };
}

async function expectUniqueViolation(promise: Promise<unknown>, key: UniqueViolationError['key']): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a UniqueViolationError').toBeInstanceOf(UniqueViolationError);
  expect((error as UniqueViolationError).key).toBe(key);
}

/** Registers the whole conformance suite for one store implementation. */
export function describeStoreConformance(name: string, open: () => Promise<OpenedStores>): void {
  describe(`store conformance: ${name}`, () => {
    let opened: OpenedStores | undefined;
    const stores = (): Stores => {
      if (!opened) throw new Error('stores not opened');
      return opened.stores;
    };
    const users = () => stores().users;
    const roles = () => stores().roles;
    const sessions = () => stores().sessions;

    /** A stored user and its record, for tests that need one to hang things on. */
    const storedUser = (overrides: Partial<NewUser> = {}): Promise<UserRecord> => users().createUser(newUser(overrides));

    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.dispose();
    });

    it('answers ping', async () => {
      expect(await stores().ping()).toBe(true);
    });

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

        await users().recordLogin(user.id, T0 + 5_000);
        now = await users().findUserById(user.id);
        expect(now?.lastLoginAtMs).toBe(T0 + 5_000);
        expect(now?.createdAtMs).toBe(T0);
        expect(now?.email).toBe(user.email);

        expect(await users().findUserById(bystander.id)).toEqual(bystander);
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

    describe('RoleStore', () => {
      const roleName = () => `role-${hex()}`;
      const roleOf = async (name: string) => (await roles().listRoles()).find((r) => r.name === name);

      it('creates a role with permissions; upserting again replaces description and permissions', async () => {
        const name = roleName();
        await roles().upsertRole({ name, description: 'Editors', permissions: ['docs:write', 'docs:read', 'docs:read'] });
        let role = await roleOf(name);
        expect(role?.description).toBe('Editors');
        expect([...(role?.permissions ?? [])].sort()).toEqual(['docs:read', 'docs:write']);

        await roles().upsertRole({ name, description: 'Readers', permissions: ['docs:read', 'docs:list'] });
        role = await roleOf(name);
        expect(role?.description).toBe('Readers');
        expect([...(role?.permissions ?? [])].sort()).toEqual(['docs:list', 'docs:read']);

        await roles().upsertRole({ name, description: '', permissions: [] });
        role = await roleOf(name);
        expect(role).toEqual({ name, description: '', permissions: [] });
      });

      it('re-upserting a granted role changes what its holders may do', async () => {
        const user = await storedUser();
        const name = roleName();
        await roles().upsertRole({ name, description: '', permissions: ['a:read'] });
        expect(await roles().grantRole(user.id, name)).toBe(true);
        await roles().upsertRole({ name, description: '', permissions: ['b:read'] });
        expect(await roles().authorizationOfUser(user.id)).toEqual({ roles: [name], permissions: ['b:read'] });
      });

      it('grantRole of an unknown role returns false and grants nothing', async () => {
        const user = await storedUser();
        expect(await roles().grantRole(user.id, `missing-${hex()}`)).toBe(false);
        expect(await roles().authorizationOfUser(user.id)).toEqual({ roles: [], permissions: [] });
      });

      it('granting twice is a no-op; revokeRole says whether the user had the role', async () => {
        const user = await storedUser();
        const name = roleName();
        await roles().upsertRole({ name, description: 'x', permissions: ['p:one'] });
        expect(await roles().grantRole(user.id, name)).toBe(true);
        expect(await roles().grantRole(user.id, name)).toBe(true);
        expect(await roles().authorizationOfUser(user.id)).toEqual({ roles: [name], permissions: ['p:one'] });
        expect(await roles().revokeRole(user.id, name)).toBe(true);
        expect(await roles().revokeRole(user.id, name)).toBe(false);
        expect(await roles().revokeRole(user.id, `missing-${hex()}`)).toBe(false);
        expect(await roles().authorizationOfUser(user.id)).toEqual({ roles: [], permissions: [] });
      });

      it('authorizationOfUser unions permissions across roles, sorted and unique', async () => {
        const user = await storedUser();
        const other = await storedUser();
        const [r1, r2, r3] = ['b', 'a', 'c'].map((prefix) => `${prefix}-${roleName()}`) as [string, string, string];
        await roles().upsertRole({ name: r1, description: '', permissions: ['docs:write', 'docs:read'] });
        await roles().upsertRole({ name: r2, description: '', permissions: ['docs:read', 'admin:users'] });
        await roles().upsertRole({ name: r3, description: 'no permissions', permissions: [] });
        for (const r of [r1, r2, r3]) expect(await roles().grantRole(user.id, r)).toBe(true);
        expect(await roles().grantRole(other.id, r1)).toBe(true);

        expect(await roles().authorizationOfUser(user.id)).toEqual({
          roles: [r2, r1, r3],
          permissions: ['admin:users', 'docs:read', 'docs:write'],
        });
        expect(await roles().authorizationOfUser(other.id)).toEqual({ roles: [r1], permissions: ['docs:read', 'docs:write'] });
        expect(await roles().authorizationOfUser(`u-missing-${hex()}`)).toEqual({ roles: [], permissions: [] });
      });
    });

    describe('SessionStore', () => {
      const sessionIds = async (userId: string) => (await sessions().listSessionsOfUser(userId)).map((s) => s.id);
      const sessionById = async (userId: string, id: string) => (await sessions().listSessionsOfUser(userId)).find((s) => s.id === id);

      it('creates a session and finds it with its user by token hash, with exact field values', async () => {
        const user = await storedUser();
        await users().recordLogin(user.id, T0 + 7);
        const remembered = newSession(user.id, user.uniquifier, {
          createdAtMs: T0 + 1,
          lastSeenAtMs: T0 + 2,
          expiresAtMs: T0 + 30 * DAY,
          freshAtMs: T0 + 3,
          graceUntilMs: T0 + 4,
          remember: true,
          ip: '2001:db8::1',
        });
        const plain = newSession(user.id, user.uniquifier);
        await sessions().createSession(remembered);
        await sessions().createSession(plain);

        await roles().upsertRole({ name: `lookup-${hex(3)}`, description: '', permissions: ['docs:read', 'docs:write'] });
        const [role] = (await roles().listRoles()).filter((r) => r.permissions.includes('docs:read') && r.name.startsWith('lookup-'));
        await roles().grantRole(user.id, role?.name ?? '');
        const found = await sessions().findSessionByTokenHash(remembered.tokenHash);
        expect({ session: found?.session, user: found?.user }).toEqual({ session: remembered, user: { ...user, lastLoginAtMs: T0 + 7 } });
        // A store that fetches roles with the session must agree with authorizationOfUser.
        if (found?.authorization) expect(found.authorization).toEqual(await roles().authorizationOfUser(user.id));
        for (const key of ['createdAtMs', 'lastSeenAtMs', 'expiresAtMs', 'freshAtMs', 'graceUntilMs'] as const) {
          expect(typeof found?.session[key], key).toBe('number');
        }
        expect(found?.session.remember).toBe(true);
        expect(typeof found?.user.lastLoginAtMs).toBe('number');
        expect(typeof found?.user.active).toBe('boolean');

        const second = await sessions().findSessionByTokenHash(plain.tokenHash);
        expect(second?.session).toEqual(plain);
        expect(second?.session.remember).toBe(false);
        expect(second?.session.graceUntilMs).toBe(0);
      });

      it('returns the current user state with the session', async () => {
        const user = await storedUser();
        const session = newSession(user.id, user.uniquifier);
        await sessions().createSession(session);
        await users().setUserActive(user.id, false, T0 + 10);
        await users().rotateUniquifier(user.id, 'after-rotation', T0 + 11);
        const found = await sessions().findSessionByTokenHash(session.tokenHash);
        expect(found?.user.active).toBe(false);
        expect(found?.user.uniquifier).toBe('after-rotation');
        expect(found?.session.uniquifier).toBe(user.uniquifier);
      });

      it('finds nothing for an unknown token hash', async () => {
        expect(await sessions().findSessionByTokenHash(sha256(hex()))).toBeUndefined();
      });

      it('lists only the user’s sessions, most recently seen first', async () => {
        const user = await storedUser();
        const other = await storedUser();
        const a = newSession(user.id, user.uniquifier, { lastSeenAtMs: T0 + 1_000 });
        const b = newSession(user.id, user.uniquifier, { lastSeenAtMs: T0 + 3_000 });
        const c = newSession(user.id, user.uniquifier, { lastSeenAtMs: T0 + 2_000 });
        for (const s of [a, b, c]) await sessions().createSession(s);
        await sessions().createSession(newSession(other.id, other.uniquifier, { lastSeenAtMs: T0 + 9_000 }));
        expect(await sessions().listSessionsOfUser(user.id)).toEqual([b, c, a]);
        expect(await sessions().listSessionsOfUser(`u-missing-${hex()}`)).toEqual([]);

        await sessions().touchSession(a.id, T0 + 5_000);
        expect(await sessionIds(user.id)).toEqual([a.id, b.id, c.id]);
      });

      it('touchSession moves last-seen only', async () => {
        const user = await storedUser();
        const session = newSession(user.id, user.uniquifier);
        await sessions().createSession(session);
        await sessions().touchSession(session.id, T0 + 90_000);
        expect((await sessions().findSessionByTokenHash(session.tokenHash))?.session).toEqual({ ...session, lastSeenAtMs: T0 + 90_000 });
      });

      it('updateFreshness changes only the fields given', async () => {
        const user = await storedUser();
        const session = newSession(user.id, user.uniquifier);
        await sessions().createSession(session);
        const current = async () => (await sessions().findSessionByTokenHash(session.tokenHash))?.session;

        await sessions().updateFreshness(session.id, { freshAtMs: T0 + 100 });
        expect(await current()).toEqual({ ...session, freshAtMs: T0 + 100 });
        await sessions().updateFreshness(session.id, { graceUntilMs: T0 + 200 });
        expect(await current()).toEqual({ ...session, freshAtMs: T0 + 100, graceUntilMs: T0 + 200 });
        const fingerprint = sha256('new fingerprint');
        await sessions().updateFreshness(session.id, { fingerprint });
        expect(await current()).toEqual({ ...session, freshAtMs: T0 + 100, graceUntilMs: T0 + 200, fingerprint });
        await sessions().updateFreshness(session.id, {});
        expect(await current()).toEqual({ ...session, freshAtMs: T0 + 100, graceUntilMs: T0 + 200, fingerprint });
        await sessions().updateFreshness(session.id, { freshAtMs: T0 + 300, graceUntilMs: T0 + 400 });
        expect(await current()).toEqual({ ...session, freshAtMs: T0 + 300, graceUntilMs: T0 + 400, fingerprint });
      });

      it('deleteSession removes one session; an unknown id is not an error', async () => {
        const user = await storedUser();
        const gone = newSession(user.id, user.uniquifier);
        const kept = newSession(user.id, user.uniquifier);
        await sessions().createSession(gone);
        await sessions().createSession(kept);
        await sessions().deleteSession(gone.id);
        expect(await sessions().findSessionByTokenHash(gone.tokenHash)).toBeUndefined();
        expect(await sessionIds(user.id)).toEqual([kept.id]);
        await expect(sessions().deleteSession(`s-missing-${hex()}`)).resolves.toBeUndefined();
      });

      it('deleteSessionOfUser refuses another user’s session', async () => {
        const owner = await storedUser();
        const attacker = await storedUser();
        const session = newSession(owner.id, owner.uniquifier);
        await sessions().createSession(session);

        expect(await sessions().deleteSessionOfUser(session.id, attacker.id)).toBe(false);
        expect((await sessions().findSessionByTokenHash(session.tokenHash))?.session).toEqual(session);

        expect(await sessions().deleteSessionOfUser(session.id, owner.id)).toBe(true);
        expect(await sessions().findSessionByTokenHash(session.tokenHash)).toBeUndefined();
        expect(await sessions().deleteSessionOfUser(session.id, owner.id)).toBe(false);
      });

      it('deleteSessionsOfUser deletes all but the one kept, and no one else’s', async () => {
        const user = await storedUser();
        const other = await storedUser();
        const mine = [1, 2, 3].map((i) => newSession(user.id, user.uniquifier, { lastSeenAtMs: T0 + i }));
        const theirs = newSession(other.id, other.uniquifier);
        for (const s of [...mine, theirs]) await sessions().createSession(s);
        const [keep] = mine as [SessionRecord];

        expect(await sessions().deleteSessionsOfUser(user.id, keep.id)).toBe(2);
        expect(await sessionIds(user.id)).toEqual([keep.id]);
        expect(await sessionIds(other.id)).toEqual([theirs.id]);

        expect(await sessions().deleteSessionsOfUser(user.id)).toBe(1);
        expect(await sessionIds(user.id)).toEqual([]);
        expect(await sessions().deleteSessionsOfUser(user.id)).toBe(0);
        expect(await sessionIds(other.id)).toEqual([theirs.id]);
      });

      it('deleteExpiredSessions removes sessions past their absolute expiry or idle too long', async () => {
        // Every other test's sessions are seen at or after T0 and expire after T0 + 1h, so they survive `now = T0`.
        const now = T0;
        const idleMs = 2 * HOUR;
        const user = await storedUser();
        const expired = newSession(user.id, user.uniquifier, { createdAtMs: now - DAY, lastSeenAtMs: now - MINUTE, expiresAtMs: now - 1 });
        const idle = newSession(user.id, user.uniquifier, { createdAtMs: now - DAY, lastSeenAtMs: now - idleMs - 1, expiresAtMs: now + DAY });
        const active = newSession(user.id, user.uniquifier, { createdAtMs: now - DAY, lastSeenAtMs: now - idleMs + MINUTE, expiresAtMs: now + HOUR });
        const remembered = newSession(user.id, user.uniquifier, {
          createdAtMs: now - 20 * DAY,
          lastSeenAtMs: now - MINUTE,
          expiresAtMs: now + 10 * DAY,
          remember: true,
        });
        for (const s of [expired, idle, active, remembered]) await sessions().createSession(s);

        const activeBefore = await sessions().countActiveSessions(now, idleMs);
        expect(await sessions().deleteExpiredSessions(now, idleMs)).toBe(2);
        expect(await sessions().countActiveSessions(now, idleMs)).toBe(activeBefore);
        expect((await sessionIds(user.id)).sort()).toEqual([active.id, remembered.id].sort());
        expect(await sessions().findSessionByTokenHash(expired.tokenHash)).toBeUndefined();
        expect(await sessions().findSessionByTokenHash(idle.tokenHash)).toBeUndefined();
        expect(await sessions().deleteExpiredSessions(now, idleMs)).toBe(0);

        expect(await sessions().deleteExpiredSessions(now + HOUR + 1, idleMs)).toBeGreaterThanOrEqual(1);
        expect(await sessionIds(user.id)).toEqual([remembered.id]);
      });
    });

    describe('AuditStore', () => {
      const audit = () => stores().audit;
      const marker = hex(4);
      const record = (overrides: Partial<AuditRecord>): AuditRecord => ({
        id: hex(16),
        atMs: T0,
        event: 'login.failed',
        userId: null,
        actorId: null,
        identity: `probe-${marker}@example.com`,
        ip: '192.0.2.1',
        userAgent: 'conformance',
        reason: 'wrong_password',
        detail: {},
        ...overrides,
      });

      it('stores records exactly and lists them newest first', async () => {
        const older = record({ atMs: T0 + 1_000, detail: { via: 'session', retryAfterSeconds: 4 } });
        const newer = record({ atMs: T0 + 2_000, event: `login.locked.${marker}`, reason: null, userId: `u-${marker}` });
        await audit().appendAuditRecords([older, newer]);
        await audit().appendAuditRecords([]);
        const { records, total } = await audit().listAuditRecords({ identity: `probe-${marker}`, offset: 0, limit: 10 });
        expect(total).toBe(2);
        expect(records).toEqual([newer, older]);
      });

      it('filters by event, user, identity substring, IP and time, and pages', async () => {
        const ip = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
        const base = T0 + 10_000;
        const rows = Array.from({ length: 5 }, (_, i) => record({ atMs: base + i, ip, event: i % 2 ? `even.${marker}` : `odd.${marker}`, userId: i === 4 ? `user-${marker}` : null }));
        await audit().appendAuditRecords(rows);
        expect((await audit().listAuditRecords({ event: `odd.${marker}`, offset: 0, limit: 10 })).total).toBe(3);
        expect((await audit().listAuditRecords({ userId: `user-${marker}`, offset: 0, limit: 10 })).records.map((r) => r.atMs)).toEqual([base + 4]);
        expect((await audit().listAuditRecords({ identity: `user-${marker}`, offset: 0, limit: 10 })).total).toBe(1);
        expect((await audit().listAuditRecords({ identity: `PROBE-${marker}`, ip, offset: 0, limit: 10 })).total).toBe(5);
        expect((await audit().listAuditRecords({ ip, fromMs: base + 1, toMs: base + 3, offset: 0, limit: 10 })).total).toBe(3);
        const page = await audit().listAuditRecords({ ip, offset: 2, limit: 2 });
        expect(page.total).toBe(5);
        expect(page.records.map((r) => r.atMs)).toEqual([base + 2, base + 1]);
      });

      it('treats % and _ in an identity search literally', async () => {
        await audit().appendAuditRecords([record({ identity: `a_b%${marker}@x.io` }), record({ identity: `axb${marker}@x.io` })]);
        expect((await audit().listAuditRecords({ identity: `a_b%${marker}`, offset: 0, limit: 10 })).total).toBe(1);
      });
    });
  });
}
