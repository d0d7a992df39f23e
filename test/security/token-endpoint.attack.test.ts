/**
 * @module Attack suite — the token endpoints from a web page: `/auth/token`, `/token/refresh` and
 * `/token/revoke` read no cookie, so a cross-site form (no preflight) could make any visitor's
 * browser guess passwords or burn refresh tokens. JSON only, and no foreign Origin: each refusal
 * asserts that no token was issued, no password was checked, nothing was rotated or revoked.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/index.ts';
import { PASSWORD, createTestApp, nextIp, uniqueEmail, type TestApp } from '../http/harness.ts';
import { CSRF_FAILED, jsonOf, sessionCookies } from './attack-helpers.ts';

const EVIL = 'https://evil.example';
const UNSUPPORTED_TOKEN_BODY = { error: 'Unsupported content type: send application/json', code: 'INVALID_INPUT' } as const;

interface Pair {
  access_token: string;
  refresh_token: string;
}

describe('token endpoints refuse what a web page can send', () => {
  let t: TestApp;
  let email: string;
  const events: AuthEvent[] = [];

  beforeAll(async () => {
    t = await createTestApp({ onEvent: (event) => void events.push(event) });
    email = uniqueEmail('tokattack');
    await t.client().signUp({ email });
  });
  beforeEach(() => {
    events.length = 0;
  });
  afterAll(async () => {
    await t?.dispose();
  });

  /** What a page's `<form method=post enctype=…>` (or `fetch` with `mode: 'no-cors'`) makes a browser send. */
  function post(path: string, body: string, type: string, headers: Record<string, string> = {}, ip = nextIp()): Promise<Response> {
    return t.request(path, { method: 'POST', headers: { 'content-type': type, accept: 'application/json', ...headers }, body }, ip);
  }

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const issued = () => events.filter((e) => e.type === 'token.issued' || e.type === 'login.succeeded' || e.type === 'login.failed' || e.type === 'login.locked');

  async function issuePair(): Promise<Pair> {
    const res = await post('/auth/token', JSON.stringify({ email, password: PASSWORD }), 'application/json');
    expect(res.status).toBe(200);
    return (await res.json()) as Pair;
  }

  async function expectRefused(res: Response, status: number, body: unknown, label: string): Promise<void> {
    expect(res.status, label).toBe(status);
    const json = await jsonOf(res);
    expect(json, label).toEqual(body);
    expect(json.access_token, label).toBeUndefined();
    expect(sessionCookies(res), label).toEqual([]);
  }

  it('/auth/token: a cross-site form or text/plain post with the right password issues nothing and checks no password', async () => {
    const ip = nextIp();
    const attempts: Array<[string, Response, number, unknown]> = [
      ['form, evil Origin', await post('/auth/token', form({ email, password: PASSWORD }), 'application/x-www-form-urlencoded', { origin: EVIL, 'sec-fetch-site': 'cross-site' }, ip), 403, CSRF_FAILED],
      ['form, Sec-Fetch-Site only', await post('/auth/token', form({ email, password: PASSWORD }), 'application/x-www-form-urlencoded', { 'sec-fetch-site': 'cross-site' }, ip), 403, CSRF_FAILED],
      ['form, no Origin', await post('/auth/token', form({ email, password: PASSWORD }), 'application/x-www-form-urlencoded', {}, ip), 400, UNSUPPORTED_TOKEN_BODY],
      ['form, Origin null', await post('/auth/token', form({ email, password: PASSWORD }), 'application/x-www-form-urlencoded', { origin: 'null' }, ip), 403, CSRF_FAILED],
      ['JSON as text/plain', await post('/auth/token', JSON.stringify({ email, password: PASSWORD }), 'text/plain', {}, ip), 400, UNSUPPORTED_TOKEN_BODY],
      ['multipart', await post('/auth/token', `--b\r\ncontent-disposition: form-data; name="email"\r\n\r\n${email}\r\n--b--\r\n`, 'multipart/form-data; boundary=b', {}, ip), 400, UNSUPPORTED_TOKEN_BODY],
      ['JSON with a foreign Origin', await post('/auth/token', JSON.stringify({ email, password: PASSWORD }), 'application/json', { origin: EVIL }, ip), 403, CSRF_FAILED],
    ];
    for (const [label, res, status, body] of attempts) await expectRefused(res, status, body, label);
    expect(issued()).toEqual([]);
  });

  it('/auth/token: cross-site wrong guesses are not evaluated — no failed login, no lock-out of the victim', async () => {
    const ip = nextIp();
    for (let i = 0; i < 6; i++) {
      const res = await post('/auth/token', form({ email, password: `guess number ${i}` }), 'application/x-www-form-urlencoded', { origin: EVIL }, ip);
      expect(res.status).toBe(403);
    }
    for (let i = 0; i < 6; i++) {
      const res = await post('/auth/token', JSON.stringify({ email, password: `guess number ${i}` }), 'text/plain', {}, ip);
      expect(res.status).toBe(400);
    }
    expect(issued()).toEqual([]);
    // The owner is not locked out by the refused guesses.
    expect((await issuePair()).access_token).toEqual(expect.any(String));
  });

  it('/auth/token/refresh: a cross-site form with a real refresh token rotates nothing; the token still works', async () => {
    const pair = await issuePair();
    events.length = 0;
    const refused = [
      await post('/auth/token/refresh', form({ refresh_token: pair.refresh_token }), 'application/x-www-form-urlencoded', { origin: EVIL }),
      await post('/auth/token/refresh', form({ refresh_token: pair.refresh_token }), 'application/x-www-form-urlencoded'),
      await post('/auth/token/refresh', JSON.stringify({ refresh_token: pair.refresh_token }), 'text/plain'),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 400, 400]);
    expect(events.filter((e) => e.type.startsWith('token.'))).toEqual([]);
    const ok = await post('/auth/token/refresh', JSON.stringify({ refresh_token: pair.refresh_token }), 'application/json');
    expect(ok.status).toBe(200);
  });

  it('/auth/token/revoke: a cross-site form revokes nothing; the refresh token still works', async () => {
    const pair = await issuePair();
    events.length = 0;
    const refused = [
      await post('/auth/token/revoke', form({ refresh_token: pair.refresh_token }), 'application/x-www-form-urlencoded', { origin: EVIL }),
      await post('/auth/token/revoke', form({ refresh_token: pair.refresh_token }), 'application/x-www-form-urlencoded'),
      await post('/auth/token/revoke', JSON.stringify({ refresh_token: pair.refresh_token }), 'text/plain'),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 400, 400]);
    expect(events.filter((e) => e.type.startsWith('token.'))).toEqual([]);
    const ok = await post('/auth/token/refresh', JSON.stringify({ refresh_token: pair.refresh_token }), 'application/json');
    expect(ok.status).toBe(200);
  });

  it('control: JSON with a same-origin (or absent) Origin is served', async () => {
    const same = await post('/auth/token', JSON.stringify({ email, password: PASSWORD }), 'application/json; charset=utf-8', { origin: 'http://localhost:3000' });
    expect(same.status).toBe(200);
    expect(((await same.json()) as Pair).access_token).toEqual(expect.any(String));
  });
});
