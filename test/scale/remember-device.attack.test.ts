/**
 * @module Attack suite — remembered devices (MFA_REMEMBER_DEVICE) across two real server processes
 * on one PostgreSQL and one Redis. A mark made on B skips the second factor on A; forgetting the
 * device on A while sign-ins with its mark race on A and B: once the forgetting has returned, no
 * sign-in on either process skips the second factor, and the store holds no device of the user.
 * Another user's mark skips nothing on either process.
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
  spawnServer,
  tempDir,
  uniqueEmail,
  type ServerProcess,
  type Session,
} from './services.ts';

const DEVICE_COOKIE = 'portcullis_device';

let a: ServerProcess;
let b: ServerProcess;
let databaseUrl: string;

beforeAll(async () => {
  const dir = tempDir('remember-device');
  const [portA, portB] = [await freePort(), await freePort()];
  databaseUrl = await sharedPostgresSchema('remember_device');
  const shared = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_KEY_PREFIX: sharedRedisPrefix('remember-device'),
    SECRET_KEY: randomSecret(),
    ACCESS_TOKEN_KEY_FILE: ed25519KeyFile(dir),
    PUBLIC_URL: `http://127.0.0.1:${portA}`,
    TRUST_PROXY: 'loopback',
    AUTH_RATE_LIMIT_LOGIN: '1000000/1m',
    AUTH_RATE_LIMIT_REGISTER: '1000/1h',
    AUTH_IP_FAILURE_BUDGET: '1000000/1h',
    AUTH_CLIENT_CHECKS_IN_FLIGHT: '10000',
    MFA_REMEMBER_DEVICE: '30d',
  };
  a = await spawnServer({ ...baseEnv(dir, portA), ...shared });
  b = await spawnServer({ ...baseEnv(dir, portB), ...shared });
}, 90_000);

afterAll(async () => {
  await cleanup();
}, 60_000);

const codeAt = (secret: Uint8Array, offset = 0) => generateHOTP(secret, BigInt(Math.floor(Date.now() / 30_000) + offset), 6);

async function enrolled(ip: string): Promise<{ owner: Session; secret: Uint8Array }> {
  const owner = await register(a.base, uniqueEmail('remembered'), PASSWORD, ip);
  const setup = await send(a.base, 'POST', '/auth/mfa/totp/setup', { json: {}, headers: authed(owner, { 'x-forwarded-for': ip }) });
  expect(setup.status).toBe(200);
  const secret = decodeBase32IgnorePadding((setup.json as { secret: string }).secret);
  const confirm = await send(b.base, 'POST', '/auth/mfa/totp/confirm', { json: { code: codeAt(secret) }, headers: authed(owner, { 'x-forwarded-for': ip }) });
  expect(confirm.status).toBe(200);
  // The first code raised the session to AAL2 under a new cookie token (and CSRF token).
  const raised = confirm.setCookies.portcullis_session;
  const csrf = (confirm.json as { csrf_token?: string }).csrf_token;
  return { owner: { ...owner, ...(raised ? { cookie: `portcullis_session=${raised}` } : {}), ...(csrf ? { csrf } : {}) }, secret };
}

/** Password, then the next step's code with remember_device on `base`: the mark cookie (name=value). */
async function remember(base: string, email: string, secret: Uint8Array, offset: number): Promise<string> {
  const ip = nextIp();
  const login = await send(base, 'POST', '/auth/login', { json: { email, password: PASSWORD }, headers: { 'x-forwarded-for': ip } });
  expect((login.json as { mfa_required?: boolean }).mfa_required).toBe(true);
  const pending = `portcullis_mfa=${login.setCookies.portcullis_mfa}`;
  const verify = await send(base, 'POST', '/auth/mfa/verify', {
    json: { method: 'totp', code: codeAt(secret, offset), remember_device: true },
    headers: { cookie: pending, 'x-forwarded-for': ip },
  });
  expect(verify.status).toBe(200);
  const mark = verify.setCookies[DEVICE_COOKIE];
  expect(mark).toBeDefined();
  return `${DEVICE_COOKIE}=${mark}`;
}

/** A password sign-in carrying `mark`: `session` (skipped), `second-factor`, or the status. */
async function signIn(base: string, email: string, mark: string, ip = nextIp()): Promise<'session' | 'second-factor' | number> {
  const res = await send(base, 'POST', '/auth/login', { json: { email, password: PASSWORD }, headers: { cookie: mark, 'x-forwarded-for': ip } });
  if (res.status !== 200) return res.status;
  return (res.json as { mfa_required?: boolean }).mfa_required ? 'second-factor' : 'session';
}

async function devicesOf(userId: string): Promise<Array<{ id: string }>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('select id from mfa_trusted_devices where user_id = $1', [userId]);
    return rows;
  } finally {
    await client.end();
  }
}

describe('remembered devices across two processes on PostgreSQL + Redis', () => {
  it('a mark made on B skips the second factor on A; another user’s mark skips nothing on either', async () => {
    const ip = nextIp();
    const { owner, secret } = await enrolled(ip);
    const mark = await remember(b.base, owner.email, secret, 1);
    expect(await signIn(a.base, owner.email, mark)).toBe('session');
    expect(await signIn(b.base, owner.email, mark)).toBe('session');

    const other = await enrolled(nextIp());
    expect(await signIn(a.base, other.owner.email, mark)).toBe('second-factor');
    expect(await signIn(b.base, other.owner.email, mark)).toBe('second-factor');
    expect(await devicesOf(other.owner.userId)).toEqual([]);
  });

  it('forgetting the device on A races 40 sign-ins with its mark on A and B: afterwards none skips, on either process', async () => {
    const ip = nextIp();
    const { owner, secret } = await enrolled(ip);
    const mark = await remember(b.base, owner.email, secret, 1);
    const [device] = await devicesOf(owner.userId);
    expect(device).toBeDefined();

    const racing = Array.from({ length: 40 }, (_, i) => signIn(i % 2 === 0 ? a.base : b.base, owner.email, mark));
    // The owner's own (fresh) session forgets it meanwhile.
    const forgetting = send(a.base, 'DELETE', `/auth/devices/${device?.id}`, { headers: authed(owner, { 'x-forwarded-for': ip }) });
    const [answers, forgotten] = await Promise.all([Promise.all(racing), forgetting]);
    expect(forgotten.status).toBe(204);
    // Each answer is whole: a session, the second step, or the attempt budget's in-flight refusal.
    for (const answer of answers) expect(['session', 'second-factor', 429]).toContain(answer);
    expect(await devicesOf(owner.userId)).toEqual([]);
    for (const base of [a.base, b.base, a.base, b.base]) expect(await signIn(base, owner.email, mark)).toBe('second-factor');
  });
});
