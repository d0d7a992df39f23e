/**
 * @module `portcullis/redis`: shared state for several processes on one Redis (`ioredis`, an
 * optional peer dependency) — the CounterStore behind rate limits and lock-outs, and the bus that
 * tells every process at once when a user's or token family's state changes.
 */
export { createRedisCounterStore, type RedisCounterOptions, type RedisHealth } from './stores/redis/counter-store.ts';
export { createRedisInvalidationBus, type RedisBusOptions } from './stores/redis/invalidation-bus.ts';
