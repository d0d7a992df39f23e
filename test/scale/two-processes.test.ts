/**
 * Two real server processes, A and B, on one PostgreSQL (a fresh schema on the shared server) and
 * one Redis (the shared server under a unique key prefix) behave as one server: limits, lockouts,
 * logouts, password changes and role grants made through one are in force on the other at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PASSWORD,
  SHARED_REDIS_URL,
  authed,
  baseEnv,
  bearer,
  cleanup,
  ed25519KeyFile,
  freePort,
  login,
  nextIp,
  randomSecret,
  register,
  send,
  sessionFrom,
  sharedPostgresSchema,
  sharedRedisPrefix,
  spawnServer,
  tempDir,
  uniqueEmail,
  type ServerProcess,
} from './services.ts';

const RATE_LIMITED = { error: 'Too many requests. Try again later.', code: 'RATE_LIMITED' };
const UNAUTHENTICATED = { error: 'Authentication required', code: 'UNAUTHENTICATED' };
const NEW_PASSWORD = 'violet quasar tumbles over 9 fjords';

let a: ServerProcess;
let b: ServerProcess;
let adminEmail: string;

beforeAll(async () => {
  const dir = tempDir('pair');
  const [portA, portB] = [await freePort(), await freePort()];
  adminEmail = uniqueEmail('admin');
  const shared = {
    DATABASE_URL: await sharedPostgresSchema('pair'),
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_KEY_PREFIX: sharedRedisPrefix('pair'),
    SECRET_KEY: randomSecret(),
    ACCESS_TOKEN_KEY_FILE: ed25519KeyFile(dir),
    // One public origin for both, as behind one proxy.
    PUBLIC_URL: `http://127.0.0.1:${portA}`,
    TRUST_PROXY: 'loopback',
    AUTH_RATE_LIMIT_LOGIN: '5/1m',
    AUTH_RATE_LIMIT_REGISTER: '1000/1h',
    // A lock lasts long enough to be observed from the other process.
    AUTH_LOCKOUT_THRESHOLD: '3',
    AUTH_LOCKOUT_BASE_DELAY: '5m',
    // A cache TTL far longer than the test: only the invalidation bus can explain "at once".
    TOKEN_STATE_CACHE_TTL: '10m',
    BOOTSTRAP_ADMIN_EMAIL: adminEmail,
  };
  // One after the other: the first migrates the schema.
  a = await spawnServer({ ...baseEnv(dir, portA), ...shared });
  b = await spawnServer({ ...baseEnv(dir, portB), ...shared });
}, 90_000);

afterAll(async () => {
  await cleanup();
}, 60_000);

describe('two processes on one PostgreSQL and one Redis', () => {
  it('a login limit of 5/min admits exactly 5 of 40 concurrent logins from one IP split across A and B', async () => {
    const ip = nextIp();
    // Twenty accounts, two logins each at once: the per-account attempt budget (3 in flight) never
    // binds, so the only limit that answers is the per-client login limit.
    const emails = Array.from({ length: 20 }, () => uniqueEmail('limit'));
    // One at a time: twenty registrations at once would overrun the hashing queue (503 BUSY).
    for (const email of emails) await register(a.base, email, PASSWORD, nextIp());
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => login(i % 2 === 0 ? a.base : b.base, emails[i % 20]!, PASSWORD, ip)));
    const byStatus = countBy(results.map((r) => r.status));
    expect(byStatus, JSON.stringify(byStatus)).toEqual({ 200: 5, 429: 35 });
    for (const r of results.filter((r) => r.status === 429)) {
      expect(r.json).toEqual(RATE_LIMITED);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Both processes refused some: the count really is shared, not 5 per process.
    expect(results.filter((r, i) => r.status === 429 && i % 2 === 0).length).toBeGreaterThan(0);
    expect(results.filter((r, i) => r.status === 429 && i % 2 === 1).length).toBeGreaterThan(0);
  });

  it('a lockout earned on A refuses on B, even with the right password and from another IP', async () => {
    const email = uniqueEmail('lockout');
    await register(a.base, email, PASSWORD, nextIp());
    const attacker = nextIp();
    for (let i = 0; i < 3; i++) {
      const res = await login(a.base, email, 'wrong password entirely', attacker);
      expect(res.status, res.text).toBe(401);
    }
    const sameIp = await login(b.base, email, PASSWORD, attacker);
    expect(sameIp.status, sameIp.text).toBe(429);
    expect(sameIp.json).toEqual(RATE_LIMITED);
    expect(sameIp.setCookies).not.toHaveProperty('portcullis_session');
    const otherIp = await login(b.base, email, PASSWORD, nextIp());
    expect(otherIp.status, otherIp.text).toBe(429);
    expect(otherIp.json).toEqual(RATE_LIMITED);
  });

  it('logout on A refuses the cookie on B at once', async () => {
    const ip = nextIp();
    const session = await register(a.base, uniqueEmail('logout'), PASSWORD, ip);
    const headers = { ...authed(session), 'x-forwarded-for': ip };
    expect((await send(b.base, 'GET', '/auth/me', { headers })).status).toBe(200);
    expect((await send(b.base, 'GET', '/api/docs', { headers })).status).toBe(200);
    const out = await send(a.base, 'POST', '/auth/logout', { headers });
    expect(out.status, out.text).toBe(204);
    const me = await send(b.base, 'GET', '/auth/me', { headers });
    expect(me.status, me.text).toBe(401);
    expect(me.json).toEqual(UNAUTHENTICATED);
    expect((await send(b.base, 'GET', '/api/docs', { headers })).status).toBe(401);
  });

  it(
    'cache rule: a password change on B refuses on A at once the access tokens A had verified and cached ' +
      '(the Redis invalidation bus; TOKEN_STATE_CACHE_TTL, here 10m, bounds only changes made outside Portcullis or while Redis is down)',
    async () => {
      const ip = nextIp();
      const email = uniqueEmail('chpw');
      const first = await register(a.base, email, PASSWORD, ip);
      const tokens = await send(a.base, 'POST', '/auth/token', { json: { email, password: PASSWORD }, headers: { 'x-forwarded-for': ip } });
      expect(tokens.status, tokens.text).toBe(200);
      const { access_token: access, refresh_token: refresh } = tokens.json as { access_token: string; refresh_token: string };
      // A verifies the token and caches the user's state.
      for (let i = 0; i < 2; i++) expect((await send(a.base, 'GET', '/auth/me', { headers: bearer(access) })).status).toBe(200);
      expect((await send(a.base, 'GET', '/api/docs', { headers: bearer(access) })).status).toBe(200);

      const onB = sessionFrom(await login(b.base, email, PASSWORD, ip), 'login on B');
      const changed = await send(b.base, 'POST', '/auth/change-password', {
        json: { password: PASSWORD, new_password: NEW_PASSWORD },
        headers: { ...authed(onB), 'x-forwarded-for': ip },
      });
      expect(changed.status, changed.text).toBe(200);

      // At once — no sleep — on A:
      const me = await send(a.base, 'GET', '/auth/me', { headers: bearer(access) });
      expect(me.status, `access token still accepted on A after the password change on B: ${me.text}`).toBe(401);
      expect((await send(a.base, 'GET', '/api/docs', { headers: bearer(access) })).status).toBe(401);
      const refreshed = await send(a.base, 'POST', '/auth/token/refresh', { json: { refresh_token: refresh }, headers: { 'x-forwarded-for': ip } });
      expect(refreshed.status, refreshed.text).toBe(401);
      // The other session (from registration, on A) died too; B's new session lives.
      expect((await send(a.base, 'GET', '/auth/me', { headers: { ...authed(first), 'x-forwarded-for': ip } })).status).toBe(401);
      const newSession = sessionFrom(changed, 'change-password on B');
      expect((await send(a.base, 'GET', '/auth/me', { headers: { ...authed(newSession), 'x-forwarded-for': ip } })).status).toBe(200);
    },
  );

  it('a role granted by the admin on A is seen by a Bearer request on B at once', async () => {
    const adminIp = nextIp();
    const admin = await register(a.base, adminEmail, PASSWORD, adminIp);
    const adminHeaders = { ...authed(admin), 'x-forwarded-for': adminIp };
    expect(((await send(a.base, 'GET', '/auth/me', { headers: adminHeaders })).json as { user: { roles: string[] } }).user.roles).toContain('admin');
    const created = await send(a.base, 'POST', '/api/docs', { json: { title: "the admin's", body: 'x' }, headers: adminHeaders });
    expect(created.status, created.text).toBe(201);
    const docId = (created.json as { doc: { id: string } }).doc.id;

    const ip = nextIp();
    const email = uniqueEmail('grantee');
    const grantee = await register(a.base, email, PASSWORD, ip);
    const tokens = await send(b.base, 'POST', '/auth/token', { json: { email, password: PASSWORD }, headers: { 'x-forwarded-for': ip } });
    expect(tokens.status, tokens.text).toBe(200);
    const access = (tokens.json as { access_token: string }).access_token;
    // B verifies the token and caches the user's roles: none yet.
    const before = await send(b.base, 'GET', '/auth/me', { headers: bearer(access) });
    expect((before.json as { user: { roles: string[] } }).user.roles).toEqual([]);
    const refused = await send(b.base, 'PATCH', `/api/docs/${docId}`, { json: { title: 'mine now' }, headers: bearer(access) });
    expect(refused.status, refused.text).toBe(403);

    const granted = await send(a.base, 'POST', `/admin/users/${grantee.userId}/roles`, { json: { role: 'admin' }, headers: adminHeaders });
    expect(granted.status, granted.text).toBe(204);

    // At once — no sleep — on B:
    const after = await send(b.base, 'GET', '/auth/me', { headers: bearer(access) });
    expect(after.status).toBe(200);
    expect((after.json as { user: { roles: string[] } }).user.roles, 'B still serves the cached roles').toContain('admin');
    const allowed = await send(b.base, 'PATCH', `/api/docs/${docId}`, { json: { title: 'edited by the new admin' }, headers: bearer(access) });
    expect(allowed.status, allowed.text).toBe(200);
  });

  it('both processes stayed up and logged no error', () => {
    expect(a.alive && b.alive).toBe(true);
    const errors = [...a.logs(), ...b.logs()].filter((l) => typeof l.level === 'number' && l.level >= 50);
    expect(errors, JSON.stringify(errors).slice(0, 2000)).toEqual([]);
  });
});

function countBy(values: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
