/**
 * @module CounterStore on Redis (ioredis) through rate-limiter-flexible's RateLimiterRedis: one
 * Lua script per hit, so several processes share one exact count. Windows are whole seconds.
 * When Redis is lost, every operation falls back to an in-process limiter (rate-limiter-flexible's
 * insurance limiter): limits keep holding per process — never failing open — and Redis takes over
 * again by itself when it returns.
 */
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { CounterStore } from '../../core/stores.ts';
import { counterStoreOver } from '../memory/counter-store.ts';

const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** Redis expiries here are whole seconds: round up so a window is never shorter than asked. */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export type RedisHealth = 'lost' | 'recovered';

export interface RedisCounterOptions {
  /** Prepended to every key, so several apps can share one Redis. */
  readonly keyPrefix?: string;
  /** Told once when Redis is lost and once when it is back (log it; no storm of lines). */
  readonly onHealthChange?: (health: RedisHealth, detail: string) => void;
}

/** Connects to Redis, failing fast with a clear error when it is unreachable (it was asked for). */
export async function connectRedis(url: string, name: string): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectionName: name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`cannot reach Redis at ${new URL(url).host}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return client;
}

/** Reports an outage once when the connection drops, and once when it is ready again. */
export function watchRedisHealth(client: Redis, onHealthChange: ((health: RedisHealth, detail: string) => void) | undefined): void {
  if (!onHealthChange) return;
  let healthy = true;
  const lost = (detail: string) => {
    if (!healthy) return;
    healthy = false;
    onHealthChange('lost', detail);
  };
  client.on('error', (error: Error) => lost(error.message));
  client.on('close', () => lost('connection closed'));
  client.on('ready', () => {
    if (healthy) return;
    healthy = true;
    onHealthChange('recovered', 'connection ready');
  });
}

/**
 * The in-process fallback. It is a RateLimiterMemory, whose keys expire by setTimeout: a Node timer
 * cannot wait longer than 2^31 − 1 ms, so durations are capped just below (a 30-day known-device
 * mark made during an outage lasts ≈ 24.8 days in that process, never 1 ms).
 */
class CappedMemoryLimiter extends RateLimiterMemory {
  static readonly MAX_SECONDS = (2 ** 31 - 1_000) / 1000;
  override set(key: string | number, points: number, secDuration: number, options?: Record<string, unknown>) {
    return super.set(key, points, Math.min(secDuration, CappedMemoryLimiter.MAX_SECONDS), options);
  }
  override penalty(key: string | number, points?: number, options?: { customDuration?: number }) {
    const custom = options?.customDuration;
    return super.penalty(key, points, custom === undefined ? options : { ...options, customDuration: Math.min(custom, CappedMemoryLimiter.MAX_SECONDS) });
  }
}

export async function createRedisCounterStore(url: string, options: RedisCounterOptions = {}): Promise<CounterStore> {
  const client = await connectRedis(url, 'portcullis-counters');
  watchRedisHealth(client, options.onHealthChange);
  const limiter = new RateLimiterRedis({
    storeClient: client,
    points: UNLIMITED,
    duration: 60,
    keyPrefix: `${options.keyPrefix ?? 'portcullis'}:c`,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new CappedMemoryLimiter({ points: UNLIMITED, duration: 60 }),
  });
  return counterStoreOver(limiter, seconds, async () => {
    await client.quit().catch(() => client.disconnect());
  });
}
