/**
 * @module The audit trail as an EventSink: every security event becomes one JSON log line under
 * the `security` logger — identity, IP, reason, time. Events never carry a secret.
 */
import type { AuthEvent, EventSink } from '../../core/events.ts';

/** The slice of a pino logger this needs; any structured logger fits. */
export interface SecurityLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

const WARN_EVENTS = new Set<AuthEvent['type']>(['login.failed', 'verify.failed', 'session.protection']);

/**
 * The only event fields that reach a log line. An allowlist, not a spread: whatever else an event
 * object happens to carry (a password by mistake, a forged `event`) is never written.
 */
const LOGGED_FIELDS = ['userId', 'identity', 'email', 'reason', 'via', 'ip', 'sessionId', 'by', 'mode', 'role', 'actorId'] as const;

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
