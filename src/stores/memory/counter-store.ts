/** @module CounterStore in process memory, on rate-limiter-flexible's RateLimiterMemory (one process only). */
import { RateLimiterMemory, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import type { CounterState, CounterStore } from '../../core/stores.ts';

/** rate-limiter-flexible counts in points against a limit; ours is "never refuse", so the limit is unreachable. */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

export function toCounterState(res: RateLimiterRes): CounterState {
  return { count: res.consumedPoints, resetInMs: Math.max(0, res.msBeforeNext) };
}

/**
 * RateLimiterMemory expires each key with a setTimeout, and Node cannot hold a timer longer than
 * 2^31 − 1 ms (≈ 24.8 days): a longer one fires at once. In-process counters die with the process
 * anyway, so a mark meant to last 30 days here lasts at most 24 — longer lives need Redis.
 */
const MAX_TTL_MS = 2 ** 31 - 1_000;
const seconds = (ms: number) => Math.min(ms, MAX_TTL_MS) / 1000;

/** The CounterStore operations over any rate-limiter-flexible limiter (memory or Redis). */
export function counterStoreOver(
  limiter: Pick<RateLimiterAbstract, 'penalty' | 'get' | 'set' | 'delete'>,
  toSeconds: (ms: number) => number,
  close: () => Promise<void>,
): CounterStore {
  return {
    async hit(key, windowMs, points = 1) {
      return toCounterState(await limiter.penalty(key, points, { customDuration: toSeconds(windowMs) }));
    },
    async peek(key) {
      const res = await limiter.get(key);
      return res && res.msBeforeNext > 0 ? toCounterState(res) : undefined;
    },
    async put(key, count, ttlMs) {
      await limiter.set(key, count, toSeconds(ttlMs));
    },
    async delete(key) {
      await limiter.delete(key);
    },
    close,
  };
}

export function createMemoryCounterStore(): CounterStore {
  // Nothing to release on close: the Map goes with the process.
  return counterStoreOver(new RateLimiterMemory({ points: UNLIMITED, duration: 60 }), seconds, async () => undefined);
}
