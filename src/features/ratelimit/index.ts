/**
 * @module Per-route, per-client rate limits: fixed windows over the CounterStore, the `429`
 * decision, and the standard `RateLimit-*` headers (IETF draft 6 fields, as express-rate-limit sends).
 */
import type { RateLimitRule } from '../../core/config.ts';
export { createInFlightLimit, type InFlightLimit } from './in-flight.ts';
import type { CounterState } from '../../core/stores.ts';

export type RateLimitedRoute = 'login' | 'register' | 'reset' | 'refresh';

export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the window resets. */
  readonly resetSeconds: number;
}

/** The counter key of one route for one client bucket (an IP, or an IPv6 /64). */
export function rateLimitKey(route: string, clientBucket: string): string {
  return `rl:${route}:${clientBucket}`;
}

export function decideRateLimit(state: CounterState, rule: RateLimitRule): RateLimitDecision {
  return {
    allowed: state.count <= rule.count,
    limit: rule.count,
    remaining: Math.max(0, rule.count - state.count),
    resetSeconds: Math.max(1, Math.ceil(state.resetInMs / 1000)),
  };
}

export function rateLimitHeaders(decision: RateLimitDecision, rule: RateLimitRule): ReadonlyArray<readonly [string, string]> {
  const headers: Array<readonly [string, string]> = [
    ['RateLimit-Policy', `${rule.count};w=${Math.max(1, Math.round(rule.windowMs / 1000))}`],
    ['RateLimit-Limit', String(decision.limit)],
    ['RateLimit-Remaining', String(decision.remaining)],
    ['RateLimit-Reset', String(decision.resetSeconds)],
  ];
  if (!decision.allowed) headers.push(['Retry-After', String(decision.resetSeconds)]);
  return headers;
}
