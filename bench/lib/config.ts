/** @module Bench settings, read once from the environment (BENCH_*), validated and frozen. */

export interface BenchConfig {
  readonly quick: boolean;
  /** Seconds of measurement per peer and round. */
  readonly durationSeconds: number;
  /** Seconds of load before measuring (JIT, caches, connection pools). */
  readonly warmupSeconds: number;
  /**
   * Seconds of logins before the login storm's first round. At ~80 logins/s V8 keeps tiering the
   * login path up for minutes (rounds after a 60 s warm-up still rose from ~80 % to ~95 %); a server
   * that has been up a while is what the figure is about.
   */
  readonly loginWarmupSeconds: number;
  readonly connections: number;
  readonly rounds: number;
  /** Stored-session counts for the `scale` scenario. */
  readonly scaleSizes: readonly number[];
  /** How many cold starts the `startup` scenario takes the median of. */
  readonly startupRuns: number;
  readonly postgresUrl: string;
  readonly redisUrl: string;
}

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

export function readBenchConfig(): BenchConfig {
  const quick = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
  const sizes = (process.env.BENCH_SCALE_SIZES ?? (quick ? '1000,10000' : '10000,100000,1000000')).split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('BENCH_SCALE_SIZES must be a comma list of positive integers');
  return Object.freeze({
    quick,
    durationSeconds: positiveNumber('BENCH_DURATION', quick ? 1 : 5),
    warmupSeconds: positiveNumber('BENCH_WARMUP', quick ? 0.5 : 2),
    loginWarmupSeconds: positiveNumber('BENCH_LOGIN_WARMUP', quick ? 2 : 180),
    connections: Math.round(positiveNumber('BENCH_CONNECTIONS', 50)),
    rounds: Math.round(positiveNumber('BENCH_ROUNDS', quick ? 1 : 3)),
    scaleSizes: Object.freeze(sizes),
    startupRuns: Math.round(positiveNumber('BENCH_STARTUP_RUNS', quick ? 1 : 3)),
    postgresUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  });
}
