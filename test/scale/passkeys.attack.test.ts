/**
 * @module Attack suite — passkey challenges across two real server processes on one PostgreSQL and
 * one Redis (PUBLIC_URL http://localhost:…, WebAuthn refuses an IP as RP ID). A challenge's single
 * use is claimed on the shared counter store: one assertion replayed 20 times at once through A
 * and B signs in once — passwordless (an authenticator that does not count, so only the challenge
 * stands in the way) and at a pending sign-in; 200 bad assertions at one pending sign-in through A
 * and B evaluate at most its budget.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftwareAuthenticator, type CreationOptionsJSON, type RequestOptionsJSON } from '../http/passkey-authenticator.ts';
import {
  PASSWORD,
  SHARED_REDIS_URL,
  authed,
  baseEnv,
  cleanup,
  ed25519KeyFile,
  freePort,
  nextIp,
  randomSecret,
  register,
  send,
  sharedPostgresSchema,
  sharedRedisPrefix,
  sleep,
  spawnServer,
  tempDir,
  uniqueEmail,
  type ServerProcess,
  type Session,
} from './services.ts';

const PER_SIGN_IN = 5;
const PENDING_COOKIE = 'portcullis_mfa';
const PRE_COOKIE = 'portcullis_pre';

let a: ServerProcess;
let b: ServerProcess;
let databaseUrl: string;
let publicUrl: string;

beforeAll(async () => {
  const dir = tempDir('passkeys');
  const [portA, portB] = [await freePort(), await freePort()];
  databaseUrl = await sharedPostgresSchema('passkeys');
  publicUrl = `http://localhost:${portA}`;
  const shared = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_KEY_PREFIX: sharedRedisPrefix('passkeys'),
    SECRET_KEY: randomSecret(),
    ACCESS_TOKEN_KEY_FILE: ed25519KeyFile(dir),
    PUBLIC_URL: publicUrl,
    TRUST_PROXY: 'loopback',
    // Lifted so that the challenge and the budgets, not a per-client limit, are what answer.
    AUTH_RATE_LIMIT_LOGIN: '1000000/1m',
    AUTH_RATE_LIMIT_REGISTER: '1000/1h',
    AUTH_IP_FAILURE_BUDGET: '1000000/1h',
    AUTH_CLIENT_CHECKS_IN_FLIGHT: '10000',
    MFA_ATTEMPTS_PER_SIGNIN: String(PER_SIGN_IN),
    MFA_ATTEMPT_BUDGET: '1000/1h',
  };
  a = await spawnServer({ ...baseEnv(dir, portA), ...shared });
  b = await spawnServer({ ...baseEnv(dir, portB), ...shared });
}, 90_000);

afterAll(async () => {
  await cleanup();
}, 60_000);

async function query(sql: string, params: unknown[]): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(sql, params);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

const sessionsOf = (userId: string) => query('select count(*) as n from sessions where user_id = $1', [userId]);

/** Waits until the audit trail stops growing (each process writes its queued events on its own schedule). */
async function settledCount(userId: string, reason: string): Promise<number> {
  let last = -1;
  for (;;) {
    await sleep(300);
    const n = await query(`select count(*) as n from audit_events where event = 'mfa.failed' and user_id = $1 and reason = $2`, [userId, reason]);
    if (n === last) return n;
    last = n;
  }
}

/** A user with a passkey registered through A (options) and B (registration): both processes serve one relying party. */
async function keyedUser(counterStep: number): Promise<{ session: Session; authenticator: SoftwareAuthenticator }> {
  const ip = nextIp();
  const session = await register(a.base, uniqueEmail('passkey'), PASSWORD, ip);
  const options = await send(a.base, 'POST', '/auth/passkeys/register/options', { json: {}, headers: authed(session, { 'x-forwarded-for': ip }) });
  expect(options.status).toBe(200);
  const authenticator = new SoftwareAuthenticator({ origin: publicUrl, counterStep });
  const response = authenticator.create(options.json as CreationOptionsJSON);
  const registered = await send(b.base, 'POST', '/auth/passkeys/register', { json: { response }, headers: authed(session, { 'x-forwarded-for': ip }) });
  expect(registered.status).toBe(201);
  return { session, authenticator };
}

