/**
 * @module `login-storm`: logins per second against the raw argon2id rate at the same parameters
 * on the same machine (target: ≥ 90 %), and the p99 of authenticated GETs served while 50
 * logins run at once (target: < 25 ms). The per-IP login limit is lifted for this one server.
 */
import { createPasswordHasher } from 'portcullis';
import type { RunContext } from '../lib/context.ts';
import { formatMs, formatRate, markdownTable } from '../lib/format.ts';
import { USER_AGENT } from '../lib/http.ts';
import { runLoad, type LoadResult } from '../lib/load.ts';
import { log } from '../lib/measure.ts';
import { portcullisAuthGet, portcullisSqliteSpec } from '../lib/peers.ts';
import { startServer } from '../lib/process.ts';
import { median } from '../lib/stats.ts';
import { BENCH_USER } from '../servers/bench-user.ts';
import type { Scenario } from './scenario.ts';

const LOGIN_CONNECTIONS = 50;
const GET_CONNECTIONS = 10;

/** argon2id verifications per second with as many in flight as libuv runs at once (its pool of 4). */
async function rawVerifyRate(seconds: number): Promise<number> {
  const hasher = createPasswordHasher();
  const hash = await hasher.hashPassword(BENCH_USER.password);
  const inFlight = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const until = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) {
        await hasher.verifyPassword(hash, BENCH_USER.password);
        done++;
      }
    }),
  );
  return done / seconds;
}

export const loginStorm: Scenario = {
  name: 'login-storm',
  description: 'Logins/s vs raw argon2id verifications/s, and authenticated GET p99 during 50 concurrent logins',
  async run(ctx: RunContext) {
    const rounds: Array<{ raw: number; logins: LoadResult; gets: LoadResult }> = [];
    for (let round = 0; round < ctx.config.rounds; round++) {
      const raw = await rawVerifyRate(ctx.config.durationSeconds);
      log(`login-storm round ${round + 1} raw argon2id: ${formatRate(raw)} verifications/s`);
      const spec = portcullisSqliteSpec(ctx);
      const server = await startServer({ ...spec, env: { ...spec.env, BENCH_UNLIMITED_LOGINS: '1' } }, ctx.workDir);
      try {
        const getTarget = await portcullisAuthGet(server.url);
        const loginTarget = {
          url: `${server.url}/auth/login`,
          method: 'POST' as const,
          headers: { 'user-agent': USER_AGENT, accept: 'application/json', 'content-type': 'application/json' },
          body: JSON.stringify({ email: BENCH_USER.email, password: BENCH_USER.password }),
          expectStatus: 200,
        };
        const settings = { durationSeconds: ctx.config.durationSeconds };
        const [logins, gets] = await Promise.all([
          runLoad(loginTarget, { ...settings, connections: LOGIN_CONNECTIONS }),
          runLoad(getTarget, { ...settings, connections: GET_CONNECTIONS }),
        ]);
        log(`login-storm round ${round + 1}: ${formatRate(logins.requestsPerSecond)} logins/s, GET p99 ${formatMs(gets.p99Ms)} ms`);
        rounds.push({ raw, logins, gets });
      } finally {
        await server.stop();
      }
    }
    const raw = median(rounds.map((r) => r.raw));
    const logins = median(rounds.map((r) => r.logins.requestsPerSecond));
    const getP99 = median(rounds.map((r) => r.gets.p99Ms));
    const getRps = median(rounds.map((r) => r.gets.requestsPerSecond));
    const valid = rounds.every((r) => r.logins.expectedShare >= 0.99 && r.gets.expectedShare >= 0.99);
    const table = markdownTable(
      ['measure', 'value', 'target'],
      [
        ['raw argon2id verifications/s (m=19 MiB, t=2, p=1; 4 in flight)', formatRate(raw), '—'],
        [`logins/s (${LOGIN_CONNECTIONS} concurrent)${valid ? '' : ' ⚠ unexpected statuses'}`, formatRate(logins), '—'],
        ['logins ÷ raw verifications', `${((logins / raw) * 100).toFixed(0)} %`, '≥ 90 %'],
        [`authenticated GET during the storm (${GET_CONNECTIONS} connections): req/s`, formatRate(getRps), '—'],
        ['authenticated GET p99 during the storm', `${formatMs(getP99)} ms`, '< 25 ms'],
      ],
    );
    return { name: this.name, title: 'Login storm (login-storm)', markdown: table, data: { raw, logins, getP99, getRps, rounds } };
  },
};
