/**
 * @module The audit trail as an EventSink: every security event becomes one JSON log line under
 * the `security` logger and one row of the audit table — identity, IP, reason, time; a flood of
 * rejected credentials becomes a count per client and window. Events never carry a secret.
 */
import type { Clock } from '../../core/clock.ts';
import { createPublicId, secureRandom, type RandomSource } from '../../core/crypto/index.ts';
import { fanOut, type AuthEvent, type EventSink } from '../../core/events.ts';
import type { AuditRecord, AuditStore } from '../../core/stores.ts';
import { aggregateRejections, DEFAULT_REJECTION_AGGREGATION, type RejectionAggregation } from './rejections.ts';

export { aggregateRejections, DEFAULT_REJECTION_AGGREGATION, type AggregatingSink, type RejectionAggregation } from './rejections.ts';

/** The slice of a pino logger this needs; any structured logger fits. */
export interface SecurityLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

const WARN_EVENTS = new Set<AuthEvent['type']>(['oauth.failed', 'login.failed', 'mfa.failed', 'verify.failed', 'session.protection', 'token.reuse', 'token.rejected', 'csrf.failed']);

/**
 * The only event fields that reach a log line. An allowlist, not a spread: whatever else an event
 * object happens to carry (a password by mistake, a forged `event`) is never written.
 */
const LOGGED_FIELDS = ['userId', 'identity', 'email', 'reason', 'via', 'ip', 'userAgent', 'sessionId', 'by', 'mode', 'role', 'permissions', 'actorId', 'route', 'path', 'retryAfterSeconds', 'name', 'count', 'kind', 'provider', 'created', 'method', 'deviceId'] as const;

export function auditRecord(event: AuthEvent): Record<string, unknown> {
  const record: Record<string, unknown> = { event: event.type };
  const source = event as unknown as Record<string, unknown>;
  for (const key of LOGGED_FIELDS) {
    if (Object.hasOwn(source, key)) record[key] = source[key];
  }
  record.timestamp = new Date(event.atMs).toISOString();
  return record;
}

export function createAuditLogSink(logger: SecurityLogger): EventSink {
  return (event) => {
    const record = auditRecord(event);
    if (WARN_EVENTS.has(event.type)) logger.warn(record, event.type === 'login.failed' ? 'Failed login attempt' : event.type);
    else logger.info(record, event.type);
  };
}

const DETAIL_FIELDS = ['via', 'role', 'permissions', 'route', 'sessionId', 'by', 'mode', 'path', 'retryAfterSeconds', 'name', 'count', 'kind', 'provider', 'created', 'method', 'deviceId'] as const;

/** An event as an audit row: identity, IP, user agent, reason, time, and a few safe details. */
export function toAuditRecord(event: AuthEvent, id: string): AuditRecord {
  const source = event as unknown as Record<string, unknown>;
  const text = (key: string) => (typeof source[key] === 'string' ? (source[key] as string) : null);
  const detail: Record<string, string | number | boolean> = {};
  for (const key of DETAIL_FIELDS) {
    const value = source[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') detail[key] = value;
  }
  return {
    id,
    atMs: event.atMs,
    event: event.type,
    userId: text('userId'),
    actorId: text('actorId'),
    identity: (text('identity') ?? text('email'))?.slice(0, 320) ?? null,
    ip: event.ip,
    userAgent: (event.userAgent ?? '').slice(0, 512),
    reason: text('reason'),
    detail,
  };
}

export interface AuditTrail {
  readonly sink: EventSink;
  /** Writes what is queued; resolves when it is stored (tests, shutdown). */
  flush(): Promise<void>;
}

/** How the audit trail groups its writes. */
export interface AuditBatching {
  /** The longest an event waits in memory before its batch is written (ms). */
  readonly maxDelayMs: number;
  /** A batch this large is written at once, without waiting for the delay. */
  readonly maxBatch: number;
}

/**
 * 100 ms: one INSERT (one commit) for every login of the last tenth of a second instead of one per
 * login — a SQLite commit costs a login more event-loop time than anything but the response write.
 * A crash (not a shutdown: that flushes) loses at most that tenth of a second of rows; the log line
 * of each event is written at once.
 */
export const DEFAULT_AUDIT_BATCHING: AuditBatching = { maxDelayMs: 100, maxBatch: 256 };

/**
 * The audit table as an EventSink. Events are queued and written in batches off the request path —
 * every `maxDelayMs`, or at once when `maxBatch` are waiting; `flush()` writes what is queued (reading
 * the trail through the Auth object flushes first). A failed write is reported, never thrown into a request.
 */
export function createAuditTrail(
  store: AuditStore,
  onError: (error: unknown) => void,
  random: RandomSource = secureRandom,
  batching: AuditBatching = DEFAULT_AUDIT_BATCHING,
): AuditTrail {
  let queue: AuditRecord[] = [];
  let writing: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const write = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return writing;
    writing = writing.then(() => store.appendAuditRecords(batch)).catch(onError);
    return writing;
  };
  return {
    sink(event) {
      queue.push(toAuditRecord(event, createPublicId(random)));
      if (queue.length === batching.maxBatch) {
        // Full: written on the next turn of the event loop, never inside the request that filled it
        // (events arriving before then join this batch; the timer is set once per batch).
        clearTimeout(timer);
        timer = setTimeout(write, 0);
      } else {
        timer ??= setTimeout(write, batching.maxDelayMs);
      }
    },
    async flush() {
      await write();
    },
  };
}

export interface AuditOptions {
  readonly store: AuditStore;
  readonly logger: SecurityLogger;
  /** Opens and closes the windows of rejection counts (a FixedClock in tests). */
  readonly clock: Clock;
  /** A failed row write or a throwing log call: reported, never thrown into a request. */
  readonly onError: (error: unknown) => void;
  readonly random?: RandomSource;
  readonly batching?: AuditBatching;
  readonly aggregation?: Partial<RejectionAggregation>;
}

/**
 * The whole audit: log lines and table rows behind one rejection aggregator, so a flood of refused
 * credentials is a count in both. `flush()` passes on the open counts, then writes what is queued.
 */
export function createAudit(options: AuditOptions): AuditTrail {
  const trail = createAuditTrail(options.store, options.onError, options.random ?? secureRandom, options.batching ?? DEFAULT_AUDIT_BATCHING);
  const downstream = fanOut([createAuditLogSink(options.logger), trail.sink], options.onError);
  const aggregation = aggregateRejections(downstream, options.clock, { ...DEFAULT_REJECTION_AGGREGATION, ...options.aggregation });
  return {
    sink: aggregation.sink,
    async flush() {
      aggregation.flush();
      await trail.flush();
    },
  };
}
