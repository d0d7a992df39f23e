/**
 * @module Attack suite — CSRF: cross-site form posts, forged / foreign / pre-session tokens,
 * `Origin: null`, foreign Origin and `Sec-Fetch-Site: cross-site` with a valid token, JSON
 * smuggled as text/plain, login CSRF, trusted origins, CSRF per mechanism, the XSRF-TOKEN cookie.
 * Each attack asserts the refusal and that nothing changed.
 */
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { honoAuth, type AuthEnv } from '../../src/adapters/hono/index.ts';
import { createCsrfToken } from '../../src/features/csrf/index.ts';
import { PASSWORD, PRE_SESSION_COOKIE, createTestApp, nextIp, sha256Hex, uniqueEmail, type Client, type PublicUserBody, type TestApp } from '../http/harness.ts';
import {
  CSRF_FAILED,
  UNSUPPORTED_BODY,
  basicHeader,
  expectSecurityHeaders,
  jsonOf,
  rawRequest,
  sessionAlive,
  sessionCookies,
  sessionCount,
} from './attack-helpers.ts';

const EVIL = 'https://evil.example';
const BOOTSTRAP = 'csrf-boss@example.com';

describe('CSRF on the reference app (default configuration)', () => {
  let t: TestApp;
  let admin: Client;
  let adminUser: PublicUserBody;
  let victim: Client;
  let victimUser: PublicUserBody;
  let attacker: Client;

  beforeAll(async () => {
    t = await createTestApp({ bootstrapAdminEmail: BOOTSTRAP });
    admin = t.client();
    const reg = await admin.register({ email: BOOTSTRAP });
    expect(reg.res.status).toBe(201);
    adminUser = reg.body.user;
    victim = t.client();
    victimUser = await victim.signUp();
    attacker = t.client();
    await attacker.signUp();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const rolesOf = async (userId: string) => (await t.stores.roles.authorizationOfUser(userId)).roles;

  /** Everything the attacks below could have changed, captured before and compared after. */
  async function snapshot() {
    return {
      victimAlive: await sessionAlive(t, victim.sessionToken ?? '', victim.ip),
      adminAlive: await sessionAlive(t, admin.sessionToken ?? '', admin.ip),
      victimSessions: await sessionCount(t, victimUser.id),
      adminSessions: await sessionCount(t, adminUser.id),
      victimRoles: [...(await rolesOf(victimUser.id))],
      victimActive: (await t.stores.users.findUserById(victimUser.id))?.active,
      users: await t.userCount(),
    };
  }

  /** Unsafe, session-authenticated actions a forged cross-site request would like to perform. */
  const targets = () => [
    { name: 'logout', actor: victim, path: '/auth/logout', fields: {} as Record<string, string> },
    { name: 'revoke other sessions', actor: victim, path: '/auth/sessions/revoke-others', fields: {} },
    { name: 'grant admin', actor: admin, path: `/admin/users/${victimUser.id}/roles`, fields: { role: 'admin' } },
    { name: 'deactivate', actor: admin, path: `/admin/users/${victimUser.id}/deactivate`, fields: {} },
  ];

  /** Sends one forged form post; `accept` picks the JSON or the browser answer. */
  async function forge(actor: Client, path: string, fields: Record<string, string>, headers: Record<string, string>, json: boolean): Promise<Response> {
    return t.request(
      path,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: json ? 'application/json' : 'text/html,application/xhtml+xml',
          cookie: actor.cookieHeader(),
          'user-agent': actor.userAgent,
          ...headers,
        },
        body: new URLSearchParams(fields).toString(),
      },
      actor.ip,
    );
  }

  async function expectRefusedEverywhere(label: string, tokenFor: (actor: Client) => Promise<string | undefined>, headers: Record<string, string>): Promise<void> {
    const before = await snapshot();
    for (const target of targets()) {
      const token = await tokenFor(target.actor);
      const fields = token === undefined ? target.fields : { ...target.fields, csrf_token: token };
      const asJson = await forge(target.actor, target.path, fields, headers, true);
      expect(asJson.status, `${label}: ${target.name} (JSON)`).toBe(403);
      expect(await jsonOf(asJson), `${label}: ${target.name}`).toEqual(CSRF_FAILED);
      expectSecurityHeaders(asJson, `${label}: ${target.name}`);
      expect(sessionCookies(asJson)).toEqual([]);
      const asPage = await forge(target.actor, target.path, fields, headers, false);
      expect(asPage.status, `${label}: ${target.name} (page)`).toBe(403);
      expect(asPage.headers.get('content-type') ?? '', `${label}: ${target.name} (page)`).toMatch(/^text\/html/);
      expect(asPage.headers.get('location')).toBeNull();
    }
    expect(await snapshot(), `${label}: nothing changed`).toEqual(before);
  }

  it('cross-site form posts without a token → 403 and nothing changed', async () => {
    await expectRefusedEverywhere('no token, evil Origin', async () => undefined, { origin: EVIL, 'sec-fetch-site': 'cross-site' });
    await expectRefusedEverywhere('no token, no Origin', async () => undefined, {});
  });

  it('cross-site form posts with the victim’s own valid token (foreign Origin) → 403 and nothing changed', async () => {
    await expectRefusedEverywhere('valid token, evil Origin', (actor) => actor.fetchCsrf(), { origin: EVIL });
  });

  it('forged tokens → 403 and nothing changed', async () => {
    const otherKey = randomBytes(48).toString('base64url');
    const forgeries: Array<[string, (actor: Client) => Promise<string>]> = [
      ['random 43 chars', async () => randomBytes(32).toString('base64url')],
      ['HMAC under another key', async (actor) => createCsrfToken(otherKey, { kind: 'session', sessionId: (await t.stores.sessions.findSessionByTokenHash(sha256Hex(actor.sessionToken ?? '')))?.session.id ?? 'x' })],
      ['the valid token with one character changed', async (actor) => {
        const good = await actor.fetchCsrf();
        return good.slice(0, -1) + (good.endsWith('A') ? 'B' : 'A');
      }],
      ['the valid token truncated', async (actor) => (await actor.fetchCsrf()).slice(0, 20)],
      ['the valid token doubled', async (actor) => (await actor.fetchCsrf()).repeat(2)],
      ['the session cookie itself', async (actor) => actor.sessionToken ?? ''],
      ['empty', async () => ''],
      ['a very long token', async () => 'A'.repeat(5000)],
    ];
    for (const [label, tokenFor] of forgeries) await expectRefusedEverywhere(label, tokenFor, { origin: 'http://localhost:3000' });
  });

  it('a token from another session (the attacker’s own) → 403 and nothing changed', async () => {
    const attackerToken = await attacker.fetchCsrf();
    await expectRefusedEverywhere('attacker token', async () => attackerToken, {});
  });

  it('a token bound to the pre-session cookie, used with a session → 403 and nothing changed', async () => {
    const c = t.client();
    const preToken = await c.fetchCsrf();
    expect(c.jar.has(PRE_SESSION_COOKIE)).toBe(true);
    await c.signUp();
    expect(c.jar.has(PRE_SESSION_COOKIE)).toBe(true);
    const me = await c.me();
    const before = await sessionCount(t, me.body.user?.id ?? '');
    const res = await c.send('/auth/logout', { method: 'POST', json: {}, headers: { 'x-csrf-token': preToken } });
    expect(res.status).toBe(403);
    expect(await jsonOf(res)).toEqual(CSRF_FAILED);
    expect((await c.me()).res.status).toBe(200);
    expect(await sessionCount(t, me.body.user?.id ?? '')).toBe(before);
    // The victim's pre-session token also fails for the victim's session.
    await expectRefusedEverywhere('pre-session token', async (actor) => {
      const anon = t.client({ ip: actor.ip });
      anon.jar.set(PRE_SESSION_COOKIE, actor.jar.get(PRE_SESSION_COOKIE) ?? '');
      return anon.fetchCsrf();
    }, {});
  });

  it('`Origin: null` → 403 with a valid token, and on JSON login/registration', async () => {
    await expectRefusedEverywhere('Origin null', (actor) => actor.fetchCsrf(), { origin: 'null' });
    const email = uniqueEmail('nullorigin');
    const users = await t.userCount();
    const reg = await t.request('/auth/register', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'null' }, body: JSON.stringify({ email, password: PASSWORD }) }, nextIp());
    expect(reg.status).toBe(403);
    expect(await jsonOf(reg)).toEqual(CSRF_FAILED);
    expect(sessionCookies(reg)).toEqual([]);
    expect(await t.userCount()).toBe(users);
    const sessions = await sessionCount(t, victimUser.id);
    const login = await t.request('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'null' }, body: JSON.stringify({ email: victimUser.email, password: PASSWORD }) }, nextIp());
    expect(login.status).toBe(403);
    expect(await jsonOf(login)).toEqual(CSRF_FAILED);
    expect(sessionCookies(login)).toEqual([]);
    expect(await sessionCount(t, victimUser.id)).toBe(sessions);
  });

  it('`Sec-Fetch-Site: cross-site` with a valid token → 403, and on JSON login', async () => {
    await expectRefusedEverywhere('Sec-Fetch-Site cross-site', (actor) => actor.fetchCsrf(), { 'sec-fetch-site': 'cross-site' });
    const sessions = await sessionCount(t, victimUser.id);
    const login = await t.request(
      '/auth/login',
      { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, body: JSON.stringify({ email: victimUser.email, password: PASSWORD }) },
      nextIp(),
    );
    expect(login.status).toBe(403);
    expect(await jsonOf(login)).toEqual(CSRF_FAILED);
    expect(sessionCookies(login)).toEqual([]);
    expect(await sessionCount(t, victimUser.id)).toBe(sessions);
  });

  it('a foreign Origin on JSON login and registration → 403, no user, no session', async () => {
    const users = await t.userCount();
    const sessions = await sessionCount(t, victimUser.id);
    for (const origin of [EVIL, 'http://localhost:3000.evil.example', 'http://localhost:3001', 'https://localhost:3000', 'http://LOCALHOST:3000.evil']) {
      const reg = await t.request('/auth/register', { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ email: uniqueEmail('xo'), password: PASSWORD }) }, nextIp());
      expect(reg.status, origin).toBe(403);
      expect(await jsonOf(reg)).toEqual(CSRF_FAILED);
      const login = await t.request('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ email: victimUser.email, password: PASSWORD }) }, nextIp());
      expect(login.status, origin).toBe(403);
      expect(await jsonOf(login)).toEqual(CSRF_FAILED);
      expect(sessionCookies(login)).toEqual([]);
    }
    expect(await t.userCount()).toBe(users);
    expect(await sessionCount(t, victimUser.id)).toBe(sessions);
  });

  it('a text/plain body that looks like JSON is never parsed: /auth/login and /auth/register refuse it', async () => {
    const users = await t.userCount();
    const sessions = await sessionCount(t, victimUser.id);
    const refusals = [
      { status: 403, body: CSRF_FAILED },
      { status: 400, body: UNSUPPORTED_BODY },
    ];
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-json', 'multipart/form-data; boundary=x', 'application/json-patch+json', 'text/json']) {
      for (const origin of [undefined, EVIL]) {
        const headers: Record<string, string> = { 'content-type': type, accept: 'application/json', ...(origin ? { origin } : {}) };
        const login = await t.request('/auth/login', { method: 'POST', headers, body: JSON.stringify({ email: victimUser.email, password: PASSWORD }) }, nextIp());
        expect(refusals, `login ${type} ${origin ?? ''}`).toContainEqual({ status: login.status, body: await jsonOf(login) });
        expect(sessionCookies(login)).toEqual([]);
        const reg = await t.request('/auth/register', { method: 'POST', headers, body: JSON.stringify({ email: uniqueEmail('tp'), password: PASSWORD }) }, nextIp());
        expect(refusals, `register ${type} ${origin ?? ''}`).toContainEqual({ status: reg.status, body: await jsonOf(reg) });
        expect(sessionCookies(reg)).toEqual([]);
      }
    }
    expect(await t.userCount()).toBe(users);
    expect(await sessionCount(t, victimUser.id)).toBe(sessions);
  });

  it('login CSRF: a form login without the pre-session token → 403, no session', async () => {
    const sessions = await sessionCount(t, victimUser.id);
    // The attacker's page posts the attacker's credentials into the victim's browser.
    const browser = t.client();
    await browser.send('/login', { browser: true }); // the victim's browser has a pre-session cookie
    for (const headers of [{ origin: EVIL }, {}, { origin: 'http://localhost:3000' }] as Array<Record<string, string>>) {
      browser.ip = nextIp(); // the login limit (5/min per IP) must not answer first
      const res = await browser.send('/auth/login', { form: { email: victimUser.email, password: PASSWORD }, browser: true, headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(sessionCookies(res)).toEqual([]);
      browser.ip = nextIp();
      const json = await browser.send('/auth/login', { form: { email: victimUser.email, password: PASSWORD }, headers: { ...headers, accept: 'application/json' } });
      expect(json.status).toBe(403);
      expect(await jsonOf(json)).toEqual(CSRF_FAILED);
    }
    expect(browser.sessionToken).toBeUndefined();
    expect(await sessionCount(t, victimUser.id)).toBe(sessions);
  });

  it('login CSRF: a token for another pre-session cookie → 403, no session; register likewise creates no user', async () => {
    const sessions = await sessionCount(t, victimUser.id);
    const users = await t.userCount();
    const attackerBrowser = t.client();
    const attackerToken = await attackerBrowser.pageCsrf('/login');
    const browser = t.client();
    await browser.send('/login', { browser: true });
    expect(browser.jar.get(PRE_SESSION_COOKIE)).not.toBe(attackerBrowser.jar.get(PRE_SESSION_COOKIE));
    const login = await browser.postForm('/auth/login', { email: victimUser.email, password: PASSWORD, csrf_token: attackerToken });
    expect(login.status).toBe(403);
    expect(sessionCookies(login)).toEqual([]);
    const reg = await browser.postForm('/auth/register', { email: uniqueEmail('lcsrf'), password: PASSWORD, csrf_token: attackerToken });
    expect(reg.status).toBe(403);
    expect(sessionCookies(reg)).toEqual([]);
    // The right token, sent cross-site, is refused too.
    const own = await browser.pageCsrf('/login');
    const crossSite = await browser.postForm('/auth/login', { email: victimUser.email, password: PASSWORD, csrf_token: own }, { headers: { origin: EVIL } });
    expect(crossSite.status).toBe(403);
    // A pre-session cookie the attacker planted (not of the server's shape) yields no token that works.
    const planted = t.client();
    planted.jar.set(PRE_SESSION_COOKIE, 'attacker-chosen');
    const plantedLogin = await planted.postForm('/auth/login', { email: victimUser.email, password: PASSWORD, csrf_token: createCsrfToken('x'.repeat(48), { kind: 'pre-session', id: 'attacker-chosen' }) });
    expect(plantedLogin.status).toBe(403);
    expect(browser.sessionToken).toBeUndefined();
    expect(await sessionCount(t, victimUser.id)).toBe(sessions);
    expect(await t.userCount()).toBe(users);
    // Control: the browser's own token, same-origin, works.
    const ok = await browser.postForm('/auth/login', { email: victimUser.email, password: PASSWORD }, { csrfFrom: '/login' });
    expect(ok.status).toBe(303);
    expect(await sessionCount(t, victimUser.id)).toBe(sessions + 1);
  });

  it('control: the same actions with the session token, same-origin, succeed', async () => {
    const c = t.client();
    await c.signUp();
    const res = await c.send('/auth/sessions/revoke-others', { method: 'POST', json: {}, csrf: true, headers: { origin: 'http://localhost:3000', 'sec-fetch-site': 'same-origin' } });
    expect(res.status).toBe(200);
    const out = await c.send('/auth/logout', { method: 'POST', json: {}, csrf: true });
    expect(out.status).toBe(204);
  });
});

