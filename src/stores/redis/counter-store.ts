/**
 * @module CounterStore on Redis (ioredis) through rate-limiter-flexible's RateLimiterRedis: one
 * Lua script per hit, so several processes share one exact count. Windows are whole seconds.
 */
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { CounterStore } from '../../core/stores.ts';
import { toCounterState } from '../memory/counter-store.ts';

const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** Redis expiries here are whole seconds: round up so a window is never shorter than asked. */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export interface RedisCounterOptions {
  /** Prepended to every key, so several apps can share one Redis. */
  readonly keyPrefix?: string;
}

/** Connects (and fails fast with a clear error when Redis is unreachable at start). */
export async function createRedisCounterStore(url: string, options: RedisCounterOptions = {}): Promise<CounterStore> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`cannot reach Redis at ${new URL(url).host}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const limiter = new RateLimiterRedis({ storeClient: client, points: UNLIMITED, duration: 60, keyPrefix: `${options.keyPrefix ?? 'portcullis'}:c` });
  return {
    async hit(key, windowMs, points = 1) {
      return toCounterState(await limiter.penalty(key, points, { customDuration: seconds(windowMs) }));
    },
    async peek(key) {
      const res = await limiter.get(key);
      return res && res.msBeforeNext > 0 ? toCounterState(res) : undefined;
    },
    async put(key, count, ttlMs) {
      await limiter.set(key, count, seconds(ttlMs));
    },
    async delete(key) {
      await limiter.delete(key);
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
