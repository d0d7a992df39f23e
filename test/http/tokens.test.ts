/**
 * @module HTTP: access/refresh tokens — issuing (lockout and rate limit as login), the access JWT and
 * its independent verification with only the JWKS, rotation with reuse detection, revocation
 * (RFC 7009), and access tokens dying early when the user changes (the per-process state cache rule).
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE, PASSWORD, PUBLIC_ORIGIN, createTestApp, nextIp, sha256Hex, uniqueEmail, uniqueUsername, type Client, type TestApp } from './harness.ts';
import {
  INVALID_CREDENTIALS,
  RATE_LIMITED,
  UNAUTHENTICATED,
  auditAt,
  bearer,
  createAccount,
  expectUnauthenticated,
  issueTokens,
  meWith,
  readJwt,
  refresh,
  requestTokens,
  type TokenPairBody,
} from './token-helpers.ts';

const ADMIN = 'token-admin@example.com';
const STATE_CACHE_TTL_MS = 30_000;
let t: TestApp;
let adminId: string;

beforeAll(async () => {
  t = await createTestApp({ bootstrapAdminEmail: ADMIN });
  const admin = await createAccount(t, { email: ADMIN });
  adminId = admin.user.id;
  expect(admin.user.roles).toEqual(['admin']);
});
afterAll(async () => {
  await t?.dispose();
});

/** An admin browser session that has just typed its password (fresh), with its CSRF token. */
async function freshAdmin(): Promise<Client> {
  const c = t.client();
  const { res } = await c.login({ email: ADMIN });
  expect(res.status).toBe(200);
  return c;
}

async function meBearer(token: string, ip = nextIp()) {
  return meWith(t, `Bearer ${token}`, ip);
}

