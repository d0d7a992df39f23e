/**
 * @module HTTP attacks on Bearer authentication: malformed headers, forged and confused JWTs
 * (`alg: none`, another key, HS256 keyed with the public key, claims out of range, tampering),
 * refresh/access confusion and tokens in the query string. Each: the exact 401, an audit event
 * saying why, and nothing changed (the victim's own tokens keep working, nothing is created).
 */
import { CompactSign, generateKeyPair, importPKCS8, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE, PUBLIC_ORIGIN, createTestApp, nextIp, type TestApp } from './harness.ts';
import {
  UNAUTHENTICATED,
  auditAt,
  b64urlJson,
  createAccount,
  expectUnauthenticated,
  issueTokens,
  meWith,
  newSigningKeyPem,
  readJwt,
  refresh,
  type TokenPairBody,
} from './token-helpers.ts';

let t: TestApp;
/** The key that signs now, and the previous one that still verifies (rotation). */
let currentKey: CryptoKey;
let previousKey: CryptoKey;
let currentKid: string;
let previousKid: string;
let jwks: { keys: Array<{ kid: string; x: string }> };

beforeAll(async () => {
  const [currentPem, previousPem] = [await newSigningKeyPem(), await newSigningKeyPem()];
  t = await createTestApp({ tokenSigningKeys: [currentPem, previousPem] });
  currentKey = await importPKCS8(currentPem, 'EdDSA');
  previousKey = await importPKCS8(previousPem, 'EdDSA');
  jwks = (await (await t.request('/.well-known/jwks.json')).json()) as typeof jwks;
  expect(jwks.keys).toHaveLength(2);
  [currentKid, previousKid] = jwks.keys.map((k) => k.kid) as [string, string];
});
afterAll(async () => {
  await t?.dispose();
});

interface Victim {
  readonly userId: string;
  readonly pair: TokenPairBody;
  readonly claims: Record<string, unknown>;
}

async function victim(): Promise<Victim> {
  const { email, user } = await createAccount(t);
  const pair = await issueTokens(t, email);
  return { userId: user.id, pair, claims: readJwt(pair.access_token).payload };
}

async function sign(header: Record<string, unknown>, payload: Record<string, unknown>, key: CryptoKey | Uint8Array): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header as { alg: string }).sign(key);
}

