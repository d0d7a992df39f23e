/**
 * @module The raw argon2id rate the login storm is held against: @node-rs/argon2 alone (no
 * Portcullis code), at the default parameters, driven each of the two ways the library offers —
 * its async `verify` with libuv's pool kept full, and its `verifySync` looping on one worker thread
 * per core. On this kind of machine the second is ~10 % faster; the raw rate is whichever is higher
 * in the same round, so Portcullis is never compared with the slower of the two.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { hash, verify } from '@node-rs/argon2';
import { OWASP_ARGON2ID } from 'portcullis';

/** `Algorithm.Argon2id` of @node-rs/argon2 (an ambient const enum, which isolated modules cannot read). */
const ARGON2ID = 2;

/**
 * Successful verifications per second, `inFlight` at a time, for `seconds`. Only those finished
 * within the window count: with 50 in flight, the ones that end after it would add up to 50.
 */
export async function verificationsPerSecond(seconds: number, inFlight: number, verifyOnce: () => Promise<boolean>): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) {
        if (!(await verifyOnce())) throw new Error('a verification of the right password failed');
        if (performance.now() <= until) done++;
      }
    }),
  );
  return done / seconds;
}

/** Verifications at once through the async API: libuv's pool size, where its calls run. */
export function libuvPoolSize(): number {
  const size = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  return Number.isInteger(size) && size > 0 ? size : 4;
}

export interface RawArgon2 {
  /** Verifications/s through the async API, libuvPoolSize() in flight. */
  asyncRate(seconds: number): Promise<number>;
  /** Verifications/s with verifySync looping on `threads` worker threads (one per core). */
  threadRate(seconds: number): Promise<number>;
  readonly threads: number;
  close(): Promise<void>;
}

export async function startRawArgon2(password: string): Promise<RawArgon2> {
  const stored = await hash(password, { algorithm: ARGON2ID, ...OWASP_ARGON2ID });
  const threads = availableParallelism();
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./raw-verify-worker.mjs', import.meta.url), { execArgv: [] }));
  const count = (worker: Worker, seconds: number) =>
    new Promise<number>((done, fail) => {
      const onError = (error: Error) => fail(error);
      worker.once('error', onError);
      worker.once('message', (n: number) => {
        worker.off('error', onError);
        done(n);
      });
      worker.postMessage({ seconds, hash: stored, password });
    });
  return {
    threads,
    asyncRate: (seconds) => verificationsPerSecond(seconds, libuvPoolSize(), () => verify(stored, password)),
    async threadRate(seconds) {
      const counts = await Promise.all(workers.map((worker) => count(worker, seconds)));
      return counts.reduce((a, b) => a + b, 0) / seconds;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
