/**
 * @module The hashing pool: argon2id runs in worker threads of lowered scheduling priority, never on
 * the event loop and never in libuv's shared pool (where it would queue file and DNS work behind it).
 * A login storm then uses every core for hashing while each request that needs the event loop gets
 * a core at once: the kernel prefers the event loop whenever both want to run. Its queue is bounded:
 * past `threads + maxQueue` tasks a new one is refused at once (BUSY), so a flood of guesses cannot
 * make a real login wait behind it.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { AuthError } from '../../core/errors.ts';

export interface HashPoolOptions {
  /** Worker threads, each computing one hash at a time. Default: one per core. */
  readonly threads?: number;
  /**
   * How much lower than the process the workers run (nice increment, 0–19; Linux only, elsewhere
   * ignored). Default 10: under contention the event loop gets about nine tenths of a core, and
   * hashing still progresses when the machine is saturated.
   */
  readonly niceness?: number;
  /**
   * Tasks that may wait for a thread, beyond the one each thread is computing. When `threads +
   * maxQueue` are already admitted, a new task is refused at once with HashQueueFullError (BUSY).
   * 0: no waiting at all. Default: DEFAULT_QUEUE_PER_THREAD × threads.
   */
  readonly maxQueue?: number;
}

export const DEFAULT_HASH_NICENESS = 10;
/**
 * Four waiting tasks per thread: a full queue drains in about five hash times (~0.1 s at OWASP
 * parameters), short enough that an admitted login never waits long, long enough that an ordinary
 * burst of logins from many users is absorbed rather than refused.
 */
export const DEFAULT_QUEUE_PER_THREAD = 4;
/**
 * The Retry-After of a refusal: a full queue drains in well under a second, and a second is the
 * smallest wait the header can say.
 */
export const BUSY_RETRY_AFTER_SECONDS = 1;

/**
 * The pool's queue is full: nothing was computed, so this is neither a right nor a wrong password
 * and must not count toward any lockout. An AuthError (503 BUSY + Retry-After) so that, left
 * uncaught, it is answered as documented; its own class so that callers can tell it apart.
 */
export class HashQueueFullError extends AuthError {
  constructor() {
    super('BUSY', { retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS });
    this.name = 'HashQueueFullError';
  }
}

export function defaultHashThreads(): number {
  return Math.max(1, availableParallelism());
}

/** What a worker computes (argon2-worker.mjs): a new hash, or a verification of one. */
export type HashTask =
  | { readonly op: 'hash'; readonly password: string; readonly options: Readonly<Record<string, number>> }
  | { readonly op: 'verify'; readonly hash: string; readonly password: string };

export interface HashPool {
  /** Rejects with HashQueueFullError, before any work, when the pool already holds its limit. */
  run(task: Extract<HashTask, { op: 'hash' }>): Promise<string>;
  run(task: Extract<HashTask, { op: 'verify' }>): Promise<boolean>;
  /**
   * Lets go of the shared pool. When no handle on it is left, its workers finish what they hold
   * and stop; while another handle (another Auth) holds it, nothing stops. Idempotent; after it,
   * `run` rejects.
   */
  release(): Promise<void>;
}

/** What a pool has admitted, counted by the pool itself: what a test or an operator can watch. */
export interface HashPoolLoad {
  /** Tasks handed to the workers and not yet settled: computing or waiting for a thread. */
  readonly inFlight: number;
  /** The most tasks ever in flight at once since the pool started. */
  readonly peakInFlight: number;
  /** Tasks refused because the queue was full, since the pool started. */
  readonly refusedTotal: number;
}

// The worker file sits beside this module: .ts under tsx/vitest, .js in the built package; the
// worker itself is plain JavaScript either way.
const WORKER_URL = new URL('./argon2-worker.mjs', import.meta.url);

/** A started pool and its admission counters (mutable: every hasher of these settings shares them). */
interface PoolEntry {
  readonly workers: Piscina;
  inFlight: number;
  peakInFlight: number;
  refusedTotal: number;
}

/**
 * One pool per (threads, niceness) for the whole process, shared by every hasher, started on first
 * use. The bound is checked per hasher against the shared count, so two hashers with different
 * maxQueue on one pool each stop at their own limit.
 */
const pools = new Map<string, PoolEntry>();

const poolKey = (threads: number, niceness: number) => `${threads}/${niceness}`;

