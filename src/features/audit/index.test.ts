import { describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../core/events.ts';
import { createAuditLogSink, type SecurityLogger } from './index.ts';

type Line = { level: 'info' | 'warn'; fields: Record<string, unknown>; message: string };

function capture() {
  const lines: Line[] = [];
  const logger: SecurityLogger = {
    info: (fields, message) => lines.push({ level: 'info', fields: fields as Record<string, unknown>, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields: fields as Record<string, unknown>, message }),
  };
  return { lines, sink: createAuditLogSink(logger) };
}

const AT_MS = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

describe('audit log sink', () => {
  it('logs a failed login as one warning with identity, IP, reason and timestamp', () => {
    const { lines, sink } = capture();
    sink({ type: 'login.failed', identity: 'Ann@Example.com', reason: 'wrong_password', via: 'session', ip: '203.0.113.5', atMs: AT_MS });
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line?.level).toBe('warn');
    expect(line?.message).toBe('Failed login attempt');
    expect(line?.fields).toEqual({
      event: 'login.failed',
      identity: 'Ann@Example.com',
      reason: 'wrong_password',
      via: 'session',
      ip: '203.0.113.5',
      timestamp: '2026-01-02T03:04:05.678Z',
    });
  });

  it('a failed-login record has no secret-looking field', () => {
    const { lines, sink } = capture();
    sink({ type: 'login.failed', identity: 'ann', reason: 'unknown_identity', via: 'basic', ip: '::1', atMs: AT_MS });
    const keys = Object.keys(lines[0]?.fields ?? {});
    for (const key of keys) expect(key).not.toMatch(/pass|hash|token|cookie|secret|session|csrf|authorization/i);
    expect(keys.sort()).toEqual(['event', 'identity', 'ip', 'reason', 'timestamp', 'via']);
  });

  it('keeps the identity as typed, not normalised', () => {
    const { lines, sink } = capture();
    sink({ type: 'login.failed', identity: '  ＡＮＮ@example.com ', reason: 'unknown_identity', via: 'session', ip: '198.51.100.7', atMs: AT_MS });
    expect(lines[0]?.fields['identity']).toBe('  ＡＮＮ@example.com ');
  });

  it.each([
    [{ type: 'verify.failed', userId: 'u1', ip: '1.2.3.4', atMs: AT_MS }, 'warn', 'verify.failed'],
    [{ type: 'session.protection', userId: 'u1', mode: 'strong', ip: '1.2.3.4', atMs: AT_MS }, 'warn', 'session.protection'],
    [{ type: 'login.succeeded', userId: 'u1', via: 'session', ip: '1.2.3.4', atMs: AT_MS }, 'info', 'login.succeeded'],
    [{ type: 'user.registered', userId: 'u1', email: 'a@b.co', ip: '1.2.3.4', atMs: AT_MS }, 'info', 'user.registered'],
    [{ type: 'logout', userId: 'u1', ip: '1.2.3.4', atMs: AT_MS }, 'info', 'logout'],
  ] as Array<[AuthEvent, 'info' | 'warn', string]>)('logs %o at %s', (event, level, message) => {
    const { lines, sink } = capture();
    sink(event);
    expect(lines).toEqual([{ level, message, fields: expect.objectContaining({ event: event.type, timestamp: '2026-01-02T03:04:05.678Z' }) }]);
    expect(lines[0]?.fields).not.toHaveProperty('atMs');
    expect(lines[0]?.fields).not.toHaveProperty('type');
  });
});