describe('POST /auth/token', () => {
  it('credentials → {access_token, refresh_token, token_type: "Bearer", expires_in: 900}; no cookie; no-store; token.issued audited', async () => {
    const { email, user } = await createAccount(t);
    const ip = nextIp();
    const { res, body } = await requestTokens(t, { email, password: PASSWORD }, ip);
    expect(res.status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(900);
    expect(body.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(body.refresh_token).toMatch(/^pcrt_[\w-]{43}$/);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const issued = await auditAt(t, ip, 'token.issued');
    expect(issued).toEqual([{ event: 'token.issued', reason: null, userId: user.id }]);
  });

  it('a username works as the identity too', async () => {
    const username = uniqueUsername('tk');
    const { user } = await createAccount(t, { username });
    const { res, body } = await requestTokens(t, { username, password: PASSWORD });
    expect(res.status).toBe(200);
    expect((await meBearer(body.access_token as string)).body).toMatchObject({ user: { id: user.id } });
  });

  it('wrong password, unknown identity, inactive account → the same 401 INVALID_CREDENTIALS as /auth/login, no token, no cookie', async () => {
    const { email } = await createAccount(t);
    const inactive = await createAccount(t);
    await t.stores.users.setUserActive(inactive.user.id, false, t.clock.nowMs());
    const login = await t.client().json('/auth/login', { json: { email, password: 'wrong password here' } });
    expect(login.res.status).toBe(401);
    for (const attempt of [
      { email, password: 'wrong password here' },
      { email: uniqueEmail('nobody'), password: PASSWORD },
      { email: inactive.email, password: PASSWORD },
    ]) {
      const { res, body } = await requestTokens(t, attempt);
      expect(res.status).toBe(401);
      expect(body).toEqual(INVALID_CREDENTIALS);
      expect(body).toEqual(login.body);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
  });

  it('lockout applies: after 3 wrong passwords the right one gets 429 RATE_LIMITED + Retry-After, and no tokens', async () => {
    const { email } = await createAccount(t);
    const ip = nextIp();
    for (let i = 0; i < 3; i++) {
      const { res, body } = await requestTokens(t, { email, password: `wrong password ${i}` }, ip);
      expect(res.status).toBe(401);
      expect(body).toEqual(INVALID_CREDENTIALS);
    }
    const { res, body } = await requestTokens(t, { email, password: PASSWORD }, ip);
    expect(res.status).toBe(429);
    expect(body).toEqual(RATE_LIMITED);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await auditAt(t, ip, 'login.locked')).not.toEqual([]);
  });

  it('lockout is shared with /auth/login: failures at the login form lock the token endpoint for that identity', async () => {
    const { email } = await createAccount(t);
    const attacker = t.client();
    for (let i = 0; i < 3; i++) expect((await attacker.json('/auth/login', { json: { email, password: `nope nope ${i}` } })).res.status).toBe(401);
    const { res, body } = await requestTokens(t, { email, password: PASSWORD }, attacker.ip);
    expect(res.status).toBe(429);
    expect(body).toEqual(RATE_LIMITED);
  });

  it('the login rate limit (5/min per client) applies: the 6th request gets 429 even with the right password', async () => {
    const { email } = await createAccount(t);
    const ip = nextIp();
    for (let i = 0; i < 5; i++) expect((await requestTokens(t, { email, password: PASSWORD }, ip)).res.status).toBe(200);
    const { res, body } = await requestTokens(t, { email, password: PASSWORD }, ip);
    expect(res.status).toBe(429);
    expect(body).toEqual(RATE_LIMITED);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    // another client is not affected
    expect((await requestTokens(t, { email, password: PASSWORD })).res.status).toBe(200);
  });

  it('missing or non-string fields → 400 INVALID_INPUT with fields', async () => {
    for (const bad of [{ email: 'a@example.com' }, { email: 42, password: PASSWORD }, { password: PASSWORD }, { email: 'a@example.com', password: ['x'] }]) {
      const { res, body } = await requestTokens(t, bad);
      expect(res.status).toBe(400);
      expect(body).toMatchObject({ code: 'INVALID_INPUT' });
      expect(Object.keys(body.fields as object).length).toBeGreaterThan(0);
    }
  });
});

describe('the access token', () => {
  it('is a JWT with header {alg: EdDSA, kid, typ: at+jwt} and exactly the claims sub, sid, iat, exp, iss, aud (no e-mail, no roles)', async () => {
    const { email, user } = await createAccount(t);
    const pair = await issueTokens(t, email);
    const { header, payload } = readJwt(pair.access_token);
    expect(Object.keys(header).sort()).toEqual(['alg', 'kid', 'typ']);
    expect(header.alg).toBe('EdDSA');
    expect(header.typ).toBe('at+jwt');
    expect(typeof header.kid).toBe('string');
    expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'sid', 'sub']);
    expect(payload.sub).toBe(user.id);
    expect(payload.iss).toBe(PUBLIC_ORIGIN);
    expect(payload.aud).toBe(PUBLIC_ORIGIN);
    expect(payload.iat).toBe(Math.floor(t.clock.nowMs() / 1000));
    expect((payload.exp as number) - (payload.iat as number)).toBe(900);
    expect(JSON.stringify(payload)).not.toContain(email.split('@')[0]);
  });

  it('authenticates GET /auth/me as Bearer, without creating a session cookie', async () => {
    const { email, user } = await createAccount(t);
    const pair = await issueTokens(t, email);
    const { res, body } = await meBearer(pair.access_token);
    expect(res.status).toBe(200);
    expect(body).toEqual({ user });
    expect(res.headers.getSetCookie().filter((c) => c.startsWith('portcullis_session') || c.startsWith('__Host-'))).toEqual([]);
  });

  it('the scheme is case-insensitive (RFC 7235): "bearer <token>" works', async () => {
    const { email, user } = await createAccount(t);
    const pair = await issueTokens(t, email);
    const { res, body } = await meWith(t, `bearer ${pair.access_token}`);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ user: { id: user.id } });
  });

  it('independent verification with only the JWKS document (jose, no Portcullis code): signature, iss and aud are the public origin', async () => {
    const { email, user } = await createAccount(t);
    const pair = await issueTokens(t, email);
    const res = await t.request('/.well-known/jwks.json', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    const jwks = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(key).not.toHaveProperty('d');
      expect(typeof key.x).toBe('string');
    }
    expect(jwks.keys.map((k) => k.kid)).toContain(readJwt(pair.access_token).header.kid);
    const keySet = createLocalJWKSet(jwks as unknown as Parameters<typeof createLocalJWKSet>[0]);
    const { payload, protectedHeader } = await jwtVerify(pair.access_token, keySet, {
      algorithms: ['EdDSA'],
      issuer: PUBLIC_ORIGIN,
      audience: PUBLIC_ORIGIN,
      typ: 'at+jwt',
      currentDate: new Date(t.clock.nowMs()),
    });
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(payload.sub).toBe(user.id);
    expect(payload.iss).toBe(PUBLIC_ORIGIN);
    expect(payload.aud).toBe(PUBLIC_ORIGIN);
  });
});