describe('CSRF with a configured trusted origin', () => {
  const TRUSTED = 'https://app.example.com';
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ csrf: { trustedOrigins: [TRUSTED] } });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('the trusted origin is accepted; any other origin is refused and changes nothing', async () => {
    const c = t.client();
    const user = await c.signUp();
    const fresh = t.client();
    const ok = await fresh.send('/auth/login', { json: { email: user.email, password: PASSWORD }, headers: { origin: TRUSTED } });
    expect(ok.status).toBe(200);
    const sessions = await sessionCount(t, user.id);
    for (const origin of [EVIL, 'https://app.example.com.evil.example', 'http://app.example.com', 'https://app.example.com:8443', 'null']) {
      const bad = await t.client().send('/auth/login', { json: { email: user.email, password: PASSWORD }, headers: { origin } });
      expect(bad.status, origin).toBe(403);
      expect(await jsonOf(bad)).toEqual(CSRF_FAILED);
      expect(sessionCookies(bad)).toEqual([]);
      const out = await c.send('/auth/logout', { method: 'POST', json: {}, csrf: true, headers: { origin } });
      expect(out.status, `logout ${origin}`).toBe(403);
      expect(await jsonOf(out)).toEqual(CSRF_FAILED);
    }
    expect(await sessionCount(t, user.id)).toBe(sessions);
    expect((await c.me()).res.status).toBe(200);
    const trustedLogout = await c.send('/auth/logout', { method: 'POST', json: {}, csrf: true, headers: { origin: TRUSTED } });
    expect(trustedLogout.status).toBe(204);
  });
});

