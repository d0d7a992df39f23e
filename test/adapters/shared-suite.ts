/**
 * @module One HTTP suite for every adapter: the same requests, over real sockets, against the Hono
 * and the Express example apps built on the same config — so that "the same behaviour under both"
 * is checked, not hoped for. Each adapter's test file starts its example and adds the routes of
 * EXTRA_ROUTES (an anonymous-only authorisation guard, app errors) with its own framework.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROLE, FixedClock, createAuth, type Auth, type CreateAuthOptions } from '../../src/index.ts';
import { openTestStores, type TestStores } from '../../src/testing/test-database.ts';

export const PUBLIC_ORIGIN = 'http://localhost:3000';
const PASSWORD = 'correct horse battery staple';
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,*/*;q=0.8';

/** Routes each adapter test adds to its example (same behaviour, each in its own framework). */
export const EXTRA_ROUTES = {
  /** GET: only `roles('admin')`, no `required()` before it. */
  roleOnly: '/role-only',
  /** GET: throws `new AuthError('INVALID_INPUT', { message: 'Bad widget', fields: { widget: 'Widget is required' } })`. */
  appError: '/app-error',
  /** GET: throws `new Error('boom')`. */
  boom: '/boom',
  /**
   * POST: a layout middleware calls `pc.identify()` first, then only `roles('admin')`; answers
   * `{ ran: n }`, the number of times it ran. GET: `{ ran: n }` without running.
   */
  identifiedRoleOnly: '/identified/role-only',
} as const;

export interface RunningApp {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  close(): Promise<void>;
}

/** Builds the adapter's example app (plus EXTRA_ROUTES) on this Auth and listens on port 0. */
export type StartApp = (auth: Auth) => Promise<RunningApp>;

interface SendOptions {
  readonly method?: string;
  readonly json?: unknown;
  readonly form?: Record<string, string>;
  readonly headers?: Record<string, string>;
  /** Browser navigation: `Accept: text/html`. */
  readonly browser?: boolean;
  /** Send this client's CSRF token as `X-CSRF-Token`. */
  readonly csrf?: boolean;
}

let ipCounter = 0;

/** A user agent behind the trusted loopback proxy: its own client IP (own rate-limit budget) and cookie jar. */
class Client {
  readonly jar = new Map<string, string>();
  readonly ip: string;
  csrfToken: string | undefined;

  constructor(readonly base: string) {
    ipCounter += 1;
    this.ip = `10.77.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
  }

  async send(path: string, options: SendOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { 'x-forwarded-for': this.ip, accept: options.browser ? BROWSER_ACCEPT : 'application/json' };
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    if (options.csrf && this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    Object.assign(headers, options.headers);
    const res = await fetch(`${this.base}${path}`, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
      if (value === '' || /max-age=0/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  /** Registers (JSON) and keeps the session and its CSRF token; returns the user's id. */
  async register(email: string): Promise<string> {
    const res = await this.send('/auth/register', { json: { email, password: PASSWORD } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { user: { id: string }; csrf_token: string };
    this.csrfToken = body.csrf_token;
    return body.user.id;
  }
}

function uniqueEmail(label: string): string {
  return `${label}.${randomBytes(4).toString('hex')}@example.com`;
}

function basic(email: string, password = PASSWORD): string {
  return `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
}

/** The headers of API.md's "conventions of every response", each once. */
function expectSecurityHeaders(res: Response): void {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toMatch(/^default-src 'self';/);
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain(', '); // a header applied twice would come back joined
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('x-powered-by')).toBeNull();
}