describe('refresh rotation and reuse detection', () => {
  it('refresh gives a new pair (no cookie, no-store) that works', async () => {
    const { email, user } = await createAccount(t);
    const a = await issueTokens(t, email);
    const { res, body } = await refresh(t, a.refresh_token);
    expect(res.status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(body.token_type).toBe('Bearer');
    expect(body.refresh_token).not.toBe(a.refresh_token);
    expect(body.refresh_token).toMatch(/^pcrt_/);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(readJwt(body.access_token as string).payload.sid).toBe(readJwt(a.access_token).payload.sid);
    expect((await meBearer(body.access_token as string)).body).toEqual({ user });
  });

  it('the old refresh token is dead after rotation: using it again → 401 and the whole family ends', async () => {
    const { email } = await createAccount(t);
    const a = await issueTokens(t, email);
    const b = (await refresh(t, a.refresh_token)).body as unknown as TokenPairBody;
    const replay = await refresh(t, a.refresh_token);
    await expectUnauthenticated(replay);
    await expectUnauthenticated(await refresh(t, b.refresh_token));
  });

  it('reuse: rotate twice (A→B→C), replay A → 401; then B and C are dead, every access token of the family is refused, token.reuse audited', async () => {
    const { email, user } = await createAccount(t);
    const a = await issueTokens(t, email);
    const b = (await refresh(t, a.refresh_token)).body as unknown as TokenPairBody;
    const c = (await refresh(t, b.refresh_token)).body as unknown as TokenPairBody;
    expect(typeof c.refresh_token).toBe('string');
    // the family's access tokens work before the replay (and warm the cache)
    for (const pair of [a, b, c]) expect((await meBearer(pair.access_token)).res.status).toBe(200);
    const sid = readJwt(a.access_token).payload.sid as string;

    const attackerIp = nextIp();
    const replay = await refresh(t, a.refresh_token, attackerIp);
    await expectUnauthenticated(replay);
    expect(await auditAt(t, attackerIp, 'token.reuse')).toEqual([{ event: 'token.reuse', reason: null, userId: user.id }]);

    await expectUnauthenticated(await refresh(t, b.refresh_token));
    await expectUnauthenticated(await refresh(t, c.refresh_token));
    for (const pair of [a, b, c]) await expectUnauthenticated(await meBearer(pair.access_token));
    expect(await t.stores.tokens.findFamily(sid)).toBeUndefined();
    expect(await t.stores.tokens.findRefreshToken(sha256Hex(c.refresh_token))).toBeUndefined();
  });

  it('reuse kills only that family: another login of the same user keeps working', async () => {
    const { email } = await createAccount(t);
    const stolen = await issueTokens(t, email);
    const other = await issueTokens(t, email);
    await refresh(t, stolen.refresh_token);
    await expectUnauthenticated(await refresh(t, stolen.refresh_token));
    expect((await meBearer(other.access_token)).res.status).toBe(200);
    expect((await refresh(t, other.refresh_token)).res.status).toBe(200);
  });

  it('two concurrent refreshes with the same token: at most one succeeds, and the family dies', async () => {
    const { email, user } = await createAccount(t);
    const a = await issueTokens(t, email);
    const ipA = nextIp();
    const ipB = nextIp();
    const results = await Promise.all([refresh(t, a.refresh_token, ipA), refresh(t, a.refresh_token, ipB)]);
    const ok = results.filter((r) => r.res.status === 200);
    expect(ok.length).toBeLessThanOrEqual(1);
    for (const r of results.filter((x) => x.res.status !== 200)) expect(r).toMatchObject({ body: UNAUTHENTICATED, res: { status: 401 } });
    for (const r of ok) {
      await expectUnauthenticated(await refresh(t, r.body.refresh_token));
      await expectUnauthenticated(await meBearer(r.body.access_token as string));
    }
    await expectUnauthenticated(await meBearer(a.access_token));
    expect(await t.stores.tokens.findFamily(readJwt(a.access_token).payload.sid as string)).toBeUndefined();
    const reuse = [...(await auditAt(t, ipA, 'token.reuse')), ...(await auditAt(t, ipB, 'token.reuse'))];
    expect(reuse).toContainEqual({ event: 'token.reuse', reason: null, userId: user.id });
  });

  it('a refresh token idle longer than REFRESH_TOKEN_IDLE (7 days) → 401 and an audit event; the family ends', async () => {
    const { email } = await createAccount(t);
    const a = await issueTokens(t, email);
    t.clock.advanceMs(7 * 24 * 60 * MINUTE + 1_000);
    const ip = nextIp();
    await expectUnauthenticated(await refresh(t, a.refresh_token, ip));
    expect(await auditAt(t, ip)).toEqual([expect.objectContaining({ reason: 'expired' })]);
    expect(await t.stores.tokens.findFamily(readJwt(a.access_token).payload.sid as string)).toBeUndefined();
  });

  it('the refresh route has its own limit (10/min per client): the 11th → 429', async () => {
    const { email } = await createAccount(t);
    let pair = await issueTokens(t, email);
    const ip = nextIp();
    for (let i = 0; i < 10; i++) {
      const { res, body } = await refresh(t, pair.refresh_token, ip);
      expect(res.status).toBe(200);
      pair = body as unknown as TokenPairBody;
    }
    const { res, body } = await refresh(t, pair.refresh_token, ip);
    expect(res.status).toBe(429);
    expect(body).toEqual(RATE_LIMITED);
    // the refused attempt did not consume the token
    expect((await refresh(t, pair.refresh_token)).res.status).toBe(200);
  });
});

describe('POST /auth/token/revoke (RFC 7009)', () => {
  it('a refresh token → 200 {}; the family\'s refresh and access tokens die at once; token.revoked audited', async () => {
    const { email, user } = await createAccount(t);
    const a = await issueTokens(t, email);
    const b = (await refresh(t, a.refresh_token)).body as unknown as TokenPairBody;
    expect((await meBearer(b.access_token)).res.status).toBe(200);
    const ip = nextIp();
    const { res, body } = await t.client({ ip }).json('/auth/token/revoke', { json: { refresh_token: b.refresh_token } });
    expect(res.status).toBe(200);
    expect(body).toEqual({});
    expect(res.headers.getSetCookie()).toEqual([]);
    await expectUnauthenticated(await refresh(t, b.refresh_token));
    await expectUnauthenticated(await meBearer(b.access_token));
    await expectUnauthenticated(await meBearer(a.access_token));
    expect(await auditAt(t, ip, 'token.revoked')).toEqual([{ event: 'token.revoked', reason: null, userId: user.id }]);
  });

  it('unknown, malformed, missing or access tokens → the same 200 {}; nothing else is revoked', async () => {
    const { email } = await createAccount(t);
    const bystander = await issueTokens(t, email);
    const unknown = `pcrt_${'A'.repeat(43)}`;
    for (const json of [{ refresh_token: unknown }, { refresh_token: 'garbage' }, {}, { refresh_token: 12 }, { refresh_token: bystander.access_token }]) {
      const { res, body } = await t.client().json('/auth/token/revoke', { json });
      expect(res.status).toBe(200);
      expect(body).toEqual({});
    }
    expect((await meBearer(bystander.access_token)).res.status).toBe(200);
    expect((await refresh(t, bystander.refresh_token)).res.status).toBe(200);
  });
});

describe('access tokens die early when the user changes', () => {
  it('rule: a change through Portcullis flows is seen at once — admin deactivation (POST /admin/users/:id/deactivate) kills access and refresh tokens', async () => {
    const { email, user } = await createAccount(t);
    const pair = await issueTokens(t, email);
    expect((await meBearer(pair.access_token)).res.status).toBe(200); // warms the per-process cache
    const admin = await freshAdmin();
    const res = await admin.send(`/admin/users/${user.id}/deactivate`, { method: 'POST', json: {}, csrf: true });
    expect(res.status).toBe(204);
    const ip = nextIp();
    await expectUnauthenticated(await meBearer(pair.access_token, ip));
    // Deactivation deletes the user's refresh families: the access token's family is gone.
    expect(await auditAt(t, ip)).toEqual([{ event: 'token.rejected', reason: 'revoked', userId: user.id }]);
    await expectUnauthenticated(await refresh(t, pair.refresh_token));
  });

  it('rule: deactivation ends the token family for good — reactivating the user at once does not revive the old access token', async () => {
    const { email, user } = await createAccount(t);
    const pair = await issueTokens(t, email);
    expect((await meBearer(pair.access_token)).res.status).toBe(200); // warms the per-process caches
    const admin = await freshAdmin();
    expect((await admin.send(`/admin/users/${user.id}/deactivate`, { method: 'POST', json: {}, csrf: true })).status).toBe(204);
    await expectUnauthenticated(await meBearer(pair.access_token));
    expect((await admin.send(`/admin/users/${user.id}/activate`, { method: 'POST', json: {}, csrf: true })).status).toBe(204);
    expect(await t.stores.tokens.findFamily(readJwt(pair.access_token).payload.sid as string)).toBeUndefined();
    await expectUnauthenticated(await meBearer(pair.access_token));
    await expectUnauthenticated(await refresh(t, pair.refresh_token));
  });

  it('rule: a change through Portcullis flows is seen at once — t.auth.admin.setUserActive(false)', async () => {
    const { email, user } = await createAccount(t);
    const pair = await issueTokens(t, email);
    expect((await meBearer(pair.access_token)).res.status).toBe(200);
    const adminPrincipal = { user: (await t.stores.users.findUserById(adminId))!, authorization: await t.stores.roles.authorizationOfUser(adminId), via: 'session' as const, session: null };
    await t.auth.admin.setUserActive(adminPrincipal, user.id, false, { ip: '127.0.0.1', secure: false, userAgent: 'test' });
    await expectUnauthenticated(await meBearer(pair.access_token));
  });

  it('rule: a change through Portcullis flows is seen at once — a role granted by an admin shows in the next Bearer request', async () => {
    const { email, user } = await createAccount(t);
    const pair = await issueTokens(t, email);
    expect((await meBearer(pair.access_token)).body).toMatchObject({ user: { roles: [] } });
    const admin = await freshAdmin();
    expect((await admin.send(`/admin/users/${user.id}/roles`, { method: 'POST', json: { role: 'editor' }, csrf: true })).status).toBe(204);
    expect((await meBearer(pair.access_token)).body).toMatchObject({ user: { id: user.id, roles: ['editor'] } });
  });

  it(`rule: a change made directly in the store is seen after the state-cache TTL (${STATE_CACHE_TTL_MS / 1000} s) — uniquifier rotation`, async () => {
    const { email, user } = await createAccount(t);
    const pair = await issueTokens(t, email);
    expect((await meBearer(pair.access_token)).res.status).toBe(200); // cached now
    await t.stores.users.rotateUniquifier(user.id, `x${'0'.repeat(31)}`, t.clock.nowMs());
    // within the TTL this process still trusts its cached copy (the documented trade-off)
    expect((await meBearer(pair.access_token)).res.status).toBe(200);
    t.clock.advanceMs(STATE_CACHE_TTL_MS + 1_000);
    const ip = nextIp();
    await expectUnauthenticated(await meBearer(pair.access_token, ip));
    expect(await auditAt(t, ip)).toEqual([{ event: 'token.rejected', reason: 'user_changed', userId: user.id }]);
    const refreshIp = nextIp();
    await expectUnauthenticated(await refresh(t, pair.refresh_token, refreshIp));
    expect(await auditAt(t, refreshIp)).toEqual([{ event: 'token.rejected', reason: 'user_changed', userId: user.id }]);
  });

  it(`rule: a change made directly in the store is seen after the state-cache TTL — deactivation in the store`, async () => {
    const { email, user } = await createAccount(t);
    const pair = await issueTokens(t, email);
    expect((await meBearer(pair.access_token)).res.status).toBe(200);
    await t.stores.users.setUserActive(user.id, false, t.clock.nowMs());
    t.clock.advanceMs(STATE_CACHE_TTL_MS + 1_000);
    await expectUnauthenticated(await meBearer(pair.access_token));
  });

  it('with tokens.stateCacheTtlMs = 0 a change made directly in the store is seen at once', async () => {
    const t0 = await createTestApp({ tokens: { stateCacheTtlMs: 0 } });
    try {
      const { email, user } = await createAccount(t0);
      const pair = await issueTokens(t0, email);
      expect((await meWith(t0, `Bearer ${pair.access_token}`)).res.status).toBe(200);
      await t0.stores.users.rotateUniquifier(user.id, `y${'0'.repeat(31)}`, t0.clock.nowMs());
      await expectUnauthenticated(await meWith(t0, `Bearer ${pair.access_token}`));
    } finally {
      await t0.dispose();
    }
  });
});

describe('Bearer and CSRF', () => {
  it('a Bearer request needs no CSRF token and creates no cookie; the session cookie on the same route still needs CSRF', async () => {
    const { email, browser } = await createAccount(t);
    const pair = await issueTokens(t, email);
    const api = t.client();
    const res = await api.send('/auth/api-tokens', { headers: bearer(pair.access_token) });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    // the session on a route that takes both (DELETE /auth/api-tokens/:id): no CSRF token → 403
    const viaSession = await browser.json(`/auth/api-tokens/${'0'.repeat(32)}`, { method: 'DELETE' });
    expect(viaSession.res.status).toBe(403);
    expect(viaSession.body).toEqual({ error: 'CSRF validation failed', code: 'CSRF_FAILED' });
    // the same route with Bearer: no CSRF needed (unknown id → 404, not 403)
    const viaBearer = await api.json(`/auth/api-tokens/${'0'.repeat(32)}`, { method: 'DELETE', headers: bearer(pair.access_token) });
    expect(viaBearer.res.status).toBe(404);
  });

  it('documented order token → session → basic: with a Bearer token (user B) and a session cookie (user A), the token decides', async () => {
    const a = await createAccount(t);
    const b = await createAccount(t);
    const pair = await issueTokens(t, b.email);
    const { res, body } = await a.browser.json('/auth/me', { headers: bearer(pair.access_token) });
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ user: { id: b.user.id } });
  });
});
