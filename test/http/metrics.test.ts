/** `GET /metrics`: off by default, loopback-only without a token, Bearer with one; counts what happened. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth, FixedClock } from '../../src/index.ts';
import { createReferenceApp } from '../../src/app/server.tsx';
import { openTestStores } from '../../src/testing/test-database.ts';
import type { SqlStores } from '../../src/stores/sql/index.ts';

const ORIGIN = 'http://localhost:3000';
const TOKEN = 'scrape-token-0123456789abcdef';

describe('metrics', () => {
  let stores: SqlStores;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ stores, dispose } = await openTestStores());
  });
  afterAll(async () => dispose());

  const build = (metrics: boolean, token: string | null) => {
    const auth = createAuth({ secretKey: randomBytes(48).toString('base64url'), environment: 'test', publicOrigin: ORIGIN, stores, clock: new FixedClock(), metrics, identity: { confirmation: 'off' } });
    return createReferenceApp(auth, metrics ? { metrics: { token } } : {}).app;
  };
  const get = (app: ReturnType<typeof build>, ip: string, headers: Record<string, string> = {}) =>
    app.request(`${ORIGIN}/metrics`, { headers }, { incoming: { socket: { remoteAddress: ip } } });

  it('is not served when metrics are off', async () => {
    expect((await get(build(false, null), '127.0.0.1')).status).toBe(404);
  });

  it('without a token, answers loopback clients only', async () => {
    const app = build(true, null);
    expect((await get(app, '203.0.113.9')).status).toBe(404);
    const res = await get(app, '127.0.0.1');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toContain('portcullis_active_sessions');
  });

  it('with a token, needs it as Bearer from anywhere (and refuses a wrong one)', async () => {
    const app = build(true, TOKEN);
    expect((await get(app, '127.0.0.1')).status).toBe(404);
    expect((await get(app, '203.0.113.9', { authorization: 'Bearer wrong-token-0123456789abcdef' })).status).toBe(404);
    expect((await get(app, '203.0.113.9', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it('counts failed logins, CSRF failures and hash durations, and never exposes an identity', async () => {
    const app = build(true, null);
    const login = (ip: string) =>
      app.request(`${ORIGIN}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'victim@example.com', password: 'not the password' }) }, { incoming: { socket: { remoteAddress: ip } } });
    expect((await login('198.51.100.1')).status).toBe(401);
    expect((await login('198.51.100.2')).status).toBe(401);
    const csrf = await app.request(`${ORIGIN}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: '{}' }, { incoming: { socket: { remoteAddress: '198.51.100.3' } } });
    expect(csrf.status).toBe(403);
    const text = await (await get(app, '127.0.0.1')).text();
    expect(text).toMatch(/^portcullis_logins_total\{result="failure",via="session"\} 2$/m);
    expect(text).toMatch(/^portcullis_csrf_failures_total\{reason="origin"\} 1$/m);
    expect(text).toMatch(/^portcullis_password_hash_seconds_count\{operation="verify"\} 2$/m);
    expect(text).not.toContain('victim@example.com');
    expect(text).not.toContain('198.51.100');
  });
});
