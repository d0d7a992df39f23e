/**
 * @module Rejection aggregation for the audit trail: a refused unauthenticated credential (a random
 * Bearer token, an unknown personal token) costs the attacker nothing, so one audit row and one
 * warning line each would let anyone flood the table and the logs. Per client bucket and window the
 * first rejection goes through at once; the rest are counted and written as one event with `count`.
 */
import { clientBucket } from '../../core/client-ip.ts';
import type { Clock } from '../../core/clock.ts';
import type { AuthEvent, EventSink } from '../../core/events.ts';

/** The events a client can cause without holding any credential: aggregated. */
export type AggregatedEvent = Extract<AuthEvent, { type: 'token.rejected' }>;

const isAggregated = (event: AuthEvent): event is AggregatedEvent => event.type === 'token.rejected';

export interface RejectionAggregation {
  /** How long one client bucket's window lasts: one prompt event, then at most one count per window. */
  readonly windowMs: number;
  /** Buckets held at once; past it the oldest is closed early (its count passed on, never lost). */
  readonly maxBuckets: number;
  /** IPv6 clients count by this prefix, as rate limits do: rotating addresses in a /64 opens no new bucket. */
  readonly ipv6PrefixLength: number;
}

/**
 * One minute: at most two rows and two log lines per client, reason and minute under a flood, and
 * the first rejection still written within the trail's 100 ms. 10 000 buckets bound the memory
 * (a few MB) however many addresses an attacker rotates through.
 */
export const DEFAULT_REJECTION_AGGREGATION: RejectionAggregation = { windowMs: 60_000, maxBuckets: 10_000, ipv6PrefixLength: 64 };

interface Bucket {
  readonly windowEndsAtMs: number;
  /** The client bucket's name (the IP, or the IPv6 prefix) — the count's `ip` when addresses varied. */
  readonly client: string;
  /** Rejections since the last event passed on. */
  pending: number;
  /** The latest of them: its time and user agent describe the count. */
  last: AggregatedEvent;
  /** Whether they came from more than one address of the bucket (then the count names the bucket). */
  addressesVaried: boolean;
}

export interface AggregatingSink {
  readonly sink: EventSink;
  /** Passes on every count still open (reads of the trail, shutdown); windows stay open. */
  flush(): void;
}

/**
 * Wraps `downstream` (the audit log and table): events that are not rejections pass straight
 * through; a rejection is passed on with `count: 1` when it opens its bucket's window, and counted
 * otherwise. A window's count is passed on when it ends (on the next event, or a timer that never
 * keeps the process alive), when its bucket is evicted, or on `flush()` — so counts are exact.
 * Per process: N processes write up to N times as many rows, each with its own exact count.
 */
export function aggregateRejections(downstream: EventSink, clock: Clock, options: RejectionAggregation = DEFAULT_REJECTION_AGGREGATION): AggregatingSink {
  if (!(options.windowMs > 0) || !Number.isInteger(options.maxBuckets) || options.maxBuckets < 1) {
    throw new RangeError('rejection aggregation needs windowMs > 0 and maxBuckets ≥ 1');
  }
  /** By key; a Map keeps insertion order, so the first bucket is always the one whose window ends first. */
  const buckets = new Map<string, Bucket>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const passOnCount = (bucket: Bucket) => {
    if (bucket.pending === 0) return;
    const count = bucket.pending;
    bucket.pending = 0;
    downstream({ ...bucket.last, count, ...(bucket.addressesVaried ? { ip: bucket.client } : {}) });
  };

  const closeEndedWindows = (nowMs: number) => {
    for (const [key, bucket] of buckets) {
      if (bucket.windowEndsAtMs > nowMs) break;
      buckets.delete(key);
      passOnCount(bucket);
    }
  };

  // Without it, a window's count would wait for the next event or a read of the trail to be written.
  const armTimer = () => {
    if (timer !== undefined) return;
    const first = buckets.values().next().value;
    if (!first) return;
    const delayMs = Math.min(options.windowMs, Math.max(1_000, first.windowEndsAtMs - clock.nowMs()));
    timer = setTimeout(() => {
      timer = undefined;
      closeEndedWindows(clock.nowMs());
      armTimer();
    }, delayMs);
    timer.unref();
  };

  return {
    sink(event) {
      const nowMs = clock.nowMs();
      closeEndedWindows(nowMs);
      if (!isAggregated(event)) {
        downstream(event);
        return;
      }
      const client = clientBucket(event.ip, options.ipv6PrefixLength);
      // The reason and user are part of the key: a count never blurs an expired token of a known
      // user into random noise. Both sets are small (eight reasons; a user id needs a valid token).
      const key = `${event.type}|${client}|${event.reason}|${event.userId ?? ''}`;
      const bucket = buckets.get(key);
      if (bucket) {
        if (bucket.pending === 0) bucket.addressesVaried = false;
        else if (event.ip !== bucket.last.ip) bucket.addressesVaried = true;
        bucket.pending += 1;
        bucket.last = event;
        return;
      }
      if (buckets.size >= options.maxBuckets) {
        const [oldestKey, oldest] = buckets.entries().next().value as [string, Bucket];
        buckets.delete(oldestKey);
        passOnCount(oldest);
      }
      buckets.set(key, { windowEndsAtMs: nowMs + options.windowMs, client, pending: 0, last: event, addressesVaried: false });
      downstream({ ...event, count: 1 });
      armTimer();
    },
    flush() {
      closeEndedWindows(clock.nowMs());
      for (const bucket of buckets.values()) passOnCount(bucket);
    },
  };
}
