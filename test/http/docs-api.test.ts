/**
 * @module HTTP: the reference app's `/api/docs` — session (with CSRF), Bearer (no CSRF) and Basic
 * (no session created) create and read; only the owner or an admin may PATCH/DELETE, otherwise the
 * seed's `403 "You can only update docs you own"` and the doc is unchanged; bad input → 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, createTestApp, nextIp, uniqueEmail, type TestApp } from './harness.ts';
import { CSRF_FAILED, NOT_FOUND, UNAUTHENTICATED, auditAt, bearer, createAccount, issueTokens, type Account } from './token-helpers.ts';

const ADMIN = 'docs-admin@example.com';
const OWNERSHIP = { error: 'You can only update docs you own', code: 'FORBIDDEN' } as const;
let t: TestApp;
let adminToken: string;

interface Doc {
  id: string;
  owner_id: string;
  title: string;
  body: string;
  created_at: string;
  updated_at: string;
}

beforeAll(async () => {
  t = await createTestApp({ bootstrapAdminEmail: ADMIN });
  await createAccount(t, { email: ADMIN });
  adminToken = (await issueTokens(t, ADMIN)).access_token;
});
afterAll(async () => {
  await t?.dispose();
});

const basicHeader = (email: string, password = PASSWORD) => `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;

/** A doc created by this account over its session (with CSRF). */
async function createDoc(owner: Account, title = 'mine'): Promise<Doc> {
  const { res, body } = await owner.browser.json<{ doc: Doc }>('/api/docs', { json: { title, body: 'original body' }, csrf: true });
  expect(res.status).toBe(201);
  return body.doc;
}

async function readDoc(id: string): Promise<{ status: number; doc?: Doc }> {
  const { res, body } = await t.client().json<{ doc?: Doc }>(`/api/docs/${id}`, { headers: bearer(adminToken) });
  return { status: res.status, ...(body.doc ? { doc: body.doc } : {}) };
}

async function docsOf(userId: string): Promise<Doc[]> {
  const { body } = await t.client().json<{ docs: Doc[] }>('/api/docs', { headers: bearer(adminToken) });
  return body.docs.filter((d) => d.owner_id === userId);
}

const sessionCookies = (res: Response) => res.headers.getSetCookie().filter((c) => /^(__Host-)?portcullis_session=/.test(c));

describe('mechanisms', () => {
  it('session with CSRF: create (201, owner = the user) and read', async () => {
    const owner = await createAccount(t);
    const doc = await createDoc(owner, 'session doc');
    expect(doc).toMatchObject({ owner_id: owner.user.id, title: 'session doc', body: 'original body' });
    const { res, body } = await owner.browser.json<{ doc: Doc }>(`/api/docs/${doc.id}`);
    expect(res.status).toBe(200);
    expect(body.doc).toEqual(doc);
  });

  it('session without the CSRF token → 403 CSRF_FAILED and nothing created', async () => {
    const owner = await createAccount(t);
    const { res, body } = await owner.browser.json('/api/docs', { json: { title: 'forged', body: 'x' } });
    expect(res.status).toBe(403);
    expect(body).toEqual(CSRF_FAILED);
    expect(await docsOf(owner.user.id)).toEqual([]);
  });

  it('Bearer access token: create and read with no CSRF token, and no cookie is set', async () => {
    const owner = await createAccount(t);
    const { access_token } = await issueTokens(t, owner.email);
    const api = t.client();
    const created = await api.json<{ doc: Doc }>('/api/docs', { json: { title: 'bearer doc', body: 'b' }, headers: bearer(access_token) });
    expect(created.res.status).toBe(201);
    expect(created.body.doc.owner_id).toBe(owner.user.id);
    expect(created.res.headers.getSetCookie()).toEqual([]);
    const list = await api.json<{ docs: Doc[] }>('/api/docs', { headers: bearer(access_token) });
    expect(list.res.status).toBe(200);
    expect(list.body.docs.map((d) => d.id)).toContain(created.body.doc.id);
    expect(api.jar.size).toBe(0);
  });

  it('Basic: read, and create (CSRF applies to Basic: pre-session token); no session cookie is ever created', async () => {
    const owner = await createAccount(t);
    const sessionsBefore = (await t.stores.sessions.listSessionsOfUser(owner.user.id)).length;
    const c = t.client();
    const authorization = basicHeader(owner.email);
    const list = await c.send('/api/docs', { headers: { authorization } });
    expect(list.status).toBe(200);
    expect(sessionCookies(list)).toEqual([]);
    const noToken = await c.json('/api/docs', { json: { title: 'basic', body: 'x' }, headers: { authorization } });
    expect(noToken.res.status).toBe(403);
    expect(noToken.body).toEqual(CSRF_FAILED);
    expect(await docsOf(owner.user.id)).toEqual([]);
    const created = await c.json<{ doc: Doc }>('/api/docs', { json: { title: 'basic', body: 'x' }, headers: { authorization }, csrf: true });
    expect(created.res.status).toBe(201);
    expect(created.body.doc.owner_id).toBe(owner.user.id);
    expect(sessionCookies(created.res)).toEqual([]);
    expect(c.sessionToken).toBeUndefined();
    expect((await t.stores.sessions.listSessionsOfUser(owner.user.id)).length).toBe(sessionsBefore);
  });

  it('anonymous → 401 with a Basic challenge; wrong Basic password → the same 401 and a login.failed event', async () => {
    const anonymous = await t.client().json('/api/docs');
    expect(anonymous.res.status).toBe(401);
    expect(anonymous.body).toEqual(UNAUTHENTICATED);
    expect(anonymous.res.headers.get('www-authenticate')).toMatch(/^Basic realm="portcullis"/);
    const owner = await createAccount(t);
    const ip = nextIp();
    const wrong = await t.client({ ip }).json('/api/docs', { headers: { authorization: basicHeader(owner.email, 'not the password') } });
    expect(wrong.res.status).toBe(401);
    expect(wrong.body).toEqual(UNAUTHENTICATED);
    expect(wrong.res.headers.get('www-authenticate')).toMatch(/^Basic realm="portcullis"/);
    expect(sessionCookies(wrong.res)).toEqual([]);
    expect((await auditAt(t, ip, 'login.failed')).length).toBe(1);
  });

  it('Basic is subject to the lockout: 3 wrong passwords, then the right one → 429', async () => {
    const owner = await createAccount(t);
    const c = t.client();
    for (let i = 0; i < 3; i++) expect((await c.send('/api/docs', { headers: { authorization: basicHeader(owner.email, `wrong ${i} pw`) } })).status).toBe(401);
    const locked = await c.json('/api/docs', { headers: { authorization: basicHeader(owner.email) } });
    expect(locked.res.status).toBe(429);
    expect(locked.body).toEqual({ error: 'Too many requests. Try again later.', code: 'RATE_LIMITED' });
  });

  it('anonymous POST → 401 and nothing created', async () => {
    const before = (await t.client().json<{ docs: Doc[] }>('/api/docs', { headers: bearer(adminToken) })).body.docs.length;
    const { res, body } = await t.client().json('/api/docs', { json: { title: 'anon', body: 'x' } });
    expect(res.status).toBe(401);
    expect(body).toEqual(UNAUTHENTICATED);
    expect((await t.client().json<{ docs: Doc[] }>('/api/docs', { headers: bearer(adminToken) })).body.docs.length).toBe(before);
  });
});

