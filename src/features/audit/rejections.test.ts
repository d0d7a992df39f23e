/**
 * @module Rejection aggregation at exact window edges (a FixedClock; no sleeping): the first
 * rejection of a window passes at once, the rest become one exact count; and `createAudit` gives
 * the log and the table the same aggregated stream.
 */
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../core/clock.ts';
import type { AuthEvent, TokenRejection } from '../../core/events.ts';
import type { AuditRecord, AuditStore } from '../../core/stores.ts';
import { aggregateRejections, createAudit, type SecurityLogger } from './index.ts';

const WINDOW_MS = 60_000;

function rejection(clock: FixedClock, ip: string, reason: TokenRejection = 'invalid_signature_or_claims', userId?: string): AuthEvent {
  return { type: 'token.rejected', reason, ...(userId ? { userId } : {}), ip, userAgent: 'curl/8', atMs: clock.nowMs() };
}

function setUp(options: { maxBuckets?: number } = {}) {
  const clock = new FixedClock();
  const passed: AuthEvent[] = [];
  const aggregation = aggregateRejections((event) => passed.push(event), clock, { windowMs: WINDOW_MS, maxBuckets: options.maxBuckets ?? 1_000, ipv6PrefixLength: 64 });
  return { clock, passed, ...aggregation };
}

const countOf = (event: AuthEvent) => (event.type === 'token.rejected' ? (event.count ?? 1) : 0);
const sumOfCounts = (events: readonly AuthEvent[]) => events.reduce((sum, event) => sum + countOf(event), 0);

describe('aggregateRejections', () => {
  it('1,000 rejections from one client: the first passes at once, the other 999 as one count', () => {
    const { clock, passed, sink, flush } = setUp();
    sink(rejection(clock, '203.0.113.9'));
    expect(passed).toEqual([expect.objectContaining({ type: 'token.rejected', ip: '203.0.113.9', count: 1 })]);
    for (let i = 1; i < 1_000; i++) {
      clock.advanceMs(10);
      sink(rejection(clock, '203.0.113.9'));
    }
    expect(passed).toHaveLength(1);
    flush();
    expect(passed).toHaveLength(2);
    expect(passed[1]).toMatchObject({ type: 'token.rejected', ip: '203.0.113.9', count: 999, atMs: clock.nowMs(), reason: 'invalid_signature_or_claims' });
    expect(sumOfCounts(passed)).toBe(1_000);
  });

  it('50 clients: one event per client, each with its own address and a count of one', () => {
    const { clock, passed, sink, flush } = setUp();
    for (let client = 0; client < 50; client++) sink(rejection(clock, `198.51.100.${client}`));
    flush();
    expect(passed).toHaveLength(50);
    expect(new Set(passed.map((event) => event.ip)).size).toBe(50);
    expect(passed.every((event) => countOf(event) === 1)).toBe(true);
  });

  it('the window ends exactly windowMs after its first rejection; the next rejection opens a new one at once', () => {
    const { clock, passed, sink } = setUp();
    sink(rejection(clock, '203.0.113.9'));
    clock.advanceMs(WINDOW_MS - 1);
    sink(rejection(clock, '203.0.113.9'));
    sink(rejection(clock, '203.0.113.9'));
    expect(passed.map(countOf)).toEqual([1]);
    clock.advanceMs(1);
    sink(rejection(clock, '203.0.113.9'));
    // The ended window's count, then the new window's first rejection.
    expect(passed.map(countOf)).toEqual([1, 2, 1]);
    expect(passed[1]?.atMs).toBe(passed[0]!.atMs + WINDOW_MS - 1);
  });

  it('an ended window is closed by any later event, not only a rejection from its own client', () => {
    const { clock, passed, sink } = setUp();
    sink(rejection(clock, '203.0.113.9'));
    sink(rejection(clock, '203.0.113.9'));
    clock.advanceMs(WINDOW_MS);
    sink({ type: 'logout', userId: 'u1', ip: '192.0.2.1', atMs: clock.nowMs() });
    expect(passed.map((event) => event.type)).toEqual(['token.rejected', 'token.rejected', 'logout']);
    expect(passed.map(countOf)).toEqual([1, 1, 0]);
  });

  it('flush() passes on open counts but keeps the window: a later rejection is counted, not passed at once', () => {
    const { clock, passed, sink, flush } = setUp();
    for (let i = 0; i < 3; i++) sink(rejection(clock, '203.0.113.9'));
    flush();
    flush();
    expect(passed.map(countOf)).toEqual([1, 2]);
    sink(rejection(clock, '203.0.113.9'));
    expect(passed).toHaveLength(2);
    flush();
    expect(passed.map(countOf)).toEqual([1, 2, 1]);
  });

  it('other events pass straight through, unchanged and without a count', () => {
    const { clock, passed, sink } = setUp();
    const failed: AuthEvent = { type: 'login.failed', identity: 'ann', reason: 'wrong_password', via: 'session', ip: '203.0.113.9', atMs: clock.nowMs() };
    for (let i = 0; i < 3; i++) sink(failed);
    expect(passed).toEqual([failed, failed, failed]);
  });

  it('counts apart by reason and by user: an expired token of a known user is never blurred into noise', () => {
    const { clock, passed, sink, flush } = setUp();
    for (let i = 0; i < 4; i++) {
      sink(rejection(clock, '203.0.113.9', 'malformed'));
      sink(rejection(clock, '203.0.113.9', 'unknown'));
      sink(rejection(clock, '203.0.113.9', 'expired', 'u1'));
      sink(rejection(clock, '203.0.113.9', 'expired', 'u2'));
    }
    flush();
    expect(passed).toHaveLength(8);
    const byKey = new Map<string, number>();
    for (const event of passed) {
      if (event.type !== 'token.rejected') continue;
      const key = `${event.reason}/${event.userId ?? ''}`;
      byKey.set(key, (byKey.get(key) ?? 0) + countOf(event));
    }
    expect(Object.fromEntries(byKey)).toEqual({ 'malformed/': 4, 'unknown/': 4, 'expired/u1': 4, 'expired/u2': 4 });
  });

  it('IPv6 addresses of one /64 share a bucket; a count from several of them names the prefix', () => {
    const { clock, passed, sink, flush } = setUp();
    for (let i = 1; i <= 100; i++) sink(rejection(clock, `2001:db8:1:2::${i.toString(16)}`));
    flush();
    expect(passed.map(countOf)).toEqual([1, 99]);
    expect(passed[0]?.ip).toBe('2001:db8:1:2::1');
    expect(passed[1]?.ip).toBe('2001:db8:1:2::/64');
  });

  it('refuses a window or a bucket bound that would aggregate nothing, at construction', () => {
    const clock = new FixedClock();
    expect(() => aggregateRejections(() => {}, clock, { windowMs: 0, maxBuckets: 10, ipv6PrefixLength: 64 })).toThrow(RangeError);
    expect(() => aggregateRejections(() => {}, clock, { windowMs: 1_000, maxBuckets: 0, ipv6PrefixLength: 64 })).toThrow(RangeError);
  });

  it('past maxBuckets the oldest bucket is closed early: its count is passed on, never lost', () => {
    const { clock, passed, sink, flush } = setUp({ maxBuckets: 2 });
    for (let i = 0; i < 5; i++) sink(rejection(clock, '192.0.2.1'));
    sink(rejection(clock, '192.0.2.2'));
    expect(passed.map(countOf)).toEqual([1, 1]);
    sink(rejection(clock, '192.0.2.3'));
    expect(passed.map((event) => [event.ip, countOf(event)])).toEqual([
      ['192.0.2.1', 1],
      ['192.0.2.2', 1],
      ['192.0.2.1', 4],
      ['192.0.2.3', 1],
    ]);
    flush();
    expect(sumOfCounts(passed)).toBe(7);
  });
});

