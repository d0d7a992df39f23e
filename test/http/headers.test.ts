/** @module HTTP: security headers on every response, no-store on auth routes and private pages, HTTPS redirects and HSTS. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, createTestApp, uniqueEmail, type Client, type TestApp } from './harness.ts';

let t: TestApp;
let user: Client;
let admin: Client;

function expectSecurityHeaders(res: Response, label: string, { https = false } = {}): void {
  const h = res.headers;
  expect(h.get('x-content-type-options'), label).toBe('nosniff');
  expect(h.get('x-frame-options'), label).toBe('DENY');
  expect(h.get('referrer-policy'), label).toBe('strict-origin-when-cross-origin');
  const csp = h.get('content-security-policy') ?? '';
  expect(csp, label).not.toBe('');
  const scriptSrc = /(?:^|;)\s*script-src ([^;]*)/.exec(csp)?.[1] ?? /(?:^|;)\s*default-src ([^;]*)/.exec(csp)?.[1] ?? '';
  expect(scriptSrc, `${label}: script-src`).not.toBe('');
  expect(scriptSrc, label).not.toContain('unsafe-inline');
  expect(scriptSrc, label).not.toContain('unsafe-eval');
  expect(scriptSrc, label).not.toContain('*');
  if (https) expect(h.get('strict-transport-security'), label).toBe('max-age=31536000; includeSubDomains');
  else expect(h.get('strict-transport-security'), label).toBeNull();
}

// Each describe opens its own app and closes it before the next one opens.
describe('the reference app', () => {
  beforeAll(async () => {
    t = await createTestApp({ bootstrapAdminEmail: 'hq@example.com' });
    user = t.client();
    await user.signUp();
    admin = t.client();
    await admin.register({ email: 'hq@example.com' });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  describe('every response carries the security headers', () => {
    it('200, 201, 204, 302, 303, 400, 401, 403, 404, 413 — JSON, HTML and redirects', async () => {
      const anon = t.client();
      const cases: Array<[string, () => Promise<Response>, number]> = [
        ['home page', () => anon.send('/', { browser: true }), 200],
        ['login page', () => anon.send('/login', { browser: true }), 200],
        ['csrf', () => anon.send('/auth/csrf'), 200],
        ['healthz', () => anon.send('/healthz'), 200],
        ['static', () => anon.send('/static/style.css', { browser: true }), 200],
        ['me', () => user.send('/auth/me'), 200],
        ['register', () => t.client().send('/auth/register', { json: { email: uniqueEmail('h'), password: PASSWORD } }), 201],
        ['anonymous page', () => anon.send('/dashboard', { browser: true }), 302],
        ['form login', async () => t.client().postForm('/auth/login', { email: 'hq@example.com', password: PASSWORD }, { csrfFrom: '/login' }), 303],
        ['bad input', () => anon.send('/auth/register', { json: '{"email":' }), 400],
        ['anonymous JSON', () => anon.send('/auth/sessions'), 401],
        ['bad login', () => anon.send('/auth/login', { json: { email: 'nobody@example.com', password: PASSWORD } }), 401],
        ['forbidden JSON', () => user.send('/admin'), 403],
        ['forbidden page', () => user.send('/admin', { browser: true }), 403],
        ['csrf failure', () => user.send('/auth/logout', { json: {} }), 403],
        ['not found JSON', () => anon.send('/nope'), 404],
        ['not found page', () => anon.send('/nope', { browser: true }), 404],
        ['too large', () => anon.send('/auth/register', { json: { email: 'a@example.com', password: 'x'.repeat(70_000) } }), 413],
      ];
      for (const [label, send, status] of cases) {
        const res = await send();
        expect(res.status, label).toBe(status);
        expectSecurityHeaders(res, label);
      }
      const logout = t.client();
      await logout.signUp();
      const out = await logout.logout();
      expect(out.status).toBe(204);
      expectSecurityHeaders(out, 'logout');
    });

  });

  describe('Cache-Control: no-store', () => {
    it('on every auth route and authenticated page', async () => {
      const responses: Array<[string, Response]> = [
        ['/auth/csrf', await user.send('/auth/csrf')],
        ['/auth/me', await user.send('/auth/me')],
        ['/auth/sessions', await user.send('/auth/sessions')],
        ['/auth/login 401', await t.client().send('/auth/login', { json: { email: 'x@example.com', password: PASSWORD } })],
        ['/dashboard', await user.send('/dashboard', { browser: true })],
        ['/account', await user.send('/account', { browser: true })],
        ['/verify', await user.send('/verify', { browser: true })],
        ['/admin', await admin.send('/admin', { browser: true })],
        ['/login', await t.client().send('/login', { browser: true })],
        ['/register', await t.client().send('/register', { browser: true })],
        ['/dashboard anonymous', await t.client().send('/dashboard', { browser: true })],
      ];
      for (const [label, res] of responses) {
        expect(res.status, label).toBeLessThan(500);
        expect(res.headers.get('cache-control'), label).toMatch(/no-store/);
      }
    });
  });

  describe('HTTPS', () => {
    it('HSTS only over https', async () => {
      const secure = t.client({ origin: 'https://localhost:3000' });
      const res = await secure.send('/', { browser: true });
      expect(res.status).toBe(200);
      expectSecurityHeaders(res, 'https page', { https: true });
      const err = await secure.send('/auth/sessions');
      expect(err.status).toBe(401);
      expectSecurityHeaders(err, 'https 401', { https: true });
      expectSecurityHeaders(await t.client().send('/', { browser: true }), 'http page');
    });
  });
});

describe('a server error', () => {
  it('a server error (database gone) is a bare 5xx with headers, no stack trace', async () => {
    const broken = await createTestApp();
    const c = broken.client();
    await c.signUp();
    await broken.stores.close();
    try {
      const res = await c.send('/auth/me');
      expect(res.status).toBeGreaterThanOrEqual(500);
      expectSecurityHeaders(res, 'error');
      const text = await res.text();
      expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|sqlite|postgres|pool|Kysely/i);
      const body = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['code', 'error']);
      const page = await c.send('/dashboard', { browser: true });
      expect(page.status).toBeGreaterThanOrEqual(500);
      expectSecurityHeaders(page, 'error page');
      expect(await page.text()).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
      const health = await c.send('/healthz');
      expect(health.status).toBe(503);
    } finally {
      await broken.dispose().catch(() => undefined);
    }
  });
});

describe('with forceHttps', () => {
  let s: TestApp;
  beforeAll(async () => {
    s = await createTestApp({ forceHttps: true, publicOrigin: 'https://auth.example.com' });
  });
  afterAll(async () => {
    await s?.dispose();
  });

  it('a plain-HTTP GET → 301 to the configured public origin, a forged Host ignored', async () => {
    const res = await s.request('http://evil.com/dashboard?tab=1', { headers: { host: 'evil.com', accept: 'text/html' } });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('https://auth.example.com/dashboard?tab=1');
    expectSecurityHeaders(res, '301');
    const head = await s.request('http://localhost:3000/login', { method: 'HEAD' });
    expect(head.status).toBe(301);
  });

  it('a plain-HTTP POST → 308 (method and body kept), nothing processed', async () => {
    const before = await s.userCount();
    const res = await s.request('http://evil.com/auth/register', {
      method: 'POST',
      headers: { host: 'evil.com', 'content-type': 'application/json' },
      body: JSON.stringify({ email: uniqueEmail('plain'), password: PASSWORD }),
    });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('https://auth.example.com/auth/register');
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await s.userCount()).toBe(before);
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      expect((await s.request('http://localhost:3000/auth/sessions/x', { method })).status, method).toBe(308);
    }
  });

  it('/healthz is exempt', async () => {
    const res = await s.request('http://localhost:3000/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('over https: served, with HSTS', async () => {
    const c = s.client({ origin: 'https://auth.example.com' });
    const res = await c.send('/login', { browser: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    const { res: reg } = await c.register({ email: uniqueEmail('tls') });
    expect(reg.status).toBe(201);
    expect(reg.headers.getSetCookie().some((l) => l.startsWith('__Host-portcullis_session=') && /;\s*Secure/.test(l))).toBe(true);
  });
});
