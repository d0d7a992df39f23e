/** @module Store conformance: the SessionStore contract. */
import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../core/stores.ts';
import { DAY, HOUR, MINUTE, T0, hex, newSession, sha256, type Fixture } from './fixtures.ts';

export function describeSessionStore(f: Fixture): void {
  const { users, roles, sessions, storedUser } = f;
  describe('SessionStore', () => {
    const sessionIds = async (userId: string) => (await sessions().listSessionsOfUser(userId)).map((s) => s.id);

    it('creating a session records the login: the user\'s lastLoginAtMs becomes its createdAtMs, and nothing else changes', async () => {
      const user = await storedUser();
      const bystander = await storedUser();
      expect(user.lastLoginAtMs).toBeNull();
      await sessions().createSession(newSession(user.id, user.uniquifier, { createdAtMs: T0 + 5_000, lastSeenAtMs: T0 + 5_000 }));
      expect(await users().findUserById(user.id)).toEqual({ ...user, lastLoginAtMs: T0 + 5_000 });
      await sessions().createSession(newSession(user.id, user.uniquifier, { createdAtMs: T0 + 9_000, lastSeenAtMs: T0 + 9_000 }));
      expect((await users().findUserById(user.id))?.lastLoginAtMs).toBe(T0 + 9_000);
      expect(await users().findUserById(bystander.id)).toEqual(bystander);
    });

    it('a session that cannot be stored records no login either (one write, all or nothing)', async () => {
      const user = await storedUser();
      const first = newSession(user.id, user.uniquifier, { createdAtMs: T0 + 1_000 });
      await sessions().createSession(first);
      const clash = newSession(user.id, user.uniquifier, { id: first.id, createdAtMs: T0 + 2_000 });
      await expect(sessions().createSession(clash)).rejects.toThrow();
      expect((await users().findUserById(user.id))?.lastLoginAtMs).toBe(T0 + 1_000);
      expect(await sessionIds(user.id)).toEqual([first.id]);
    });

    it('creates a session and finds it with its user by token hash, with exact field values', async () => {
      const user = await storedUser();
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
      expect({ session: found?.session, user: found?.user }).toEqual({ session: remembered, user: { ...user, lastLoginAtMs: plain.createdAtMs } });
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
      // Assurance (a second factor proved): level, methods and the factor's time, and nothing else.
      await sessions().updateFreshness(session.id, { aal: 2, amr: 'pwd,otp', factorAtMs: T0 + 500 });
      expect(await current()).toEqual({ ...session, freshAtMs: T0 + 300, graceUntilMs: T0 + 400, fingerprint, aal: 2, amr: 'pwd,otp', factorAtMs: T0 + 500 });
      await sessions().updateFreshness(session.id, { factorAtMs: 0 });
      expect((await current())?.factorAtMs).toBe(0);
    });

    it('rotateSessionToken swaps the token hash while it is the current one: the new hash finds the session, the old finds nothing', async () => {
      const user = await storedUser();
      const session = newSession(user.id, user.uniquifier);
      const bystander = newSession(user.id, user.uniquifier);
      await sessions().createSession(session);
      await sessions().createSession(bystander);
      const next = sha256(hex());

      expect(await sessions().rotateSessionToken(session.id, session.tokenHash, next)).toBe(true);
      expect(await sessions().findSessionByTokenHash(session.tokenHash)).toBeUndefined();
      expect((await sessions().findSessionByTokenHash(next))?.session).toEqual({ ...session, tokenHash: next });
      // Nothing else moved: same id, same row count, the other session untouched.
      expect((await sessionIds(user.id)).sort()).toEqual([session.id, bystander.id].sort());
      expect((await sessions().findSessionByTokenHash(bystander.tokenHash))?.session).toEqual(bystander);

      // The old hash cannot rotate it again (compare-and-swap), nor can a wrong id.
      expect(await sessions().rotateSessionToken(session.id, session.tokenHash, sha256(hex()))).toBe(false);
      expect(await sessions().rotateSessionToken(bystander.id, session.tokenHash, sha256(hex()))).toBe(false);
      expect(await sessions().rotateSessionToken(`s-missing-${hex()}`, next, sha256(hex()))).toBe(false);
      expect((await sessions().findSessionByTokenHash(next))?.session.id).toBe(session.id);
      expect((await sessions().findSessionByTokenHash(bystander.tokenHash))?.session).toEqual(bystander);
    });

    it('rotateSessionToken: of concurrent rotations from one old hash, exactly one wins', async () => {
      const user = await storedUser();
      const session = newSession(user.id, user.uniquifier);
      await sessions().createSession(session);
      const candidates = Array.from({ length: 8 }, () => sha256(hex()));
      const results = await Promise.all(candidates.map((next) => sessions().rotateSessionToken(session.id, session.tokenHash, next)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = candidates[results.indexOf(true)] ?? '';
      expect((await sessions().findSessionByTokenHash(winner))?.session.id).toBe(session.id);
      for (const loser of candidates.filter((c) => c !== winner)) expect(await sessions().findSessionByTokenHash(loser)).toBeUndefined();
    });

    it('rotateSessionToken of a deleted session changes nothing', async () => {
      const user = await storedUser();
      const session = newSession(user.id, user.uniquifier);
      await sessions().createSession(session);
      await sessions().deleteSession(session.id);
      const next = sha256(hex());
      expect(await sessions().rotateSessionToken(session.id, session.tokenHash, next)).toBe(false);
      expect(await sessions().findSessionByTokenHash(next)).toBeUndefined();
      expect(await sessionIds(user.id)).toEqual([]);
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
}
