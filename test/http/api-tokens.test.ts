/**
 * @module HTTP: personal access tokens (`/auth/api-tokens`) — minted only from a fresh session with
 * CSRF, shown once with the `pcat_` prefix, listed without the secret, usable as Bearer, expiring,
 * revocable (another user's id answers 404), recording last use, dying with the account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, MINUTE, PASSWORD, createTestApp, nextIp, type Client, type TestApp } from './harness.ts';
import { CSRF_FAILED, NOT_FOUND, REAUTH_REQUIRED, UNAUTHENTICATED, auditAt, bearer, createAccount, expectUnauthenticated, issueTokens, meWith } from './token-helpers.ts';

const ADMIN = 'pat-admin@example.com';
let t: TestApp;

interface Summary {
  id: string;
  name: string;
  hint: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
}

beforeAll(async () => {
  t = await createTestApp({ bootstrapAdminEmail: ADMIN });
  await createAccount(t, { email: ADMIN });
});
afterAll(async () => {
  await t?.dispose();
});

async function mint(browser: Client, json: unknown) {
  return browser.json<{ token: string; api_token: Summary; code?: string; fields?: Record<string, string> }>('/auth/api-tokens', { json, csrf: true });
}

async function mintOk(browser: Client, json: Record<string, unknown> = { name: 'ci' }): Promise<{ token: string; api_token: Summary }> {
  const { res, body } = await mint(browser, json);
  if (res.status !== 201) throw new Error(`POST /auth/api-tokens answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function list(browser: Client): Promise<Summary[]> {
  const { res, body } = await browser.json<{ api_tokens: Summary[] }>('/auth/api-tokens');
  expect(res.status).toBe(200);
  return body.api_tokens;
}

describe('creating', () => {
  it('a fresh session with CSRF → 201 {token, api_token}: pcat_ prefix, shown once, summary without the secret; api_token.created audited', async () => {
    const { browser, user } = await createAccount(t);
    const { res, body } = await mint(browser, { name: 'deploy bot' });
    expect(res.status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(['api_token', 'token']);
    expect(body.token).toMatch(/^pcat_[\w-]{43}$/);
    expect(Object.keys(body.api_token).sort()).toEqual(['created_at', 'expires_at', 'hint', 'id', 'last_used_at', 'last_used_ip', 'name']);
    expect(body.api_token).toMatchObject({ name: 'deploy bot', expires_at: null, last_used_at: null, last_used_ip: null, created_at: new Date(t.clock.nowMs()).toISOString() });
    expect(body.api_token.hint).toBe(body.token.slice(0, 9));
    expect(JSON.stringify(body.api_token)).not.toContain(body.token.slice(9));
    expect(await auditAt(t, browser.ip, 'api_token.created')).toEqual([{ event: 'api_token.created', reason: null, userId: user.id }]);
  });

  it('the list never includes the secret, from the session or the token itself', async () => {
    const { browser } = await createAccount(t);
    const { token, api_token } = await mintOk(browser);
    const viaSession = await browser.send('/auth/api-tokens', { headers: { accept: 'application/json' } });
    const text = await viaSession.text();
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice(9, 30));
    expect((JSON.parse(text) as { api_tokens: Summary[] }).api_tokens).toEqual([api_token]);
    const viaToken = await t.client().send('/auth/api-tokens', { headers: { ...bearer(token), accept: 'application/json' } });
    expect(viaToken.status).toBe(200);
    expect(await viaToken.text()).not.toContain(token.slice(9, 30));
  });

  it('a stale session (login older than FRESHNESS, 10 min) → 401 REAUTH_REQUIRED and nothing created; after /auth/verify it works', async () => {
    const { browser } = await createAccount(t);
    t.clock.advanceMs(10 * MINUTE + 1_000);
    const { res, body } = await mint(browser, { name: 'late' });
    expect(res.status).toBe(401);
    expect(body).toEqual(REAUTH_REQUIRED);
    expect(await list(browser)).toEqual([]);
    expect((await browser.json('/auth/verify', { json: { password: PASSWORD }, csrf: true })).res.status).toBe(200);
    expect((await mint(browser, { name: 'late' })).res.status).toBe(201);
  });

  it('Bearer (access token or another PAT) or Basic cannot mint one → 401, nothing created', async () => {
    const { browser, email } = await createAccount(t);
    const pair = await issueTokens(t, email);
    const { token } = await mintOk(browser, { name: 'first' });
    const basic = `Basic ${Buffer.from(`${email}:${PASSWORD}`).toString('base64')}`;
    for (const authorization of [`Bearer ${pair.access_token}`, `Bearer ${token}`, basic]) {
      const { res, body } = await t.client().json('/auth/api-tokens', { json: { name: 'minted by a token' }, headers: { authorization } });
      expect(res.status).toBe(401);
      expect(body).toEqual(UNAUTHENTICATED);
    }
    expect((await list(browser)).map((s) => s.name)).toEqual(['first']);
  });

  it('the session without a CSRF token (or from another origin) → 403 CSRF_FAILED, nothing created', async () => {
    const { browser } = await createAccount(t);
    const noToken = await browser.json('/auth/api-tokens', { json: { name: 'csrf' } });
    expect(noToken.res.status).toBe(403);
    expect(noToken.body).toEqual(CSRF_FAILED);
    const crossOrigin = await browser.json('/auth/api-tokens', { json: { name: 'csrf' }, csrf: true, headers: { origin: 'https://evil.example' } });
    expect(crossOrigin.res.status).toBe(403);
    expect(crossOrigin.body).toEqual(CSRF_FAILED);
    expect(await list(browser)).toEqual([]);
  });

  it.each([
    ['name a number', { name: 123 }, 'name'],
    ['name a boolean', { name: true }, 'name'],
    ['name a list', { name: ['a'] }, 'name'],
    ['name an object', { name: { a: 1 } }, 'name'],
    ['name missing', {}, 'name'],
    ['name empty', { name: '' }, 'name'],
    ['name blank', { name: '   ' }, 'name'],
    ['name 5000 characters', { name: 'n'.repeat(5000) }, 'name'],
    ['name with NUL', { name: 'a\u0000b' }, 'name'],
    ['expires_in 0', { name: 'x', expires_in: 0 }, 'expires_in'],
    ['expires_in negative', { name: 'x', expires_in: -1 }, 'expires_in'],
    ['expires_in "-1"', { name: 'x', expires_in: '-1' }, 'expires_in'],
    ['expires_in 5000', { name: 'x', expires_in: 5000 }, 'expires_in'],
    ['expires_in huge', { name: 'x', expires_in: 1e308 }, 'expires_in'],
    ['expires_in fractional', { name: 'x', expires_in: 1.5 }, 'expires_in'],
    ['expires_in "1.5"', { name: 'x', expires_in: '1.5' }, 'expires_in'],
    ['expires_in text', { name: 'x', expires_in: 'abc' }, 'expires_in'],
    ['expires_in a boolean', { name: 'x', expires_in: true }, 'expires_in'],
    ['expires_in a list', { name: 'x', expires_in: [1] }, 'expires_in'],
  ])('bad input: %s → 400 INVALID_INPUT naming the field; nothing created', async (_label, json, field) => {
    const { browser } = await createAccount(t);
    const { res, body } = await mint(browser, json);
    expect(res.status).toBe(400);
    expect(body).toMatchObject({ code: 'INVALID_INPUT' });
    expect(body.fields).toHaveProperty(field);
    expect(await list(browser)).toEqual([]);
  });
});

describe('using', () => {
  it('authenticates GET /auth/me and /api/docs (create without CSRF, read) and sets no cookie', async () => {
    const { browser, user } = await createAccount(t);
    const { token } = await mintOk(browser);
    const me = await meWith(t, `Bearer ${token}`);
    expect(me.res.status).toBe(200);
    expect(me.body).toEqual({ user });
    const api = t.client();
    const created = await api.json<{ doc: { id: string; owner_id: string } }>('/api/docs', { json: { title: 'by PAT', body: 'hello' }, headers: bearer(token) });
    expect(created.res.status).toBe(201);
    expect(created.body.doc.owner_id).toBe(user.id);
    expect(created.res.headers.getSetCookie()).toEqual([]);
    const read = await api.json(`/api/docs/${created.body.doc.id}`, { headers: bearer(token) });
    expect(read.res.status).toBe(200);
    expect(api.jar.size).toBe(0);
  });

  it('records last_used_at and last_used_ip', async () => {
    const { browser } = await createAccount(t);
    const { token } = await mintOk(browser);
    const ip = nextIp();
    expect((await meWith(t, `Bearer ${token}`, ip)).res.status).toBe(200);
    const [summary] = await list(browser);
    expect(summary).toMatchObject({ last_used_at: new Date(t.clock.nowMs()).toISOString(), last_used_ip: ip });
  });

  it('expires_in days: works until then; afterwards 401 and an "expired" audit event', async () => {
    const { browser } = await createAccount(t);
    const { token, api_token } = await mintOk(browser, { name: 'short', expires_in: 1 });
    expect(api_token.expires_at).toBe(new Date(t.clock.nowMs() + DAY).toISOString());
    expect((await meWith(t, `Bearer ${token}`)).res.status).toBe(200);
    t.clock.advanceMs(DAY - 60_000);
    expect((await meWith(t, `Bearer ${token}`)).res.status).toBe(200);
    t.clock.advanceMs(60_000);
    const ip = nextIp();
    await expectUnauthenticated(await meWith(t, `Bearer ${token}`, ip));
    expect((await auditAt(t, ip)).map((e) => e.reason)).toEqual(['expired']);
  });

  it('expires_in as form-style text ("30") is accepted', async () => {
    const { browser } = await createAccount(t);
    const { api_token } = await mintOk(browser, { name: 'text', expires_in: '30' });
    expect(api_token.expires_at).toBe(new Date(t.clock.nowMs() + 30 * DAY).toISOString());
  });

  it('dies at once when an admin deactivates the account', async () => {
    const { browser, user } = await createAccount(t);
    const { token } = await mintOk(browser);
    expect((await meWith(t, `Bearer ${token}`)).res.status).toBe(200);
    const admin = t.client();
    expect((await admin.login({ email: ADMIN })).res.status).toBe(200);
    expect((await admin.send(`/admin/users/${user.id}/deactivate`, { method: 'POST', json: {}, csrf: true })).status).toBe(204);
    const ip = nextIp();
    await expectUnauthenticated(await meWith(t, `Bearer ${token}`, ip));
    // Deactivation deletes the user's personal access tokens: this one is now unknown, for good.
    expect((await auditAt(t, ip)).map((e) => e.reason)).toEqual(['unknown']);
    expect(await t.stores.tokens.listApiTokensOfUser(user.id)).toEqual([]);
  });
});

describe('revoking', () => {
  it('DELETE /auth/api-tokens/:id (session + CSRF) → 204; the token dies at once and leaves the list; api_token.revoked audited', async () => {
    const { browser, user } = await createAccount(t);
    const { token, api_token } = await mintOk(browser);
    const keep = await mintOk(browser, { name: 'keep' });
    expect((await meWith(t, `Bearer ${token}`)).res.status).toBe(200); // cached now
    const res = await browser.send(`/auth/api-tokens/${api_token.id}`, { method: 'DELETE', csrf: true, headers: { accept: 'application/json' } });
    expect(res.status).toBe(204);
    const ip = nextIp();
    await expectUnauthenticated(await meWith(t, `Bearer ${token}`, ip));
    expect(await auditAt(t, ip)).toHaveLength(1);
    expect((await list(browser)).map((s) => s.id)).toEqual([keep.api_token.id]);
    expect((await meWith(t, `Bearer ${keep.token}`)).res.status).toBe(200);
    expect(await auditAt(t, browser.ip, 'api_token.revoked')).toEqual([{ event: 'api_token.revoked', reason: null, userId: user.id }]);
  });

  it('with the PAT as Bearer: no CSRF needed', async () => {
    const { browser } = await createAccount(t);
    const { token, api_token } = await mintOk(browser);
    const res = await t.client().send(`/auth/api-tokens/${api_token.id}`, { method: 'DELETE', headers: { ...bearer(token), accept: 'application/json' } });
    expect(res.status).toBe(204);
    await expectUnauthenticated(await meWith(t, `Bearer ${token}`));
  });

  it("another user's token id → 404 NOT_FOUND (like an unknown id), and that token still works and is still listed", async () => {
    const owner = await createAccount(t);
    const { token, api_token } = await mintOk(owner.browser);
    const attacker = await createAccount(t);
    for (const id of [api_token.id, '0'.repeat(32), 'not-an-id']) {
      const { res, body } = await attacker.browser.json(`/auth/api-tokens/${id}`, { method: 'DELETE', csrf: true });
      expect(res.status).toBe(404);
      expect(body).toEqual(NOT_FOUND);
    }
    const viaPat = await t.client().json(`/auth/api-tokens/${api_token.id}`, { method: 'DELETE', headers: bearer((await mintOk(attacker.browser)).token) });
    expect(viaPat.res.status).toBe(404);
    expect((await meWith(t, `Bearer ${token}`)).res.status).toBe(200);
    expect((await list(owner.browser)).map((s) => s.id)).toEqual([api_token.id]);
  });

  it('revoking without CSRF on the session → 403 and the token still works', async () => {
    const { browser } = await createAccount(t);
    const { token, api_token } = await mintOk(browser);
    const { res, body } = await browser.json(`/auth/api-tokens/${api_token.id}`, { method: 'DELETE' });
    expect(res.status).toBe(403);
    expect(body).toEqual(CSRF_FAILED);
    expect((await meWith(t, `Bearer ${token}`)).res.status).toBe(200);
  });
});
