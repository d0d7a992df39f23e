/** @module CounterStore in process memory, on rate-limiter-flexible's RateLimiterMemory (one process only). */
import { RateLimiterMemory, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import type { CounterState, CounterStore, Reservation } from '../../core/stores.ts';

/** rate-limiter-flexible counts in points against a limit; ours is "never refuse", so the limit is unreachable. */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

export function toCounterState(res: RateLimiterRes): CounterState {
  return { count: res.consumedPoints, resetInMs: Math.max(0, res.msBeforeNext) };
}

/**
 * RateLimiterMemory expires each key with a setTimeout, and Node cannot hold a timer longer than
 * 2^31 − 1 ms (≈ 24.8 days): a longer one fires at once. In-process counters die with the process
 * anyway, so a mark meant to last 30 days here lasts at most 24 — longer lives need Redis.
 */
const MAX_TTL_MS = 2 ** 31 - 1_000;
const seconds = (ms: number) => Math.min(ms, MAX_TTL_MS) / 1000;

type Limiter = Pick<RateLimiterAbstract, 'penalty' | 'reward' | 'get' | 'set' | 'delete'>;

/**
 * Two reads of one counter's end agree within this much when they are the same life: clocks are
 * read a few ms apart. A new life ends at least one window (≥ 1 s) later than the one before.
 */
const SAME_LIFE_TOLERANCE_MS = 100;

/**
 * `reserve` on a limiter whose increments are atomic (each call one step): count first, then hand
 * back a unit that went over the limit. Which callers are granted is decided by the atomic
 * increment alone, so no interleaving grants more than `limit`; an over-limit unit counts only
 * until it is handed back, which can refuse a concurrent caller at the edge but never grant one.
 */
export async function reserveByIncrement(limiter: Limiter, key: string, limit: number, windowSeconds: number): Promise<Reservation> {
  const state = toCounterState(await limiter.penalty(key, 1, { customDuration: windowSeconds }));
  const endsAtMs = Date.now() + state.resetInMs;
  if (state.count <= limit) return { granted: true, ...state, endsAtMs };
  await limiter.reward(key, 1);
  return { granted: false, count: state.count - 1, resetInMs: state.resetInMs, endsAtMs };
}

/**
 * `release` on such a limiter: only the life of the counter the unit was taken from, and only a
 * positive count. Two concurrent releases can both pass the check: the one that takes the count
 * below zero puts its unit back.
 */
export async function releaseIfSameLife(limiter: Limiter, key: string, reservation: Reservation): Promise<void> {
  const res = await limiter.get(key);
  if (!res || res.msBeforeNext <= 0 || res.consumedPoints <= 0) return;
  if (Math.abs(Date.now() + res.msBeforeNext - reservation.endsAtMs) > SAME_LIFE_TOLERANCE_MS) return;
  const after = await limiter.reward(key, 1);
  if (after.consumedPoints < 0) await limiter.penalty(key, 1);
}

/** The CounterStore operations over any rate-limiter-flexible limiter (memory or Redis). */
export function counterStoreOver(limiter: Limiter, toSeconds: (ms: number) => number, close: () => Promise<void>): CounterStore {
  return {
    async hit(key, windowMs, points = 1) {
      return toCounterState(await limiter.penalty(key, points, { customDuration: toSeconds(windowMs) }));
    },
    reserve: (key, limit, windowMs) => reserveByIncrement(limiter, key, limit, toSeconds(windowMs)),
    release: (key, reservation) => releaseIfSameLife(limiter, key, reservation),
    async peek(key) {
      const res = await limiter.get(key);
      return res && res.msBeforeNext > 0 ? toCounterState(res) : undefined;
    },
    async put(key, count, ttlMs) {
      await limiter.set(key, count, toSeconds(ttlMs));
    },
    async delete(key) {
      await limiter.delete(key);
    },
    close,
  };
}

export function createMemoryCounterStore(): CounterStore {
  // Nothing to release on close: the Map goes with the process.
  return counterStoreOver(new RateLimiterMemory({ points: UNLIMITED, duration: 60 }), seconds, async () => undefined);
}
