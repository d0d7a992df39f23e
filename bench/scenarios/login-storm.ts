/**
 * @module `login-storm`: logins per second against the raw argon2id rate at the same parameters
 * on the same machine (target: ≥ 90 %), and the p99 of authenticated GETs served while 50
 * logins run at once (target: < 25 ms). The per-IP login limit is lifted for this one server.
 */
import { hash, verify } from '@node-rs/argon2';
import { createPasswordHasher, OWASP_ARGON2ID } from 'portcullis';
import type { RunContext } from '../lib/context.ts';
import { formatMs, formatRate, markdownTable } from '../lib/format.ts';
import { runLoad, type LoadResult } from '../lib/load.ts';
import { log } from '../lib/measure.ts';
import { portcullisAuthGet, portcullisLoginTarget, portcullisSqliteSpec } from '../lib/peers.ts';
import { startServer } from '../lib/process.ts';
import { median } from '../lib/stats.ts';
import { BENCH_USER } from '../servers/bench-user.ts';
import type { Scenario } from './scenario.ts';

const LOGIN_CONNECTIONS = 50;
const GET_CONNECTIONS = 10;
/** `Algorithm.Argon2id` of @node-rs/argon2 (an ambient const enum, which isolated modules cannot read). */
const ARGON2ID = 2;
/**
 * Authenticated GETs per second sent during the storm. A fixed (open-loop) rate measures the
 * latency a visitor sees; a closed loop as fast as answers come would measure its own queue and
 * take the very CPU the logins beside it need.
 */
const GET_RATE = 200;
const ROUNDS_AT_LEAST = 5;

/** Verifications at once for the raw rate: libuv's pool size, where @node-rs/argon2's own async calls run. */
function poolSize(): number {
  const size = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  return Number.isInteger(size) && size > 0 ? size : 4;
}

/** Successful verifications per second, `inFlight` at a time, for `seconds`. */
async function verificationsPerSecond(seconds: number, inFlight: number, verifyOnce: () => Promise<boolean>): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) {
        if (!(await verifyOnce())) throw new Error('a verification of the right password failed');
        done++;
      }
    }),
  );
  return done / seconds;
}

/**
 * The raw rate: @node-rs/argon2's own async `verify` (no Portcullis in between) at the default
 * parameters with libuv's pool kept full — the most this machine verifies per second.
 */
async function rawVerifyRate(seconds: number, inFlight: number): Promise<number> {
  const stored = await hash(BENCH_USER.password, { algorithm: ARGON2ID, ...OWASP_ARGON2ID });
  return verificationsPerSecond(seconds, inFlight, () => verify(stored, BENCH_USER.password));
}

/** Verifications/s through Portcullis's own hasher (its worker pool), LOGIN_CONNECTIONS at once, no HTTP. */
async function poolVerifyRate(seconds: number): Promise<number> {
  const hasher = createPasswordHasher();
  const stored = await hasher.hashPassword(BENCH_USER.password);
  return verificationsPerSecond(seconds, LOGIN_CONNECTIONS, () => hasher.verifyPassword(stored, BENCH_USER.password));
}

interface Round {
  /** The raw rate just before and just after the server's runs (the machine drifts; the mean brackets it). */
  readonly raw: number;
  readonly pool: number;
  /** 50 concurrent logins and nothing else. */
  readonly alone: LoadResult;
  /** 50 concurrent logins while authenticated GETs arrive at GET_RATE. */
  readonly storm: LoadResult;
  readonly gets: LoadResult;
}

const percent = (x: number) => `${(x * 100).toFixed(0)} %`;

