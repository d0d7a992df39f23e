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

export function createAuditLogSink(logger: SecurityLogger): EventSink {
  return (event) => {
    const { atMs, type, ...fields } = event;
    const record = { event: type, ...fields, timestamp: new Date(atMs).toISOString() };
    if (WARN_EVENTS.has(event.type)) logger.warn(record, event.type === 'login.failed' ? 'Failed login attempt' : event.type);
    else logger.info(record, event.type);
  };
}
