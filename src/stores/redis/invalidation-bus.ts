/**
 * @module The invalidation bus on Redis pub/sub: one channel per key prefix; a subscriber
 * connection of its own (a subscribed connection can do nothing else). Messages carry this
 * process's id, so a process ignores its own announcements.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { isInvalidation, type Invalidation, type InvalidationBus } from '../../core/invalidation.ts';
import { connectRedis, watchRedisHealth, type RedisHealth } from './counter-store.ts';

export interface RedisBusOptions {
  readonly keyPrefix?: string;
  readonly onHealthChange?: (health: RedisHealth, detail: string) => void;
}

export async function createRedisInvalidationBus(url: string, options: RedisBusOptions = {}): Promise<InvalidationBus> {
  const channel = `${options.keyPrefix ?? 'portcullis'}:invalidate`;
  const self = randomBytes(8).toString('hex');
  const publisher: Redis = await connectRedis(url, 'portcullis-bus-pub');
  const subscriber: Redis = await connectRedis(url, 'portcullis-bus-sub');
  watchRedisHealth(subscriber, options.onHealthChange);
  const handlers: Array<(invalidation: Invalidation) => void> = [];
  subscriber.on('message', (from: string, text: string) => {
    if (from !== channel) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    const { origin, ...rest } = (message ?? {}) as { origin?: unknown };
    if (origin === self || !isInvalidation(rest)) return;
    for (const handler of handlers) handler(rest);
  });
  await subscriber.subscribe(channel);
  return {
    publish(invalidation) {
      // Fire and forget: if Redis is down the message is lost, and the caches' TTL bounds staleness.
      publisher.publish(channel, JSON.stringify({ ...invalidation, origin: self })).catch(() => undefined);
    },
    subscribe(handler) {
      handlers.push(handler);
    },
    async close() {
      await Promise.all([publisher.quit().catch(() => publisher.disconnect()), subscriber.quit().catch(() => subscriber.disconnect())]);
    },
  };
}
