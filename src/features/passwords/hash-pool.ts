/**
 * @module The hashing pool: argon2id runs in worker threads of lowered scheduling priority, never on
 * the event loop and never in libuv's shared pool (where it would queue file and DNS work behind it).
 * A login storm then uses every core for hashing while each request that needs the event loop gets
 * a core at once: the kernel prefers the event loop whenever both want to run.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';

export interface HashPoolOptions {
  /** Worker threads, each computing one hash at a time. Default: one per core. */
  readonly threads?: number;
  /**
   * How much lower than the process the workers run (nice increment, 0–19; Linux only, elsewhere
   * ignored). Default 10: under contention the event loop gets about nine tenths of a core, and
   * hashing still progresses when the machine is saturated.
   */
  readonly niceness?: number;
}

export const DEFAULT_HASH_NICENESS = 10;

export function defaultHashThreads(): number {
  return Math.max(1, availableParallelism());
}

/** What a worker computes (argon2-worker.mjs): a new hash, or a verification of one. */
export type HashTask =
  | { readonly op: 'hash'; readonly password: string; readonly options: Readonly<Record<string, number>> }
  | { readonly op: 'verify'; readonly hash: string; readonly password: string };

export interface HashPool {
  run(task: Extract<HashTask, { op: 'hash' }>): Promise<string>;
  run(task: Extract<HashTask, { op: 'verify' }>): Promise<boolean>;
}

// The worker file sits beside this module: .ts under tsx/vitest, .js in the built package; the
// worker itself is plain JavaScript either way.
const WORKER_URL = new URL('./argon2-worker.mjs', import.meta.url);

/** One pool per (threads, niceness) for the whole process, shared by every hasher, started on first use. */
const pools = new Map<string, Piscina>();

function poolFor(threads: number, niceness: number): Piscina {
  const key = `${threads}/${niceness}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = new Piscina({
      filename: WORKER_URL.href,
      minThreads: threads,
      maxThreads: threads,
      // Two tasks handed to each worker: when one hash ends, the next starts at once in the worker,
      // without waiting for the event loop to hand it over (a busy loop would idle the core).
      concurrentTasksPerWorker: 2,
      // minThreads = maxThreads: no worker is ever retired. Idle ones do not keep the process alive (Piscina unrefs them).
      // The workers need no loader or flags of the parent (tsx, --inspect, …): plain Node starts faster.
      execArgv: [],
      workerData: { niceness },
    });
    pools.set(key, pool);
  }
  return pool;
}

export function validateHashPoolOptions(options: HashPoolOptions): Required<HashPoolOptions> {
  const threads = options.threads ?? defaultHashThreads();
  const niceness = options.niceness ?? DEFAULT_HASH_NICENESS;
  if (!Number.isSafeInteger(threads) || threads < 1) throw new TypeError('argon2 threads must be a positive integer');
  if (!Number.isSafeInteger(niceness) || niceness < 0 || niceness > 19) throw new TypeError('argon2 niceness must be an integer from 0 to 19');
  return { threads, niceness };
}

/** The configuration's form (`password.hashing`, ARGON2_THREADS / ARGON2_NICENESS) as pool options. */
export function hashPoolOptions(setting: { readonly threads: number | 'cores'; readonly niceness: number }): HashPoolOptions {
  return setting.threads === 'cores' ? { niceness: setting.niceness } : { threads: setting.threads, niceness: setting.niceness };
}

export function hashPool(options: HashPoolOptions = {}): HashPool {
  const { threads, niceness } = validateHashPoolOptions(options);
  return {
    run: ((task: HashTask) => poolFor(threads, niceness).run(task)) as HashPool['run'],
  };
}

/** Stops every pool's workers (tests and shutdown; a later hash starts a new pool). */
export async function closeHashPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((pool) => pool.destroy()));
}
