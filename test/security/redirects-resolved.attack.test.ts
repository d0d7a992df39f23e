/**
 * @module Attack suite — `next` values that are same-origin as sent but resolve, the way a browser
 * resolves them (dot segments, backslashes, encoded slashes, stripped tabs), to a path starting
 * with `//` (`/..//evil.example` → `http://localhost:3000//evil.example`): one relative redirect
 * or path echo away from `evil.example`. Every one falls back to the default page, exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, createTestApp, uniqueEmail, type Client, type TestApp } from '../http/harness.ts';
import { BASE, expectSecurityHeaders, resolvedLocation, sessionCount } from './attack-helpers.ts';

const FALLBACK = '/';

const RESOLVES_TO_DOUBLE_SLASH: ReadonlyArray<readonly [string, string]> = [
  ['dot segment before //', '/..//evil.example'],
  ['dot segment after a path', '/dashboard/..//evil.example'],
  ['two dot segments', '/a/b/../..//evil.example'],
  ['dot segments past the root', '/../../..//evil.example/x'],
  ['single dot', '/.//evil.example'],
  ['encoded dot segment', '/%2e%2e//evil.example'],
  ['upper-case encoded dot segment', '/%2E%2E//evil.example'],
  ['half-encoded dot segment', '/.%2e//evil.example'],
  ['dot segment then an encoded slash', '/../%2Fevil.example'],
  ['encoded dot segment, encoded slashes', '/%2e%2e/%2F%2Fevil.example'],
  ['dot segment with a query', '/..//evil.example?next=/'],
  ['dot segment with a port', '/..//evil.example:8443/'],
];

let t: TestApp;
let email: string;
let userId: string;

beforeAll(async () => {
  t = await createTestApp({ rateLimits: { login: { count: 1_000_000, windowMs: 60_000 }, register: { count: 1_000_000, windowMs: 3_600_000 } } });
  const owner = t.client();
  const signedUp = await owner.signUp();
  email = signedUp.email;
  userId = signedUp.id;
});
afterAll(async () => {
  await t?.dispose();
});

/** The refusal: the exact fallback, and the browser's resolved target is a plain same-origin path. */
function expectFallback(res: Response, label: string, status: number): void {
  expect(res.status, label).toBe(status);
  expect(res.headers.get('location'), label).toBe(FALLBACK);
  const target = resolvedLocation(res);
  expect(target.origin, label).toBe(BASE);
  expect(target.pathname.startsWith('//'), label).toBe(false);
  expectSecurityHeaders(res, label);
}

describe('next values that resolve to //host', () => {
  it('every payload is same-origin as a raw URL but lands on a path that starts with //', () => {
    for (const [name, next] of RESOLVES_TO_DOUBLE_SLASH) {
      const resolved = new URL(next, BASE);
      expect(resolved.origin, name).toBe(BASE);
      expect(/^\/(\/|%2F)/i.test(resolved.pathname), `${name}: ${resolved.pathname}`).toBe(true);
    }
  });

  it('form login: the user is signed in (one new session each) and sent to the default page', async () => {
    for (const [name, next] of RESOLVES_TO_DOUBLE_SLASH) {
      const before = await sessionCount(t, userId);
      const res = await t.client().postForm('/auth/login', { email, password: PASSWORD, next }, { csrfFrom: '/login' });
      expectFallback(res, `login: ${name}`, 303);
      expect(await sessionCount(t, userId), name).toBe(before + 1);
    }
  });

  it('form registration: sent to the default page', async () => {
    for (const [name, next] of RESOLVES_TO_DOUBLE_SLASH) {
      const res = await t.client().postForm('/auth/register', { email: uniqueEmail('resolved'), password: PASSWORD, next }, { csrfFrom: '/register' });
      expectFallback(res, `register: ${name}`, 303);
    }
  });

  it('the /auth/verify form: sent to the default page', async () => {
    const browser: Client = t.client();
    await browser.postForm('/auth/login', { email, password: PASSWORD }, { csrfFrom: '/login' });
    const token = await browser.fetchCsrf();
    for (const [name, next] of RESOLVES_TO_DOUBLE_SLASH) {
      const res = await browser.postForm('/auth/verify', { password: PASSWORD, next, csrf_token: token });
      expectFallback(res, `verify: ${name}`, 303);
    }
  });

  it('GET /login?next= while signed in: sent to the default page, encoded or raw in the query', async () => {
    const browser = t.client();
    await browser.postForm('/auth/login', { email, password: PASSWORD }, { csrfFrom: '/login' });
    for (const [name, next] of RESOLVES_TO_DOUBLE_SLASH) {
      const res = await browser.send(`/login?${new URLSearchParams({ next }).toString()}`, { browser: true });
      expectFallback(res, `GET /login: ${name}`, 302);
    }
    expectFallback(await browser.send('/login?next=/..//evil.example', { browser: true }), 'GET /login, raw', 302);
  });

  it('the anonymous login page does not carry the payload into its form', async () => {
    for (const [name, next] of RESOLVES_TO_DOUBLE_SLASH) {
      const res = await t.client().send(`/login?${new URLSearchParams({ next }).toString()}`, { browser: true });
      expect(res.status, name).toBe(200);
      const html = await res.text();
      expect(html.includes('evil.example'), name).toBe(false);
    }
  });

  it('control: a dot segment that stays on an ordinary path is honoured', async () => {
    const res = await t.client().postForm('/auth/login', { email, password: PASSWORD, next: '/account/../dashboard' }, { csrfFrom: '/login' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account/../dashboard');
    expect(resolvedLocation(res).pathname).toBe('/dashboard');
  });
});
