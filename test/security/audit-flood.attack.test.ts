/**
 * @module Attack suite — audit flooding: random Bearer tokens, unknown personal access tokens and
 * forged session cookies cost an attacker nothing. Each is refused (401) and what it leaves behind
 * is bounded: per client and minute, a handful of `token.rejected` rows and warning lines whose
 * `count`s add up exactly — never one row and one line per request. The app's clock is a
 * FixedClock, so no window ends during a test unless the test moves it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SecurityLogger } from '../../src/features/audit/index.ts';
import type { AuditRecord } from '../../src/core/stores.ts';
import { createTestApp, nextIp, type TestApp } from '../http/harness.ts';
import { UNAUTHENTICATED, jsonOf } from './attack-helpers.ts';

/** How many rows (or lines) "a handful" is: the first of the window, its count, a read's flush. */
const HANDFUL = 3;

interface LogLine {
  readonly level: 'info' | 'warn';
  readonly fields: Record<string, unknown>;
  readonly text: string;
}

function captureLogger() {
  const lines: LogLine[] = [];
  const line = (level: LogLine['level']) => (fields: object, message: string) =>
    void lines.push({ level, fields: fields as Record<string, unknown>, text: JSON.stringify({ ...fields, msg: message }) });
  const logger: SecurityLogger = { info: line('info'), warn: line('warn') };
  return { lines, logger };
}

const randomBearer = () => randomBytes(32).toString('base64url');
const randomPersonalToken = () => `pcat_${randomBytes(32).toString('base64url')}`;
const countOf = (row: AuditRecord) => (typeof row.detail['count'] === 'number' ? row.detail['count'] : 1);
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

describe('audit flooding with refused credentials', () => {
  let t: TestApp;
  let lines: LogLine[];

  beforeAll(async () => {
    const captured = captureLogger();
    lines = captured.lines;
    t = await createTestApp({ securityLogger: captured.logger });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  /** Sends each header set to /auth/me from `ip`, 25 at a time, and checks every answer is the 401. */
  async function sendRefused(ip: string, headerSets: ReadonlyArray<Record<string, string>>): Promise<void> {
    for (let start = 0; start < headerSets.length; start += 25) {
      const answers = await Promise.all(
        headerSets.slice(start, start + 25).map((headers) => t.request('/auth/me', { headers: { accept: 'application/json', ...headers } }, ip)),
      );
      for (const res of answers) {
        expect(res.status).toBe(401);
        expect(await jsonOf(res)).toEqual(UNAUTHENTICATED);
      }
    }
  }

  /** Every audit row from `ip` (reading through the Auth object flushes what waits first). */
  async function rowsFrom(ip: string): Promise<readonly AuditRecord[]> {
    return (await t.auth.admin.listAudit({ ip, offset: 0, limit: 5_000 })).records;
  }

  const rejectionLinesFrom = (ip: string) => lines.filter((line) => line.fields['event'] === 'token.rejected' && line.fields['ip'] === ip);

  it('1,000 random Bearer tokens from one client: all refused; a handful of rows and warning lines whose counts sum to 1,000', async () => {
    const ip = nextIp();
    const tokens = Array.from({ length: 1_000 }, randomBearer);
    await sendRefused(
      ip,
      tokens.map((token) => ({ authorization: `Bearer ${token}` })),
    );
    const rows = await rowsFrom(ip);
    expect(rows.every((row) => row.event === 'token.rejected' && row.reason === 'invalid_signature_or_claims')).toBe(true);
    expect(rows.length).toBeLessThanOrEqual(HANDFUL);
    expect(sum(rows.map(countOf))).toBe(1_000);

    const logged = rejectionLinesFrom(ip);
    expect(logged.length).toBeLessThanOrEqual(HANDFUL);
    expect(logged.every((line) => line.level === 'warn')).toBe(true);
    expect(sum(logged.map((line) => Number(line.fields['count'])))).toBe(1_000);

    // Never a token in a log line or a row.
    const written = [...logged.map((line) => line.text), ...rows.map((row) => JSON.stringify(row))].join('\n');
    for (const token of tokens) expect(written.includes(token)).toBe(false);
  });

  it('50 clients with one bad token each: one row per client, each with its own address and a count of one', async () => {
    const ips = Array.from({ length: 50 }, nextIp);
    for (const ip of ips) await sendRefused(ip, [{ authorization: `Bearer ${randomBearer()}` }]);
    for (const ip of ips) {
      const rows = await rowsFrom(ip);
      expect(rows.map((row) => [row.event, row.ip, countOf(row)]), ip).toEqual([['token.rejected', ip, 1]]);
    }
  });

  it('50 clients with 20 bad tokens each: every client keeps its own exact count, in at most two rows', async () => {
    const ips = Array.from({ length: 50 }, nextIp);
    await Promise.all(ips.map((ip) => sendRefused(ip, Array.from({ length: 20 }, () => ({ authorization: `Bearer ${randomBearer()}` })))));
    let total = 0;
    for (const ip of ips) {
      const rows = await rowsFrom(ip);
      expect(rows.length, ip).toBeLessThanOrEqual(2);
      expect(sum(rows.map(countOf)), ip).toBe(20);
      total += rows.length;
    }
    expect(total).toBeLessThanOrEqual(100);
  });

  it('200 unknown personal access tokens from one client: a handful of rows, counts summing to 200', async () => {
    const ip = nextIp();
    await sendRefused(
      ip,
      Array.from({ length: 200 }, () => ({ authorization: `Bearer ${randomPersonalToken()}` })),
    );
    const rows = await rowsFrom(ip);
    expect(rows.every((row) => row.event === 'token.rejected' && row.reason === 'unknown')).toBe(true);
    expect(rows.length).toBeLessThanOrEqual(HANDFUL);
    expect(sum(rows.map(countOf))).toBe(200);
    expect(rejectionLinesFrom(ip).length).toBeLessThanOrEqual(HANDFUL);
  });

  it('300 forged session cookies from one client: all refused, at most a handful of rows and lines', async () => {
    const ip = nextIp();
    await sendRefused(
      ip,
      Array.from({ length: 300 }, () => ({ cookie: `portcullis_session=${randomBytes(32).toString('base64url')}` })),
    );
    expect((await rowsFrom(ip)).length).toBeLessThanOrEqual(HANDFUL);
    expect(lines.filter((line) => line.fields['ip'] === ip).length).toBeLessThanOrEqual(HANDFUL);
  });

  it('the first rejection of a window is written promptly, without a read flushing it; a new window starts with a new prompt row', async () => {
    const ip = nextIp();
    const storedRows = async () => (await t.stores.audit.listAuditRecords({ ip, offset: 0, limit: 100 })).records;
    await sendRefused(ip, [{ authorization: `Bearer ${randomBearer()}` }]);
    // Straight from the store, which flushes nothing: the trail's own batch (100 ms) writes it.
    await vi.waitFor(async () => expect((await storedRows()).map(countOf)).toEqual([1]), { timeout: 5_000, interval: 50 });
    await sendRefused(ip, [{ authorization: `Bearer ${randomBearer()}` }, { authorization: `Bearer ${randomBearer()}` }]);
    t.clock.advanceMs(60_000);
    await sendRefused(ip, [{ authorization: `Bearer ${randomBearer()}` }]);
    // The ended window's count (2), then the new window's first rejection (1), both without a read.
    await vi.waitFor(async () => expect((await storedRows()).map(countOf).sort()).toEqual([1, 1, 2]), { timeout: 5_000, interval: 50 });
  });
});