export function runSharedSuite(adapter: string, start: StartApp): void {
  describe(`${adapter}: the shared HTTP suite`, () => {
    let db: TestStores;
    let clock: FixedClock;
    let app: RunningApp;
    const extraApps: RunningApp[] = [];

    const authFor = (overrides: Partial<CreateAuthOptions> = {}) =>
      createAuth({
        stores: db.stores,
        clock,
        secretKey: randomBytes(48).toString('base64url'),
        environment: 'test',
        publicOrigin: PUBLIC_ORIGIN,
        trustProxy: 'loopback',
        identity: { confirmation: 'off' },
        ...overrides,
      });

    beforeAll(async () => {
      db = await openTestStores();
      clock = new FixedClock();
      await db.stores.roles.upsertRole({ name: ADMIN_ROLE, description: 'Administrators', permissions: [] });
      await db.stores.roles.upsertRole({ name: 'auditor', description: 'Reads reports', permissions: [] });
      app = await start(authFor());
    });

    afterAll(async () => {
      for (const running of [app, ...extraApps]) await running?.close();
      await db?.dispose();
    });

    it('registers, reads /auth/me, logs out (CSRF-checked) and logs in again', async () => {
      const client = new Client(app.url);
      const email = uniqueEmail('reg');
      await client.register(email);
      expect(client.jar.has('portcullis_session')).toBe(true);

      const me = await client.send('/auth/me');
      expect(me.status).toBe(200);
      expect(await me.json()).toEqual({ user: { id: expect.any(String), email, username: null, roles: [], active: true } });

      const noToken = await client.send('/auth/logout', { method: 'POST' });
      expect(noToken.status).toBe(403);
      expect(await noToken.json()).toEqual({ error: 'CSRF validation failed', code: 'CSRF_FAILED' });

      const logout = await client.send('/auth/logout', { method: 'POST', csrf: true });
      expect(logout.status).toBe(204);
      expect(client.jar.has('portcullis_session')).toBe(false);
      const gone = await client.send('/auth/me');
      expect(gone.status).toBe(401);
      expect(await gone.json()).toEqual({ error: 'Authentication required', code: 'UNAUTHENTICATED' });

      const login = await client.send('/auth/login', { json: { email, password: PASSWORD } });
      expect(login.status).toBe(200);
      expect(await login.json()).toMatchObject({ user: { email }, csrf_token: expect.any(String) });
      const hello = await client.send('/hello');
      expect(hello.status).toBe(200);
      expect(await hello.json()).toEqual({ hello: email });
    });

    it('logs a browser in with a form and the pre-session CSRF token (303 to a safe next)', async () => {
      const client = new Client(app.url);
      const email = uniqueEmail('form');
      await client.register(email);
      await client.send('/auth/logout', { method: 'POST', csrf: true });

      const csrf = await client.send('/auth/csrf');
      const { csrf_token } = (await csrf.json()) as { csrf_token: string };
      expect(client.jar.has('portcullis_pre')).toBe(true);
      const refused = await client.send('/auth/login', { form: { email, password: PASSWORD, next: '/hello' }, browser: true });
      expect(refused.status).toBe(403);
      const login = await client.send('/auth/login', { form: { email, password: PASSWORD, next: '/hello', csrf_token }, browser: true });
      expect(login.status).toBe(303);
      expect(login.headers.get('location')).toBe('/hello');
      expect((await client.send('/hello')).status).toBe(200);
    });

    it('refuses an unsafe app route without the CSRF token and accepts it in the header or the form', async () => {
      const client = new Client(app.url);
      await client.register(uniqueEmail('csrf'));

      const refused = await client.send('/docs', { json: { text: 'x' } });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({ error: 'CSRF validation failed', code: 'CSRF_FAILED' });
      const crossSite = await client.send('/docs', { json: { text: 'x' }, csrf: true, headers: { origin: 'https://evil.example' } });
      expect(crossSite.status).toBe(403);

      const byHeader = await client.send('/docs', { json: { text: 'by header' }, csrf: true });
      expect(byHeader.status).toBe(201);
      expect(await byHeader.json()).toEqual({ id: expect.any(String) });
      const byForm = await client.send('/docs', { form: { text: 'by form', csrf_token: client.csrfToken ?? '' }, headers: { accept: 'application/json' } });
      expect(byForm.status).toBe(201);
    });

    it('answers an anonymous request 401 (JSON) or 302 to /login?next= (browser), also behind an authorisation guard alone', async () => {
      const client = new Client(app.url);
      for (const path of ['/hello', EXTRA_ROUTES.roleOnly]) {
        const json = await client.send(path);
        expect(json.status).toBe(401);
        expect(await json.json()).toEqual({ error: 'Authentication required', code: 'UNAUTHENTICATED' });
        const browser = await client.send(`${path}?x=1`, { browser: true });
        expect(browser.status).toBe(302);
        expect(browser.headers.get('location')).toBe(`/login?next=${encodeURIComponent(`${path}?x=1`)}`);
        expectSecurityHeaders(browser);
      }
    });

    it('answers 403 with the exact body when a role is missing (a page for browsers)', async () => {
      const client = new Client(app.url);
      await client.register(uniqueEmail('norole'));
      for (const path of ['/reports', EXTRA_ROUTES.roleOnly]) {
        const res = await client.send(path);
        expect(res.status).toBe(403);
        expect(await res.text()).toBe('{"error":"Forbidden","code":"FORBIDDEN"}');
      }
      const page = await client.send('/reports', { browser: true });
      expect(page.status).toBe(403);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expectSecurityHeaders(page);
    });

    it('checks CSRF on an authorisation guard alone after the layout called identify() (cookie POST without a token → 403, nothing ran)', async () => {
      const admin = new Client(app.url);
      const adminId = await admin.register(uniqueEmail('identified'));
      await db.stores.roles.grantRole(adminId, ADMIN_ROLE);
      const ran = async () => ((await (await admin.send(EXTRA_ROUTES.identifiedRoleOnly)).json()) as { ran: number }).ran;
      const before = await ran();
      const refused = await admin.send(EXTRA_ROUTES.identifiedRoleOnly, { method: 'POST', form: { note: 'x' } });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({ error: 'CSRF validation failed', code: 'CSRF_FAILED' });
      expect(await ran()).toBe(before);
      const allowed = await admin.send(EXTRA_ROUTES.identifiedRoleOnly, { method: 'POST', form: { note: 'x' }, csrf: true });
      expect(allowed.status).toBe(200);
      expect(await ran()).toBe(before + 1);
    });

    it('enforces ownership with the uniform 403, lets an admin through, and maps an AuthError thrown by app code', async () => {
      const owner = new Client(app.url);
      await owner.register(uniqueEmail('owner'));
      const created = await owner.send('/docs', { json: { text: 'mine' }, csrf: true });
      const { id } = (await created.json()) as { id: string };

      const other = new Client(app.url);
      await other.register(uniqueEmail('other'));
      const denied = await other.send(`/docs/${id}`, { method: 'DELETE', csrf: true });
      expect(denied.status).toBe(403);
      expect(await denied.text()).toBe('{"error":"You can only update docs you own","code":"FORBIDDEN"}');

      const admin = new Client(app.url);
      const adminId = await admin.register(uniqueEmail('admin'));
      await db.stores.roles.grantRole(adminId, ADMIN_ROLE);
      expect((await admin.send(`/docs/${id}`, { method: 'DELETE', csrf: true })).status).toBe(204);
      const missing = await admin.send(`/docs/${id}`, { method: 'DELETE', csrf: true });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: 'Not found', code: 'NOT_FOUND' });

      const appError = await other.send(EXTRA_ROUTES.appError);
      expect(appError.status).toBe(400);
      expect(await appError.json()).toEqual({ error: 'Bad widget', code: 'INVALID_INPUT', fields: { widget: 'Widget is required' } });
    });

    it('asks for re-authentication (401 REAUTH_REQUIRED) once the login is older than fresh() allows', async () => {
      const client = new Client(app.url);
      await client.register(uniqueEmail('fresh'));
      expect((await client.send('/danger', { method: 'POST', csrf: true })).status).toBe(200);

      clock.advanceMs(6 * 60_000);
      const stale = await client.send('/danger', { method: 'POST', csrf: true });
      expect(stale.status).toBe(401);
      expect(await stale.json()).toEqual({ error: 'Re-authentication required', code: 'REAUTH_REQUIRED' });
      const staleBrowser = await client.send('/danger', { method: 'POST', form: { csrf_token: client.csrfToken ?? '' }, browser: true });
      expect(staleBrowser.status).toBe(303);
      expect(staleBrowser.headers.get('location')).toMatch(/^\/verify\?next=/);

      const oldCookie = client.jar.get('portcullis_session');
      const verify = await client.send('/auth/verify', { json: { password: PASSWORD }, csrf: true });
      expect(verify.status).toBe(200);
      expect((await client.send('/danger', { method: 'POST', csrf: true })).status).toBe(200);
      // Re-authentication rotated the token: the client holds a new cookie, the old value is dead.
      expect(client.jar.get('portcullis_session')).not.toBe(oldCookie);
      const old = await fetch(`${app.url}/hello`, { headers: { cookie: `portcullis_session=${oldCookie}`, accept: 'application/json', 'x-forwarded-for': client.ip } });
      expect(old.status).toBe(401);
    });

    it('accepts Basic where the route allows it, with WWW-Authenticate on the 401', async () => {
      const auditor = new Client(app.url);
      const email = uniqueEmail('auditor');
      const userId = await auditor.register(email);
      await db.stores.roles.grantRole(userId, 'auditor');
      const anonymous = new Client(app.url);

      const challenge = await anonymous.send('/reports');
      expect(challenge.status).toBe(401);
      expect(challenge.headers.get('www-authenticate')).toBe('Basic realm="portcullis", charset="UTF-8"');
      const wrong = await anonymous.send('/reports', { headers: { authorization: basic(email, 'not the password') } });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic realm=/);

      const ok = await anonymous.send('/reports', { headers: { authorization: basic(email) } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ reports: [] });
      expect(anonymous.jar.has('portcullis_session')).toBe(false); // Basic creates no session

      const plainUser = new Client(app.url);
      const plainEmail = uniqueEmail('plain');
      await plainUser.register(plainEmail);
      const forbidden = await anonymous.send('/reports', { headers: { authorization: basic(plainEmail) } });
      expect(forbidden.status).toBe(403);
      // Basic is not allowed on /hello: the header is ignored there.
      expect((await anonymous.send('/hello', { headers: { authorization: basic(email) } })).status).toBe(401);
    });

    it('puts the security headers on successes, errors, redirects and auth routes, once each; HSTS only over HTTPS', async () => {
      const client = new Client(app.url);
      await client.register(uniqueEmail('headers'));
      const responses = await Promise.all([
        client.send('/hello'),
        client.send('/auth/me'),
        client.send('/auth/csrf'),
        client.send('/reports'),
        client.send('/docs/none', { method: 'DELETE', csrf: true }),
        client.send('/docs', { json: {} }),
        client.send(EXTRA_ROUTES.boom),
        new Client(app.url).send('/hello', { browser: true }),
      ]);
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 403, 404, 403, 500, 302]);
      for (const res of responses) {
        expectSecurityHeaders(res);
        expect(res.headers.get('strict-transport-security')).toBeNull();
      }
      // Through a trusted proxy that terminated TLS: HSTS, and the __Host- session cookie.
      const secure = await new Client(app.url).send('/auth/csrf', { headers: { 'x-forwarded-proto': 'https' } });
      expect(secure.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      const secureHello = await new Client(app.url).send('/hello', { headers: { 'x-forwarded-proto': 'https' } });
      expect(secureHello.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      expectSecurityHeaders(secureHello);
    });

    it('turns a plain Error into a bare 500: no message, no stack', async () => {
      const client = new Client(app.url);
      const json = await client.send(EXTRA_ROUTES.boom);
      expect(json.status).toBe(500);
      expect(await json.text()).toBe('{"error":"Internal server error","code":"INTERNAL"}');
      const page = await client.send(EXTRA_ROUTES.boom, { browser: true });
      expect(page.status).toBe(500);
      const html = await page.text();
      expect(html).toContain('<html');
      expect(html).not.toMatch(/boom|at .*\.ts|Error:/);
    });

    it('redirects plain HTTP to the public origin with FORCE_HTTPS (301 GET, 308 POST), headers included', async () => {
      const forced = await start(authFor({ forceHttps: true }));
      extraApps.push(forced);
      const client = new Client(forced.url);
      const get = await client.send('/hello?a=1', { headers: { host: 'evil.example' } });
      expect(get.status).toBe(301);
      expect(get.headers.get('location')).toBe('https://localhost:3000/hello?a=1');
      expectSecurityHeaders(get);
      const post = await client.send('/auth/login', { json: {} });
      expect(post.status).toBe(308);
      expect(post.headers.get('location')).toBe('https://localhost:3000/auth/login');
      const viaProxy = await client.send('/hello', { headers: { 'x-forwarded-proto': 'https' } });
      expect(viaProxy.status).toBe(401);
    });
  });
}