/** Sends the forged Authorization header from a new IP: exact 401 and one token.rejected event there. */
async function expectRejected(authorization: string, reason?: string) {
  const ip = nextIp();
  const result = await meWith(t, authorization, ip);
  await expectUnauthenticated(result);
  expect(result.res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  const events = await auditAt(t, ip);
  expect(events.length, `a token.rejected event for ${authorization.slice(0, 60)}`).toBeGreaterThanOrEqual(1);
  if (reason) expect(events.map((e) => e.reason)).toContain(reason);
  return events;
}

async function expectStillWorks(v: Victim): Promise<void> {
  const { res, body } = await meWith(t, `Bearer ${v.pair.access_token}`);
  expect(res.status).toBe(200);
  expect(body).toMatchObject({ user: { id: v.userId } });
}

describe('malformed Authorization headers → 401 + audit event', () => {
  it.each([
    ['two spaces', 'Bearer  x'],
    ['two spaces before a token-like value', `Bearer  ${'a'.repeat(30)}`],
    ['two words', 'Bearer a b'],
    ['5000 characters', `Bearer ${'a'.repeat(5000)}`],
    ['a short JWT-like value', 'Bearer x.y.z'],
    ['control characters', 'Bearer abc\tdefghijklmnopqrstuvwxyz'],
    ['a truncated personal access token', 'Bearer pcat_abc'],
    ['an unknown personal access token', `Bearer pcat_${'A'.repeat(43)}`],
  ])('%s', async (_label, header) => {
    await expectRejected(header);
  });

  it('"Bearer" alone (no token) → 401 + audit event', async () => {
    await expectRejected('Bearer');
  });

  it.each(['Token abc', 'Digest username="a"', 'Basic !!!not-base64', 'Bearerabc'])('unknown or broken scheme %j → plain 401 with the Basic challenge', async (header) => {
    const result = await meWith(t, header);
    await expectUnauthenticated(result);
    expect(result.res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });
});

describe('forged and confused JWTs → 401 + audit event; the victim is not affected', () => {
  it('alg: none (no signature, and a junk signature)', async () => {
    const v = await victim();
    const header = b64urlJson({ alg: 'none', typ: 'at+jwt' });
    const payload = b64urlJson(v.claims);
    await expectRejected(`Bearer ${header}.${payload}.`, 'invalid_signature_or_claims');
    await expectRejected(`Bearer ${header}.${payload}.${'A'.repeat(86)}`, 'invalid_signature_or_claims');
    await expectStillWorks(v);
  });

  it('alg: none with the signature of the real token kept', async () => {
    const v = await victim();
    const [, payload, signature] = v.pair.access_token.split('.');
    await expectRejected(`Bearer ${b64urlJson({ alg: 'none', kid: currentKid, typ: 'at+jwt' })}.${payload}.${signature}`, 'invalid_signature_or_claims');
  });

  it('signed with another Ed25519 key (claiming our kid, and an unknown kid)', async () => {
    const v = await victim();
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    await expectRejected(`Bearer ${await sign({ alg: 'EdDSA', kid: currentKid, typ: 'at+jwt' }, v.claims, privateKey)}`, 'invalid_signature_or_claims');
    await expectRejected(`Bearer ${await sign({ alg: 'EdDSA', kid: 'attacker', typ: 'at+jwt' }, v.claims, privateKey)}`, 'invalid_signature_or_claims');
    await expectStillWorks(v);
  });

  it('HS256 keyed with the public key (the JWKS x bytes, and the x text) — algorithm confusion', async () => {
    const v = await victim();
    const x = jwks.keys[0]!.x;
    for (const secret of [Buffer.from(x, 'base64url'), new TextEncoder().encode(x), new TextEncoder().encode(JSON.stringify(jwks.keys[0]))]) {
      const token = await sign({ alg: 'HS256', kid: currentKid, typ: 'at+jwt' }, v.claims, new Uint8Array(secret));
      await expectRejected(`Bearer ${token}`, 'invalid_signature_or_claims');
    }
    await expectStillWorks(v);
  });

  it('tampered payload: sub changed to another user, signature kept — that user is not impersonated', async () => {
    const attacker = await victim();
    const target = await victim();
    const [header, , signature] = attacker.pair.access_token.split('.');
    const forged = `${header}.${b64urlJson({ ...attacker.claims, sub: target.userId })}.${signature}`;
    const events = await expectRejected(`Bearer ${forged}`, 'invalid_signature_or_claims');
    expect(events.every((e) => e.userId !== target.userId)).toBe(true);
    await expectStillWorks(attacker);
    await expectStillWorks(target);
  });

  it('tampered payload: exp extended, signature kept', async () => {
    const v = await victim();
    const [header, , signature] = v.pair.access_token.split('.');
    await expectRejected(`Bearer ${header}.${b64urlJson({ ...v.claims, exp: (v.claims.exp as number) + 86_400 })}.${signature}`, 'invalid_signature_or_claims');
  });

  describe('claims out of range, even when signed with our own key', () => {
    const now = () => Math.floor(t.clock.nowMs() / 1000);
    const ours = { alg: 'EdDSA', typ: 'at+jwt' };

    it('a well-formed token signed with our current key is accepted (control)', async () => {
      const v = await victim();
      const token = await sign({ ...ours, kid: currentKid }, v.claims, currentKey);
      expect((await meWith(t, `Bearer ${token}`)).res.status).toBe(200);
    });

    it.each([
      ['not yet valid: iat 60 s in the future', (c: Record<string, unknown>) => ({ ...c, iat: now() + 60, exp: now() + 960 })],
      ['not yet valid: nbf 60 s in the future', (c: Record<string, unknown>) => ({ ...c, nbf: now() + 60 })],
      ['wrong aud', (c: Record<string, unknown>) => ({ ...c, aud: 'https://other.example' })],
      ['aud as a list without us', (c: Record<string, unknown>) => ({ ...c, aud: ['https://other.example'] })],
      ['wrong iss', (c: Record<string, unknown>) => ({ ...c, iss: 'https://evil.example' })],
      ['no exp', ({ exp: _exp, ...c }: Record<string, unknown>) => c],
      ['no sid', ({ sid: _sid, ...c }: Record<string, unknown>) => c],
      ['already expired', (c: Record<string, unknown>) => ({ ...c, iat: now() - 2000, exp: now() - 60 })],
      ['sid that does not exist', (c: Record<string, unknown>) => ({ ...c, sid: '0'.repeat(32) })],
    ])('%s', async (_label, change) => {
      const v = await victim();
      const token = await sign({ ...ours, kid: currentKid }, change(v.claims), currentKey);
      await expectRejected(`Bearer ${token}`);
      await expectStillWorks(v);
    });

    it.each([
      ['typ: JWT', { alg: 'EdDSA', typ: 'JWT' }],
      ['no typ', { alg: 'EdDSA' }],
    ])('header %s (another kind of JWT signed by the same key)', async (_label, header) => {
      const v = await victim();
      await expectRejected(`Bearer ${await sign({ ...header, kid: currentKid }, v.claims, currentKey)}`, 'invalid_signature_or_claims');
    });

    it("sid of another user's family → refused as revoked", async () => {
      const a = await victim();
      const b = await victim();
      const token = await sign({ ...ours, kid: currentKid }, { ...a.claims, sid: b.claims.sid }, currentKey);
      await expectRejected(`Bearer ${token}`, 'revoked');
      await expectStillWorks(a);
      await expectStillWorks(b);
    });
  });

  it('key rotation: the JWKS publishes current and previous key; a token signed with the previous key still verifies', async () => {
    expect(readJwt((await victim()).pair.access_token).header.kid).toBe(currentKid);
    const v = await victim();
    const token = await sign({ alg: 'EdDSA', typ: 'at+jwt', kid: previousKid }, v.claims, previousKey);
    expect((await meWith(t, `Bearer ${token}`)).res.status).toBe(200);
    // the previous key under the current key's kid does not verify
    await expectRejected(`Bearer ${await sign({ alg: 'EdDSA', typ: 'at+jwt', kid: currentKid }, v.claims, previousKey)}`);
  });

  it('expired: 15 min later (past the 5 s tolerance) the access token is refused; the refresh token still rotates', async () => {
    const v = await victim();
    await expectStillWorks(v);
    t.clock.advanceMs(15 * MINUTE + 10_000);
    await expectRejected(`Bearer ${v.pair.access_token}`, 'invalid_signature_or_claims');
    const { res, body } = await refresh(t, v.pair.refresh_token);
    expect(res.status).toBe(200);
    expect((await meWith(t, `Bearer ${body.access_token as string}`)).res.status).toBe(200);
  });
});

describe('refresh and access tokens are not interchangeable', () => {
  it('a refresh token used as an access token → 401 + refresh_as_access; the family is unharmed', async () => {
    const v = await victim();
    await expectRejected(`Bearer ${v.pair.refresh_token}`, 'refresh_as_access');
    expect((await refresh(t, v.pair.refresh_token)).res.status).toBe(200);
  });

  it('an access token used as a refresh token → 401 + access_as_refresh; the family is unharmed', async () => {
    const v = await victim();
    const ip = nextIp();
    await expectUnauthenticated(await refresh(t, v.pair.access_token, ip));
    expect((await auditAt(t, ip)).map((e) => e.reason)).toEqual(['access_as_refresh']);
    await expectStillWorks(v);
    expect((await refresh(t, v.pair.refresh_token)).res.status).toBe(200);
  });

  it.each([
    ['a personal-access-token-shaped value', `pcat_${'A'.repeat(43)}`],
    ['an unknown refresh token', `pcrt_${'A'.repeat(43)}`],
    ['a number', 12345],
    ['null', null],
    ['a 5000-character string', 'a'.repeat(5000)],
  ])('refresh with %s → 401 + audit event', async (_label, value) => {
    const ip = nextIp();
    await expectUnauthenticated(await refresh(t, value, ip));
    expect(await auditAt(t, ip)).toHaveLength(1);
  });
});

describe('tokens are read from the Authorization header only', () => {
  it('GET /auth/me?access_token=<valid> → 401', async () => {
    const v = await victim();
    const { res, body } = await t.client().json(`/auth/me?access_token=${encodeURIComponent(v.pair.access_token)}`);
    expect(res.status).toBe(401);
    expect(body).toEqual(UNAUTHENTICATED);
  });

  it('POST /api/docs with access_token in the query or the form body → 401 and no doc created', async () => {
    const v = await victim();
    const c = t.client();
    const before = await meWith(t, `Bearer ${v.pair.access_token}`);
    expect(before.res.status).toBe(200);
    const q = await c.json(`/api/docs?access_token=${encodeURIComponent(v.pair.access_token)}`, { json: { title: 'smuggled', body: 'x' } });
    expect(q.res.status).toBe(401);
    expect(q.body).toEqual(UNAUTHENTICATED);
    const f = await c.send('/api/docs', { form: { access_token: v.pair.access_token, title: 'smuggled', body: 'x' }, headers: { accept: 'application/json' } });
    expect(f.status).toBe(401);
    const list = await t.client().json<{ docs: Array<{ title: string; owner_id: string }> }>('/api/docs', { headers: { authorization: `Bearer ${v.pair.access_token}` } });
    expect(list.res.status).toBe(200);
    expect(list.body.docs.filter((d) => d.owner_id === v.userId)).toEqual([]);
  });

  it('a token in a cookie named access_token is not accepted', async () => {
    const v = await victim();
    const { res } = await t.client().json('/auth/me', { headers: { cookie: `access_token=${v.pair.access_token}` } });
    expect(res.status).toBe(401);
  });

  it('iss and aud of issued tokens are the public origin', async () => {
    const { claims } = await victim();
    expect([claims.iss, claims.aud]).toEqual([PUBLIC_ORIGIN, PUBLIC_ORIGIN]);
  });
});