describe('passkey challenges across two processes on PostgreSQL + Redis', () => {
  it('passwordless: one assertion replayed 20 times at once through A and B signs in once', async () => {
    const { session, authenticator } = await keyedUser(0);
    const ip = nextIp();
    const options = await send(a.base, 'POST', '/auth/passkeys/login/options', { json: {}, headers: { 'x-forwarded-for': ip } });
    expect(options.status).toBe(200);
    const pre = `${PRE_COOKIE}=${options.setCookies[PRE_COOKIE]}`;
    const response = authenticator.get(options.json as RequestOptionsJSON);
    const before = await sessionsOf(session.userId);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => send(i % 2 === 0 ? a.base : b.base, 'POST', '/auth/passkeys/login', { json: { response }, headers: { cookie: pre, 'x-forwarded-for': ip } })),
    );
    expect(answers.filter((res) => res.status === 200)).toHaveLength(1);
    expect(answers.filter((res) => res.status === 401)).toHaveLength(19);
    expect(answers.filter((res) => res.setCookies.portcullis_session !== undefined)).toHaveLength(1);
    expect(await sessionsOf(session.userId)).toBe(before + 1);
  });

  it('second factor: one assertion replayed 20 times at once at a pending sign-in through A and B makes one session', async () => {
    const { session, authenticator } = await keyedUser(0);
    const login = await send(a.base, 'POST', '/auth/login', { json: { email: session.email, password: PASSWORD }, headers: { 'x-forwarded-for': nextIp() } });
    expect((login.json as { methods?: string[] }).methods).toEqual(['passkey', 'recovery_code']);
    const cookie = `${PENDING_COOKIE}=${login.setCookies[PENDING_COOKIE]}`;
    const options = await send(b.base, 'POST', '/auth/mfa/passkey/options', { json: {}, headers: { cookie, 'x-forwarded-for': nextIp() } });
    expect(options.status).toBe(200);
    const response = authenticator.get(options.json as RequestOptionsJSON);
    const before = await sessionsOf(session.userId);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(i % 2 === 0 ? a.base : b.base, 'POST', '/auth/mfa/verify', { json: { method: 'passkey', response }, headers: { cookie, 'x-forwarded-for': nextIp() } }),
      ),
    );
    expect(answers.filter((res) => res.status === 200)).toHaveLength(1);
    for (const res of answers) expect([200, 401]).toContain(res.status);
    expect(await sessionsOf(session.userId)).toBe(before + 1);
  });

  it(`200 bad assertions at one pending sign-in through A and B: at most ${PER_SIGN_IN} evaluated, no session, then it is dead`, async () => {
    const { session, authenticator } = await keyedUser(1);
    const login = await send(b.base, 'POST', '/auth/login', { json: { email: session.email, password: PASSWORD }, headers: { 'x-forwarded-for': nextIp() } });
    const cookie = `${PENDING_COOKIE}=${login.setCookies[PENDING_COOKIE]}`;
    const options = await send(a.base, 'POST', '/auth/mfa/passkey/options', { json: {}, headers: { cookie, 'x-forwarded-for': nextIp() } });
    const bad = authenticator.get(options.json as RequestOptionsJSON, { origin: 'https://evil.example' });
    const before = await sessionsOf(session.userId);
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        send(i % 2 === 0 ? a.base : b.base, 'POST', '/auth/mfa/verify', { json: { method: 'passkey', response: bad }, headers: { cookie, 'x-forwarded-for': nextIp() } }),
      ),
    );
    for (const res of answers) expect([401, 429]).toContain(res.status);
    const evaluated = await settledCount(session.userId, 'bad_assertion');
    expect(evaluated).toBeGreaterThanOrEqual(1);
    expect(evaluated).toBeLessThanOrEqual(PER_SIGN_IN);
    const late = await send(b.base, 'POST', '/auth/mfa/verify', { json: { method: 'passkey', response: authenticator.get(options.json as RequestOptionsJSON) }, headers: { cookie } });
    expect(late.status).toBe(401);
    expect(await sessionsOf(session.userId)).toBe(before);
  });
});
