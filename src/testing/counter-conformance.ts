/**
 * @module The CounterStore conformance suite: every counter store (memory, Redis) must pass it.
 * Exactness under concurrency is the point: one atomic `hit`, never read-modify-write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { CounterStore } from '../core/stores.ts';

export function describeCounterConformance(name: string, open: () => Promise<{ counters: CounterStore; dispose(): Promise<void> }>): void {
  describe(`CounterStore conformance: ${name}`, () => {
    let counters: CounterStore;
    let dispose: () => Promise<void>;
    const key = (label: string) => `${label}:${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      ({ counters, dispose } = await open());
    });
    afterAll(async () => {
      await dispose();
    });

    it('counts hits in a window and reports the time left', async () => {
      const k = key('hit');
      expect(await counters.peek(k)).toBeUndefined();
      const first = await counters.hit(k, 60_000);
      expect(first.count).toBe(1);
      expect(first.resetInMs).toBeGreaterThan(55_000);
      expect(first.resetInMs).toBeLessThanOrEqual(60_000);
      expect((await counters.hit(k, 60_000, 2)).count).toBe(3);
      expect((await counters.peek(k))?.count).toBe(3);
    });

    it('keeps the window of the first hit (a fixed window, not sliding)', async () => {
      const k = key('fixed');
      await counters.hit(k, 10_000);
      const later = await counters.hit(k, 3_600_000);
      expect(later.resetInMs).toBeLessThanOrEqual(10_000);
    });

    it('put sets a count for exactly its time to live; delete removes it', async () => {
      const k = key('put');
      await counters.put(k, 7, 30_000);
      const state = await counters.peek(k);
      expect(state?.count).toBe(7);
      expect(state?.resetInMs).toBeGreaterThan(25_000);
      expect(state?.resetInMs).toBeLessThanOrEqual(30_000);
      await counters.delete(k);
      expect(await counters.peek(k)).toBeUndefined();
    });

    it('keeps a mark put for 30 days (longer than a Node timer can wait)', async () => {
      const k = key('long');
      await counters.put(k, 1, 30 * 86_400_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const state = await counters.peek(k);
      expect(state?.count).toBe(1);
      expect(state?.resetInMs).toBeGreaterThan(20 * 86_400_000);
    });

    it('keys are independent', async () => {
      const a = key('a');
      const b = key('b');
      await counters.hit(a, 60_000, 5);
      expect(await counters.peek(b)).toBeUndefined();
    });

    it('1,000 concurrent hits on one key count exactly 1,000, each count handed out once', async () => {
      const k = key('race');
      const results = await Promise.all(Array.from({ length: 1000 }, () => counters.hit(k, 60_000)));
      const seen = new Set(results.map((r) => r.count));
      expect(seen.size).toBe(1000);
      expect(Math.max(...seen)).toBe(1000);
      expect((await counters.peek(k))?.count).toBe(1000);
    });

    it('reserve grants while fewer than the limit are taken, then refuses without counting', async () => {
      const k = key('reserve');
      const first = await counters.reserve(k, 2, 60_000);
      expect(first).toMatchObject({ granted: true, count: 1 });
      expect(first.resetInMs).toBeGreaterThan(55_000);
      expect(first.resetInMs).toBeLessThanOrEqual(60_000);
      expect(await counters.reserve(k, 2, 60_000)).toMatchObject({ granted: true, count: 2 });
      const refused = await counters.reserve(k, 2, 60_000);
      expect(refused).toMatchObject({ granted: false, count: 2 });
      expect(refused.resetInMs).toBeGreaterThan(0);
      expect((await counters.peek(k))?.count).toBe(2);
    });

    it('release gives one back, never below zero and never creating a counter', async () => {
      const k = key('release');
      const taken = await counters.reserve(k, 1, 60_000);
      expect((await counters.reserve(k, 1, 60_000)).granted).toBe(false);
      await counters.release(k, taken);
      expect((await counters.peek(k))?.count).toBe(0);
      await counters.release(k, taken);
      expect((await counters.peek(k))?.count).toBe(0);
      expect((await counters.reserve(k, 1, 60_000)).granted).toBe(true);
      const absent = key('absent');
      await counters.release(absent, taken);
      expect(await counters.peek(absent)).toBeUndefined();
      expect(await counters.reserve(absent, 1, 60_000)).toMatchObject({ granted: true, count: 1 });
    });

    it('two concurrent releases of a counter at 1 leave it at 0, never below', async () => {
      const k = key('release-race');
      const taken = await counters.reserve(k, 5, 60_000);
      await Promise.all([counters.release(k, taken), counters.release(k, taken), counters.release(k, taken)]);
      expect((await counters.peek(k))?.count).toBe(0);
    });

    it('a unit is given back only to the life of the counter it was taken from', async () => {
      const k = key('lives');
      const old = await counters.reserve(k, 5, 60_000);
      await counters.delete(k);
      const renewed = await counters.reserve(k, 5, 120_000);
      expect(renewed.count).toBe(1);
      await counters.release(k, old);
      expect((await counters.peek(k))?.count).toBe(1);
      await counters.release(k, renewed);
      expect((await counters.peek(k))?.count).toBe(0);
    });

    it('reserve shares its counter with hit (one budget, whichever primitive counts)', async () => {
      const k = key('shared');
      await counters.hit(k, 60_000, 3);
      expect((await counters.reserve(k, 3, 60_000)).granted).toBe(false);
      expect((await counters.reserve(k, 4, 60_000)).granted).toBe(true);
      expect((await counters.hit(k, 60_000)).count).toBe(5);
    });

    it('1,000 concurrent reservations against a limit of 7 grant exactly 7', async () => {
      const k = key('reserve-race');
      const results = await Promise.all(Array.from({ length: 1000 }, () => counters.reserve(k, 7, 60_000)));
      const granted = results.filter((r) => r.granted);
      expect(granted).toHaveLength(7);
      expect(new Set(granted.map((r) => r.count))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]));
      expect((await counters.peek(k))?.count).toBe(7);
    });

    it('1,000 concurrent reservations interleaved with releases never hold more than the limit', async () => {
      const k = key('reserve-release-race');
      let held = 0;
      let maxHeld = 0;
      let grants = 0;
      await Promise.all(
        Array.from({ length: 1000 }, async () => {
          const r = await counters.reserve(k, 5, 60_000);
          if (!r.granted) return;
          grants += 1;
          held += 1;
          maxHeld = Math.max(maxHeld, held);
          await new Promise((resolve) => setImmediate(resolve));
          held -= 1;
          await counters.release(k, r);
        }),
      );
      expect(maxHeld).toBeLessThanOrEqual(5);
      expect(grants).toBeGreaterThanOrEqual(5);
      expect((await counters.peek(k))?.count).toBe(0);
    });
  });
}
