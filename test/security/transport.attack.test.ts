/**
 * @module Attack suite — transport: FORCE_HTTPS redirects to PUBLIC_URL's origin whatever the
 * `Host` / `X-Forwarded-Host` say, `X-Forwarded-Proto` believed only from a trusted proxy,
 * `/healthz` exempt, and the security headers on every kind of response (HSTS only over HTTPS,
 * no `unsafe-inline` script).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, createTestApp, nextIp, uniqueEmail, type TestApp } from '../http/harness.ts';
import { CSRF_FAILED, HSTS, expectSecurityHeaders, jsonOf, sessionCookies } from './attack-helpers.ts';

const PUBLIC = 'https://auth.example.com';
const HOSTILE_HOST = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-server': 'evil.example', 'x-host': 'evil.example' };

describe('FORCE_HTTPS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ forceHttps: true, publicOrigin: PUBLIC });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('a plain-HTTP GET/HEAD → 301 to PUBLIC_URL’s origin, even with a hostile Host and X-Forwarded-Host', async () => {
    const cases: Array<[string, string]> = [
      ['http://evil.example/dashboard?tab=1', `${PUBLIC}/dashboard?tab=1`],
      ['http://localhost:3000/login', `${PUBLIC}/login`],
      ['http://evil.example//evil2.example/x', `${PUBLIC}//evil2.example/x`],
      ['http://evil.example:8080/auth/csrf?a=%0d%0aSet-Cookie:x', `${PUBLIC}/auth/csrf?a=%0d%0aSet-Cookie:x`],
    ];
    for (const method of ['GET', 'HEAD']) {
      for (const [url, expected] of cases) {
        const res = await t.request(url, { method, headers: { ...HOSTILE_HOST, accept: 'text/html' } }, nextIp());
        expect(res.status, `${method} ${url}`).toBe(301);
        expect(res.headers.get('location'), url).toBe(expected);
        expect(new URL(res.headers.get('location') ?? '').origin).toBe(PUBLIC);
        expect(res.headers.getSetCookie(), url).toEqual([]);
        expectSecurityHeaders(res, `301 ${url}`);
      }
    }
  });

  it('a plain-HTTP POST/PUT/PATCH/DELETE → 308 to PUBLIC_URL’s origin, and nothing is processed', async () => {
    const before = await t.userCount();
    const email = uniqueEmail('plain');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await t.request(
        'http://evil.example/auth/register',
        { method, headers: { ...HOSTILE_HOST, 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) },
        nextIp(),
      );
      expect(res.status, method).toBe(308);
      expect(res.headers.get('location'), method).toBe(`${PUBLIC}/auth/register`);
      expect(res.headers.getSetCookie(), method).toEqual([]);
      expectSecurityHeaders(res, `308 ${method}`);
    }
    expect(await t.userCount()).toBe(before);
  });

  it('X-Forwarded-Proto: https (or Forwarded proto=https) from an untrusted peer does not count as HTTPS', async () => {
    for (const headers of [{ 'x-forwarded-proto': 'https' }, { forwarded: 'for=1.2.3.4;proto=https' }, { 'x-forwarded-proto': 'https', 'x-forwarded-ssl': 'on', 'front-end-https': 'on' }] as Array<Record<string, string>>) {
      for (const peer of ['127.0.0.1', nextIp()]) {
        const res = await t.request('http://localhost:3000/login', { headers: { ...headers, accept: 'text/html' } }, peer);
        expect(res.status, `${JSON.stringify(headers)} from ${peer}`).toBe(301);
        expect(res.headers.get('location')).toBe(`${PUBLIC}/login`);
        expect(res.headers.get('strict-transport-security')).toBeNull();
      }
    }
  });

  it('/healthz is exempt (and gets no HSTS over plain HTTP)', async () => {
    const res = await t.request('http://localhost:3000/healthz', { headers: HOSTILE_HOST }, nextIp());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expectSecurityHeaders(res, 'healthz');
    // Only the exact path is exempt.
    for (const path of ['/healthz/', '/healthz/../login', '/HEALTHZ', '/healthz?x=1']) {
      const other = await t.request(`http://localhost:3000${path}`, {}, nextIp());
      if (path === '/healthz?x=1') expect(other.status, path).toBe(200);
      else expect(other.status, path).toBe(301);
    }
  });

  it('over HTTPS the app serves, with HSTS', async () => {
    const res = await t.request(`${PUBLIC}/login`, { headers: { accept: 'text/html' } }, nextIp());
    expect(res.status).toBe(200);
    expectSecurityHeaders(res, 'https page', { https: true });
  });
});

describe('FORCE_HTTPS behind a trusted proxy (trustProxy: loopback)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ forceHttps: true, publicOrigin: PUBLIC, trustProxy: 'loopback' });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('X-Forwarded-Proto: https from the proxy counts as HTTPS (served, HSTS); from others it does not', async () => {
    // Forwarded proto= is believed only with TRUST_PROXY_HEADER=forwarded: proxy-headers.attack.test.ts.
    for (const headers of [{ 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' }] as Array<Record<string, string>>) {
      const res = await t.request('http://localhost:3000/login', { headers: { ...headers, accept: 'text/html' } }, '127.0.0.1');
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expectSecurityHeaders(res, 'via trusted proxy', { https: true });
      const spoofed = await t.request('http://localhost:3000/login', { headers: { ...headers, accept: 'text/html' } }, nextIp());
      expect(spoofed.status, `untrusted ${JSON.stringify(headers)}`).toBe(301);
      expect(spoofed.headers.get('strict-transport-security')).toBeNull();
    }
    const plainViaProxy = await t.request('http://localhost:3000/login', { headers: { 'x-forwarded-proto': 'http', 'x-forwarded-for': '203.0.113.9', ...HOSTILE_HOST } }, '127.0.0.1');
    expect(plainViaProxy.status).toBe(301);
    expect(plainViaProxy.headers.get('location')).toBe(`${PUBLIC}/login`);
  });
});

describe('security headers on every kind of response', () => {
  let t: TestApp;
  const BOOT = 'headers-boss@example.com';
  beforeAll(async () => {
    t = await createTestApp({ bootstrapAdminEmail: BOOT, rateLimits: { login: { count: 1, windowMs: 60_000 } } });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  async function everyKind(origin: string): Promise<Array<[string, number, Response]>> {
    // Origin checks compare with PUBLIC_URL: this run's app lives at `origin`.
    const t = await createTestApp({ publicOrigin: origin, bootstrapAdminEmail: BOOT, rateLimits: { login: { count: 1, windowMs: 60_000 } } });
    try {
      return await everyKindOn(t, origin);
    } finally {
      await t.dispose();
    }
  }

  async function everyKindOn(t: TestApp, origin: string): Promise<Array<[string, number, Response]>> {
    const user = t.client({ origin });
    const me = await user.signUp();
    const anon = t.client({ origin });
    const out: Array<[string, number, Response]> = [];
    const add = async (label: string, status: number, res: Promise<Response>) => out.push([label, status, await res]);
    await add('200 page', 200, anon.send('/', { browser: true }));
    await add('200 JSON', 200, anon.send('/auth/csrf'));
    await add('201', 201, t.client({ origin }).send('/auth/register', { json: { email: uniqueEmail('hdr'), password: PASSWORD } }));
    await add('302', 302, anon.send('/dashboard', { browser: true }));
    const formUser = t.client({ origin });
    await add('303', 303, formUser.postForm('/auth/login', { email: me.email, password: PASSWORD }, { csrfFrom: '/login' }));
    await add('400', 400, anon.send('/auth/register', { json: '{"email":' }));
    await add('401', 401, anon.send('/auth/me'));
    await add('401 login', 401, t.client({ origin }).send('/auth/login', { json: { email: uniqueEmail('no'), password: PASSWORD } }));
    await add('403 CSRF', 403, user.send('/auth/logout', { method: 'POST', json: {} }));
    await add('403 forbidden page', 403, user.send('/admin', { browser: true }));
    await add('404 JSON', 404, anon.send('/no/such/thing'));
    await add('404 page', 404, anon.send('/no/such/thing', { browser: true }));
    await add('413', 413, anon.send('/auth/register', { json: { email: uniqueEmail('big'), password: 'x'.repeat(70_000) } }));
    const limited = t.client({ origin });
    await limited.send('/auth/login', { json: { email: uniqueEmail('rl'), password: PASSWORD } });
    await add('429', 429, limited.send('/auth/login', { json: { email: uniqueEmail('rl'), password: PASSWORD } }));
    await add('429 page', 429, limited.send('/auth/login', { form: { email: 'x@example.com', password: 'y' }, browser: true }));
    await add('static CSS', 200, anon.send('/static/style.css', { browser: true }));
    await add('static 404', 404, anon.send('/static/nope.css', { browser: true }));
    await add('204', 204, user.send('/auth/logout', { method: 'POST', json: {}, csrf: true }));
    return out;
  }

  it('over plain HTTP: every header, no HSTS', async () => {
    for (const [label, status, res] of await everyKind('http://localhost:3000')) {
      expect(res.status, label).toBe(status);
      expectSecurityHeaders(res, label);
    }
  });

  it('over HTTPS: every header, with HSTS', async () => {
    for (const [label, status, res] of await everyKind('https://localhost:3000')) {
      expect(res.status, label).toBe(status);
      expectSecurityHeaders(res, label, { https: true });
      expect(res.headers.get('strict-transport-security'), label).toBe(HSTS);
    }
  });

  it('301/308 redirects carry them too, and the 403 CSRF body is exact', async () => {
    const s = await createTestApp({ forceHttps: true, publicOrigin: PUBLIC });
    try {
      expectSecurityHeaders(await s.request('http://localhost:3000/', {}, nextIp()), '301');
      expectSecurityHeaders(await s.request('http://localhost:3000/auth/login', { method: 'POST' }, nextIp()), '308');
    } finally {
      await s.dispose();
    }
    const user = t.client();
    await user.signUp();
    const res = await user.send('/auth/logout', { method: 'POST', json: {} });
    expect(await jsonOf(res)).toEqual(CSRF_FAILED);
    expect(sessionCookies(res)).toEqual([]);
  });

  it('Cache-Control: no-store on auth routes and authenticated pages', async () => {
    const user = t.client();
    await user.signUp();
    for (const [label, res] of [
      ['/auth/csrf', await user.send('/auth/csrf')],
      ['/auth/me', await user.send('/auth/me')],
      ['/auth/sessions', await user.send('/auth/sessions')],
      ['/dashboard', await user.send('/dashboard', { browser: true })],
      ['/account', await user.send('/account', { browser: true })],
      ['/auth/me 401', await t.client().send('/auth/me')],
    ] as const) {
      expect(res.headers.get('cache-control'), label).toMatch(/no-store/);
    }
  });
});
