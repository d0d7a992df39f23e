/** @module HTTP attacks: CSRF on session routes, cross-site requests, login CSRF, JSON smuggled as text/plain. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, PUBLIC_ORIGIN, createTestApp, sha256Hex, uniqueEmail, type Client, type PublicUserBody, type TestApp } from './harness.ts';

const CSRF_FAILED = { error: 'CSRF validation failed', code: 'CSRF_FAILED' };
const BOOTSTRAP = 'boss@example.com';
let t: TestApp;
let admin: Client;
let victim: Client;
let victimUser: PublicUserBody;

beforeAll(async () => {
  t = await createTestApp({ bootstrapAdminEmail: BOOTSTRAP });
  admin = t.client();
  expect((await admin.register({ email: BOOTSTRAP })).res.status).toBe(201);
  victim = t.client();
  victimUser = await victim.signUp();
});
afterAll(async () => {
  await t?.dispose();
});

async function sessionsOf(userId: string): Promise<number> {
  return (await t.stores.sessions.listSessionsOfUser(userId)).length;
}

async function rolesOf(userId: string): Promise<readonly string[]> {
  return (await t.stores.roles.authorizationOfUser(userId)).roles;
}

/** Unsafe session-authenticated requests, each with a check that it had no effect. */
function attacks(): Array<{ name: string; path: string; method: string; json: unknown; unchanged: () => Promise<void> }> {
  return [
    {
      name: 'logout',
      path: '/auth/logout',
      method: 'POST',
      json: {},
      unchanged: async () => expect((await victim.me()).res.status).toBe(200),
    },
    {
      name: 'grant a role',
      path: `/admin/users/${victimUser.id}/roles`,
      method: 'POST',
      json: { role: 'admin' },
      unchanged: async () => expect(await rolesOf(victimUser.id)).toEqual([]),
    },
    {
      name: 'deactivate a user',
      path: `/admin/users/${victimUser.id}/deactivate`,
      method: 'POST',
      json: {},
      unchanged: async () => expect((await victim.me()).body.user?.active).toBe(true),
    },
  ];
}