/**
 * Handles not yet released, per pool key: a pool is shared by every hasher of its settings, so it
 * may only stop when the last of them lets go (closing one Auth must not stop another's hashing).
 */
const holders = new Map<string, number>();

function poolFor(threads: number, niceness: number): PoolEntry {
  const key = poolKey(threads, niceness);
  let pool = pools.get(key);
  if (!pool) {
    const workers = new Piscina({
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
      // Admission is counted here, not by Piscina's own maxQueue: with two tasks handed to each
      // worker its queue size is not the number of hashes waiting, and ours must be exact.
    });
    pool = { workers, inFlight: 0, peakInFlight: 0, refusedTotal: 0 };
    pools.set(key, pool);
  }
  return pool;
}

export function validateHashPoolOptions(options: HashPoolOptions): Required<HashPoolOptions> {
  const threads = options.threads ?? defaultHashThreads();
  const niceness = options.niceness ?? DEFAULT_HASH_NICENESS;
  if (!Number.isSafeInteger(threads) || threads < 1) throw new TypeError('argon2 threads must be a positive integer');
  if (!Number.isSafeInteger(niceness) || niceness < 0 || niceness > 19) throw new TypeError('argon2 niceness must be an integer from 0 to 19');
  const maxQueue = options.maxQueue ?? DEFAULT_QUEUE_PER_THREAD * threads;
  if (!Number.isSafeInteger(maxQueue) || maxQueue < 0) throw new TypeError('argon2 maxQueue must be a whole number');
  return { threads, niceness, maxQueue };
}

/** The configuration's form (`password.hashing`, ARGON2_THREADS / ARGON2_NICENESS / ARGON2_MAX_QUEUE) as pool options. */
export function hashPoolOptions(setting: {
  readonly threads: number | 'cores';
  readonly niceness: number;
  readonly maxQueue: number | 'auto';
}): HashPoolOptions {
  return {
    ...(setting.threads === 'cores' ? {} : { threads: setting.threads }),
    niceness: setting.niceness,
    ...(setting.maxQueue === 'auto' ? {} : { maxQueue: setting.maxQueue }),
  };
}

export function hashPool(options: HashPoolOptions = {}): HashPool {
  const { threads, niceness, maxQueue } = validateHashPoolOptions(options);
  const limit = threads + maxQueue;
  const key = poolKey(threads, niceness);
  holders.set(key, (holders.get(key) ?? 0) + 1);
  let released: Promise<void> | undefined;
  return {
    run: ((task: HashTask) => {
      if (released) return Promise.reject(new Error('This password hasher was closed'));
      const pool = poolFor(threads, niceness);
      // Refused before anything is handed over: a refusal costs no hashing and no wait.
      if (pool.inFlight >= limit) {
        pool.refusedTotal += 1;
        return Promise.reject(new HashQueueFullError());
      }
      pool.inFlight += 1;
      pool.peakInFlight = Math.max(pool.peakInFlight, pool.inFlight);
      return pool.workers.run(task).finally(() => {
        pool.inFlight -= 1;
      });
    }) as HashPool['run'],
    release: () =>
      (released ??= (async () => {
        const left = (holders.get(key) ?? 1) - 1;
        if (left > 0) {
          holders.set(key, left);
          return;
        }
        holders.delete(key);
        const pool = pools.get(key);
        if (!pool) return;
        pools.delete(key);
        // Graceful: tasks already handed over finish (their callers get answers), then the threads end.
        await pool.workers.close();
      })()),
  };
}

/** The load of the pool these options select; all zero when it has not started (or was closed). */
export function hashPoolLoad(options: HashPoolOptions = {}): HashPoolLoad {
  const { threads, niceness } = validateHashPoolOptions(options);
  const pool = pools.get(poolKey(threads, niceness));
  return { inFlight: pool?.inFlight ?? 0, peakInFlight: pool?.peakInFlight ?? 0, refusedTotal: pool?.refusedTotal ?? 0 };
}

/**
 * Stops every pool's workers at once, whoever holds them (tests, and process shutdown when the
 * hashers were made outside an Auth); a later hash starts a new pool. An Auth releases its own
 * hold on `close()` instead, which leaves other Auths' pools alone.
 */
export async function closeHashPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((pool) => pool.workers.destroy()));
}
