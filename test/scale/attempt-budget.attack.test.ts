/**
 * @module Attack suite — the attempt budget across two real server processes on one PostgreSQL and
 * one Redis: N concurrent wrong passwords (60 and 1,000) at one account, split between A and B,
 * from N addresses and from one address, through JSON login, /auth/token, HTTP Basic and
 * /auth/verify. The guesses evaluated (counted from the audit trail, which records each one)
 * never exceed the lockout threshold, and no session or token is created.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PASSWORD,
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
  type HttpResult,
  type ServerProcess,
  type Session,
} from './services.ts';

const WRONG = 'not the password at all';
const THRESHOLD = 3;

let a: ServerProcess;
let b: ServerProcess;
let databaseUrl: string;

beforeAll(async () => {
  const dir = tempDir('budget');
  const [portA, portB] = [await freePort(), await freePort()];
  databaseUrl = await sharedPostgresSchema('budget');
  const shared = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_KEY_PREFIX: sharedRedisPrefix('budget'),
    SECRET_KEY: randomSecret(),
    ACCESS_TOKEN_KEY_FILE: ed25519KeyFile(dir),
    PUBLIC_URL: `http://127.0.0.1:${portA}`,
    TRUST_PROXY: 'loopback',
    // Lifted so that the attempt budget, not a per-client limit, is what answers.
    AUTH_RATE_LIMIT_LOGIN: '1000000/1m',
    AUTH_RATE_LIMIT_REGISTER: '1000/1h',
    AUTH_IP_FAILURE_BUDGET: '1000000/1h',
    AUTH_CLIENT_CHECKS_IN_FLIGHT: '10000',
    AUTH_LOCKOUT_THRESHOLD: String(THRESHOLD),
    AUTH_LOCKOUT_BASE_DELAY: '5m',
  };
  a = await spawnServer({ ...baseEnv(dir, portA), ...shared });
  b = await spawnServer({ ...baseEnv(dir, portB), ...shared });
}, 90_000);

afterAll(async () => {
  await cleanup();
}, 60_000);

/** Audit rows of one kind, waiting until the batches of both processes have landed. */
async function auditCount(where: string, params: unknown[]): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    let last = -1;
    for (;;) {
      await sleep(300);
      const { rows } = await client.query<{ n: string }>(`select count(*) as n from audit_events where ${where}`, params);
      const n = Number(rows[0]?.n ?? 0);
      if (n === last) return n;
      last = n;
    }
  } finally {
    await client.end();
  }
}

const evaluatedLogins = (email: string) => auditCount(`event = 'login.failed' and identity = $1 and reason in ('wrong_password', 'unknown_identity', 'inactive')`, [email]);

type Door = {
  readonly name: string;
  guess(base: string, victim: Session, ip: string): Promise<HttpResult>;
  evaluated(victim: Session): Promise<number>;
};

const basic = (email: string, password: string) => `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;

const DOORS: readonly Door[] = [
  {
    name: 'JSON login',
    guess: (base, v, ip) => send(base, 'POST', '/auth/login', { json: { email: v.email, password: WRONG }, headers: { 'x-forwarded-for': ip } }),
    evaluated: (v) => evaluatedLogins(v.email),
  },
  {
    name: '/auth/token',
    guess: (base, v, ip) => send(base, 'POST', '/auth/token', { json: { email: v.email, password: WRONG }, headers: { 'x-forwarded-for': ip } }),
    evaluated: (v) => evaluatedLogins(v.email),
  },
  {
    name: 'HTTP Basic',
    guess: (base, v, ip) => send(base, 'GET', '/auth/me', { headers: { authorization: basic(v.email, WRONG), 'x-forwarded-for': ip } }),
    evaluated: (v) => evaluatedLogins(v.email),
  },
  {
    name: '/auth/verify (stolen cookie)',
    guess: (base, v, ip) => send(base, 'POST', '/auth/verify', { json: { password: WRONG }, headers: { cookie: v.cookie, 'x-csrf-token': v.csrf, 'x-forwarded-for': ip } }),
    evaluated: (v) => auditCount(`event = 'verify.failed' and user_id = $1`, [v.userId]),
  },
];

/** What each burst evaluated, written to test-results/ for the record; the assertions are the test. */
const figures: Array<{ backend: string; door: string; n: number; spread: string; evaluated: number; budget: number }> = [];
afterAll(async () => {
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir('test-results', { recursive: true });
  await writeFile('test-results/attempt-budget-scale.json', `${JSON.stringify(figures, null, 2)}\n`);
});

describe('the attempt budget across two processes on PostgreSQL + Redis', () => {
  for (const n of [60, 1000]) {
    for (const door of DOORS) {
      for (const spread of ['from N addresses', 'from one address'] as const) {
        it(`${door.name}: ${n} concurrent guesses split across A and B ${spread} → at most ${THRESHOLD} evaluated`, async () => {
          const victimIp = nextIp();
          const victim = await register(a.base, uniqueEmail('victim'), PASSWORD, victimIp);
          const oneIp = nextIp();
          const answers = await Promise.all(
            Array.from({ length: n }, (_, i) => door.guess(i % 2 === 0 ? a.base : b.base, victim, spread === 'from one address' ? oneIp : nextIp())),
          );
          for (const res of answers) expect([401, 429]).toContain(res.status);
          const evaluated = await door.evaluated(victim);
          figures.push({ backend: 'two processes, PostgreSQL + Redis', door: door.name, n, spread, evaluated, budget: THRESHOLD });
          expect(evaluated).toBeGreaterThanOrEqual(1);
          expect(evaluated).toBeLessThanOrEqual(THRESHOLD);
          // The answers agree: at most the budget said "wrong password"; the rest were refused (429),
          // or — once a guessing cookie had lost its session — not signed in at all.
          const wrongPassword = answers.filter((res) => res.status === 401 && (res.json as { code?: string } | undefined)?.code !== 'UNAUTHENTICATED');
          const basicWrong = door.name === 'HTTP Basic' ? answers.filter((res) => res.status === 401) : [];
          expect(wrongPassword.length + basicWrong.length).toBeLessThanOrEqual(THRESHOLD);
          // Nothing was handed out: no session cookie, no token in any answer.
          for (const res of answers) {
            expect(Object.keys(res.setCookies)).not.toContain('portcullis_session');
            expect(res.text).not.toContain('access_token');
          }
          // And the right password is refused now, on either process, without a new guess counted.
          const locked = await send(b.base, 'POST', '/auth/login', { json: { email: victim.email, password: PASSWORD }, headers: { 'x-forwarded-for': nextIp() } });
          expect(locked.status).toBe(429);
          expect(await door.evaluated(victim)).toBe(evaluated);
        });
      }
    }
  }
});
