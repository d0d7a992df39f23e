/** @module HTTP: registration and login — JSON and forms, identities, generic failures, safe `next`. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, createTestApp, csrfFromHtml, errorShape, locationOf, uniqueEmail, uniqueUsername, type TestApp } from './harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.dispose();
});

describe('register (JSON)', () => {
  it('answers 201 with the documented user shape, never a hash, and logs the user in', async () => {
    const c = t.client();
    const email = uniqueEmail('shape');
    const { res, body } = await c.register({ email, username: uniqueUsername('shape') });
    expect(res.status).toBe(201);
    expect(Object.keys(body.user).sort()).toEqual(['active', 'email', 'id', 'roles', 'username']);
    expect(body.user).toMatchObject({ email, roles: [], active: true });
    expect(typeof body.user.id).toBe('string');
    expect(JSON.stringify(body)).not.toMatch(/argon2|hash|password/i);
    expect(c.sessionToken).toMatch(/^[\w-]{43,}$/);
    const me = await c.me();
    expect(me.res.status).toBe(200);
    expect(me.body.user).toEqual(body.user);
  });

  it('username is optional (null in the user)', async () => {
    const c = t.client();
    const { res, body } = await c.register({ email: uniqueEmail('nouser') });
    expect(res.status).toBe(201);
    expect(body.user.username).toBeNull();
  });

  it('e-mail is unique case-insensitively; the second account is not created', async () => {
    const base = uniqueEmail('case');
    const first = await t.client().register({ email: base });
    expect(first.res.status).toBe(201);
    const before = await t.userCount();
    const second = t.client();
    const { res, body: raw } = await second.register({ email: base.toUpperCase() });
    expect(res.status).toBe(400);
    const body = errorShape(raw);
    expect(body.code).toBe('INVALID_INPUT');
    expect(body.fields?.email).toBeTruthy();
    expect(second.sessionToken).toBeUndefined();
    expect(await t.userCount()).toBe(before);
    // and the account is reachable by either spelling
    const login = await t.client().login({ email: base.toUpperCase() });
    expect(login.res.status).toBe(200);
    expect(login.body.user.id).toBe(first.body.user.id);
  });

  it('username is unique (case-insensitively) and nothing is created on a clash', async () => {
    const name = uniqueUsername('Uniq');
    expect((await t.client().register({ email: uniqueEmail(), username: name })).res.status).toBe(201);
    const before = await t.userCount();
    const { res, body: raw } = await t.client().register({ email: uniqueEmail(), username: name.toLowerCase() });
    expect(res.status).toBe(400);
    const body = errorShape(raw);
    expect(body).toMatchObject({ code: 'INVALID_INPUT', fields: { username: expect.any(String) } });
    expect(await t.userCount()).toBe(before);
  });
});

describe('login (JSON)', () => {
  it('by e-mail: 200 {user, csrf_token} and a session cookie', async () => {
    const email = uniqueEmail('login');
    const user = await t.client().signUp({ email });
    const c = t.client();
    const { res, body } = await c.login({ email });
    expect(res.status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['csrf_token', 'user']);
    expect(body.user).toEqual(user);
    expect(typeof body.csrf_token).toBe('string');
    expect(c.sessionToken).toBeTruthy();
    expect((await c.me()).body.user?.id).toBe(user.id);
  });

  it('by username, in the `username` field or in the `email` field', async () => {
    const username = uniqueUsername('byname');
    const user = await t.client().signUp({ username });
    const a = await t.client().login({ username });
    expect(a.res.status).toBe(200);
    expect(a.body.user.id).toBe(user.id);
    const b = await t.client().login({ email: username.toUpperCase() });
    expect(b.res.status).toBe(200);
    expect(b.body.user.id).toBe(user.id);
  });

  it('unknown identity, wrong password and a deactivated account give the identical 401', async () => {
    const email = uniqueEmail('generic');
    const inactiveEmail = uniqueEmail('inactive');
    await t.client().signUp({ email });
    const inactive = await t.client().signUp({ email: inactiveEmail });
    await t.stores.users.setUserActive(inactive.id, false, t.clock.nowMs());

    const attempts = [
      // One address each: the RateLimit-Remaining countdown is per client, not per identity.
      await t.client({ ip: '192.0.2.10' }).login({ email: uniqueEmail('nobody') }),
      await t.client({ ip: '192.0.2.11' }).login({ email, password: 'wrong password 123' }),
      await t.client({ ip: '192.0.2.12' }).login({ email: inactiveEmail }),
    ];
    for (const { res, body } of attempts) {
      expect(res.status).toBe(401);
      expect(body).toEqual({ error: 'Invalid credentials', code: 'INVALID_CREDENTIALS' });
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    const headerSets = attempts.map(({ res }) => JSON.stringify([...res.headers].filter(([k]) => k !== 'date')));
    expect(new Set(headerSets).size).toBe(1);
  });

  it('issues a new session id at every login; the old one is dead', async () => {
    const email = uniqueEmail('rotate');
    await t.client().signUp({ email });
    const c = t.client();
    // a planted (fixated) cookie value is never adopted
    c.sessionToken = 'attacker-chosen-value-attacker-chosen-value-0';
    await c.login({ email });
    const first = c.sessionToken;
    expect(first).not.toBe('attacker-chosen-value-attacker-chosen-value-0');
    const old = c.clone();
    await c.login({ email });
    const second = c.sessionToken;
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    expect((await old.me()).res.status).toBe(401);
    expect((await c.me()).res.status).toBe(200);
  });
});

describe('forms', () => {
  it('form registration: 303 to the default page and the session cookie', async () => {
    const before = await t.userCount();
    const c = t.client();
    const email = uniqueEmail('form');
    const res = await c.postForm('/auth/register', { email, password: PASSWORD }, { csrfFrom: '/register' });
    expect(res.status).toBe(303);
    expect(locationOf(res)).toBe('/');
    expect(c.sessionToken).toBeTruthy();
    expect(await t.userCount()).toBe(before + 1);
    const dash = await c.send('/dashboard', { browser: true });
    expect(dash.status).toBe(200);
    expect(await dash.text()).toContain(email);
  });

  it('bad form input: 400, the form again with field messages and the typed e-mail, nothing written', async () => {
    const before = await t.userCount();
    const c = t.client();
    const res = await c.postForm('/auth/register', { email: 'not-an-email', username: 'x', password: 'short' }, { csrfFrom: '/register' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('Enter a valid e-mail address');
    expect(html).toContain('Password must be at least 8 characters');
    expect(html).toMatch(/Username must be/);
    expect(html).toContain('value="not-an-email"');
    expect(csrfFromHtml(html)).toBeTruthy();
    expect(html).not.toContain('short');
    expect(c.sessionToken).toBeUndefined();
    expect(await t.userCount()).toBe(before);
  });

  it('a duplicate e-mail in the form is re-shown with its message', async () => {
    const email = uniqueEmail('dupform');
    await t.client().signUp({ email });
    const before = await t.userCount();
    const res = await t.client().postForm('/auth/register', { email, password: PASSWORD }, { csrfFrom: '/register' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('An account with this e-mail already exists');
    expect(await t.userCount()).toBe(before);
  });

  it('form login: 303 to a safe `next`', async () => {
    const email = uniqueEmail('formlogin');
    await t.client().signUp({ email });
    const c = t.client();
    const res = await c.postForm('/auth/login', { email, password: PASSWORD, next: '/account?tab=sessions' }, { csrfFrom: '/login' });
    expect(res.status).toBe(303);
    expect(locationOf(res)).toBe('/account?tab=sessions');
    expect(c.sessionToken).toBeTruthy();
  });

  it('form login failure: 401 and the form again with the generic message', async () => {
    const c = t.client();
    const res = await c.postForm('/auth/login', { email: uniqueEmail('ghost'), password: PASSWORD }, { csrfFrom: '/login' });
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('Invalid credentials');
    expect(csrfFromHtml(html)).toBeTruthy();
    expect(c.sessionToken).toBeUndefined();
  });
});

describe('open redirects in `next`', () => {
  const hostile = [
    '//evil.com',
    '/\\evil.com',
    'https://evil.com',
    '%2F%2Fevil.com',
    '/%2F/evil.com',
    '/%5Cevil.com',
    'javascript:alert(1)',
    '/\t/evil.com',
    '/\r\nLocation: https://evil.com',
    '/%0d%0aSet-Cookie:%20x=1',
    'evil.com',
  ];
  let email: string;
  beforeAll(async () => {
    email = uniqueEmail('redirect');
    await t.client().signUp({ email });
  });

  it.each(hostile)('form login with next=%j falls back to the default page', async (next) => {
    const c = t.client();
    const res = await c.postForm('/auth/login', { email, password: PASSWORD, next }, { csrfFrom: '/login' });
    expect(res.status).toBe(303);
    expect(locationOf(res)).toBe('/');
    expect(c.sessionToken).toBeTruthy();
  });

  it.each(hostile)('GET /login?next=%j while logged in redirects to the default page, not away', async (next) => {
    const c = t.client();
    await c.login({ email });
    const res = await c.send(`/login?next=${encodeURIComponent(next)}`, { browser: true });
    expect(res.status).toBe(302);
    expect(locationOf(res)).toBe('/');
  });

  it('a same-origin path is honoured after registration too', async () => {
    const c = t.client();
    const res = await c.postForm('/auth/register', { email: uniqueEmail('next'), password: PASSWORD, next: '/account' }, { csrfFrom: '/register' });
    expect(res.status).toBe(303);
    expect(locationOf(res)).toBe('/account');
  });

  it('form registration with a hostile next falls back to the default page', async () => {
    const res = await t.client().postForm('/auth/register', { email: uniqueEmail('next'), password: PASSWORD, next: '//evil.com' }, { csrfFrom: '/register' });
    expect(res.status).toBe(303);
    expect(locationOf(res)).toBe('/');
  });
});
