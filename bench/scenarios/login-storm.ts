/**
 * @module `login-storm`: logins per second against the raw argon2id rate at the same parameters
 * on the same machine (target: ≥ 90 %), and the p99 of authenticated GETs served while 50
 * logins run at once (target: < 25 ms). The per-IP login limit is lifted for this one server,
 * which is warmed up once and then measured in rounds (the raw rate is defined in raw-argon2.ts).
 */
import { createPasswordHasher } from 'portcullis';
import type { RunContext } from '../lib/context.ts';
import { formatMs, formatRate, markdownTable } from '../lib/format.ts';
import { runLoad, type LoadResult, type LoadTarget } from '../lib/load.ts';
import { log } from '../lib/measure.ts';
import { portcullisAuthGet, portcullisLoginTarget, portcullisSqliteSpec } from '../lib/peers.ts';
import { cpuSeconds, startServer, waitUntilIdle, type RunningServer } from '../lib/process.ts';
import { libuvPoolSize, startRawArgon2, verificationsPerSecond, type RawArgon2 } from '../lib/raw-argon2.ts';
import { median } from '../lib/stats.ts';
import { BENCH_USER } from '../servers/bench-user.ts';
import type { Scenario } from './scenario.ts';

const LOGIN_CONNECTIONS = 50;
const GET_CONNECTIONS = 10;
/**
 * Authenticated GETs per second sent during the storm. A fixed (open-loop) rate measures the
 * latency a visitor sees; a closed loop as fast as answers come would measure its own queue and
 * take the very CPU the logins beside it need.
 */
const GET_RATE = 200;
const ROUNDS_AT_LEAST = 5;

/** Verifications/s through Portcullis's own hasher (its worker pool), LOGIN_CONNECTIONS at once, no HTTP. */
async function poolVerifyRate(seconds: number): Promise<number> {
  // As the server: the queue's bound lifted (BENCH_UNLIMITED_LOGINS), or most of the 50 would be refused at once.
  const hasher = createPasswordHasher(undefined, { maxQueue: LOGIN_CONNECTIONS });
  const stored = await hasher.hashPassword(BENCH_USER.password);
  return verificationsPerSecond(seconds, LOGIN_CONNECTIONS, () => hasher.verifyPassword(stored, BENCH_USER.password));
}

interface RawRates {
  readonly async: number;
  readonly threads: number;
}

/** Both raw rates; `threadsFirst` mirrors the order after the logins, so each method brackets them symmetrically. */
async function measureRaw(raw: RawArgon2, seconds: number, threadsFirst = false): Promise<RawRates> {
  if (threadsFirst) {
    const threads = await raw.threadRate(seconds);
    return { threads, async: await raw.asyncRate(seconds) };
  }
  const async = await raw.asyncRate(seconds);
  return { async, threads: await raw.threadRate(seconds) };
}

interface Round {
  /** Each raw rate is the mean of one taken just before and one just after the logins alone (the machine drifts). */
  readonly rawAsync: number;
  readonly rawThreads: number;
  /** The higher of the two: what the library does at best on this machine in this round. */
  readonly raw: number;
  readonly pool: number;
  /** 50 concurrent logins and nothing else. */
  readonly alone: LoadResult;
  /**
   * The server's CPU time (every thread, the hashing pool's included) per login answered in that
   * run. Unlike logins/s, barely moved by other load on the machine: the figure to compare two
   * versions by (the few logins still in flight when the run stops count against it, alike in both).
   */
  readonly cpuMsPerLogin: number;
  /** 50 concurrent logins while authenticated GETs arrive at GET_RATE. */
  readonly storm: LoadResult;
  readonly gets: LoadResult;
}

const percent = (x: number) => `${(x * 100).toFixed(0)} %`;

/**
 * One round on the running server: the raw rates, the logins alone, the raw rates again — back to
 * back, so the two raw measurements bracket the logins closely on a machine whose speed drifts by
 * the second — then the pool's rate, and the logins with GETs beside them.
 */
async function oneRound(ctx: RunContext, rawArgon2: RawArgon2, server: RunningServer, loginTarget: LoadTarget, getTarget: LoadTarget): Promise<Round> {
  const seconds = ctx.config.durationSeconds;
  // Each run settles for the warm-up first (connections open, 50 logins in flight) and counts
  // only what completes after it.
  const settings = { durationSeconds: seconds, settleSeconds: ctx.config.warmupSeconds };
  // The server still hashes the logins queued when a run ends: every measurement waits for it.
  await waitUntilIdle(server.pid);
  const rawBefore = await measureRaw(rawArgon2, seconds / 2);
  const cpuBefore = cpuSeconds(server.pid);
  const alone = await runLoad(loginTarget, { ...settings, connections: LOGIN_CONNECTIONS });
  await waitUntilIdle(server.pid);
  const cpuMsPerLogin = ((cpuSeconds(server.pid) - cpuBefore) * 1000) / alone.answered;
  const rawAfter = await measureRaw(rawArgon2, seconds / 2, true);
  const pool = await poolVerifyRate(seconds);
  const [storm, gets] = await Promise.all([
    runLoad(loginTarget, { ...settings, connections: LOGIN_CONNECTIONS }),
    runLoad(getTarget, { ...settings, connections: GET_CONNECTIONS, overallRate: GET_RATE }),
  ]);
  await waitUntilIdle(server.pid);
  const rawAsync = (rawBefore.async + rawAfter.async) / 2;
  const rawThreads = (rawBefore.threads + rawAfter.threads) / 2;
  return { rawAsync, rawThreads, raw: Math.max(rawAsync, rawThreads), pool, alone, cpuMsPerLogin, storm, gets };
}