/** A tiny app on the library: one unsafe route that accepts session or Basic and records each write. */
function appWithBasicRoute(t: TestApp): { app: Hono<AuthEnv>; writes: string[] } {
  const pc = honoAuth(t.auth);
  const app = new Hono<AuthEnv>();
  const writes: string[] = [];
  app.use('*', pc.middleware);
  app.onError(pc.onError);
  app.route(t.auth.config.basePath, pc.routes);
  app.post('/api/notes', pc.required({ via: ['session', 'basic'] }), (c) => {
    writes.push(c.get('principal')?.via ?? '?');
    return c.json({ ok: true }, 201);
  });
  return { app, writes };
}

describe('CSRF per mechanism (csrf.mechanisms)', () => {
  it("without 'basic': Basic-authenticated unsafe requests pass without a token; session ones still need it", async () => {
    const t = await createTestApp({ csrf: { mechanisms: ['session'] } });
    try {
      const { app, writes } = appWithBasicRoute(t);
      const c = t.client();
      const user = await c.signUp();
      const ip = nextIp();
      const basic = await rawRequest(app, '/api/notes', { method: 'POST', headers: { authorization: basicHeader(user.email, PASSWORD), 'content-type': 'application/json', accept: 'application/json' }, body: '{}' }, ip);
      expect(basic.status).toBe(201);
      expect(writes).toEqual(['basic']);
      expect(basic.headers.getSetCookie().filter((l) => l.includes('portcullis_session='))).toEqual([]);
      const session = await rawRequest(app, '/api/notes', { method: 'POST', headers: { cookie: c.cookieHeader(), 'content-type': 'application/json', accept: 'application/json' }, body: '{}' }, c.ip);
      expect(session.status).toBe(403);
      expect(await jsonOf(session)).toEqual(CSRF_FAILED);
      expect(writes).toEqual(['basic']);
      const withToken = await rawRequest(app, '/api/notes', { method: 'POST', headers: { cookie: c.cookieHeader(), 'x-csrf-token': await c.fetchCsrf(), 'content-type': 'application/json', accept: 'application/json' }, body: '{}' }, c.ip);
      expect(withToken.status).toBe(201);
      expect(writes).toEqual(['basic', 'session']);
    } finally {
      await t.dispose();
    }
  });

  it('by default, Basic-authenticated unsafe requests need a token too', async () => {
    const t = await createTestApp();
    try {
      const { app, writes } = appWithBasicRoute(t);
      const user = await t.client().signUp();
      for (const headers of [{}, { origin: EVIL }, { 'x-csrf-token': randomBytes(32).toString('base64url') }] as Array<Record<string, string>>) {
        const res = await rawRequest(
          app,
          '/api/notes',
          { method: 'POST', headers: { authorization: basicHeader(user.email, PASSWORD), 'content-type': 'application/json', accept: 'application/json', ...headers }, body: '{}' },
          nextIp(),
        );
        expect(res.status, JSON.stringify(headers)).toBe(403);
        expect(await jsonOf(res)).toEqual(CSRF_FAILED);
      }
      expect(writes).toEqual([]);
    } finally {
      await t.dispose();
    }
  });
});

