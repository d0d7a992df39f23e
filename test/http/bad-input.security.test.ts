/**
 * @module HTTP attacks: hostile bodies on the auth routes. Every one gets a 400/413 with the
 * documented JSON body (never a 500, never a stack trace) and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, SESSION_COOKIE, createTestApp, errorShape, nextIp, uniqueEmail, type Client, type TestApp } from './harness.ts';


let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ bootstrapAdminEmail: 'admin@example.com' });
});
afterAll(async () => {
  await t?.dispose();
});

const LIMIT = 64 * 1024;

interface RawCase {
  readonly name: string;
  readonly body: string | Uint8Array;
  readonly type?: string;
  readonly status?: 400 | 413;
  /** Field names the `fields` object must mention. */
  readonly fields?: readonly string[];
  readonly headers?: Record<string, string>;
}

const email = () => uniqueEmail('bad');
const json = (value: unknown) => JSON.stringify(value);

function registerCases(): RawCase[] {
  return [
    { name: 'malformed JSON', body: '{"email": "a@example.com", "password": ' },
    { name: 'trailing garbage after JSON', body: `${json({ email: email(), password: PASSWORD })}xyz` },
    { name: 'a JSON array', body: json([email(), PASSWORD]) },
    { name: 'a JSON string', body: json('hello') },
    { name: 'JSON null', body: 'null' },
    { name: 'a JSON number', body: '42' },
    { name: 'an empty body', body: '', fields: ['email', 'password'] },
    { name: 'an empty object', body: '{}', fields: ['email', 'password'] },
    { name: 'missing password', body: json({ email: email() }), fields: ['password'] },
    { name: 'missing e-mail', body: json({ password: PASSWORD }), fields: ['email'] },
    { name: 'e-mail as a number', body: json({ email: 12345, password: PASSWORD }), fields: ['email'] },
    { name: 'e-mail as an array', body: json({ email: [email()], password: PASSWORD }), fields: ['email'] },
    { name: 'e-mail as an object', body: json({ email: { $ne: '' }, password: PASSWORD }), fields: ['email'] },
    { name: 'e-mail null', body: json({ email: null, password: PASSWORD }), fields: ['email'] },
    { name: 'e-mail true', body: json({ email: true, password: PASSWORD }), fields: ['email'] },
    { name: 'password as a number', body: json({ email: email(), password: 1234567890123 }), fields: ['password'] },
    { name: 'password as an array', body: json({ email: email(), password: [PASSWORD] }), fields: ['password'] },
    { name: 'password as an object', body: json({ email: email(), password: { toString: PASSWORD } }), fields: ['password'] },
    { name: 'password null', body: json({ email: email(), password: null }), fields: ['password'] },
    { name: 'username as a number', body: json({ email: email(), password: PASSWORD, username: 42 }), fields: ['username'] },
    { name: 'username as an array', body: json({ email: email(), password: PASSWORD, username: ['bob'] }), fields: ['username'] },
    { name: 'username as an object', body: json({ email: email(), password: PASSWORD, username: { a: 1 } }), fields: ['username'] },
    { name: 'a 20,000-character e-mail', body: json({ email: `${'a'.repeat(19_988)}@example.com`, password: PASSWORD }), fields: ['email'] },
    { name: 'a 255-character e-mail', body: json({ email: `${'a'.repeat(243)}@example.com`, password: PASSWORD }), fields: ['email'] },
    { name: 'a NUL byte in the e-mail', body: json({ email: `ann\u0000${email()}`, password: PASSWORD }), fields: ['email'] },
    { name: 'a NUL byte in the password', body: json({ email: email(), password: `${PASSWORD}\u0000` }), fields: ['password'] },
    { name: 'a NUL byte in the username', body: json({ email: email(), password: PASSWORD, username: 'bob\u0000by' }), fields: ['username'] },
    { name: 'a control character in the e-mail', body: json({ email: `ann\u001b${email()}`, password: PASSWORD }), fields: ['email'] },
    { name: 'CRLF in the e-mail', body: json({ email: `ann\r\nBcc: x@y.com${email()}`, password: PASSWORD }), fields: ['email'] },
    { name: 'a lone high surrogate in the e-mail', body: `{"email":"ann\\ud800${email()}","password":"${PASSWORD}"}`, fields: ['email'] },
    { name: 'a lone low surrogate in the password', body: `{"email":"${email()}","password":"${PASSWORD}\\udc00"}`, fields: ['password'] },
    { name: 'a lone surrogate in the username', body: `{"email":"${email()}","password":"${PASSWORD}","username":"bob\\ud800"}`, fields: ['username'] },
    { name: 'invalid UTF-8 bytes', body: Buffer.concat([Buffer.from('{"email":"ann'), Buffer.from([0xff, 0xfe]), Buffer.from(`${email()}","password":"${PASSWORD}"}`)]) },
    { name: 'a __proto__ key', body: `{"__proto__":{"roles":["admin"],"active":true},"email":"${email()}","password":"${PASSWORD}"}` },
    { name: 'a nested __proto__ key', body: `{"email":"${email()}","password":"${PASSWORD}","profile":{"__proto__":{"isAdmin":true}}}` },
    { name: 'a constructor key', body: `{"constructor":{"prototype":{"isAdmin":true}},"email":"${email()}","password":"${PASSWORD}"}` },
    { name: 'a password shorter than 8', body: json({ email: email(), password: 'short' }), fields: ['password'] },
    { name: 'a password over 256 characters', body: json({ email: email(), password: 'p'.repeat(257) }), fields: ['password'] },
    { name: 'a badly shaped e-mail', body: json({ email: 'not an e-mail', password: PASSWORD }), fields: ['email'] },
    { name: 'a username with an @', body: json({ email: email(), password: PASSWORD, username: 'bob@evil' }), fields: ['username'] },
    { name: 'wrong content type: text/plain', body: json({ email: email(), password: PASSWORD }), type: 'text/plain' },
    { name: 'wrong content type: application/xml', body: '<user><email>a@example.com</email></user>', type: 'application/xml' },
    { name: 'wrong content type: multipart/form-data', body: `--x\r\nContent-Disposition: form-data; name="email"\r\n\r\n${email()}\r\n--x--\r\n`, type: 'multipart/form-data; boundary=x' },
    { name: 'no content type', body: json({ email: email(), password: PASSWORD }), type: '' },
    { name: 'a body over 64 KiB (declared length)', body: json({ email: email(), password: PASSWORD, pad: 'x'.repeat(LIMIT) }), status: 413, headers: { 'content-length': String(LIMIT + 100) } },
    { name: 'a body over 64 KiB (no declared length)', body: json({ email: email(), password: PASSWORD, pad: 'x'.repeat(LIMIT) }), status: 413 },
    { name: 'a 1 MB password', body: json({ email: email(), password: 'p'.repeat(1024 * 1024) }), status: 413 },
  ];
}

