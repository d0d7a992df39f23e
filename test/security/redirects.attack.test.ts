/**
 * @module Attack suite — open redirects: more than 40 hostile `next` values through form login,
 * form registration, the `/auth/verify` form and `GET /login?next=` while logged in. Every one
 * falls back to the default page, and the final Location, resolved as a browser would
 * (`new URL(location, 'http://localhost:3000')`), stays on `http://localhost:3000`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, createTestApp, uniqueEmail, type Client, type TestApp } from '../http/harness.ts';
import { BASE, expectSecurityHeaders, resolvedLocation } from './attack-helpers.ts';

const FALLBACK = '/';

/** Hostile values as the server receives them (forms and queries are encoded by URLSearchParams, as a browser does). */
const HOSTILE: ReadonlyArray<readonly [string, string]> = [
  ['protocol-relative', '//evil.com'],
  ['triple slash', '///evil.com'],
  ['quadruple slash', '////evil.com'],
  ['protocol-relative with path', '//evil.com/login'],
  ['protocol-relative with port', '//evil.com:443/'],
  ['slash backslash', '/\\evil.com'],
  ['double backslash', '\\\\evil.com'],
  ['backslash slash', '\\/evil.com'],
  ['slash backslash slash', '/\\/evil.com'],
  ['single backslash', '\\evil.com'],
  ['backslash later in the path', '/foo\\..\\..\\\\evil.com'],
  ['https absolute', 'https://evil.com'],
  ['http absolute', 'http://evil.com/'],
  ['upper-case scheme', 'HTTPS://EVIL.COM'],
  ['scheme without slashes', 'https:evil.com'],
  ['scheme with one slash', 'https:/evil.com'],
  ['scheme with backslashes', 'http:\\\\evil.com'],
  ['ftp', 'ftp://evil.com/'],
  ['our host as userinfo of evil', 'https://localhost:3000@evil.com'],
  ['our host as a subdomain of evil', 'http://localhost:3000.evil.com/'],
  ['protocol-relative with our host as userinfo', '//localhost:3000@evil.com'],
  ['javascript:', 'javascript:alert(1)'],
  ['mixed-case javascript:', 'JaVaScRiPt:alert(document.domain)'],
  ['javascript: with a tab', 'java\tscript:alert(1)'],
  ['javascript: with an encoded newline', 'javascript://%0aalert(1)'],
  ['javascript: after a space', ' javascript:alert(1)'],
  ['data: html', 'data:text/html,<script>alert(1)</script>'],
  ['data: base64', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='],
  ['vbscript:', 'vbscript:msgbox(1)'],
  ['encoded slashes (single)', '/%2F%2Fevil.com'],
  ['encoded slashes, no leading slash', '%2F%2Fevil.com'],
  ['encoded slash after a slash', '/%2F/evil.com'],
  ['encoded slashes (double)', '/%252F%252Fevil.com'],
  ['encoded slashes (triple)', '/%25252F%25252Fevil.com'],
  ['encoded slashes (sextuple: deliberate nesting)', '/%252525252F%252525252Fevil.com'],
  ['encoded backslash', '/%5Cevil.com'],
  ['encoded double backslash', '%5C%5Cevil.com'],
  ['encoded letter in the host', '//%65vil.com'],
  ['tab inside', '/\t/evil.com'],
  ['newline inside', '/\n/evil.com'],
  ['CRLF inside', '/\r\n/evil.com'],
  ['encoded tab', '/%09/evil.com'],
  ['encoded newline', '/%0a/evil.com'],
  ['CRLF header injection', '/%0d%0aSet-Cookie:%20pwned=1'],
  ['CRLF Location injection', '/%0D%0ALocation:%20https://evil.com'],
  ['raw CRLF header injection', '/\r\nSet-Cookie: pwned=1'],
  ['leading space', ' //evil.com'],
  ['leading tab', '\t//evil.com'],
  ['leading newline', '\n//evil.com'],
  ['leading NUL', '\u0000//evil.com'],
  ['DEL inside', '/\u007f//evil.com'],
  ['C1 control (NEL) inside', '/\u0085//evil.com'],
  ['full-width solidus', '／／evil.com'],
  ['full-width reverse solidus', '＼＼evil.com'],
  ['bare host', 'evil.com'],
  ['relative path', '../evil.com'],
  ['IPv6 literal', 'http://[::1]/'],
  ['protocol-relative IPv4', '//127.0.0.1/'],
  ['protocol-relative hex IPv4', '//0x7f.1/'],
  ['very long path', `/${'a'.repeat(5000)}`],
  ['very long protocol-relative', `//evil.com/${'a'.repeat(3000)}`],
  ['lone high surrogate', '\uD800//evil.com'],
  ['lone low surrogate with backslash', '/\uDFFF\\evil.com'],
  ['percent-encoded lone surrogate', '/%ED%A0%80'],
  ['malformed percent escape', '/%'],
  ['truncated percent escape', '/%E0%A4%A'],
  ['empty-ish: a single space', ' '],
];

/** Same-origin oddities: whatever the server does with them, the browser must stay home. */
const SAME_ORIGIN_ODDITIES: readonly string[] = ['/@evil.com', '/／evil.com', '/..//evil.com', '/.evil.com', '/%2e%2e/%2e%2e/etc/passwd', '/\u2028/evil.com', '/?next=//evil.com', '/#//evil.com'];

let t: TestApp;
let owner: Client;
let email: string;

beforeAll(async () => {
  t = await createTestApp({ rateLimits: { login: { count: 1_000_000, windowMs: 60_000 }, register: { count: 1_000_000, windowMs: 3_600_000 } } });
  owner = t.client();
  email = (await owner.signUp()).email;
});
afterAll(async () => {
  await t?.dispose();
});

function distinct(): void {
  expect(new Set(HOSTILE.map(([, value]) => value)).size).toBe(HOSTILE.length);
  expect(HOSTILE.length).toBeGreaterThanOrEqual(40);
}

function expectHome(res: Response, label: string, status: number, exact = true): void {
  expect(res.status, label).toBe(status);
  const location = res.headers.get('location');
  expect(location, label).not.toBeNull();
  expect(location, label).not.toMatch(/[\r\n]/);
  const target = resolvedLocation(res);
  expect(target.origin, `${label}: ${location}`).toBe(BASE);
  if (exact) expect(location, label).toBe(FALLBACK);
  expect(res.headers.getSetCookie().some((l) => /pwned/i.test(l)), label).toBe(false);
  expectSecurityHeaders(res, label);
}

/** Every Set-Cookie but the expected ones: an injected header would show here. */
describe('hostile next values', () => {
  it('the payload list has at least 40 distinct entries', () => {
    distinct();
  });

  it('form login falls back to the default page for every one', async () => {
    for (const [name, next] of HOSTILE) {
      const browser = t.client();
      const res = await browser.postForm('/auth/login', { email, password: PASSWORD, next }, { csrfFrom: '/login' });
      expectHome(res, `login: ${name}`, 303);
    }
  });

  it('form registration falls back to the default page for every one', async () => {
    for (const [name, next] of HOSTILE) {
      const browser = t.client();
      const res = await browser.postForm('/auth/register', { email: uniqueEmail('redir'), password: PASSWORD, next }, { csrfFrom: '/register' });
      expectHome(res, `register: ${name}`, 303);
    }
  });

  it('the /auth/verify form falls back to the default page for every one', async () => {
    const browser = t.client();
    await browser.postForm('/auth/login', { email, password: PASSWORD }, { csrfFrom: '/login' });
    const token = await browser.fetchCsrf();
    for (const [name, next] of HOSTILE) {
      const res = await browser.postForm('/auth/verify', { password: PASSWORD, next, csrf_token: token });
      expectHome(res, `verify: ${name}`, 303);
    }
  });

  it('GET /login?next= while logged in falls back to the default page for every one', async () => {
    const browser = t.client();
    await browser.postForm('/auth/login', { email, password: PASSWORD }, { csrfFrom: '/login' });
    for (const [name, next] of HOSTILE) {
      const res = await browser.send(`/login?${new URLSearchParams({ next }).toString()}`, { browser: true });
      expectHome(res, `GET /login: ${name}`, 302);
    }
  });

  it('GET /login?next= with the raw (unencoded) payload while logged in', async () => {
    const browser = t.client();
    await browser.postForm('/auth/login', { email, password: PASSWORD }, { csrfFrom: '/login' });
    for (const raw of ['//evil.com', '///evil.com', '/\\evil.com', 'https://evil.com', '/%2F%2Fevil.com', '%2F%2Fevil.com', '/%5Cevil.com', 'javascript:alert(1)', '/%0d%0aSet-Cookie:x=1', '%09//evil.com']) {
      const res = await browser.send(`/login?next=${raw}`, { browser: true });
      expectHome(res, `raw GET /login?next=${raw}`, 302);
    }
  });

  it('the anonymous login page never echoes a hostile next into its form', async () => {
    for (const [name, next] of HOSTILE.slice(0, 30)) {
      const res = await t.client().send(`/login?${new URLSearchParams({ next }).toString()}`, { browser: true });
      expect(res.status, name).toBe(200);
      const html = await res.text();
      expect(/name="next"[^>]*value="([^"]*)"/.exec(html)?.[1] ?? /value="([^"]*)"[^>]*name="next"/.exec(html)?.[1] ?? '', name).toBe('');
    }
  });

  it('same-origin oddities (userinfo-looking paths, full-width solidus after a slash…) stay on the origin', async () => {
    const browser = t.client();
    await browser.postForm('/auth/login', { email, password: PASSWORD }, { csrfFrom: '/login' });
    for (const next of SAME_ORIGIN_ODDITIES) {
      const page = await browser.send(`/login?${new URLSearchParams({ next }).toString()}`, { browser: true });
      expectHome(page, `GET /login oddity ${JSON.stringify(next)}`, 302, false);
      const login = await t.client().postForm('/auth/login', { email, password: PASSWORD, next }, { csrfFrom: '/login' });
      expectHome(login, `login oddity ${JSON.stringify(next)}`, 303, false);
    }
  });

  it('control: a safe same-origin next is honoured', async () => {
    const browser = t.client();
    const res = await browser.postForm('/auth/login', { email, password: PASSWORD, next: '/dashboard?tab=1' }, { csrfFrom: '/login' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard?tab=1');
    const page = await browser.send(`/login?next=${encodeURIComponent('/account')}`, { browser: true });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/account');
  });
});