describe('session-authenticated unsafe requests', () => {
  it('without a token → 403 CSRF_FAILED and nothing changed', async () => {
    for (const attack of attacks()) {
      const actor = attack.name === 'logout' ? victim : admin;
      const { res, body } = await actor.json(attack.path, { method: attack.method, json: attack.json });
      expect(res.status, attack.name).toBe(403);
      expect(body, attack.name).toEqual(CSRF_FAILED);
      await attack.unchanged();
    }
    expect((await admin.me()).res.status).toBe(200);
  });

  it('with a wrong token → 403 and nothing changed', async () => {
    for (const attack of attacks()) {
      const actor = attack.name === 'logout' ? victim : admin;
      for (const token of ['x', 'A'.repeat(43), (await actor.fetchCsrf()).slice(0, -1) + 'Z', '', ' '.repeat(10)]) {
        const { res, body } = await actor.json(attack.path, { method: attack.method, json: attack.json, headers: { 'x-csrf-token': token } });
        expect(res.status, `${attack.name} ${JSON.stringify(token)}`).toBe(403);
        expect(body).toEqual(CSRF_FAILED);
      }
      await attack.unchanged();
    }
  });

  it("with a token from another session (even the same user's) → 403 and nothing changed", async () => {
    const attacker = t.client();
    await attacker.signUp();
    const foreign = await attacker.fetchCsrf();
    const adminElsewhere = t.client();
    await adminElsewhere.login({ email: BOOTSTRAP });
    const ownOtherSession = await adminElsewhere.fetchCsrf();
    const anonymous = await t.client().fetchCsrf();
    for (const attack of attacks()) {
      const actor = attack.name === 'logout' ? victim : admin;
      for (const token of [foreign, ownOtherSession, anonymous]) {
        const { res, body } = await actor.json(attack.path, { method: attack.method, json: attack.json, headers: { 'x-csrf-token': token } });
        expect(res.status, attack.name).toBe(403);
        expect(body).toEqual(CSRF_FAILED);
      }
      await attack.unchanged();
    }
  });

  it('a form post without csrf_token → 403 page and nothing changed', async () => {
    const res = await admin.send(`/admin/users/${victimUser.id}/roles`, { form: { role: 'admin' }, browser: true, headers: { origin: PUBLIC_ORIGIN } });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await rolesOf(victimUser.id)).toEqual([]);
  });

  it('DELETE /auth/sessions/:id without the token → 403 and the session lives', async () => {
    const other = t.client();
    await other.login({ email: victimUser.email });
    const { body } = await victim.json<{ sessions: Array<{ id: string; current: boolean }> }>('/auth/sessions');
    const otherId = body.sessions.find((s) => !s.current)!.id;
    const before = await sessionsOf(victimUser.id);
    const { res, body: error } = await victim.json(`/auth/sessions/${otherId}`, { method: 'DELETE' });
    expect(res.status).toBe(403);
    expect(error).toEqual(CSRF_FAILED);
    expect(await sessionsOf(victimUser.id)).toBe(before);
    expect((await other.me()).res.status).toBe(200);
  });

  it('a cross-site Origin is refused even with a valid token', async () => {
    const token = await admin.fetchCsrf();
    for (const origin of ['https://evil.com', 'http://localhost:3000.evil.com', 'http://localhost:4000', 'https://localhost:3000', 'null']) {
      const { res, body } = await admin.json(`/admin/users/${victimUser.id}/roles`, { method: 'POST', json: { role: 'admin' }, headers: { 'x-csrf-token': token, origin } });
      expect(res.status, origin).toBe(403);
      expect(body).toEqual(CSRF_FAILED);
    }
    expect(await rolesOf(victimUser.id)).toEqual([]);
  });

  it('Sec-Fetch-Site: cross-site is refused even with a valid token', async () => {
    const token = await victim.fetchCsrf();
    const { res, body } = await victim.json('/auth/logout', { method: 'POST', json: {}, headers: { 'x-csrf-token': token, 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(403);
    expect(body).toEqual(CSRF_FAILED);
    expect((await victim.me()).res.status).toBe(200);
  });

  it('control: the same request with the right token, same-origin, succeeds', async () => {
    const token = await admin.fetchCsrf();
    const { res } = await admin.json(`/admin/users/${victimUser.id}/roles`, { method: 'POST', json: { role: 'auditor' }, headers: { 'x-csrf-token': token, origin: PUBLIC_ORIGIN, 'sec-fetch-site': 'same-origin' } });
    expect(res.status).toBe(204);
    expect(await rolesOf(victimUser.id)).toEqual(['auditor']);
    await t.stores.roles.revokeRole(victimUser.id, 'auditor');
    // A grant ends the user's sessions (a privilege change means a new token): log the victim in again.
    expect((await victim.login({ email: victimUser.email })).res.status).toBe(200);
  });

  it('safe methods need no token', async () => {
    expect((await admin.json('/auth/sessions')).res.status).toBe(200);
  });
});

describe('login and registration CSRF', () => {
  it('a login form POST without the pre-session token is refused and logs nobody in', async () => {
    const email = uniqueEmail('logincsrf');
    await t.client().signUp({ email });
    const c = t.client();
    const res = await c.send('/auth/login', { form: { email, password: PASSWORD }, browser: true });
    expect(res.status).toBe(403);
    expect(c.sessionToken).toBeUndefined();
  });

  it('a login form POST with a token but no pre-session cookie (attacker-supplied token) is refused', async () => {
    const email = uniqueEmail('logincsrf2');
    await t.client().signUp({ email });
    const attacker = t.client();
    const token = await attacker.pageCsrf('/login');
    const c = t.client();
    const res = await c.send('/auth/login', { form: { email, password: PASSWORD, csrf_token: token }, browser: true, headers: { origin: PUBLIC_ORIGIN } });
    expect(res.status).toBe(403);
    expect(c.sessionToken).toBeUndefined();
  });

  it('a login form POST with a token from another browser (its own pre-session cookie) is refused', async () => {
    const email = uniqueEmail('logincsrf3');
    await t.client().signUp({ email });
    const attackerToken = await t.client().pageCsrf('/login');
    const c = t.client();
    await c.pageCsrf('/login');
    const res = await c.postForm('/auth/login', { email, password: PASSWORD, csrf_token: attackerToken });
    expect(res.status).toBe(403);
    expect(c.sessionToken).toBeUndefined();
  });

  it('a registration form POST without the token creates no user', async () => {
    const before = await t.userCount();
    const c = t.client();
    const res = await c.send('/auth/register', { form: { email: uniqueEmail('regcsrf'), password: PASSWORD }, browser: true });
    expect(res.status).toBe(403);
    expect(c.sessionToken).toBeUndefined();
    expect(await t.userCount()).toBe(before);
  });

  it('JSON login with a foreign Origin is refused', async () => {
    const email = uniqueEmail('origin');
    await t.client().signUp({ email });
    const c = t.client();
    const { res, body } = await c.login({ email }, { origin: 'https://evil.com' });
    expect(res.status).toBe(403);
    expect(body).toEqual(CSRF_FAILED);
    expect(c.sessionToken).toBeUndefined();
    expect(res.headers.getSetCookie()).toEqual([]);
    const same = await t.client().login({ email }, { origin: PUBLIC_ORIGIN });
    expect(same.res.status).toBe(200);
  });

  it('JSON registration with a foreign Origin or Sec-Fetch-Site: cross-site creates no user', async () => {
    const before = await t.userCount();
    for (const headers of [{ origin: 'https://evil.com' }, { 'sec-fetch-site': 'cross-site' }] as Array<Record<string, string>>) {
      const c = t.client();
      const { res, body } = await c.json('/auth/register', { json: { email: uniqueEmail('xsreg'), password: PASSWORD }, headers });
      expect(res.status).toBe(403);
      expect(body).toEqual(CSRF_FAILED);
      expect(c.sessionToken).toBeUndefined();
    }
    expect(await t.userCount()).toBe(before);
  });

  it('a text/plain body that looks like JSON is refused, never parsed', async () => {
    const before = await t.userCount();
    const email = uniqueEmail('plain');
    const c = t.client();
    const res = await c.send('/auth/register', {
      body: JSON.stringify({ email, password: PASSWORD }),
      headers: { 'content-type': 'text/plain', origin: 'https://evil.com' },
      browser: true,
    });
    expect([400, 403, 415]).toContain(res.status);
    expect(c.sessionToken).toBeUndefined();
    expect(await t.userCount()).toBe(before);
    expect(await t.stores.users.findUserByEmailKey(email)).toBeFalsy();

    const existing = uniqueEmail('plainlogin');
    await t.client().signUp({ email: existing });
    const login = t.client();
    const res2 = await login.send('/auth/login', { body: JSON.stringify({ email: existing, password: PASSWORD }), headers: { 'content-type': 'text/plain' }, browser: true });
    expect([400, 403, 415]).toContain(res2.status);
    expect(login.sessionToken).toBeUndefined();
  });

  it('a text/plain JSON-looking admin action riding the cookie is refused', async () => {
    const res = await admin.send(`/admin/users/${victimUser.id}/roles`, { body: JSON.stringify({ role: 'admin' }), headers: { 'content-type': 'text/plain' }, browser: true });
    expect([400, 403, 415]).toContain(res.status);
    expect(await rolesOf(victimUser.id)).toEqual([]);
  });

  it('a logged-in user cannot be logged into another account by a cross-site form (session swap)', async () => {
    const attackerEmail = uniqueEmail('swap');
    await t.client().signUp({ email: attackerEmail });
    const before = victim.sessionToken!;
    const res = await victim.send('/auth/login', { form: { email: attackerEmail, password: PASSWORD }, browser: true, headers: { origin: 'https://evil.com' } });
    expect(res.status).toBe(403);
    expect(victim.sessionToken).toBe(before);
    expect((await victim.me()).body.user?.id).toBe(victimUser.id);
    expect(await t.stores.sessions.findSessionByTokenHash(sha256Hex(before))).toBeTruthy();
  });

  it('the token endpoint itself: a pre-session token is bound to its cookie', async () => {
    const c = t.client();
    const token = await c.fetchCsrf();
    expect(token).toMatch(/^[\w-]{20,}$/);
    // a second read with the same cookie gives the same token (no per-request rotation needed)
    expect(await c.fetchCsrf()).toBe(token);
  });
});