async function post(path: string, c: RawCase, client?: Client): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...c.headers };
  const type = c.type ?? 'application/json';
  if (type) headers['content-type'] = type;
  if (client) {
    headers.cookie = client.cookieHeader();
    headers['user-agent'] = client.userAgent;
    headers['x-csrf-token'] = await client.fetchCsrf();
  }
  const body = typeof c.body === 'string' ? c.body : new Uint8Array(c.body);
  // A fresh address per attack: each case meets the validator, not the per-IP rate limit.
  return t.request(path, { method: 'POST', headers, body }, client?.ip ?? nextIp());
}

async function expectRefused(res: Response, c: RawCase): Promise<void> {
  const status = c.status ?? 400;
  expect(res.status, c.name).toBe(status);
  expect(res.headers.get('content-type'), c.name).toMatch(/^application\/json/);
  expect(res.headers.getSetCookie().some((l) => l.startsWith(`${SESSION_COOKIE}=`) && !/Max-Age=0/.test(l)), c.name).toBe(false);
  const text = await res.text();
  const body = errorShape(JSON.parse(text));
  expect(text).not.toMatch(/\n\s+at /);
  if (status === 413) {
    expect(body).toEqual({ error: 'Request body too large', code: 'PAYLOAD_TOO_LARGE' });
  } else {
    expect(body.code).toBe('INVALID_INPUT');
    for (const field of c.fields ?? []) expect(body.fields?.[field], `${c.name}: fields.${field}`).toEqual(expect.any(String));
  }
}