describe('the XSRF-TOKEN cookie (csrf.xsrfCookie)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ csrf: { xsrfCookie: true } });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('is set on login, JS-readable (not HttpOnly), and its value works as X-CSRF-Token', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    const c = t.client();
    const login = await c.send('/auth/login', { json: { email: user.email, password: PASSWORD } });
    expect(login.status).toBe(200);
    const line = login.headers.getSetCookie().find((l) => l.startsWith('XSRF-TOKEN='));
    expect(line).toBeDefined();
    expect(line).not.toMatch(/;\s*HttpOnly/i);
    expect(line).toMatch(/;\s*SameSite=Strict/i);
    expect(line).toMatch(/;\s*Path=\//i);
    const value = c.jar.get('XSRF-TOKEN') ?? '';
    expect(value).not.toBe('');
    const revoke = await c.send('/auth/sessions/revoke-others', { method: 'POST', json: {}, headers: { 'x-csrf-token': decodeURIComponent(value) } });
    expect(revoke.status).toBe(200);
    expect(await jsonOf(revoke)).toEqual({ revoked: 1 });
    expect((await owner.me()).res.status).toBe(401);
  });

  it('double submit alone is not enough: a planted XSRF-TOKEN cookie + matching header → 403, nothing changed', async () => {
    const victim = t.client();
    const user = await victim.signUp();
    const other = t.client();
    await other.send('/auth/login', { json: { email: user.email, password: PASSWORD } });
    const otherUser = t.client();
    await otherUser.signUp();
    const foreignXsrf = decodeURIComponent(otherUser.jar.get('XSRF-TOKEN') ?? '');
    expect(foreignXsrf).not.toBe('');
    const before = await sessionCount(t, user.id);
    for (const planted of ['forged-value', randomBytes(32).toString('base64url'), foreignXsrf]) {
      const attack = victim.clone();
      attack.jar.set('XSRF-TOKEN', planted);
      const res = await attack.send('/auth/sessions/revoke-others', { method: 'POST', json: {}, headers: { 'x-csrf-token': planted } });
      expect(res.status, planted).toBe(403);
      expect(await jsonOf(res)).toEqual(CSRF_FAILED);
    }
    expect(await sessionCount(t, user.id)).toBe(before);
    expect((await other.me()).res.status).toBe(200);
  });
});
