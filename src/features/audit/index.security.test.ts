import { describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../core/events.ts';
import { createAuditLogSink, type SecurityLogger } from './index.ts';

/** What the log would write: the serialised record and message of every call. */
function capture() {
  const written: string[] = [];
  const records: Array<Record<string, unknown>> = [];
  const write = (fields: object, message: string) => {
    records.push(fields as Record<string, unknown>);
    written.push(JSON.stringify({ ...fields, msg: message }));
  };
  const logger: SecurityLogger = { info: write, warn: write };
  return { written, records, sink: createAuditLogSink(logger) };
}

const PASSWORD = 'hunter2-Correct-Horse';
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g';
const TOKEN = 'Zm9vYmFyYmF6cXV4c2VjcmV0dG9rZW52YWx1ZTEyMzQ';

describe('audit log: secrets never reach a record', () => {
  it('a login.failed event smuggling password, hash, token and cookie fields logs none of them', () => {
    const { written, records, sink } = capture();
    const event = {
      type: 'login.failed',
      identity: 'ann@example.com',
      reason: 'wrong_password',
      via: 'session',
      ip: '203.0.113.5',
      atMs: 0,
      password: PASSWORD,
      new_password: PASSWORD,
      passwordHash: HASH,
      token: TOKEN,
      cookie: `sid=${TOKEN}`,
      authorization: `Bearer ${TOKEN}`,
    } as unknown as AuthEvent;
    sink(event);
    const line = written.join('\n');
    expect(line).not.toContain(PASSWORD);
    expect(line).not.toContain(HASH);
    expect(line).not.toContain(TOKEN);
    expect(Object.keys(records[0] ?? {}).sort()).toEqual(['event', 'identity', 'ip', 'reason', 'timestamp', 'via']);
  });

  it('other events with an extra password field do not log it either', () => {
    for (const type of ['user.registered', 'login.succeeded', 'logout', 'verify.failed']) {
      const { written, sink } = capture();
      sink({ type, userId: 'u1', email: 'a@b.co', via: 'session', ip: '1.2.3.4', atMs: 0, password: PASSWORD } as unknown as AuthEvent);
      expect(written.join('\n'), type).not.toContain(PASSWORD);
    }
  });

  it('an extra field cannot overwrite the event name or timestamp', () => {
    const { records, sink } = capture();
    sink({ type: 'login.failed', identity: 'ann', reason: 'wrong_password', via: 'session', ip: '1.2.3.4', atMs: 0, event: 'login.succeeded', timestamp: 'forged' } as unknown as AuthEvent);
    expect(records[0]?.['event']).toBe('login.failed');
    expect(records[0]?.['timestamp']).toBe('1970-01-01T00:00:00.000Z');
  });
});
