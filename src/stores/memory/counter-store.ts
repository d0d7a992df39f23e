/** @module CounterStore in process memory, on rate-limiter-flexible's RateLimiterMemory (one process only). */
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import type { CounterState, CounterStore } from '../../core/stores.ts';

/** rate-limiter-flexible counts in points against a limit; ours is "never refuse", so the limit is unreachable. */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

export function toCounterState(res: RateLimiterRes): CounterState {
  return { count: res.consumedPoints, resetInMs: Math.max(0, res.msBeforeNext) };
}

export function createMemoryCounterStore(): CounterStore {
  const limiter = new RateLimiterMemory({ points: UNLIMITED, duration: 60 });
  return {
    async hit(key, windowMs, points = 1) {
      return toCounterState(await limiter.penalty(key, points, { customDuration: windowMs / 1000 }));
    },
    async peek(key) {
      const res = await limiter.get(key);
      return res && res.msBeforeNext > 0 ? toCounterState(res) : undefined;
    },
    async put(key, count, ttlMs) {
      await limiter.set(key, count, ttlMs / 1000);
    },
    async delete(key) {
      await limiter.delete(key);
    },
    async close() {
      // Nothing to release: the Map goes with the process.
    },
  };
}