describe('ownership', () => {
  let owner: Account;
  let other: Account;
  let otherToken: string;

  beforeAll(async () => {
    owner = await createAccount(t);
    other = await createAccount(t);
    otherToken = (await issueTokens(t, other.email)).access_token;
  });

  it("another user's PATCH (Bearer or session) → 403 \"You can only update docs you own\"; the doc is unchanged", async () => {
    const doc = await createDoc(owner);
    const viaBearer = await t.client().json(`/api/docs/${doc.id}`, { method: 'PATCH', json: { title: 'hijacked' }, headers: bearer(otherToken) });
    expect(viaBearer.res.status).toBe(403);
    expect(viaBearer.body).toEqual(OWNERSHIP);
    const viaSession = await other.browser.json(`/api/docs/${doc.id}`, { method: 'PATCH', json: { title: 'hijacked' }, csrf: true });
    expect(viaSession.res.status).toBe(403);
    expect(viaSession.body).toEqual(OWNERSHIP);
    const viaBasic = await t.client().json(`/api/docs/${doc.id}`, { method: 'PATCH', json: { title: 'hijacked' }, headers: { authorization: basicHeader(other.email) }, csrf: true });
    expect(viaBasic.res.status).toBe(403);
    expect(viaBasic.body).toEqual(OWNERSHIP);
    expect(await readDoc(doc.id)).toEqual({ status: 200, doc });
  });

  it("another user's DELETE → 403 with the same body; the doc still exists", async () => {
    const doc = await createDoc(owner);
    const viaBearer = await t.client().json(`/api/docs/${doc.id}`, { method: 'DELETE', headers: bearer(otherToken) });
    expect(viaBearer.res.status).toBe(403);
    expect(viaBearer.body).toEqual(OWNERSHIP);
    const viaSession = await other.browser.json(`/api/docs/${doc.id}`, { method: 'DELETE', csrf: true });
    expect(viaSession.res.status).toBe(403);
    expect(viaSession.body).toEqual(OWNERSHIP);
    expect(await readDoc(doc.id)).toEqual({ status: 200, doc });
  });

  it('the owner may PATCH and DELETE', async () => {
    const doc = await createDoc(owner);
    const patched = await owner.browser.json<{ doc: Doc }>(`/api/docs/${doc.id}`, { method: 'PATCH', json: { title: 'renamed' }, csrf: true });
    expect(patched.res.status).toBe(200);
    expect(patched.body.doc).toMatchObject({ id: doc.id, title: 'renamed', body: 'original body', owner_id: owner.user.id });
    expect((await readDoc(doc.id)).doc?.title).toBe('renamed');
    const deleted = await owner.browser.send(`/api/docs/${doc.id}`, { method: 'DELETE', csrf: true, headers: { accept: 'application/json' } });
    expect(deleted.status).toBe(204);
    expect((await readDoc(doc.id)).status).toBe(404);
  });

  it("an admin may PATCH and DELETE anyone's doc (owner unchanged)", async () => {
    const doc = await createDoc(owner);
    const patched = await t.client().json<{ doc: Doc }>(`/api/docs/${doc.id}`, { method: 'PATCH', json: { body: 'moderated' }, headers: bearer(adminToken) });
    expect(patched.res.status).toBe(200);
    expect(patched.body.doc).toMatchObject({ owner_id: owner.user.id, body: 'moderated' });
    const deleted = await t.client().send(`/api/docs/${doc.id}`, { method: 'DELETE', headers: { ...bearer(adminToken), accept: 'application/json' } });
    expect(deleted.status).toBe(204);
    expect((await readDoc(doc.id)).status).toBe(404);
  });

  it('an admin over a session (with CSRF) may PATCH too', async () => {
    const doc = await createDoc(owner);
    const admin = t.client();
    expect((await admin.login({ email: ADMIN })).res.status).toBe(200);
    const patched = await admin.json<{ doc: Doc }>(`/api/docs/${doc.id}`, { method: 'PATCH', json: { title: 'by admin' }, csrf: true });
    expect(patched.res.status).toBe(200);
    expect(patched.body.doc.title).toBe('by admin');
  });
});

