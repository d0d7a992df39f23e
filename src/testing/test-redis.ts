/**
 * @module Redis for tests: a real server (PORTCULLIS_TEST_REDIS_URL, default 127.0.0.1:6379), a
 * fresh key prefix per call so parallel test files never share counters, and cleanup. Never skips:
 * an unreachable Redis is an error with the URL in it.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CounterStore } from '../core/stores.ts';
import { createRedisCounterStore } from '../stores/redis/counter-store.ts';

export const TEST_REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedisCounters {
  readonly counters: CounterStore;
  readonly keyPrefix: string;
  dispose(): Promise<void>;
}

export async function openTestRedisCounters(): Promise<TestRedisCounters> {
  const keyPrefix = `pc_test_${randomBytes(6).toString('hex')}`;
  let counters: CounterStore;
  try {
    counters = await createRedisCounterStore(TEST_REDIS_URL, { keyPrefix });
  } catch (error) {
    throw new Error(`Redis tests need a Redis server at ${TEST_REDIS_URL} (set PORTCULLIS_TEST_REDIS_URL, or run "npm run test:services", which starts one or says what is missing): ${String(error)}`);
  }
  return {
    counters,
    keyPrefix,
    async dispose() {
      await counters.close();
      const admin = new Redis(TEST_REDIS_URL, { lazyConnect: true });
      await admin.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await admin.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 500);
          if (keys.length > 0) await admin.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        admin.disconnect();
      }
    },
  };
}
