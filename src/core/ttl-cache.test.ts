/**
 * @module The TTL cache against a slow store: loads held open with a promise, so an invalidation
 * lands while a load is in flight — the case where a stale row used to be cached for a whole TTL.
 */
import { describe, expect, it } from 'vitest';
import { FixedClock } from './clock.ts';
import { applyInvalidations, announcing, type Invalidation, type InvalidationBus } from './invalidation.ts';
import { createTtlCache, type TtlCache } from './ttl-cache.ts';

const TTL_MS = 30_000;

/** A store whose reads answer only when the test says so, with the value current at that moment. */
function slowStore(initial: string) {
  let value = initial;
  const held: Array<() => void> = [];
  let reads = 0;
  return {
    set: (next: string) => (value = next),
    get reads() {
      return reads;
    },
    /** A read that sees the row as it is now, but answers only on `release()`. */
    load(): Promise<string | undefined> {
      reads += 1;
      const seen = value;
      return new Promise((resolve) => held.push(() => resolve(seen)));
    },
    release() {
      for (const answer of held.splice(0)) answer();
    },
  };
}

function newCache(clock = new FixedClock()): TtlCache<string> {
  return createTtlCache<string>({ ttlMs: TTL_MS, maxEntries: 100, clock });
}

describe('createTtlCache', () => {
  it('caches a load for the TTL and loads again after it', async () => {
    const clock = new FixedClock();
    const cache = newCache(clock);
    let reads = 0;
    const load = async () => `v${++reads}`;
    expect(await cache.get('k', load)).toBe('v1');
    clock.advanceMs(TTL_MS - 1);
    expect(await cache.get('k', load)).toBe('v1');
    clock.advanceMs(1);
    expect(await cache.get('k', load)).toBe('v2');
  });

  it('a burst of gets for one key makes one load', async () => {
    const store = slowStore('old');
    const cache = newCache();
    const answers = Promise.all([cache.get('k', () => store.load()), cache.get('k', () => store.load()), cache.get('k', () => store.load())]);
    store.release();
    expect(await answers).toEqual(['old', 'old', 'old']);
    expect(store.reads).toBe(1);
  });

  it('a load in flight when the key is invalidated answers its caller but is not cached: the next get loads the new value', async () => {
    const store = slowStore('old');
    const cache = newCache();
    const inFlight = cache.get('k', () => store.load());
    // The change lands (in this process or another) while the read that saw the old row is held open.
    store.set('new');
    cache.invalidate('k');
    store.release();
    expect(await inFlight).toBe('old');
    const next = cache.get('k', () => store.load());
    store.release();
    expect(await next).toBe('new');
    expect(store.reads).toBe(2);
    // And the new value is what stays cached.
    expect(await cache.get('k', () => store.load())).toBe('new');
    expect(store.reads).toBe(2);
  });

  it('an old load finishing after a newer one neither overwrites it nor unregisters it', async () => {
    const clock = new FixedClock();
    const cache = newCache(clock);
    let answerOld: (value: string) => void = () => {};
    const old = cache.get('k', () => new Promise((resolve) => (answerOld = resolve)));
    cache.invalidate('k');
    let answerNew: (value: string) => void = () => {};
    let newLoads = 0;
    const loadNew = () => {
      newLoads += 1;
      return new Promise<string>((resolve) => (answerNew = resolve));
    };
    const fresh = cache.get('k', loadNew);
    answerOld('old');
    expect(await old).toBe('old');
    // The newer load is still the one in flight: a get joins it instead of starting a third.
    const joined = cache.get('k', loadNew);
    answerNew('new');
    expect(await fresh).toBe('new');
    expect(await joined).toBe('new');
    expect(newLoads).toBe(1);
    expect(await cache.get('k', async () => 'third')).toBe('new');
  });

  it('clear() during a load keeps the load from being cached', async () => {
    const store = slowStore('old');
    const cache = newCache();
    const inFlight = cache.get('k', () => store.load());
    store.set('new');
    cache.clear();
    store.release();
    expect(await inFlight).toBe('old');
    const next = cache.get('k', () => store.load());
    store.release();
    expect(await next).toBe('new');
  });

  it('a failed load is not cached and does not block the next', async () => {
    const cache = newCache();
    await expect(cache.get('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('k', async () => 'up')).toBe('up');
  });
});

/** Two processes' caches joined by an in-memory bus, as the Redis bus joins them. */
function linkedPair() {
  const handlers: Array<{ from: number; handle: (invalidation: Invalidation) => void }> = [];
  const busOf = (self: number): InvalidationBus => ({
    publish: (invalidation) => {
      for (const { from, handle } of handlers) if (from !== self) handle(invalidation);
    },
    subscribe: (handle) => void handlers.push({ from: self, handle }),
    close: async () => {},
  });
  const local = [createTtlCache<unknown>({ ttlMs: TTL_MS, maxEntries: 100, clock: new FixedClock() }), createTtlCache<unknown>({ ttlMs: TTL_MS, maxEntries: 100, clock: new FixedClock() })] as const;
  applyInvalidations(busOf(0), { users: local[0], families: local[0], apiTokens: local[0] });
  applyInvalidations(busOf(1), { users: local[1], families: local[1], apiTokens: local[1] });
  return [announcing('users', local[0], busOf(0)), announcing('users', local[1], busOf(1))] as const;
}

describe('invalidation bus → the same invalidate', () => {
  it("another process's invalidation during a load in flight here keeps the old row out of this cache", async () => {
    const store = slowStore('old');
    const [here, there] = linkedPair();
    const inFlight = here.get('u1', () => store.load());
    store.set('new');
    there.invalidate('u1');
    store.release();
    expect(await inFlight).toBe('old');
    const next = here.get('u1', () => store.load());
    store.release();
    expect(await next).toBe('new');
  });
});