describe('POST /auth/register', () => {
  it.each(registerCases().map((c) => [c.name, c] as const))('%s → refused, nothing written', async (_name, c) => {
    const before = await t.userCount();
    const res = await post('/auth/register', c);
    await expectRefused(res, c);
    expect(await t.userCount()).toBe(before);
  });

  it('after all that, a __proto__ attempt granted nothing: a normal registration has no roles', async () => {
    const c = t.client();
    const user = await c.signUp();
    expect(user.roles).toEqual([]);
    expect(({} as Record<string, unknown>).roles).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});

describe('POST /auth/login', () => {
  let existing: string;
  beforeAll(async () => {
    existing = uniqueEmail('target');
    await t.client().signUp({ email: existing });
  });

  const loginCases = (): RawCase[] => [
    { name: 'malformed JSON', body: '{"email":' },
    { name: 'missing fields', body: '{}', fields: ['email', 'password'] },
    { name: 'e-mail as an object (operator injection)', body: json({ email: { $gt: '' }, password: PASSWORD }), fields: ['email'] },
    { name: 'password as an object', body: json({ email: existing, password: { $ne: null } }), fields: ['password'] },
    { name: 'password as an array', body: json({ email: existing, password: [PASSWORD] }), fields: ['password'] },
    { name: 'password as a number', body: json({ email: existing, password: 12345678 }), fields: ['password'] },
    { name: 'a 20,000-character e-mail', body: json({ email: `${'a'.repeat(19_988)}@example.com`, password: PASSWORD }), fields: ['email'] },
    { name: 'a NUL byte in the e-mail', body: json({ email: `${existing}\u0000`, password: PASSWORD }), fields: ['email'] },
    { name: 'a lone surrogate in the password', body: `{"email":"${existing}","password":"\\ud800"}`, fields: ['password'] },
    { name: 'a __proto__ key', body: `{"__proto__":{"x":1},"email":"${existing}","password":"${PASSWORD}"}` },
    { name: 'text/plain', body: json({ email: existing, password: PASSWORD }), type: 'text/plain' },
    { name: 'a 1 MB password', body: json({ email: existing, password: 'p'.repeat(1024 * 1024) }), status: 413 },
    { name: 'a 300-character password', body: json({ email: existing, password: 'p'.repeat(300) }), fields: ['password'] },
  ];

  it.each(loginCases().map((c) => [c.name, c] as const))('%s → refused, no session', async (_name, c) => {
    const before = (await t.stores.sessions.listSessionsOfUser((await t.stores.users.findUserByEmailKey(existing))!.id)).length;
    const res = await post('/auth/login', c);
    await expectRefused(res, c);
    const after = (await t.stores.sessions.listSessionsOfUser((await t.stores.users.findUserByEmailKey(existing))!.id)).length;
    expect(after).toBe(before);
  });
});

describe('session routes', () => {
  it('POST /auth/verify with hostile bodies → 400/413 and the session stays stale', async () => {
    const c = t.client();
    await c.signUp();
    t.clock.advanceMs(11 * 60_000);
    for (const bad of [
      { name: 'malformed', body: '{"password"' },
      { name: 'number', body: json({ password: 12345678 }), fields: ['password'] },
      { name: 'array', body: json({ password: [PASSWORD] }), fields: ['password'] },
      { name: 'null', body: json({ password: null }), fields: ['password'] },
      { name: 'surrogate', body: '{"password":"\\udfff"}', fields: ['password'] },
      { name: 'proto', body: `{"__proto__":{},"password":"${PASSWORD}"}` },
      { name: 'huge', body: json({ password: 'p'.repeat(1024 * 1024) }), status: 413 as const },
    ] satisfies RawCase[]) {
      const res = await post('/auth/verify', bad, c);
      await expectRefused(res, bad);
    }
    const session = (await t.stores.sessions.listSessionsOfUser((await c.me()).body.user!.id))[0]!;
    expect(t.clock.nowMs() - session.freshAtMs).toBeGreaterThan(10 * 60_000);
  });

  it('an admin role grant with a non-string or missing role → 400, nothing granted', async () => {
    const admin = t.client();
    expect((await admin.register({ email: 'admin@example.com' })).res.status).toBe(201);
    const user = await t.client().signUp();
    for (const bad of [
      { name: 'number', body: json({ role: 7 }), fields: ['role'] },
      { name: 'array', body: json({ role: ['admin'] }), fields: ['role'] },
      { name: 'object', body: json({ role: { name: 'admin' } }), fields: ['role'] },
      { name: 'missing', body: '{}', fields: ['role'] },
      { name: 'malformed', body: '{"role":' },
      { name: 'proto', body: '{"__proto__":{"role":"admin"}}' },
    ] satisfies RawCase[]) {
      const res = await post(`/admin/users/${user.id}/roles`, bad, admin);
      await expectRefused(res, bad);
    }
    expect((await t.stores.roles.authorizationOfUser(user.id)).roles).toEqual([]);
  });
});

describe('forms', () => {
  it('hostile form fields re-show the form with 400, never a 500, and create nothing', async () => {
    const bodies: Array<Record<string, string>> = [
      { email: `ann\u0000@example.com`, password: PASSWORD },
      { email: `${'a'.repeat(20_000)}@example.com`, password: PASSWORD },
      { email: uniqueEmail(), password: PASSWORD, username: 'x\u0000y' },
    ];
    for (const fields of bodies) {
      const before = await t.userCount();
      const c = t.client();
      const res = await c.postForm('/auth/register', fields, { csrfFrom: '/register' });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const html = await res.text();
      expect(html).not.toMatch(/\n\s+at |Error:/);
      expect(c.sessionToken).toBeUndefined();
      expect(await t.userCount()).toBe(before);
    }
  });

  it('a __proto__ form field is refused and creates nothing', async () => {
    const before = await t.userCount();
    const c = t.client();
    const token = await c.pageCsrf('/register');
    const body = `__proto__=x&email=${encodeURIComponent(uniqueEmail())}&password=${encodeURIComponent(PASSWORD)}&csrf_token=${token}`;
    const res = await c.send('/auth/register', { body, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' } });
    expect(res.status).toBe(400);
    expect(errorShape(await res.json()).code).toBe('INVALID_INPUT');
    expect(c.sessionToken).toBeUndefined();
    expect(await t.userCount()).toBe(before);
  });

  it('an over-limit form body → 413', async () => {
    const c = t.client();
    const token = await c.pageCsrf('/register');
    const res = await c.send('/auth/register', {
      form: { email: uniqueEmail(), password: PASSWORD, csrf_token: token, pad: 'x'.repeat(LIMIT) },
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'Request body too large', code: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('odd Unicode', () => {
  it.each([
    ['a fullwidth e-mail', 'ｍａｒｙ@example.com', 'mary@example.com'],
    ['a ligature', 'ﬁnn@example.com', 'finn@example.com'],
    ['the Kelvin sign', '\u212Aate@example.com', 'kate@example.com'],
    ['upper case', 'Zoe@EXAMPLE.com', 'zoe@example.com'],
    ['surrounding spaces', '  yan@example.com  ', 'yan@example.com'],
  ])('%s: NFKC-equivalent e-mails are one account', async (_name, odd, plain) => {
    const first = t.client();
    const registered = await first.register({ email: odd });
    expect(registered.res.status).toBe(201);
    const before = await t.userCount();
    const dup = await t.client().register({ email: plain });
    expect(dup.res.status).toBe(400);
    expect(errorShape(dup.body).fields?.email).toBeTruthy();
    expect(await t.userCount()).toBe(before);
    const login = await t.client().login({ email: plain });
    expect(login.res.status).toBe(200);
    expect(login.body.user.id).toBe(registered.body.user.id);
  });

  it('a password typed in another Unicode normal form still logs in', async () => {
    const address = uniqueEmail('nfc');
    const composed = 'caf\u00e9 au lait!';
    const decomposed = 'cafe\u0301 au lait!';
    expect((await t.client().register({ email: address, password: composed })).res.status).toBe(201);
    expect((await t.client().login({ email: address, password: decomposed })).res.status).toBe(200);
  });
});
