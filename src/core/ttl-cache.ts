/**
 * @module A small read-through cache with a time to live, a size bound and explicit invalidation:
 * keeps SQL off the bearer-token hot path. Entries are per process; `invalidate` is how a change
 * (role, deactivation, revocation) takes effect at once here — other processes see it within the TTL,
 * or at once when an invalidation bus (Redis) relays it.
 */
import type { Clock } from './clock.ts';

export interface TtlCache<V> {
  /**
   * The cached value, or what `load` returns (cached, undefined included) when absent or stale.
   * A load that an invalidation overtook still answers its callers, but is not cached.
   */
  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined>;
  invalidate(key: string): void;
  clear(): void;
}

/**
 * A key's current generation: the load in flight for it. `invalidate` (and `clear`) retire it, so
 * a load that began before a change — and may have read the row from before it — can tell, when
 * it finishes, that it is out of date, and does not put that row back for a whole TTL. An object's
 * identity rather than a counter: nothing to remember for keys with no load in flight.
 */
interface Generation<V> {
  readonly promise: Promise<V | undefined>;
}

export function createTtlCache<V>(options: { ttlMs: number; maxEntries: number; clock: Clock }): TtlCache<V> {
  const entries = new Map<string, { value: V | undefined; expiresAtMs: number }>();
  /** Loads in flight, so a burst of requests for one key makes one query; one generation per key. */
  const loading = new Map<string, Generation<V>>();
  /** True when `generation` is still the key's current one (no invalidation since it began). */
  const retireIfCurrent = (key: string, generation: Generation<V>) => {
    if (loading.get(key) !== generation) return false;
    loading.delete(key);
    return true;
  };
  return {
    async get(key, load) {
      const now = options.clock.nowMs();
      const hit = entries.get(key);
      if (hit && hit.expiresAtMs > now) return hit.value;
      const pending = loading.get(key);
      if (pending) return pending.promise;
      const generation: Generation<V> = {
        promise: load().then(
          (value) => {
            if (retireIfCurrent(key, generation) && options.ttlMs > 0) {
              if (!entries.has(key) && entries.size >= options.maxEntries) entries.delete(entries.keys().next().value as string);
              entries.set(key, { value, expiresAtMs: options.clock.nowMs() + options.ttlMs });
            }
            return value;
          },
          (error: unknown) => {
            retireIfCurrent(key, generation);
            throw error;
          },
        ),
      };
      loading.set(key, generation);
      return generation.promise;
    },
    invalidate(key) {
      entries.delete(key);
      // Whoever already waits on the old load still gets its answer; the next get loads afresh.
      loading.delete(key);
    },
    clear() {
      entries.clear();
      loading.clear();
    },
  };
}
