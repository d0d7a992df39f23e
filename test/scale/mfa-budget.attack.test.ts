/**
 * @module Attack suite — the MFA attempt budget across two real server processes on one PostgreSQL
 * and one Redis: 1,000 concurrent wrong TOTP codes split between A and B, at one pending sign-in
 * and across many. The codes evaluated (the audit trail records each as `mfa.failed` wrong_code)
 * never exceed the pending sign-in's budget, or the account's; no session is made; the right code
 * is refused afterwards on either process. The servers keep real time, so codes come from the clock.
 */
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const ACCOUNT_BUDGET = 10;
const PENDING_COOKIE = 'portcullis_mfa';

let a: ServerProcess;
let b: ServerProcess;
let databaseUrl: string;

beforeAll(async () => {
  const dir = tempDir('mfa-budget');
  const [portA, portB] = [await freePort(), await freePort()];
  databaseUrl = await sharedPostgresSchema('mfa_budget');
  const shared = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_KEY_PREFIX: sharedRedisPrefix('mfa-budget'),
    SECRET_KEY: randomSecret(),
    ACCESS_TOKEN_KEY_FILE: ed25519KeyFile(dir),
    PUBLIC_URL: `http://127.0.0.1:${portA}`,
    TRUST_PROXY: 'loopback',
    // Lifted so that the MFA budgets, not a per-client limit, are what answer.
    AUTH_RATE_LIMIT_LOGIN: '1000000/1m',
    AUTH_RATE_LIMIT_REGISTER: '1000/1h',
    AUTH_IP_FAILURE_BUDGET: '1000000/1h',
    AUTH_CLIENT_CHECKS_IN_FLIGHT: '10000',
    MFA_ATTEMPTS_PER_SIGNIN: String(PER_SIGN_IN),
    MFA_ATTEMPT_BUDGET: `${ACCOUNT_BUDGET}/1h`,
  };
  a = await spawnServer({ ...baseEnv(dir, portA), ...shared });
  b = await spawnServer({ ...baseEnv(dir, portB), ...shared });
}, 90_000);

afterAll(async () => {
  await cleanup();
}, 60_000);

const codeAt = (secret: Uint8Array, offset = 0) => generateHOTP(secret, BigInt(Math.floor(Date.now() / 30_000) + offset), 6);

/** A code that is none of the steps the servers accept now (±1, with a margin). */
function wrongCode(secret: Uint8Array): string {
  const near = new Set([-2, -1, 0, 1, 2].map((o) => codeAt(secret, o)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!near.has(code)) return code;
  }
}

async function enrolled(): Promise<{ victim: Session; secret: Uint8Array }> {
  const ip = nextIp();
  const victim = await register(a.base, uniqueEmail('mfa-victim'), PASSWORD, ip);
  const setup = await send(a.base, 'POST', '/auth/mfa/totp/setup', { json: {}, headers: authed(victim, { 'x-forwarded-for': ip }) });
  expect(setup.status).toBe(200);
  const secret = decodeBase32IgnorePadding((setup.json as { secret: string }).secret);
  const confirm = await send(b.base, 'POST', '/auth/mfa/totp/confirm', { json: { code: codeAt(secret) }, headers: authed(victim, { 'x-forwarded-for': ip }) });
  expect(confirm.status).toBe(200);
  return { victim, secret };
}

/** A password login answered with the second step; its pending cookie. */
async function pendingCookie(base: string, email: string): Promise<string> {
  const res = await send(base, 'POST', '/auth/login', { json: { email, password: PASSWORD }, headers: { 'x-forwarded-for': nextIp() } });
  expect(res.status).toBe(200);
  expect((res.json as { mfa_required?: boolean }).mfa_required).toBe(true);
  expect(res.setCookies.portcullis_session).toBeUndefined();
  return `${PENDING_COOKIE}=${res.setCookies[PENDING_COOKIE]}`;
}

async function wrongCodesEvaluated(userId: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    let last = -1;
    for (;;) {
      await sleep(300);
      const { rows } = await client.query<{ n: string }>(`select count(*) as n from audit_events where event = 'mfa.failed' and user_id = $1 and reason = 'wrong_code'`, [userId]);
      const n = Number(rows[0]?.n ?? 0);
      if (n === last) return n;
      last = n;
    }
  } finally {
    await client.end();
  }
}

async function sessionsOf(userId: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select count(*) as n from sessions where user_id = $1', [userId]);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

const verify = (base: string, cookie: string, code: string) =>
  send(base, 'POST', '/auth/mfa/verify', { json: { method: 'totp', code }, headers: { cookie, 'x-forwarded-for': nextIp() } });

describe('the MFA attempt budget across two processes on PostgreSQL + Redis', () => {
  it(`1,000 concurrent wrong codes at one pending sign-in, split across A and B → at most ${PER_SIGN_IN} evaluated, then it is dead`, async () => {
    const { victim, secret } = await enrolled();
    const cookie = await pendingCookie(a.base, victim.email);
    const wrong = wrongCode(secret);
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => verify(i % 2 === 0 ? a.base : b.base, cookie, wrong)));
    for (const res of answers) expect([401, 429]).toContain(res.status);
    const evaluated = await wrongCodesEvaluated(victim.userId);
    expect(evaluated).toBeGreaterThanOrEqual(1);
    expect(evaluated).toBeLessThanOrEqual(PER_SIGN_IN);
    for (const res of answers) expect(res.setCookies.portcullis_session).toBeUndefined();
    // The right code no longer finishes that sign-in, on either process.
    expect((await verify(b.base, cookie, codeAt(secret))).status).toBe(401);
    expect(await sessionsOf(victim.userId)).toBe(1);
  });

  it(`1,000 concurrent wrong codes across 20 pending sign-ins on A and B → at most ${ACCOUNT_BUDGET} evaluated; the right code then waits (429)`, async () => {
    const { victim, secret } = await enrolled();
    const cookies: string[] = [];
    for (let i = 0; i < 20; i++) cookies.push(await pendingCookie(i % 2 === 0 ? a.base : b.base, victim.email));
    const wrong = wrongCode(secret);
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => verify(i % 2 === 0 ? a.base : b.base, cookies[i % 20]!, wrong)));
    for (const res of answers) expect([401, 429]).toContain(res.status);
    const evaluated = await wrongCodesEvaluated(victim.userId);
    expect(evaluated).toBeGreaterThanOrEqual(1);
    expect(evaluated).toBeLessThanOrEqual(ACCOUNT_BUDGET);
    const fresh = await pendingCookie(b.base, victim.email);
    const blocked = await verify(a.base, fresh, codeAt(secret));
    expect(blocked.status).toBe(429);
    expect(await sessionsOf(victim.userId)).toBe(1);
    expect(await wrongCodesEvaluated(victim.userId)).toBe(evaluated);
  });
});
