/**
 * @module Attack suite — sign-in by e-mail code across two real server processes on one PostgreSQL
 * and one Redis (issue #16): one mailed code redeemed 20 times at once, split between A and B, signs
 * in exactly once (the code is consumed in one conditional write); 400 concurrent wrong codes split
 * between A and B evaluate at most the account's attempt budget (counted from the audit trail), sign
 * nobody in, and the right code is refused afterwards on either process.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOutbox } from '../../src/features/mail/index.ts';
import {
  SHARED_REDIS_URL,
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
} from './services.ts';

const THRESHOLD = 3;

let a: ServerProcess;
let b: ServerProcess;
let databaseUrl: string;
let outboxOfA: string;

beforeAll(async () => {
  const dir = tempDir('email-signin');
  const [portA, portB] = [await freePort(), await freePort()];
  databaseUrl = await sharedPostgresSchema('email_signin');
  const shared = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_KEY_PREFIX: sharedRedisPrefix('email-signin'),
    SECRET_KEY: randomSecret(),
    ACCESS_TOKEN_KEY_FILE: ed25519KeyFile(dir),
    PUBLIC_URL: `http://127.0.0.1:${portA}`,
    TRUST_PROXY: 'loopback',
    EMAIL_SIGNIN: 'on',
    // Lifted so that the code's single use and the account's attempt budget, not a per-client limit, are what answer.
    AUTH_RATE_LIMIT_LOGIN: '1000000/1m',
    AUTH_RATE_LIMIT_REGISTER: '1000/1h',
    AUTH_RATE_LIMIT_RESET: '1000/1h',
    AUTH_IP_FAILURE_BUDGET: '1000000/1h',
    AUTH_CLIENT_CHECKS_IN_FLIGHT: '10000',
    AUTH_LOCKOUT_THRESHOLD: String(THRESHOLD),
    AUTH_LOCKOUT_BASE_DELAY: '5m',
  };
  const envA = baseEnv(dir, portA);
  outboxOfA = envA.MAIL_OUTBOX ?? '';
  a = await spawnServer({ ...envA, ...shared });
  b = await spawnServer({ ...baseEnv(dir, portB), ...shared });
}, 90_000);

afterAll(async () => {
  await cleanup();
}, 60_000);

async function query(sql: string, values: unknown[]): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(sql, values)).rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

const sessionsOf = (userId: string) => query('select count(*) as n from sessions where user_id = $1', [userId]);

/** Audit rows, waiting until the batches of both processes have landed. */
async function evaluatedGuesses(email: string): Promise<number> {
  let last = -1;
  for (;;) {
    await sleep(300);
    const n = await query(`select count(*) as n from audit_events where event = 'login.failed' and identity = $1 and reason = 'wrong_password'`, [email]);
    if (n === last) return n;
    last = n;
  }
}

/** Asks A for a code as a browser: the pre-session cookie it is bound to, and the code from A's outbox. */
async function askForCode(email: string): Promise<{ cookie: string; code: string }> {
  const asked = await send(a.base, 'POST', '/auth/email-signin', { json: { email }, headers: { 'x-forwarded-for': nextIp() } });
  expect(asked.status).toBe(200);
  const cookie = Object.entries(asked.setCookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
  expect(cookie).toContain('portcullis_pre=');
  for (let tries = 0; tries < 100; tries++) {
    const mail = (await readOutbox(outboxOfA, 200)).find((entry) => entry.to === email && entry.subject === 'Your sign-in code');
    const code = mail && /Your sign-in code is (\d{6})/.exec(mail.text)?.[1];
    if (code) return { cookie, code };
    await sleep(100);
  }
  throw new Error(`no sign-in code mailed to ${email}`);
}

const verify = (base: string, cookie: string, email: string, code: string) =>
  send(base, 'POST', '/auth/email-signin/verify', { json: { email, code }, headers: { cookie, 'x-forwarded-for': nextIp() } });

describe('sign-in by e-mail code across two processes on PostgreSQL + Redis', () => {
  it('one code redeemed 20 times at once through A and B from 20 addresses signs in exactly once', async () => {
    const victim = await register(a.base, uniqueEmail('code-race'));
    const before = await sessionsOf(victim.userId);
    const { cookie, code } = await askForCode(victim.email);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => verify(i % 2 === 0 ? a.base : b.base, cookie, victim.email, code)));
    const signedIn = results.filter((res) => res.status === 200 && res.setCookies.portcullis_session);
    expect(signedIn, results.map((res) => res.status).join(',')).toHaveLength(1);
    for (const res of results.filter((r) => r.status !== 200)) expect([401, 429]).toContain(res.status);
    expect(await sessionsOf(victim.userId)).toBe(before + 1);
    // Used once: the same code again, on either process, signs nobody in (a wrong code now, or the budget the race spent).
    for (const base of [a.base, b.base]) {
      const again = await verify(base, cookie, victim.email, code);
      expect([401, 429]).toContain(again.status);
      expect(Object.keys(again.setCookies)).not.toContain('portcullis_session');
    }
    expect(await sessionsOf(victim.userId)).toBe(before + 1);
  });

  it(`400 wrong codes at once through A and B evaluate at most ${THRESHOLD}, sign nobody in, and the right code is refused after`, async () => {
    const victim = await register(a.base, uniqueEmail('code-guess'));
    const before = await sessionsOf(victim.userId);
    const { cookie, code } = await askForCode(victim.email);
    const guesses = Array.from({ length: 400 }, (_, i) => String(i).padStart(6, '0')).map((guess) => (guess === code ? '999999' : guess));
    const results = await Promise.all(guesses.map((guess, i) => verify(i % 2 === 0 ? a.base : b.base, cookie, victim.email, guess)));
    for (const res of results) {
      expect([401, 429]).toContain(res.status);
      expect(Object.keys(res.setCookies)).not.toContain('portcullis_session');
    }
    const evaluated = await evaluatedGuesses(victim.email);
    expect(evaluated).toBeGreaterThanOrEqual(1);
    expect(evaluated).toBeLessThanOrEqual(THRESHOLD);
    expect(results.filter((res) => res.status === 401).length).toBe(evaluated);
    expect(await sessionsOf(victim.userId)).toBe(before);
    // The budget guards the account, not the guess: the right code is refused now too, on either process, and evaluates nothing.
    for (const base of [b.base, a.base]) expect((await verify(base, cookie, victim.email, code)).status).toBe(429);
    expect(await evaluatedGuesses(victim.email)).toBe(evaluated);
    expect(await sessionsOf(victim.userId)).toBe(before);
  });
});
