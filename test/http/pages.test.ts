/** @module HTTP: the reference app's pages — public forms, private pages for the right users, the back button after logout. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, createTestApp, csrfFromHtml, locationOf, nextParam, uniqueEmail, uniqueUsername, type Client, type PublicUserBody, type TestApp } from './harness.ts';

let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await createTestApp({ bootstrapAdminEmail: 'owner@example.com' });
  admin = t.client();
  await admin.register({ email: 'owner@example.com' });
});
afterAll(async () => {
  await t?.dispose();
});

async function page(c: Client, path: string): Promise<{ res: Response; html: string }> {
  const res = await c.send(path, { browser: true });
  return { res, html: await res.text() };
}

describe('public pages', () => {
  it.each(['/', '/register', '/login'])('%s renders 200 HTML with a hidden csrf_token, no inline script', async (path) => {
    const c = t.client();
    // the anonymous home page has no form at all; logged in, its nav carries the logout form
    if (path === '/') await c.signUp();
    const { res, html } = await page(c, path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.toLowerCase()).toContain('<!doctype html>');
    expect(csrfFromHtml(html)).toMatch(/^[\w-]{20,}$/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/\son[a-z]+="/i);
  });

  it('the anonymous home page renders 200 HTML with links to log in and register', async () => {
    const { res, html } = await page(t.client(), '/');
    expect(res.status).toBe(200);
    expect(html).toContain('href="/login"');
    expect(html).toContain('href="/register"');
  });

  it('the login form posts to /auth/login with e-mail and password fields', async () => {
    const { html } = await page(t.client(), '/login');
    expect(html).toMatch(/<form[^>]*method="post"[^>]*action="\/auth\/login"|<form[^>]*action="\/auth\/login"[^>]*method="post"/);
    expect(html).toContain('name="email"');
    expect(html).toContain('name="password"');
  });

  it('the register form posts to /auth/register with e-mail, username and password', async () => {
    const { html } = await page(t.client(), '/register');
    expect(html).toContain('action="/auth/register"');
    for (const name of ['email', 'username', 'password']) expect(html).toContain(`name="${name}"`);
  });

  it('/login carries a safe ?next= into the form; a hostile one is dropped', async () => {
    const ok = await page(t.client(), '/login?next=%2Faccount');
    expect(ok.html).toMatch(/name="next" value="\/account"/);
    const bad = await page(t.client(), '/login?next=https%3A%2F%2Fevil.com');
    expect(bad.html).not.toContain('evil.com');
  });

  it('a logged-in user visiting /login or /register is sent on', async () => {
    const c = t.client();
    await c.signUp();
    for (const path of ['/login', '/register']) {
      const res = await c.send(path, { browser: true });
      expect(res.status, path).toBe(302);
    }
  });

  it('an unknown page: 404 HTML for browsers, JSON for JSON clients', async () => {
    const { res, html } = await page(t.client(), '/no/such/page');
    expect(res.status).toBe(404);
    expect(html).toContain('There is nothing here');
    const json = await t.client().json('/no/such/page');
    expect(json.res.status).toBe(404);
    expect(json.body).toEqual({ error: 'Not found', code: 'NOT_FOUND' });
  });

  it('stylesheet is served', async () => {
    const res = await t.client().send('/static/style.css');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/css/);
  });
});

describe('private pages', () => {
  let c: Client;
  let user: PublicUserBody;
  beforeAll(async () => {
    c = t.client({ ip: '198.51.100.77', userAgent: 'Mozilla/5.0 (PagesTest) Firefox/128.0' });
    user = await c.signUp({ email: uniqueEmail('pages'), username: uniqueUsername('pages') });
  });

  it('/dashboard renders for a logged-in user, naming them, with no-store', async () => {
    const { res, html } = await page(c, '/dashboard');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect(html).toContain(user.email);
    expect(csrfFromHtml(html)).toBeTruthy();
  });

  it('/account shows this session (its IP) as the current one, and offers revoking others', async () => {
    const other = t.client({ ip: '203.0.113.5', userAgent: 'Other Device/1.0' });
    await other.login({ email: user.email });
    const { res, html } = await page(c, '/account');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect(html).toContain(user.email);
    expect(html).toContain('198.51.100.77');
    expect(html).toContain('203.0.113.5');
    expect(html).toContain('Current session');
    const { body } = await c.json<{ sessions: Array<{ id: string; current: boolean }> }>('/auth/sessions');
    const otherId = body.sessions.find((s) => !s.current)!.id;
    expect(html).toContain(`action="/auth/sessions/${otherId}/revoke"`);
    // no session secret on the page
    expect(html).not.toContain(c.sessionToken!);
    expect(html).not.toContain(other.sessionToken!);
  });

  it('/verify renders a password form for a logged-in user', async () => {
    const { res, html } = await page(c, '/verify?next=%2Fadmin');
    expect(res.status).toBe(200);
    expect(html).toContain('name="password"');
    expect(html).toContain('action="/auth/verify"');
  });

  it('/admin renders for the admin with users and roles; 403 for others', async () => {
    const { res, html } = await page(admin, '/admin');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect(html).toContain('owner@example.com');
    expect(html).toContain(user.email);
    expect(html).toContain('editor');
    const denied = await page(c, '/admin');
    expect(denied.res.status).toBe(403);
    expect(denied.html).not.toContain('owner@example.com');
  });

  it('/admin?q= searches', async () => {
    const { res, html } = await page(admin, `/admin?q=${encodeURIComponent(user.email)}`);
    expect(res.status).toBe(200);
    expect(html).toContain(user.email);
    expect(html).not.toContain('class="user-email break">owner@example.com<');
    expect(html).toContain('1 user matching');
  });

  it('a flash message follows a redirect once', async () => {
    const d = t.client();
    const email = uniqueEmail('flash');
    await t.client().signUp({ email });
    const res = await d.postForm('/auth/login', { email, password: PASSWORD }, { csrfFrom: '/login' });
    expect(res.status).toBe(303);
    const first = await page(d, locationOf(res));
    expect(first.res.status).toBe(200);
    const second = await page(d, locationOf(res));
    // the message appears on the first page only
    const diff = first.html.length !== second.html.length || first.html !== second.html;
    expect(diff).toBe(true);
  });
});

describe('the back button after logout', () => {
  it('the old cookie no longer opens /dashboard (302 to login), and private pages were no-store', async () => {
    const c = t.client();
    const user = await c.signUp();
    const before = await page(c, '/dashboard');
    expect(before.res.status).toBe(200);
    expect(before.res.headers.get('cache-control')).toMatch(/no-store/);
    const account = await page(c, '/account');
    expect(account.res.headers.get('cache-control')).toMatch(/no-store/);
    const old = c.clone();
    const out = await c.postForm('/auth/logout', {}, { csrfFrom: '/dashboard' });
    expect(out.status).toBe(303);
    for (const client of [c, old]) {
      const res = await client.send('/dashboard', { browser: true });
      expect(res.status).toBe(302);
      expect(nextParam(locationOf(res))).toBe('/dashboard');
      expect(locationOf(res).startsWith('/login?')).toBe(true);
      expect(await res.text()).not.toContain(user.email);
    }
    const home = await page(old, '/');
    expect(home.res.status).toBe(200);
    expect(home.html).not.toContain(user.email);
  });
});
