/** @module One rate-limited attempt: count it for the client's bucket and decide (429 beyond the rule). */
import { clientBucket } from '../core/client-ip.ts';
import type { RateLimitRule } from '../core/config.ts';
import type { ClientInfo } from '../core/request-context.ts';
import { decideRateLimit, rateLimitKey, type RateLimitDecision } from '../features/ratelimit/index.ts';
import { origin, type Kernel } from './kernel.ts';

/** Every attempt counts, refused ones too: hammering a limit never opens it. */
export async function consumeRateLimit(kernel: Kernel, route: string, rule: RateLimitRule, client: ClientInfo): Promise<RateLimitDecision> {
  const bucket = clientBucket(client.ip, kernel.config.ipv6PrefixLength);
  const state = await kernel.counters.hit(rateLimitKey(route, bucket), rule.windowMs);
  const decision = decideRateLimit(state, rule);
  if (!decision.allowed) kernel.emit({ type: 'rate.limited', route, ...origin(client), atMs: kernel.clock.nowMs() });
  return decision;
}

/**
 * A rate-limited attempt that is given back when it succeeds (HTTP Basic: each request presents
 * the password, so a client using it correctly must not run out, while its guesses count against
 * the same per-client login limit as the login form). Reserved before the check, so concurrent
 * guesses cannot overrun the limit.
 */
export async function reserveRateLimit(
  kernel: Kernel,
  route: string,
  rule: RateLimitRule,
  client: ClientInfo,
): Promise<{ granted: true; release(): Promise<void> } | { granted: false; retryAfterSeconds: number }> {
  const key = rateLimitKey(route, clientBucket(client.ip, kernel.config.ipv6PrefixLength));
  const reservation = await kernel.counters.reserve(key, rule.count, rule.windowMs);
  if (!reservation.granted) {
    kernel.emit({ type: 'rate.limited', route, ...origin(client), atMs: kernel.clock.nowMs() });
    return { granted: false, retryAfterSeconds: Math.max(1, Math.ceil(reservation.resetInMs / 1000)) };
  }
  return { granted: true, release: () => kernel.counters.release(key, reservation) };
}
