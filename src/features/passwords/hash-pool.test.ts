import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AuthError } from '../../core/errors.ts';
import { createPasswordHasher } from './hasher.ts';
import { closeHashPools, HashQueueFullError, hashPool, hashPoolLoad, hashPoolOptions, validateHashPoolOptions } from './hash-pool.ts';

/** Cheap parameters: these tests are about where hashing runs, not how slow it is. */
const CHEAP = { memoryCost: 8_192, timeCost: 1, parallelism: 1 };
/** A niceness no other pool in this process uses, so its threads can be counted. */
const NICENESS = 7;

/** The nice value of each thread of this process (Linux: field 19 of /proc/self/task/TID/stat). */
function threadNiceness(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

const lowered = () => threadNiceness().filter((nice) => nice === Math.min(19, getPriority() + NICENESS)).length;

afterAll(closeHashPools);

describe('the hashing pool', () => {
  it.runIf(process.platform === 'linux')('hashes in worker threads that run below the event loop; the event loop keeps its priority', async () => {
    const before = getPriority();
    const hasher = createPasswordHasher(CHEAP, { threads: 2, niceness: NICENESS });
    const hash = await hasher.hashPassword('correct horse battery staple');
    await Promise.all([hasher.verifyPassword(hash, 'x'), hasher.verifyPassword(hash, 'y')]);
    expect(lowered()).toBe(2);
    expect(getPriority()).toBe(before);
  });

  it.runIf(process.platform === 'linux')('is shared: more hashers with the same settings start no more threads', async () => {
    const hashers = [1, 2, 3].map(() => createPasswordHasher(CHEAP, { threads: 2, niceness: NICENESS }));
    await Promise.all(hashers.map((h) => h.hashPassword('correct horse battery staple')));
    expect(lowered()).toBe(2);
  });

  it('leaves the event loop free while it hashes: a timer queued after eight hashes runs before any of them ends', async () => {
    const hasher = createPasswordHasher(undefined, { threads: 2 });
    const order: string[] = [];
    const hashes = Array.from({ length: 8 }, (_, i) => hasher.hashPassword(`password number ${i}`).then(() => order.push('hash')));
    await new Promise<void>((resolve) => setImmediate(() => resolve(void order.push('timer'))));
    await Promise.all(hashes);
    expect(order[0]).toBe('timer');
    expect(order.filter((o) => o === 'hash')).toHaveLength(8);
  });

  it('answers false for an unreadable hash or a non-string, and keeps working after it', async () => {
    const hasher = createPasswordHasher(CHEAP, { threads: 1, niceness: NICENESS });
    const hash = await hasher.hashPassword('correct horse battery staple');
    expect(await hasher.verifyPassword('$argon2id$v=19$garbage', 'correct horse battery staple')).toBe(false);
    expect(await hasher.verifyPassword('', 'correct horse battery staple')).toBe(false);
    expect(await hasher.verifyPassword(hash, 42 as unknown as string)).toBe(false);
    expect(await hasher.verifyPassword(hash, 'correct horse battery staple')).toBe(true);
  });

  it('a verification cut off by the pool going away rejects instead of passing for a wrong password; the next one works', async () => {
    const hasher = createPasswordHasher(undefined, { threads: 1, niceness: NICENESS });
    const hash = await hasher.hashPassword('correct horse battery staple');
    // The expectation is attached before the pool goes: the rejection is handled when it happens.
    const cutOff = expect(hasher.verifyPassword(hash, 'correct horse battery staple')).rejects.toThrow();
    await closeHashPools();
    await cutOff;
    expect(await hasher.verifyPassword(hash, 'correct horse battery staple')).toBe(true);
  });

  it('refuses nonsense settings', () => {
    const nonsense = [{ threads: 0 }, { threads: 1.5 }, { niceness: -1 }, { niceness: 20 }, { niceness: 2.5 }, { maxQueue: -1 }, { maxQueue: 0.5 }, { maxQueue: Infinity }];
    for (const bad of nonsense) {
      expect(() => validateHashPoolOptions(bad)).toThrow(TypeError);
      expect(() => hashPool(bad)).toThrow(TypeError);
    }
    expect(validateHashPoolOptions({ threads: 3, niceness: 0 })).toEqual({ threads: 3, niceness: 0, maxQueue: 12 });
    expect(validateHashPoolOptions({ threads: 3, niceness: 0, maxQueue: 0 })).toEqual({ threads: 3, niceness: 0, maxQueue: 0 });
  });

  it('maps the configuration form: "cores" leaves the thread count to the machine, "auto" the queue to the thread count', () => {
    expect(hashPoolOptions({ threads: 'cores', niceness: 10, maxQueue: 'auto' })).toEqual({ niceness: 10 });
    expect(hashPoolOptions({ threads: 4, niceness: 0, maxQueue: 2 })).toEqual({ threads: 4, niceness: 0, maxQueue: 2 });
  });

  it.runIf(process.platform === 'linux')('closeHashPools stops the workers; the next hash starts a new pool', async () => {
    const hasher = createPasswordHasher(CHEAP, { threads: 2, niceness: NICENESS });
    await hasher.hashPassword('correct horse battery staple');
    expect(lowered()).toBeGreaterThan(0);
    await closeHashPools();
    // A terminated worker's thread leaves the process a moment after its exit event.
    await vi.waitFor(() => expect(lowered()).toBe(0), { timeout: 5_000, interval: 20 });
    const hash = await hasher.hashPassword('correct horse battery staple');
    expect(await hasher.verifyPassword(hash, 'correct horse battery staple')).toBe(true);
  });
});

describe('closing a hasher', () => {
  /** A pool no other test in this file uses (pools are shared per threads + niceness). */
  const shared = { threads: 1, niceness: 11 };

  it('stops the shared pool only when the last hasher holding it closes; a closed hasher refuses, the other keeps hashing', async () => {
    const first = createPasswordHasher(CHEAP, shared);
    const second = createPasswordHasher(CHEAP, shared);
    const hash = await first.hashPassword('correct horse battery staple');
    expect(hashPoolLoad(shared).peakInFlight).toBe(1);
    await first.close();
    await first.close(); // idempotent: the second call releases nothing more
    await expect(first.hashPassword('anything')).rejects.toThrow('closed');
    // The pool is the same one (its counters survive), and the other hasher still uses it.
    expect(hashPoolLoad(shared).peakInFlight).toBe(1);
    expect(await second.verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    await second.close();
    expect(hashPoolLoad(shared)).toEqual({ inFlight: 0, peakInFlight: 0, refusedTotal: 0 });
  });

  it('lets work already handed over finish: a verification in flight when the last holder closes still answers', async () => {
    const hasher = createPasswordHasher(CHEAP, { threads: 1, niceness: 12 });
    const hash = await hasher.hashPassword('correct horse battery staple');
    const inFlight = hasher.verifyPassword(hash, 'correct horse battery staple');
    await hasher.close();
    expect(await inFlight).toBe(true);
  });
});

describe('the bounded queue', () => {
  /** Each case has a pool of its own (pools are shared per threads + niceness), so its counters start at zero. */
  const ownPool = (niceness: number, maxQueue?: number) => ({ threads: 1, niceness, ...(maxQueue === undefined ? {} : { maxQueue }) });

  it('admits threads + maxQueue tasks; the rest are refused at once with 503 BUSY, before any work', async () => {
    const options = ownPool(1, 2);
    const hasher = createPasswordHasher(CHEAP, options);
    const hash = await hasher.hashPassword('correct horse battery staple');
    const settled = await Promise.allSettled(Array.from({ length: 10 }, () => hasher.verifyPassword(hash, 'correct horse battery staple')));
    expect(settled.slice(0, 3).map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const refused = settled.slice(3);
    expect(refused).toHaveLength(7);
    for (const outcome of refused) {
      expect(outcome.status).toBe('rejected');
      const reason: unknown = outcome.status === 'rejected' ? outcome.reason : undefined;
      expect(reason).toBeInstanceOf(HashQueueFullError);
      expect(reason).toBeInstanceOf(AuthError);
      expect(reason).toMatchObject({ code: 'BUSY', status: 503, retryAfterSeconds: 1 });
      expect(JSON.stringify(reason)).toBe('{"error":"Server busy. Try again shortly.","code":"BUSY"}');
    }
    expect(hashPoolLoad(options)).toEqual({ inFlight: 0, peakInFlight: 3, refusedTotal: 7 });
    // The slots came back: the queue refuses only while it is full.
    expect(await hasher.verifyPassword(hash, 'correct horse battery staple')).toBe(true);
  });

  it('defaults to four waiting tasks per thread; 0 means none may wait', async () => {
    const byDefault = createPasswordHasher(CHEAP, ownPool(2));
    const none = createPasswordHasher(CHEAP, ownPool(3, 0));
    const outcomes = async (hasher: typeof byDefault) =>
      (await Promise.allSettled(Array.from({ length: 8 }, (_, i) => hasher.hashPassword(`password number ${i}`)))).map((s) => s.status);
    expect(await outcomes(byDefault)).toEqual([...Array<string>(5).fill('fulfilled'), ...Array<string>(3).fill('rejected')]);
    expect(await outcomes(none)).toEqual(['fulfilled', ...Array<string>(7).fill('rejected')]);
    expect(hashPoolLoad(ownPool(2)).peakInFlight).toBe(5);
    expect(hashPoolLoad(ownPool(3)).peakInFlight).toBe(1);
  });

  it('hashers sharing one pool count one load, each stopping at its own bound', async () => {
    const roomy = createPasswordHasher(CHEAP, ownPool(4, 3));
    const tight = createPasswordHasher(CHEAP, ownPool(4, 0));
    const first = [roomy.hashPassword('one'), roomy.hashPassword('two')];
    await expect(tight.hashPassword('three')).rejects.toBeInstanceOf(HashQueueFullError);
    first.push(roomy.hashPassword('four'));
    await Promise.all(first);
    expect(hashPoolLoad(ownPool(4))).toEqual({ inFlight: 0, peakInFlight: 3, refusedTotal: 1 });
  });

  it('a dummy hash refused by a full queue is not kept: unknown identities are verified again once there is room', async () => {
    const hasher = createPasswordHasher(CHEAP, ownPool(5, 0));
    const occupying = hasher.hashPassword('correct horse battery staple');
    await expect(hasher.verifyAgainstDummy('guess')).rejects.toBeInstanceOf(HashQueueFullError);
    await occupying;
    await expect(hasher.verifyAgainstDummy('guess')).resolves.toBeUndefined();
    expect(hashPoolLoad(ownPool(5)).refusedTotal).toBe(1);
  });
});