describe('bad input and unknown ids', () => {
  let owner: Account;
  let token: string;
  let existing: Doc;

  beforeAll(async () => {
    owner = await createAccount(t);
    token = (await issueTokens(t, owner.email)).access_token;
    existing = await createDoc(owner, 'stays');
  });

  it.each([
    ['title a number', { title: 123, body: 'x' }, 'title'],
    ['title missing', { body: 'x' }, 'title'],
    ['title empty', { title: '', body: 'x' }, 'title'],
    ['title blank', { title: '   ', body: 'x' }, 'title'],
    ['title with NUL', { title: 'a\u0000b', body: 'x' }, 'title'],
    ['title of 300 characters', { title: 't'.repeat(300), body: 'x' }, 'title'],
    ['title an object', { title: { $ne: null }, body: 'x' }, 'title'],
    ['body a list', { title: 'ok', body: ['x'] }, 'body'],
    ['body of 20001 characters', { title: 'ok', body: 'b'.repeat(20_001) }, 'body'],
  ])('POST with %s → 400 INVALID_INPUT naming the field; nothing created', async (_label, json, field) => {
    const before = (await docsOf(owner.user.id)).length;
    const { res, body } = await t.client().json<{ code: string; fields: Record<string, string> }>('/api/docs', { json, headers: bearer(token) });
    expect(res.status).toBe(400);
    expect(body.code).toBe('INVALID_INPUT');
    expect(body.fields).toHaveProperty(field);
    expect((await docsOf(owner.user.id)).length).toBe(before);
  });

  it.each([
    ['non-string title', { title: 5 }],
    ['empty title', { title: '' }],
    ['NUL in title', { title: '\u0000' }],
    ['300-character title', { title: 'x'.repeat(300) }],
    ['nothing to change', {}],
  ])('PATCH with %s → 400 with fields; the doc is unchanged', async (_label, json) => {
    const { res, body } = await t.client().json<{ code: string; fields: Record<string, string> }>(`/api/docs/${existing.id}`, { method: 'PATCH', json, headers: bearer(token) });
    expect(res.status).toBe(400);
    expect(body.code).toBe('INVALID_INPUT');
    expect(Object.keys(body.fields).length).toBeGreaterThan(0);
    expect(await readDoc(existing.id)).toEqual({ status: 200, doc: existing });
  });

  it.each([
    ['GET', '0'.repeat(32)],
    ['PATCH', '0'.repeat(32)],
    ['DELETE', '0'.repeat(32)],
    ['GET', 'not-a-doc-id'],
    ['DELETE', "1' or '1'='1"],
  ])('%s an unknown id (%s) → 404 NOT_FOUND', async (method, id) => {
    const { res, body } = await t.client().json(`/api/docs/${encodeURIComponent(id)}`, { method, headers: bearer(token), ...(method === 'PATCH' ? { json: { title: 'x' } } : {}) });
    expect(res.status).toBe(404);
    expect(body).toEqual(NOT_FOUND);
    expect(await readDoc(existing.id)).toEqual({ status: 200, doc: existing });
  });

  it('a registration e-mail is never needed: Basic with a username works as well', async () => {
    const username = `u${Date.now().toString(36)}`;
    const account = await createAccount(t, { email: uniqueEmail('basic-user'), username });
    const res = await t.client().send('/api/docs', { headers: { authorization: basicHeader(username) } });
    expect(res.status).toBe(200);
    expect(account.user.username).toBe(username);
  });
});

