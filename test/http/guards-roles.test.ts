/** @module HTTP: guards (anonymous, forbidden), bootstrap admin, granting and revoking roles, (de)activation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, createTestApp, csrfFromHtml, errorShape, locationOf, nextParam, uniqueEmail, type Client, type TestApp } from './harness.ts';

const BOOTSTRAP = 'root@example.com';
let t: TestApp;
let admin: Client;
let adminId: string;

beforeAll(async () => {
  t = await createTestApp({ bootstrapAdminEmail: BOOTSTRAP });
  // the first user is NOT the admin
  const first = t.client();
  const { body } = await first.register({ email: uniqueEmail('first') });
  expect(body.user.roles).toEqual([]);
  admin = t.client({ ip: '198.51.100.1' });
  const registered = await admin.register({ email: BOOTSTRAP });
  expect(registered.res.status).toBe(201);
  adminId = registered.body.user.id;
});
afterAll(async () => {
  await t?.dispose();
});

describe('anonymous requests', () => {
  it.each(['/auth/sessions', '/admin', '/dashboard', '/account'])('JSON GET %s → 401 UNAUTHENTICATED', async (path) => {
    const { res, body } = await t.client().json(path);
    expect(res.status).toBe(401);
    expect(body).toEqual({ error: 'Authentication required', code: 'UNAUTHENTICATED' });
  });

  it('GET /auth/me (accepts Basic) → 401 with a Basic challenge', async () => {
    const { res, body } = await t.client().me();
    expect(res.status).toBe(401);
    expect(body).toEqual({ error: 'Authentication required', code: 'UNAUTHENTICATED' });
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });

  it.each(['/dashboard', '/account', '/admin', '/admin?q=a%26b', '/verify'])('browser GET %s → 302 to /login?next=<path>', async (path) => {
    const res = await t.client().send(path, { browser: true });
    expect(res.status).toBe(302);
    const location = locationOf(res);
    expect(location.startsWith('/login?next=')).toBe(true);
    expect(nextParam(location)).toBe(path);
  });

  it('an anonymous admin action → 401 (never 403) and nothing changes', async () => {
    const victim = await t.client().signUp();
    const { res, body } = await t.client().json(`/admin/users/${victim.id}/roles`, { method: 'POST', json: { role: 'admin' } });
    expect(res.status).toBe(401);
    expect(body).toEqual({ error: 'Authentication required', code: 'UNAUTHENTICATED' });
    expect((await t.stores.roles.authorizationOfUser(victim.id)).roles).toEqual([]);
  });

  it('the login redirect round-trip lands on the page first asked for', async () => {
    const email = uniqueEmail('roundtrip');
    await t.client().signUp({ email });
    const c = t.client();
    const first = await c.send('/account', { browser: true });
    const loginPage = locationOf(first);
    const token = await c.pageCsrf(loginPage);
    const res = await c.postForm('/auth/login', { email, password: PASSWORD, next: nextParam(loginPage)!, csrf_token: token });
    expect(res.status).toBe(303);
    expect(locationOf(res)).toBe('/account');
    expect((await c.send('/account', { browser: true })).status).toBe(200);
  });
});

describe('roles', () => {
  it('BOOTSTRAP_ADMIN_EMAIL gets admin on registration; others do not', async () => {
    const me = await admin.me();
    expect(me.body.user?.roles).toEqual(['admin']);
    const other = await t.client().signUp();
    expect(other.roles).toEqual([]);
  });

  it('a user without admin: 403 on /admin, exact JSON body; HTML 403 page for browsers; nothing granted', async () => {
    const c = t.client();
    const user = await c.signUp();
    const { res, body } = await c.json('/admin');
    expect(res.status).toBe(403);
    expect(body).toEqual({ error: 'Forbidden', code: 'FORBIDDEN' });
    const page = await c.send('/admin', { browser: true });
    expect(page.status).toBe(403);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    // cannot grant itself a role either
    const self = await c.json(`/admin/users/${user.id}/roles`, { method: 'POST', json: { role: 'admin' }, csrf: true });
    expect(self.res.status).toBe(403);
    expect(self.body).toEqual({ error: 'Forbidden', code: 'FORBIDDEN' });
    expect((await t.stores.roles.authorizationOfUser(user.id)).roles).toEqual([]);
    expect((await c.me()).body.user?.roles).toEqual([]);
  });

  it('admin grants a role through the /admin form; the user\'s session ends, a new login sees it; then revokes it', async () => {
    const c = t.client();
    const user = await c.signUp();
    const page = await admin.send('/admin', { browser: true });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(user.email);
    expect(html).toContain(`action="/admin/users/${user.id}/roles"`);
    const token = csrfFromHtml(html)!;
    const res = await admin.postForm(`/admin/users/${user.id}/roles`, { role: 'editor', csrf_token: token });
    expect(res.status).toBe(303);
    expect(locationOf(res)).toBe('/admin');
    // the grant ended the user's session (a privilege change means a new token); a new login carries the role
    expect((await c.me()).res.status).toBe(401);
    expect((await c.login({ email: user.email })).res.status).toBe(200);
    expect((await c.me()).body.user?.roles).toEqual(['editor']);
    const after = await (await admin.send('/admin', { browser: true })).text();
    expect(after).toContain(`action="/admin/users/${user.id}/roles/editor/revoke"`);
    const revoke = await admin.postForm(`/admin/users/${user.id}/roles/editor/revoke`, { csrf_token: token });
    expect(revoke.status).toBe(303);
    expect((await c.me()).body.user?.roles).toEqual([]);
  });

  it('granting an unknown role → 400 and nothing granted; an unknown user → 404', async () => {
    const user = await t.client().signUp();
    const bad = await admin.json(`/admin/users/${user.id}/roles`, { method: 'POST', json: { role: 'superuser' }, csrf: true });
    expect(bad.res.status).toBe(400);
    expect(errorShape(bad.body).code).toBe('INVALID_INPUT');
    expect((await t.stores.roles.authorizationOfUser(user.id)).roles).toEqual([]);
    const missing = await admin.json(`/admin/users/${'f'.repeat(32)}/roles`, { method: 'POST', json: { role: 'editor' }, csrf: true });
    expect(missing.res.status).toBe(404);
    expect(errorShape(missing.body).code).toBe('NOT_FOUND');
  });
});

describe('deactivation', () => {
  it('kills every session of the user at once and blocks login; reactivation lets them log in again', async () => {
    const email = uniqueEmail('deactivate');
    const a = t.client();
    const user = await a.signUp({ email });
    const b = t.client();
    await b.login({ email });
    const res = await admin.json(`/admin/users/${user.id}/deactivate`, { method: 'POST', json: {}, csrf: true });
    expect(res.res.status).toBe(204);
    expect((await a.me()).res.status).toBe(401);
    expect((await b.me()).res.status).toBe(401);
    expect((await t.stores.sessions.listSessionsOfUser(user.id)).length).toBe(0);
    const login = await t.client().login({ email });
    expect(login.res.status).toBe(401);
    expect(login.body).toEqual({ error: 'Invalid credentials', code: 'INVALID_CREDENTIALS' });
    const listed = await (await admin.send('/admin', { browser: true })).text();
    expect(listed).toContain(`action="/admin/users/${user.id}/activate"`);

    const token = await admin.pageCsrf('/admin');
    const reactivate = await admin.postForm(`/admin/users/${user.id}/activate`, { csrf_token: token });
    expect(reactivate.status).toBe(303);
    const again = t.client();
    const ok = await again.login({ email });
    expect(ok.res.status).toBe(200);
    expect(ok.body.user.active).toBe(true);
    // the old sessions stay dead
    expect((await a.me()).res.status).toBe(401);
  });

  it('the deactivation form from /admin works too', async () => {
    const c = t.client();
    const user = await c.signUp();
    const token = await admin.pageCsrf('/admin');
    const res = await admin.postForm(`/admin/users/${user.id}/deactivate`, { csrf_token: token });
    expect(res.status).toBe(303);
    expect((await c.me()).res.status).toBe(401);
  });

  it('an admin cannot deactivate themself', async () => {
    const { res, body } = await admin.json(`/admin/users/${adminId}/deactivate`, { method: 'POST', json: {}, csrf: true });
    expect(res.status).toBe(403);
    expect(errorShape(body).code).toBe('FORBIDDEN');
    expect((await admin.me()).res.status).toBe(200);
  });

  it('a non-admin cannot deactivate anyone', async () => {
    const victimClient = t.client();
    const victim = await victimClient.signUp();
    const c = t.client();
    await c.signUp();
    const { res } = await c.json(`/admin/users/${victim.id}/deactivate`, { method: 'POST', json: {}, csrf: true });
    expect(res.status).toBe(403);
    expect((await victimClient.me()).res.status).toBe(200);
  });
});
