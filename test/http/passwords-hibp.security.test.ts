/**
 * @module HTTP: the Have I Been Pwned range check against a local server speaking the real range
 * API (`SUFFIX:COUNT\r\n`, uppercase hex, padding). A listed password is refused with its count; an
 * unlisted one is accepted; only a 5-hex-character prefix of the SHA-1 ever leaves the process, with
 * `Add-Padding: true`. With the service down or silent: fail-open accepts, fail-closed refuses.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailKey } from '../../src/features/identity/index.ts';
import { createTestApp, errorShape, uniqueEmail, type TestApp } from './harness.ts';
import { deadPort, sha1Upper, startPwnedRangeServer, type PwnedRangeServer } from './password-helpers.ts';

const LISTED = 'violet-harbor-quartz-91';
const LISTED_COUNT = 12_345;
const ONCE = 'saffron kettle meridian 64';
const UNLISTED = 'marble otter cinnamon glacier 42';
const COULD_NOT_CHECK = 'We could not check this password against known data breaches just now. Please try again in a moment.';

let range: PwnedRangeServer;
let t: TestApp;

beforeAll(async () => {
  range = await startPwnedRangeServer(new Map([[LISTED, LISTED_COUNT], [ONCE, 1]]));
  t = await createTestApp({ password: { breachCheck: 'fail-closed', breachCheckUrl: range.url } });
});
afterAll(async () => {
  await t?.dispose();
  await range?.close();
});

async function register(app: TestApp, password: string) {
  const email = uniqueEmail('hibp');
  const result = await app.client().register({ email, password });
  return { ...result, email };
}

describe('breach check (fail-closed, local range server)', () => {
  it('a listed password → 400 fields.password with the count; no account', async () => {
    const before = await t.userCount();
    const { res, body, email } = await register(t, LISTED);
    expect(res.status).toBe(400);
    const error = errorShape(body);
    expect(error.code).toBe('INVALID_INPUT');
    expect(Object.keys(error.fields ?? {})).toEqual(['password']);
    expect(error.fields?.password).toContain('12,345 times');
    expect(error.fields?.password).toMatch(/Have I Been Pwned/);
    expect(await t.stores.users.findUserByEmailKey(emailKey(email))).toBeUndefined();
    expect(await t.userCount()).toBe(before);
  });

  it('seen once → "1 time"', async () => {
    const { res, body } = await register(t, ONCE);
    expect(res.status).toBe(400);
    expect(errorShape(body).fields?.password).toMatch(/appeared 1 time in/);
  });

  it('an unlisted password → 201 (padding entries with count 0 never match)', async () => {
    expect((await register(t, UNLISTED)).res.status).toBe(201);
  });

  it('only ever a 5-hex-character prefix in the path, with Add-Padding: true; never the password, the full hash or the suffix', async () => {
    range.requests.length = 0;
    await register(t, LISTED);
    await register(t, UNLISTED);
    expect(range.requests).toHaveLength(2);
    for (const request of range.requests) {
      expect(request.path).toMatch(/^\/range\/[0-9A-F]{5}$/);
      expect(request.headers['add-padding']).toBe('true');
    }
    expect(range.requests.map((r) => r.path)).toEqual([`/range/${sha1Upper(LISTED).slice(0, 5)}`, `/range/${sha1Upper(UNLISTED).slice(0, 5)}`]);
    const seen = JSON.stringify(range.requests);
    for (const password of [LISTED, UNLISTED]) {
      const sha1 = sha1Upper(password);
      expect(seen).not.toContain(password);
      expect(seen.toUpperCase()).not.toContain(sha1.slice(5, 15));
      expect(seen.toUpperCase()).not.toContain(sha1);
    }
  });

  it('cheap refusals first: a blocklisted or weak password is never sent to the service', async () => {
    range.requests.length = 0;
    expect((await register(t, 'password123')).res.status).toBe(400);
    expect((await register(t, 'aaaaaaaaaa')).res.status).toBe(400);
    expect(range.requests).toHaveLength(0);
  });

  it('applies to a new password on change-password too (fields.new_password); nothing changes', async () => {
    const email = uniqueEmail('hibpchg');
    const c = t.client();
    const user = await c.signUp({ email, password: UNLISTED });
    const hash = (await t.stores.users.findUserById(user.id))?.passwordHash;
    const { res, body } = await c.json('/auth/change-password', { json: { password: UNLISTED, new_password: LISTED }, csrf: true });
    expect(res.status).toBe(400);
    expect(errorShape(body).fields?.new_password).toContain('12,345 times');
    expect((await t.stores.users.findUserById(user.id))?.passwordHash).toBe(hash);
  });
});

describe('the service unreachable', () => {
  let downUrl: string;
  let silent: Server;
  let silentUrl: string;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    downUrl = `http://127.0.0.1:${await deadPort()}/range/`;
    // Accepts the connection, never answers.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/range/`;
  });
  afterAll(async () => {
    for (const app of apps) await app.dispose();
    silent?.closeAllConnections();
    await new Promise<void>((resolve) => silent?.close(() => resolve()));
  });

  async function appWith(breachCheck: 'fail-open' | 'fail-closed', url: string): Promise<TestApp> {
    const app = await createTestApp({ password: { breachCheck, breachCheckUrl: url, breachCheckTimeoutMs: 300 } });
    apps.push(app);
    return app;
  }

  it('server down, fail-open → 201', async () => {
    expect((await register(await appWith('fail-open', downUrl), UNLISTED)).res.status).toBe(201);
  });

  it('server down, fail-closed → 400 "could not check"; no account', async () => {
    const app = await appWith('fail-closed', downUrl);
    const { res, body, email } = await register(app, UNLISTED);
    expect(res.status).toBe(400);
    expect(errorShape(body).fields).toEqual({ password: COULD_NOT_CHECK });
    expect(await app.stores.users.findUserByEmailKey(emailKey(email))).toBeUndefined();
  });

  it('server silent past the timeout: fail-open → 201, fail-closed → 400 "could not check", both within a second or two', async () => {
    const open = await appWith('fail-open', silentUrl);
    const started = Date.now();
    expect((await register(open, UNLISTED)).res.status).toBe(201);
    const closed = await appWith('fail-closed', silentUrl);
    const { res, body } = await register(closed, UNLISTED);
    expect(res.status).toBe(400);
    expect(errorShape(body).fields?.password).toBe(COULD_NOT_CHECK);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
