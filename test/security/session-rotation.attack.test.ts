/**
 * @module Attack suite — a copy of the session cookie taken before a re-authentication or a
 * privilege change must be worthless after it (DESIGN: a new token at every login and privilege
 * change). `/auth/verify` rotates the token of the same session; a role grant ends the affected
 * user's sessions, so the new role is only reachable under a token from a fresh login.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, createTestApp, locationOf, uniqueEmail, type Client, type PublicUserBody, type TestApp } from '../http/harness.ts';
import { sessionAlive, sessionCookies, sessionCount } from './attack-helpers.ts';

const BOOTSTRAP = 'rotation-boss@example.com';

describe('session token rotation', () => {
  let t: TestApp;
  let admin: Client;

  beforeAll(async () => {
    t = await createTestApp({ bootstrapAdminEmail: BOOTSTRAP });
    admin = t.client();
    expect((await admin.register({ email: BOOTSTRAP })).res.status).toBe(201);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const rolesOf = async (userId: string) => (await t.stores.roles.authorizationOfUser(userId)).roles;
  const apiTokensOf = async (userId: string) => (await t.stores.tokens.listApiTokensOfUser(userId)).length;

  describe('/auth/verify', () => {
    let owner: Client;
    let user: PublicUserBody;
    let sessionId: string;

    beforeAll(async () => {
      owner = t.client();
      user = await owner.signUp();
      sessionId = (await t.stores.sessions.listSessionsOfUser(user.id))[0]?.id ?? '';
    });

    it('JSON: a new cookie for the same session; the copy taken before is dead and cannot use the fresh session', async () => {
      const thief = owner.clone();
      const oldToken = owner.sessionToken ?? '';
      const { res, body } = await owner.json('/auth/verify', { method: 'POST', json: { password: PASSWORD }, csrf: true });
      expect(res.status).toBe(200);
      expect(body).toMatchObject({ fresh: true, user: { id: user.id } });
      const [cookie] = sessionCookies(res);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(owner.sessionToken).toBeDefined();
      expect(owner.sessionToken).not.toBe(oldToken);

      // The old value finds nothing; the new one is the same session (same id, nothing else made).
      expect(await sessionAlive(t, oldToken, owner.ip)).toBe(false);
      expect((await owner.me()).res.status).toBe(200);
      expect((await t.stores.sessions.listSessionsOfUser(user.id)).map((s) => s.id)).toEqual([sessionId]);

      // The thief's copy cannot reach the freshly verified session's powers.
      const before = await apiTokensOf(user.id);
      const mint = await thief.json('/auth/api-tokens', { method: 'POST', json: { name: 'stolen' }, csrf: owner.csrfToken ?? true });
      expect(mint.res.status).toBe(401);
      expect(mint.body).toEqual({ error: 'Authentication required', code: 'UNAUTHENTICATED' });
      expect(await apiTokensOf(user.id)).toBe(before);
      // The owner, with the new cookie, may.
      expect((await owner.json('/auth/api-tokens', { method: 'POST', json: { name: 'mine' }, csrf: true })).res.status).toBe(201);
    });

    it('browser form: 303 with a new cookie; the old value is dead', async () => {
      const oldToken = owner.sessionToken ?? '';
      const csrf = await owner.pageCsrf('/verify');
      const res = await owner.postForm('/auth/verify', { password: PASSWORD, csrf_token: csrf, next: '/account' });
      expect(res.status).toBe(303);
      expect(locationOf(res)).toBe('/account');
      expect(sessionCookies(res)).toHaveLength(1);
      expect(owner.sessionToken).not.toBe(oldToken);
      expect(await sessionAlive(t, oldToken, owner.ip)).toBe(false);
      expect(await sessionAlive(t, owner.sessionToken ?? '', owner.ip)).toBe(true);
    });

    it('control: a wrong password rotates nothing (the cookie keeps working, no new cookie)', async () => {
      const token = owner.sessionToken ?? '';
      const { res } = await owner.json('/auth/verify', { method: 'POST', json: { password: 'not the password at all' }, csrf: true });
      expect(res.status).toBe(401);
      expect(sessionCookies(res)).toEqual([]);
      expect(await sessionAlive(t, token, owner.ip)).toBe(true);
    });
  });

  describe('a role grant by an admin', () => {
    it('ends the user’s sessions: no old cookie works with (or without) the new role; a new login carries it under a new token', async () => {
      const email = uniqueEmail('promoted');
      const target = t.client();
      const user = await target.signUp({ email });
      const laptop = t.client();
      expect((await laptop.login({ email })).res.status).toBe(200);
      const stolen = target.clone();
      expect(await sessionCount(t, user.id)).toBe(2);

      const grant = await admin.json(`/admin/users/${user.id}/roles`, { method: 'POST', json: { role: 'editor' }, csrf: true });
      expect(grant.res.status).toBe(204);
      expect(await rolesOf(user.id)).toContain('editor');

      for (const holder of [target, laptop, stolen]) {
        const me = await holder.me();
        expect(me.res.status).toBe(401);
      }
      expect(await sessionCount(t, user.id)).toBe(0);

      const again = t.client();
      const login = await again.login({ email });
      expect(login.res.status).toBe(200);
      expect(login.body.user.roles).toContain('editor');
      expect(again.sessionToken).not.toBe(stolen.sessionToken);
      expect(await sessionAlive(t, stolen.sessionToken ?? '', stolen.ip)).toBe(false);
    });

    it('control: granting a role the user already has, or an unknown role, ends no session', async () => {
      const target = t.client();
      const user = await target.signUp();
      await t.stores.roles.grantRole(user.id, 'auditor');
      const same = await admin.json(`/admin/users/${user.id}/roles`, { method: 'POST', json: { role: 'auditor' }, csrf: true });
      expect(same.res.status).toBe(204);
      const unknown = await admin.json(`/admin/users/${user.id}/roles`, { method: 'POST', json: { role: 'no-such-role' }, csrf: true });
      expect(unknown.res.status).toBe(400);
      expect((await target.me()).res.status).toBe(200);
      expect(await sessionCount(t, user.id)).toBe(1);
    });
  });
});