export const loginStorm: Scenario = {
  name: 'login-storm',
  description: 'Logins/s vs raw argon2id verifications/s, and authenticated GET p99 during 50 concurrent logins',
  async run(ctx: RunContext) {
    const inFlight = poolSize();
    const seconds = ctx.config.durationSeconds;
    const rounds: Round[] = [];
    // The ratio swings ±10 % from round to round on a shared VM: at least 5 rounds for its median.
    const roundCount = ctx.config.quick ? ctx.config.rounds : Math.max(ROUNDS_AT_LEAST, ctx.config.rounds);
    for (let round = 0; round < roundCount; round++) {
      const rawBefore = await rawVerifyRate(seconds, inFlight);
      const pool = await poolVerifyRate(seconds);
      const spec = portcullisSqliteSpec(ctx);
      const server = await startServer({ ...spec, env: { ...spec.env, BENCH_UNLIMITED_LOGINS: '1' } }, ctx.workDir);
      let alone: LoadResult;
      let storm: LoadResult;
      let gets: LoadResult;
      try {
        const getTarget = await portcullisAuthGet(server.url);
        const loginTarget = portcullisLoginTarget(server.url);
        // Each run settles for the warm-up first (connections open, 50 logins in flight) and counts
        // only what completes after it.
        const settings = { durationSeconds: seconds, settleSeconds: ctx.config.warmupSeconds };
        alone = await runLoad(loginTarget, { ...settings, connections: LOGIN_CONNECTIONS });
        [storm, gets] = await Promise.all([
          runLoad(loginTarget, { ...settings, connections: LOGIN_CONNECTIONS }),
          runLoad(getTarget, { ...settings, connections: GET_CONNECTIONS, overallRate: GET_RATE }),
        ]);
      } finally {
        await server.stop();
      }
      const raw = (rawBefore + (await rawVerifyRate(seconds, inFlight))) / 2;
      log(
        `login-storm round ${round + 1}: raw ${formatRate(raw)}/s, pool ${formatRate(pool)}/s, ` +
          `logins ${formatRate(alone.requestsPerSecond)}/s alone (${percent(alone.requestsPerSecond / raw)}), ` +
          `${formatRate(storm.requestsPerSecond)}/s with GETs, GET p99 ${formatMs(gets.p99Ms)} ms`,
      );
      rounds.push({ raw, pool, alone, storm, gets });
    }
    const raw = median(rounds.map((r) => r.raw));
    const pool = median(rounds.map((r) => r.pool));
    const logins = median(rounds.map((r) => r.alone.requestsPerSecond));
    // Each round's logins against that round's raw rate, then the median: drift between rounds cancels.
    const ratio = median(rounds.map((r) => r.alone.requestsPerSecond / r.raw));
    const stormLogins = median(rounds.map((r) => r.storm.requestsPerSecond));
    const getP99 = median(rounds.map((r) => r.gets.p99Ms));
    const getP50 = median(rounds.map((r) => r.gets.p50Ms));
    const getRps = median(rounds.map((r) => r.gets.requestsPerSecond));
    const valid = rounds.every((r) => [r.alone, r.storm, r.gets].every((load) => load.expectedShare >= 0.99 && load.errors === 0));
    const flag = valid ? '' : ' ⚠ unexpected statuses or errors';
    const table = markdownTable(
      ['measure', 'value', 'target'],
      [
        [`raw argon2id verifications/s (@node-rs/argon2 alone, m=19 MiB, t=2, p=1; ${inFlight} in flight)`, formatRate(raw), '—'],
        [`verifications/s through Portcullis's hashing pool (${LOGIN_CONNECTIONS} at once, no HTTP)`, formatRate(pool), '—'],
        [`logins/s (${LOGIN_CONNECTIONS} concurrent, over HTTP, load generator on the same machine)${flag}`, formatRate(logins), '—'],
        ['logins ÷ raw verifications (median of the rounds\' ratios)', percent(ratio), '≥ 90 %'],
        [`logins/s while the GETs below run`, formatRate(stormLogins), '—'],
        [`authenticated GETs during the storm (${GET_CONNECTIONS} connections, ${GET_RATE}/s offered): req/s`, formatRate(getRps), '—'],
        ['authenticated GET p50 during the storm', `${formatMs(getP50)} ms`, '—'],
        ['authenticated GET p99 during the storm', `${formatMs(getP99)} ms`, '< 25 ms'],
      ],
    );
    return {
      name: this.name,
      title: 'Login storm (login-storm)',
      markdown: table,
      data: { raw, pool, logins, ratio, stormLogins, getP50, getP99, getRps, inFlight, getRate: GET_RATE, rounds },
    };
  },
};
