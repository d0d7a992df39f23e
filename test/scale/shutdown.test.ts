/**
 * Graceful shutdown of the real process (`src/app/main.ts`) on SIGTERM: logins in flight (argon2,
 * made slow on purpose) finish with their normal answer and their sessions are really stored; new
 * connections are refused at once; the process exits 0 once the pools are closed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  PASSWORD,
  SHARED_REDIS_URL,
  authed,
  baseEnv,
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
  sleep,
  spawnServer,
  tempDir,
  uniqueEmail,
  type HttpResult,
} from './services.ts';

afterAll(async () => {
  await cleanup();
}, 60_000);

describe('SIGTERM', () => {
  it('finishes the in-flight logins with 200, refuses new connections, and exits 0', async () => {
    const dir = tempDir('shutdown');
    const port = await freePort();
    const env = {
      ...baseEnv(dir, port),
      DATABASE_URL: await sharedPostgresSchema('shutdown'),
      REDIS_URL: SHARED_REDIS_URL,
      REDIS_KEY_PREFIX: sharedRedisPrefix('shutdown'),
      SECRET_KEY: randomSecret(),
      ACCESS_TOKEN_KEY_FILE: ed25519KeyFile(dir),
      TRUST_PROXY: 'loopback',
      AUTH_RATE_LIMIT_REGISTER: '1000/1h',
      // Slow password hashing: the logins are still running when the signal arrives.
      ARGON2_TIME_COST: '8',
      // All 12 logins in flight at once, past the default queue (4 per thread), which would refuse some with 503 BUSY.
      ARGON2_MAX_QUEUE: '1000',
    };
    const server = await spawnServer(env);
    const users = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const email = uniqueEmail('sigterm');
        const ip = nextIp();
        await register(server.base, email, PASSWORD, ip);
        return { email, ip };
      }),
    );

    const t0 = Date.now();
    const inFlight = users.map((u) =>
      login(server.base, u.email, PASSWORD, u.ip).then(
        (res) => ({ res, at: Date.now() }),
        (error: unknown) => ({ res: undefined as HttpResult | undefined, error: String(error), at: Date.now() }),
      ),
    );
    await sleep(100);
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');

    // New connections: refused from (almost) the moment the signal is handled.
    const probes: Array<{ at: number; outcome: string }> = [];
    let refusedAt: number | undefined;
    while (Date.now() - signalledAt < 5_000) {
      const at = Date.now();
      try {
        const res = await send(server.base, 'GET', '/healthz', { timeoutMs: 2_000 });
        probes.push({ at, outcome: String(res.status) });
      } catch (error) {
        const outcome = String((error as { code?: string }).code ?? error);
        probes.push({ at, outcome });
        if (outcome === 'ECONNREFUSED') {
          refusedAt = at;
          break;
        }
      }
      await sleep(10);
    }
    const done = await Promise.all(inFlight);
    const lastDone = Math.max(...done.map((d) => d.at));
    const exit = await Promise.race([server.exited, sleep(15_000).then(() => null)]);
    console.log(
      `\nSIGTERM: ${done.length} logins in flight; first new connection refused ${refusedAt === undefined ? 'never' : `${refusedAt - signalledAt} ms`} after the signal; ` +
        `probes: ${probes.map((p) => `${p.outcome}@${p.at - signalledAt}ms`).join(" ")}; last in-flight login answered ${lastDone - signalledAt} ms after it; exit ${exit ? `code ${exit.code}` : 'still running after 15 s'} (${Date.now() - t0} ms in all)`,
    );

    // Every in-flight login finished normally: 200 and a session.
    expect(done.map((d) => d.res?.status ?? ('error' in d ? d.error : 'none'))).toEqual(users.map(() => 200));
    const sessions = done.map((d) => sessionFrom(d.res!, 'in-flight login'));
    // New connections were refused while those logins were still being answered.
    expect(refusedAt, `probes after SIGTERM: ${JSON.stringify(probes.slice(0, 10))}`).toBeDefined();
    expect(refusedAt!, 'the listener closed only after the in-flight requests: it did not stop accepting first').toBeLessThan(lastDone);
    // Clean exit, by itself, well before main.ts's 10 s safety net (which exits 1).
    expect(exit, 'the process did not exit within 15 s of SIGTERM').not.toBeNull();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.logs().filter((l) => typeof l.level === 'number' && l.level >= 50)).toEqual([]);

    // The sessions of those logins were stored before the exit: a new process honours them.
    const again = await spawnServer({ ...env, PORT: String(await freePort()) });
    for (const [i, session] of sessions.entries()) {
      const me = await send(again.base, 'GET', '/auth/me', { headers: { ...authed(session), 'x-forwarded-for': users[i]!.ip } });
      expect(me.status, me.text).toBe(200);
    }
    expect(await again.stop()).toEqual({ code: 0, signal: null });
  }, 90_000);
});
