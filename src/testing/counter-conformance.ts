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
  });
}
