/**
 * Faults, with PRIVATE Redis and PostgreSQL instances that these tests stop and start (the machine's
 * shared ones are never touched):
 * - Redis unreachable at start: the server refuses to start, one line naming Redis.
 * - A bounded load of logins and authenticated GETs against one server process while Redis, then
 *   PostgreSQL, restart: counts by status, no 500 (only 503 with the documented body), no lost
 *   session or user, the process never dies, and the recovery times.
 * - Redis lost while running: login limits still hold per process, one warn line per outage,
 *   and shared counters plus cross-process invalidation come back by themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PASSWORD,
  UNAVAILABLE_BODY,
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
  sleep,
  spawnServer,
  startPrivatePostgres,
  startPrivateRedis,
  tempDir,
  uniqueEmail,
  uniqueName,
  type HttpResult,
  type PrivateRedis,
  type ServerProcess,
  type Session,
} from './services.ts';

const RATE_LIMITED = { error: 'Too many requests. Try again later.', code: 'RATE_LIMITED' };

afterAll(async () => {
  await cleanup();
}, 60_000);

describe('Redis unavailable at start', () => {
  it('refuses to start, exit code ≠ 0, with one clear line naming Redis', async () => {
    const dir = tempDir('noredis');
    const port = await freePort();
    const deadPort = await freePort();
    const server = await spawnServer(
      {
        ...baseEnv(dir, port),
        DATABASE_URL: `sqlite:${dir}/app.db`,
        REDIS_URL: `redis://127.0.0.1:${deadPort}`,
        SECRET_KEY: randomSecret(),
        ACCESS_TOKEN_KEY_FILE: ed25519KeyFile(dir),
      },
      { waitHealthy: false },
    );
    const exit = await Promise.race([server.exited, sleep(20_000).then(() => null)]);
    expect(exit, `still running 20 s after start with Redis unreachable:\n${server.lines.join('\n')}`).not.toBeNull();
    expect(exit!.code).not.toBe(0);
    expect(exit!.code).not.toBeNull();
    const stderr = server.lines.filter((l) => !l.startsWith('{'));
    expect(stderr, server.lines.join('\n')).toHaveLength(1);
    expect(stderr[0]).toMatch(/redis/i);
    expect(stderr[0]).toContain(`127.0.0.1:${deadPort}`);
    expect(stderr[0]).not.toMatch(/\bat .+:\d+:\d+\)?$/); // no stack frame
    // Nothing was served.
    await expect(send(`http://127.0.0.1:${port}`, 'GET', '/healthz', { timeoutMs: 1_000 })).rejects.toThrow();
  }, 30_000);
});

interface Sample {
  readonly kind: 'login' | 'me' | 'docs' | 'probe';
  readonly status: number; // 0: no HTTP response
  readonly t0: number;
  readonly t1: number;
  readonly body: string;
  readonly json: unknown;
  readonly retryAfter?: string | string[] | undefined;
  readonly error?: string;
}

describe('restarting Redis and PostgreSQL under load', () => {
  it('answers only 2xx/4xx or 503 with the documented body, loses no session or user, never dies, and recovers by itself', async () => {
    const dir = tempDir('faults');
    const [pgServer, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
    const port = await freePort();
    const prefix = uniqueName('pc_faults');
    const server = await spawnServer({
      ...baseEnv(dir, port),
      DATABASE_URL: pgServer.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: prefix,
      SECRET_KEY: randomSecret(),
      ACCESS_TOKEN_KEY_FILE: ed25519KeyFile(dir),
      TRUST_PROXY: 'loopback',
      AUTH_RATE_LIMIT_REGISTER: '100000/1h',
      // The closing check logs every user in at once (24), past the default queue (4 per thread).
      ARGON2_MAX_QUEUE: '1000',
    });

    // Before the faults: users, each with a session from its own address.
    const users: Array<{ email: string; ip: string; session: Session }> = [];
    for (let batch = 0; batch < 3; batch++) {
      users.push(
        ...(await Promise.all(
          Array.from({ length: 8 }, async () => {
            const email = uniqueEmail('load');
            const ip = nextIp();
            return { email, ip, session: await register(server.base, email, PASSWORD, ip) };
          }),
        )),
      );
    }
    const probeUser = users[0]!;
    const laterSessions: Array<{ session: Session; ip: string }> = [];

    const samples: Sample[] = [];
    let stopAt = Number.POSITIVE_INFINITY;
    const t00 = Date.now();
    const record = async (kind: Sample['kind'], run: () => Promise<HttpResult>): Promise<HttpResult | undefined> => {
      const t0 = Date.now();
      try {
        const res = await run();
        samples.push({ kind, status: res.status, t0, t1: Date.now(), body: res.text.slice(0, 500), json: res.json, retryAfter: res.headers['retry-after'] });
        return res;
      } catch (error) {
        samples.push({ kind, status: 0, t0, t1: Date.now(), body: '', json: undefined, error: String(error) });
        // No HTTP answer: never spin; and a dead server ends the load (the assertions say why).
        if (!server.alive) stopAt = Math.min(stopAt, Date.now());
        await sleep(50);
        return undefined;
      }
    };

    const marks: Record<string, number> = {};
    const pick = () => users[Math.floor(Math.random() * users.length)]!;
    const loop = async (k: number) => {
      for (let i = 0; Date.now() < stopAt; i++) {
        if ((i + k) % 3 === 0) {
          // Each loop logs in its own three users, one at a time: concurrent logins of one account
          // past the lockout threshold are refused by design (docs/security.md, the attempt budget).
          const u = users[k * 3 + Math.floor(Math.random() * 3)]!;
          const ip = nextIp();
          const res = await record('login', () => login(server.base, u.email, PASSWORD, ip));
          if (res?.status === 200) laterSessions.push({ session: sessionFrom(res, 'load login'), ip });
        } else {
          const u = pick();
          const headers = { ...authed(u.session), 'x-forwarded-for': u.ip };
          await record(i % 2 === 0 ? 'me' : 'docs', () => send(server.base, 'GET', i % 2 === 0 ? '/auth/me' : '/api/docs', { headers, timeoutMs: 15_000 }));
        }
      }
    };
    const probe = async () => {
      const headers = { ...authed(probeUser.session), 'x-forwarded-for': probeUser.ip };
      while (Date.now() < stopAt) {
        await record('probe', () => send(server.base, 'GET', '/auth/me', { headers, timeoutMs: 15_000 }));
        await sleep(25);
      }
    };
    // Shared counters are back when a login's counter lands in the restarted (empty) Redis.
    let countersBackAt: number | undefined;
    const faults = async () => {
      await sleep(3_000);
      marks.redisDown = Date.now();
      await redis.stop();
      await sleep(2_000);
      await redis.start();
      marks.redisUp = Date.now();
      for (let until = Date.now() + 10_000; Date.now() < until && countersBackAt === undefined; await sleep(20)) {
        if ((await redis.keys(`${prefix}:*`)).length > 0) countersBackAt = Date.now();
      }
      await sleep(Math.max(0, t00 + 8_000 - Date.now()));
      marks.pgDown = Date.now();
      await pgServer.stop();
      marks.pgStopped = Date.now();
      await sleep(2_000);
      await pgServer.start();
      marks.pgUp = Date.now();
      // Keep the load on for a while after the last fault: ~20 s in all.
      stopAt = Math.max(t00 + 20_000, Date.now() + 6_000);
    };
    await Promise.all([faults(), probe(), ...Array.from({ length: 8 }, (_, k) => loop(k))]);

    // ---- Figures -------------------------------------------------------------------------
    const authGets = samples.filter((s) => s.kind !== 'login');
    const firstOkAfter = (at: number) => authGets.filter((s) => s.t0 >= at && s.status === 200).sort((x, y) => x.t1 - y.t1)[0];
    const pgRecovered = firstOkAfter(marks.pgUp!);
    const redisRecovered = firstOkAfter(marks.redisUp!);
    const statusTable: Record<string, Record<string, number>> = {};
    for (const s of samples) {
      const row = (statusTable[s.kind] ??= {});
      row[String(s.status)] = (row[String(s.status)] ?? 0) + 1;
    }
    const nonOkDuring = (from: number, to: number) => authGets.filter((s) => s.t1 >= from && s.t0 <= to && s.status !== 200).length;
    const lastNon200 = authGets.filter((s) => s.status !== 200).sort((x, y) => y.t1 - x.t1)[0];
    const rel = (t: number | undefined) => (t === undefined ? 'never' : `${((t - t00) / 1000).toFixed(2)} s`);
    console.log(
      [
        '',
        `fault load: 8 loops + 1 probe against one process, ${samples.length} requests in ${((Date.now() - t00) / 1000).toFixed(1)} s`,
        `timeline: Redis stopped ${rel(marks.redisDown)}, back ${rel(marks.redisUp)}; PostgreSQL stop ${rel(marks.pgDown)}–${rel(marks.pgStopped)}, back ${rel(marks.pgUp)}`,
        'responses by status:',
        ...Object.entries(statusTable).map(([kind, row]) => `  ${kind.padEnd(6)} ${Object.entries(row).map(([st, n]) => `${st}: ${n}`).join('  ')}`),
        `  total  ${Object.entries(countBy(samples.map((s) => String(s.status)))).map(([st, n]) => `${st}: ${n}`).join('  ')}`,
        'recovery (service back → first 200 of an authenticated GET sent after it):',
        `  Redis       ${redisRecovered ? `${redisRecovered.t1 - marks.redisUp!} ms` : 'never'} (authenticated GETs failing while Redis was down: ${nonOkDuring(marks.redisDown!, marks.redisUp!)}); shared counters back in Redis after ${countersBackAt ? `${countersBackAt - marks.redisUp!} ms` : 'never (within 10 s)'}`,
        `  PostgreSQL  ${pgRecovered ? `${pgRecovered.t1 - marks.pgUp!} ms` : 'never'} (non-200 authenticated GETs around the restart: ${nonOkDuring(marks.pgDown!, marks.pgUp! + 5_000)}; last non-200 answered ${lastNon200 ? `${lastNon200.t1 - marks.pgUp!} ms after PostgreSQL was back` : '—'})`,
        '',
      ].join('\n'),
    );

    // ---- Assertions ----------------------------------------------------------------------
    expect.soft(server.alive, `the server died:\n${server.lines.slice(-25).map((l) => l.slice(0, 400)).join('\n')}`).toBe(true);
    const noResponse = samples.filter((s) => s.status === 0);
    expect.soft(noResponse.map((s) => `${s.kind}: ${s.error}`).slice(0, 10), 'requests that got no HTTP response').toEqual([]);
    const fiveHundreds = samples.filter((s) => s.status >= 500 && s.status !== 503);
    // What the server logged for them: the internal errors that were not a lost database.
    const internalErrors = server
      .logs()
      .filter((l) => l.msg === 'unhandled error' && (l.err as { type?: string } | undefined)?.type !== 'StoreUnavailableError')
      .map((l) => String((l.err as { stack?: string } | undefined)?.stack ?? JSON.stringify(l.err)).split('\n').slice(0, 8).join(' | '));
    expect.soft(fiveHundreds.map((s) => `${s.kind} ${s.status} at ${rel(s.t1)}: ${s.body}`).slice(0, 10), `5xx other than 503; the server logged: ${internalErrors.slice(0, 3).join(' || ')}`).toEqual([]);
    const bad503 = samples.filter((s) => s.status === 503 && JSON.stringify(s.json) !== JSON.stringify(UNAVAILABLE_BODY));
    expect.soft(bad503.map((s) => `${s.kind}: ${s.body}`).slice(0, 10), '503 without the documented body').toEqual([]);
    const no503RetryAfter = samples.filter((s) => s.status === 503 && !(Number(s.retryAfter) > 0));
    expect.soft(no503RetryAfter.length, '503 without Retry-After (docs/deployment.md)').toBe(0);
    const unexpected = samples.filter((s) => ![200, 503].includes(s.status));
    expect.soft(unexpected.map((s) => `${s.kind} ${s.status} at ${rel(s.t1)}: ${s.body}`).slice(0, 10), 'anything but 200 or 503').toEqual([]);
    expect.soft(pgRecovered, 'no authenticated GET succeeded after PostgreSQL came back').toBeDefined();
    expect.soft(countersBackAt, 'the login counters never reached the restarted Redis').toBeDefined();

    // What follows needs the server alive.
    expect(server.alive, 'the server died (see above)').toBe(true);

    // Zero lost sessions: every session obtained before (and during) the faults still authenticates.
    const lost: string[] = [];
    for (const { session, ip } of [...users.map((u) => ({ session: u.session, ip: u.ip })), ...laterSessions]) {
      const me = await send(server.base, 'GET', '/auth/me', { headers: { ...authed(session), 'x-forwarded-for': ip } });
      if (me.status !== 200 || (me.json as { user?: { id?: string } }).user?.id !== session.userId) lost.push(`${session.email}: ${me.status} ${me.text}`);
    }
    expect(lost, `${lost.length} of ${users.length + laterSessions.length} sessions lost`).toEqual([]);
    // And the users: every one still logs in; the database still holds them all.
    const logins = await Promise.all(users.map((u) => login(server.base, u.email, PASSWORD, nextIp())));
    expect(logins.map((r) => r.status)).toEqual(users.map(() => 200));
    const [row] = await pgServer.query<{ n: string }>('select count(*) as n from users');
    expect(Number(row!.n)).toBe(users.length);
    expect(server.alive).toBe(true);
    const errorLines = server.logs().filter((l) => typeof l.level === 'number' && l.level >= 50);
    console.log(`server log lines at error level or above during the faults: ${errorLines.length}${errorLines[0] ? ` (first: ${String(errorLines[0].msg)})` : ''}`);
  }, 120_000);
});

describe('Redis lost while running', () => {
  // Two processes on one private Redis (which this describe stops and starts) and a shared-PostgreSQL schema.
  let redis: PrivateRedis;
  let a: ServerProcess;
  let b: ServerProcess;
  let prefix: string;
  let email: string;
  let ip: string;
  let session: Session;
  const redisLines = (s: ServerProcess, level: number, word: string) =>
    s.logs().filter((l) => l.level === level && typeof l.msg === 'string' && l.msg.startsWith(`Redis ${word}`));
  /** Output that is not a JSON log line: Node's process warnings, stray prints. */
  const strayLines = (s: ServerProcess) => s.lines.filter((l) => !l.startsWith('{'));
  const waitFor = async (what: string, check: () => boolean, timeoutMs = 10_000) => {
    const started = Date.now();
    while (!check()) {
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}:\n${a.lines.slice(-20).join('\n')}`);
      await sleep(20);
    }
    return Date.now() - started;
  };
  /** A (client, account) pair that logged in keeps its own lockout budget (docs/security.md). */
  const knownDeviceKeepsItsBudget = async (server: ServerProcess, check: ServerProcess) => {
    const victim = uniqueEmail('known');
    const home = nextIp();
    await register(server.base, victim, PASSWORD, nextIp());
    const first = await login(server.base, victim, PASSWORD, home);
    expect(first.status, first.text).toBe(200);
    const attacker = nextIp();
    for (let i = 0; i < 3; i++) expect((await login(server.base, victim, 'sprayed guess', attacker)).status).toBe(401);
    expect((await login(server.base, victim, PASSWORD, attacker)).status, 'the shared budget is locked').toBe(429);
    return login(check.base, victim, PASSWORD, home);
  };

  beforeAll(async () => {
    const dir = tempDir('redislost');
    redis = await startPrivateRedis();
    const [portA, portB] = [await freePort(), await freePort()];
    prefix = uniqueName('pc_lost');
    const shared = {
      DATABASE_URL: await sharedPostgresSchema('redislost'),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: prefix,
      SECRET_KEY: randomSecret(),
      ACCESS_TOKEN_KEY_FILE: ed25519KeyFile(dir),
      PUBLIC_URL: `http://127.0.0.1:${portA}`,
      TRUST_PROXY: 'loopback',
      AUTH_RATE_LIMIT_REGISTER: '1000/1h',
      AUTH_LOCKOUT_BASE_DELAY: '5m',
      TOKEN_STATE_CACHE_TTL: '10m',
      // info: to see the one "Redis back" line too.
      LOG_LEVEL: 'info',
    };
    a = await spawnServer({ ...baseEnv(dir, portA), ...shared });
    b = await spawnServer({ ...baseEnv(dir, portB), ...shared });
    ip = nextIp();
    email = uniqueEmail('lost');
    session = await register(a.base, email, PASSWORD, ip);
  }, 60_000);

  it('(control, Redis up) a known device keeps its own lockout budget, across processes', async () => {
    const res = await knownDeviceKeepsItsBudget(a, b);
    expect(res.status, res.text).toBe(200);
  });

  it('while Redis is down: sessions validate from SQL, the 6th login in a minute is still 429 (per process), lockout holds, no 5xx, and the outage is logged once', async () => {
    // Start-up announcements (the development outbox, …) are not the outage's lines.
    const linesBefore = new Map([a, b].map((s) => [s, s.logs().length]));
    await redis.stop();
    await waitFor('the outage to be noticed', () => redisLines(a, 40, 'lost').length >= 2 && redisLines(b, 40, 'lost').length >= 2);

    expect((await send(a.base, 'GET', '/auth/me', { headers: { ...authed(session), 'x-forwarded-for': ip } })).status).toBe(200);
    // Never fail open.
    const attacker = nextIp();
    const six: HttpResult[] = [];
    for (let i = 0; i < 6; i++) six.push(await login(a.base, email, PASSWORD, attacker));
    expect(six.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(six[5]!.json).toEqual(RATE_LIMITED);
    const victim = uniqueEmail('lost-victim');
    await register(a.base, victim, PASSWORD, nextIp());
    const guesser = nextIp();
    for (let i = 0; i < 3; i++) expect((await login(a.base, victim, 'not the password', guesser)).status).toBe(401);
    expect((await login(a.base, victim, PASSWORD, guesser)).status).toBe(429);
    // Plenty of traffic while Redis is down: no 5xx, and no log line per request.
    const burst = await Promise.all([
      ...Array.from({ length: 30 }, () => send(a.base, 'GET', '/auth/me', { headers: { ...authed(session), 'x-forwarded-for': ip } })),
      ...Array.from({ length: 10 }, () => login(a.base, email, PASSWORD, nextIp())),
    ]);
    expect(burst.filter((r) => r.status >= 500).map((r) => `${r.status} ${r.text}`)).toEqual([]);
    await sleep(300);
    for (const s of [a, b]) {
      const lost = redisLines(s, 40, 'lost');
      expect(lost.map((l) => l.msg), `"Redis lost" lines of :${s.port}: one per function (counters, invalidation)`).toHaveLength(2);
      expect(lost.filter((l) => String(l.msg).includes('rate limits'))).toHaveLength(1);
      // Failed logins are security events, logged one by one by design; nothing else may repeat.
      const warnings = s.logs().slice(linesBefore.get(s)).filter((l) => typeof l.level === 'number' && l.level >= 40 && l.logger !== 'security');
      expect(warnings.map((w) => w.msg), `warn+ lines of :${s.port} during the outage (security events aside)`).toHaveLength(2);
    }
  });

  it('while Redis is down: a successful login prints no process warning and a known device still keeps its own lockout budget (AUTH_LOCKOUT_KNOWN_DEVICE = 30d)', async () => {
    expect(redis.running).toBe(false);
    const res = await knownDeviceKeepsItsBudget(a, a);
    expect.soft(res.status, `the victim, from the device they logged in with, is locked out by the attacker's failures: ${res.text}`).toBe(200);
    expect.soft(strayLines(a).slice(0, 6), `non-log output of :${a.port} while Redis was down`).toEqual([]);
  });

  it('when Redis returns: one line each way, shared counters and cross-process invalidation come back by themselves', async () => {
    await redis.start();
    const backAt = Date.now();
    await waitFor('both processes to report Redis back', () => redisLines(a, 30, 'back').length >= 2 && redisLines(b, 30, 'back').length >= 2);
    console.log(`\nRedis lost while running: both processes reported Redis back ${Date.now() - backAt} ms after it restarted`);
    for (const s of [a, b]) {
      expect(redisLines(s, 30, 'back')).toHaveLength(2);
      expect(redisLines(s, 40, 'lost')).toHaveLength(2);
    }

    // Shared counters again: 5 logins on A, the 6th on B is refused.
    const fresh = nextIp();
    for (let i = 0; i < 5; i++) expect((await login(a.base, email, PASSWORD, fresh)).status).toBe(200);
    const sixthOnB = await login(b.base, email, PASSWORD, fresh);
    expect(sixthOnB.status, 'after Redis returned, the login limit is shared again').toBe(429);
    expect((await redis.keys(`${prefix}:*`)).length).toBeGreaterThan(0);

    // Cross-process invalidation again: a password change on B is refused on A at once.
    const tokenIp = nextIp();
    const tokens = await send(a.base, 'POST', '/auth/token', { json: { email, password: PASSWORD }, headers: { 'x-forwarded-for': tokenIp } });
    expect(tokens.status, tokens.text).toBe(200);
    const access = (tokens.json as { access_token: string }).access_token;
    expect((await send(a.base, 'GET', '/auth/me', { headers: bearer(access) })).status).toBe(200);
    const ipOnB = nextIp();
    const onB = sessionFrom(await login(b.base, email, PASSWORD, ipOnB), 'login on B');
    const changed = await send(b.base, 'POST', '/auth/change-password', {
      json: { password: PASSWORD, new_password: 'violet quasar tumbles over 9 fjords' },
      headers: { ...authed(onB), 'x-forwarded-for': ipOnB },
    });
    expect(changed.status, changed.text).toBe(200);
    const me = await send(a.base, 'GET', '/auth/me', { headers: bearer(access) });
    expect(me.status, 'the invalidation bus did not resubscribe after Redis returned').toBe(401);

    expect(a.alive && b.alive).toBe(true);
    for (const s of [a, b]) expect(s.logs().filter((l) => typeof l.level === 'number' && l.level >= 50)).toEqual([]);
  });
});

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
