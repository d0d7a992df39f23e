/**
 * @module CounterStore on Redis (ioredis) through rate-limiter-flexible's RateLimiterRedis: one
 * Lua script per hit or reservation, so several processes share one exact count. Windows are whole seconds.
 * When Redis is lost, every operation falls back to an in-process limiter (rate-limiter-flexible's
 * insurance limiter): limits keep holding per process — never failing open — and Redis takes over
 * again by itself when it returns.
 */
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { CounterStore } from '../../core/stores.ts';
import { counterStoreOver, releaseIfSameLife, reserveByIncrement } from '../memory/counter-store.ts';

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

/**
 * One reservation, atomic in Redis: take one only while fewer than the limit are taken. On the
 * keys rate-limiter-flexible writes (an integer with an expiry in whole seconds), so `hit`,
 * `peek` and `delete` see the same counter. Returns {granted 0|1, count, pttl, ends at} — the end
 * on Redis's clock, so that every process compares lives on one clock.
 */
const RESERVE_SCRIPT = `
local now = redis.call('time')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local count = tonumber(redis.call('get', KEYS[1]) or '0')
if count < tonumber(ARGV[1]) then
  count = redis.call('incr', KEYS[1])
  if count == 1 then redis.call('expire', KEYS[1], ARGV[2]) end
  local pttl = redis.call('pttl', KEYS[1])
  return {1, count, pttl, now + pttl}
end
local pttl = redis.call('pttl', KEYS[1])
return {0, count, pttl, now + pttl}`;

/**
 * Gives one back only to the same life of the counter (its end within 100 ms of the reserved
 * one: a new life ends at least a second later), only while positive: never creates, never < 0.
 */
const RELEASE_SCRIPT = `
local count = tonumber(redis.call('get', KEYS[1]) or '0')
if count <= 0 then return 0 end
local pttl = redis.call('pttl', KEYS[1])
if pttl < 0 then return 0 end
local now = redis.call('time')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
if math.abs(now + pttl - tonumber(ARGV[1])) > 100 then return 0 end
redis.call('decr', KEYS[1])
return 1`;

/**
 * While Redis is lost, `peek` falls back to the in-process limiter, which starts empty: a lock
 * set in Redis before the outage would be invisible and a locked account would get a fresh
 * budget. So every `put` (locks, known-device marks) is also written there — for at most an hour,
 * which bounds its memory by the logins of an hour — and every `delete` too. Locks set by other
 * processes during the outage stay invisible here: docs/deployment.md states it.
 */
const FALLBACK_MEMORY_SECONDS = 3_600;

export async function createRedisCounterStore(url: string, options: RedisCounterOptions = {}): Promise<CounterStore> {
  const client = await connectRedis(url, 'portcullis-counters');
  watchRedisHealth(client, options.onHealthChange);
  const insurance = new CappedMemoryLimiter({ points: UNLIMITED, duration: 60 });
  const limiter = new RateLimiterRedis({
    storeClient: client,
    points: UNLIMITED,
    duration: 60,
    keyPrefix: `${options.keyPrefix ?? 'portcullis'}:c`,
    rejectIfRedisNotReady: true,
    insuranceLimiter: insurance,
  });
  const store = counterStoreOver(limiter, seconds, async () => {
    await client.quit().catch(() => client.disconnect());
  });
  // While Redis is lost, budgets hold per process on the same in-process limiter `hit` falls back to.
  const ready = () => client.status === 'ready';
  return {
    ...store,
    async reserve(key, limit, windowMs) {
      if (!ready()) return reserveByIncrement(insurance, key, limit, seconds(windowMs));
      try {
        const [granted, count, pttl, endsAtMs] = (await client.eval(RESERVE_SCRIPT, 1, limiter.getKey(key), limit, seconds(windowMs))) as [number, number, number, number];
        return { granted: granted === 1, count, resetInMs: Math.max(0, pttl), endsAtMs };
      } catch {
        return reserveByIncrement(insurance, key, limit, seconds(windowMs));
      }
    },
    async release(key, reservation) {
      if (!ready()) return releaseIfSameLife(insurance, key, reservation);
      try {
        await client.eval(RELEASE_SCRIPT, 1, limiter.getKey(key), reservation.endsAtMs);
      } catch {
        await releaseIfSameLife(insurance, key, reservation);
      }
    },
    async put(key, count, ttlMs) {
      await store.put(key, count, ttlMs);
      await insurance.set(key, count, Math.min(seconds(ttlMs), FALLBACK_MEMORY_SECONDS));
    },
    async delete(key) {
      await Promise.all([store.delete(key), insurance.delete(key)]);
    },
  };
}