export const loginStorm: Scenario = {
  name: 'login-storm',
  description: 'Logins/s vs raw argon2id verifications/s, and authenticated GET p99 during 50 concurrent logins',
  async run(ctx: RunContext) {
    const rounds: Round[] = [];
    // The ratio swings ±10 % from round to round on a shared VM: at least 5 rounds for its median.
    const roundCount = ctx.config.quick ? ctx.config.rounds : Math.max(ROUNDS_AT_LEAST, ctx.config.rounds);
    const rawArgon2 = await startRawArgon2(BENCH_USER.password);
    const spec = portcullisSqliteSpec(ctx);
    const server = await startServer({ ...spec, env: { ...spec.env, BENCH_UNLIMITED_LOGINS: '1' } }, ctx.workDir);
    try {
      // One server for every round, warmed up first: the figure is about a server that has been up
      // a while, not about V8 compiling the login path during its first minutes.
      const loginTarget = portcullisLoginTarget(server.url);
      const getTarget = await portcullisAuthGet(server.url);
      await runLoad(loginTarget, { durationSeconds: ctx.config.loginWarmupSeconds, connections: LOGIN_CONNECTIONS });
      for (let round = 0; round < roundCount; round++) {
        const r = await oneRound(ctx, rawArgon2, server, loginTarget, getTarget);
        log(
          `login-storm round ${round + 1}: raw ${formatRate(r.rawAsync)}/s async, ${formatRate(r.rawThreads)}/s on threads, ` +
            `pool ${formatRate(r.pool)}/s, logins ${formatRate(r.alone.requestsPerSecond)}/s alone (${percent(r.alone.requestsPerSecond / r.raw)}, ${formatMs(r.cpuMsPerLogin)} ms CPU each), ` +
            `${formatRate(r.storm.requestsPerSecond)}/s with GETs, GET p99 ${formatMs(r.gets.p99Ms)} ms`,
        );
        rounds.push(r);
      }
    } finally {
      await Promise.all([server.stop(), rawArgon2.close()]);
    }
    const raw = median(rounds.map((r) => r.raw));
    const rawAsync = median(rounds.map((r) => r.rawAsync));
    const rawThreads = median(rounds.map((r) => r.rawThreads));
    const pool = median(rounds.map((r) => r.pool));
    const logins = median(rounds.map((r) => r.alone.requestsPerSecond));
    // Each round's logins against that round's raw rate, then the median: drift between rounds cancels.
    const ratio = median(rounds.map((r) => r.alone.requestsPerSecond / r.raw));
    const cpuMsPerLogin = median(rounds.map((r) => r.cpuMsPerLogin));
    const stormLogins = median(rounds.map((r) => r.storm.requestsPerSecond));
    const getP99 = median(rounds.map((r) => r.gets.p99Ms));
    const getP50 = median(rounds.map((r) => r.gets.p50Ms));
    const getRps = median(rounds.map((r) => r.gets.requestsPerSecond));
    const valid = rounds.every((r) => [r.alone, r.storm, r.gets].every((load) => load.expectedShare >= 0.99 && load.errors === 0));
    const flag = valid ? '' : ' ⚠ unexpected statuses or errors';
    const table = markdownTable(
      ['measure', 'value', 'target'],
      [
        [`raw argon2id verifications/s, @node-rs/argon2 alone (m=19 MiB, t=2, p=1): async \`verify\`, ${libuvPoolSize()} in flight`, formatRate(rawAsync), '—'],
        [`raw, the same library's \`verifySync\` looping on ${rawArgon2.threads} worker threads`, formatRate(rawThreads), '—'],
        ['raw rate: the higher of the two in each round (median of rounds)', formatRate(raw), '—'],
        [`verifications/s through Portcullis's hashing pool (${LOGIN_CONNECTIONS} at once, no HTTP)`, formatRate(pool), '—'],
        [`logins/s (${LOGIN_CONNECTIONS} concurrent, over HTTP, load generator on the same machine)${flag}`, formatRate(logins), '—'],
        ['logins ÷ raw verifications (median of the rounds\' ratios)', percent(ratio), '≥ 90 %'],
        ['server CPU per login, every thread (median of rounds; compare versions by this)', `${formatMs(cpuMsPerLogin)} ms`, '—'],
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
      data: { raw, rawAsync, rawThreads, pool, logins, ratio, cpuMsPerLogin, stormLogins, getP50, getP99, getRps, threads: rawArgon2.threads, getRate: GET_RATE, rounds },
    };
  },
};
