/**
 * @module Cache invalidation across processes. Each process caches user, token-family and
 * API-token state for the bearer hot path; a change made in one process is announced on a bus
 * (Redis pub/sub when REDIS_URL is set) and dropped from every other process's cache at once.
 * Without a bus — or while Redis is down — the caches' time to live bounds how stale a copy gets.
 */
import type { TtlCache } from './ttl-cache.ts';

export type CacheName = 'users' | 'families' | 'apiTokens';

/** `key: null` drops the whole cache. */
export interface Invalidation {
  readonly cache: CacheName;
  readonly key: string | null;
}

export interface InvalidationBus {
  publish(invalidation: Invalidation): void;
  /** Called for invalidations published by other processes. */
  subscribe(handler: (invalidation: Invalidation) => void): void;
  close(): Promise<void>;
}

/** A cache whose invalidations are also announced on the bus. */
export function announcing<V>(name: CacheName, cache: TtlCache<V>, bus: InvalidationBus | undefined): TtlCache<V> {
  if (!bus) return cache;
  return {
    get: (key, load) => cache.get(key, load),
    invalidate(key) {
      cache.invalidate(key);
      bus.publish({ cache: name, key });
    },
    clear() {
      cache.clear();
      bus.publish({ cache: name, key: null });
    },
  };
}

/**
 * Applies other processes' invalidations to this process's caches — through the caches' own
 * `invalidate`/`clear`, so a load in flight here when the message arrives (it may have read the row
 * from before the change) answers its caller but is not cached.
 */
export function applyInvalidations(bus: InvalidationBus, caches: Readonly<Record<CacheName, TtlCache<unknown>>>): void {
  bus.subscribe(({ cache, key }) => {
    const target = caches[cache];
    if (!target) return;
    if (key === null) target.clear();
    else target.invalidate(key);
  });
}

export function isInvalidation(value: unknown): value is Invalidation {
  const v = value as Partial<Invalidation> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    (v.cache === 'users' || v.cache === 'families' || v.cache === 'apiTokens') &&
    (v.key === null || (typeof v.key === 'string' && v.key.length <= 128))
  );
}