/** An audit table in memory: enough to count rows. */
function memoryAuditStore() {
  const rows: AuditRecord[] = [];
  const store: AuditStore = {
    appendAuditRecords: async (records) => void rows.push(...records),
    listAuditRecords: async () => ({ records: rows, total: rows.length }),
  };
  return { rows, store };
}

function captureLogger() {
  const lines: Array<{ level: 'info' | 'warn'; fields: Record<string, unknown>; message: string }> = [];
  const logger: SecurityLogger = {
    info: (fields, message) => lines.push({ level: 'info', fields: fields as Record<string, unknown>, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields: fields as Record<string, unknown>, message }),
  };
  return { lines, logger };
}

describe('createAudit', () => {
  it('1,000 rejections from one client: two warning lines and two rows, each count the same, summing to 1,000', async () => {
    const clock = new FixedClock();
    const { rows, store } = memoryAuditStore();
    const { lines, logger } = captureLogger();
    const errors: unknown[] = [];
    const audit = createAudit({ store, logger, clock, onError: (error) => errors.push(error) });
    for (let i = 0; i < 1_000; i++) audit.sink(rejection(clock, '203.0.113.9'));
    // The first is logged at once.
    expect(lines).toHaveLength(1);
    await audit.flush();
    expect(lines.map((line) => [line.level, line.fields['count']])).toEqual([
      ['warn', 1],
      ['warn', 999],
    ]);
    expect(rows.map((row) => row.detail['count'])).toEqual([1, 999]);
    expect(rows.every((row) => row.event === 'token.rejected' && row.ip === '203.0.113.9' && row.reason === 'invalid_signature_or_claims')).toBe(true);
    expect(errors).toEqual([]);
  });
});
