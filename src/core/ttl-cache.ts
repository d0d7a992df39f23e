/**
 * @module A small read-through cache with a time to live, a size bound and explicit invalidation:
 * keeps SQL off the bearer-token hot path. Entries are per process; `invalidate` is how a change
 * (role, deactivation, revocation) takes effect at once here — other processes see it within the TTL,
 * or at once when an invalidation bus (Redis) relays it.
 */
import type { Clock } from './clock.ts';

export interface TtlCache<V> {
  /** The cached value, or what `load` returns (cached, undefined included) when absent or stale. */
  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined>;
  invalidate(key: string): void;
  clear(): void;
}

export function createTtlCache<V>(options: { ttlMs: number; maxEntries: number; clock: Clock }): TtlCache<V> {
  const entries = new Map<string, { value: V | undefined; expiresAtMs: number }>();
  /** Loads in flight, so a burst of requests for one key makes one query. */
  const loading = new Map<string, Promise<V | undefined>>();
  return {
    async get(key, load) {
      const now = options.clock.nowMs();
      const hit = entries.get(key);
      if (hit && hit.expiresAtMs > now) return hit.value;
      const pending = loading.get(key);
      if (pending) return pending;
      const promise = load().then(
        (value) => {
          loading.delete(key);
          if (options.ttlMs > 0) {
            if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value as string);
            entries.set(key, { value, expiresAtMs: options.clock.nowMs() + options.ttlMs });
          }
          return value;
        },
        (error: unknown) => {
          loading.delete(key);
          throw error;
        },
      );
      loading.set(key, promise);
      return promise;
    },
    invalidate(key) {
      entries.delete(key);
      loading.delete(key);
    },
    clear() {
      entries.clear();
      loading.clear();
    },
  };
}
