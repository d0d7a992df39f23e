/**
 * @module Attack: a stolen password used from one new device by many racing requests must not turn
 * the new-device notice into a mail burst. The notice itself (no password hashing in front of it,
 * so the racers really overlap) on the real counter stores — in-process and Redis — with a real
 * SMTP server: ten at once for one (account, device) → exactly one mail; the device is then known.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.ts';
import type { CounterStore, UserRecord } from '../../src/core/stores.ts';
import type { Kernel } from '../../src/flows/kernel.ts';
import { noticeNewDevice } from '../../src/flows/new-device-notice.ts';
import { createMemoryCounterStore } from '../../src/index.ts';
import { createSmtpMailer } from '../../src/mail.ts';
import { openTestRedisCounters, type TestRedisCounters } from '../../src/testing/test-redis.ts';
import { startSmtpSink, type SmtpSink } from '../http/password-helpers.ts';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const NOW = Date.UTC(2026, 0, 5, 12);

let sink: SmtpSink;
let redis: TestRedisCounters;
beforeAll(async () => {
  sink = await startSmtpSink();
  redis = await openTestRedisCounters();
});
afterAll(async () => {
  await redis?.dispose();
  await sink?.close();
});

/** The slice of the kernel the notice uses, with the real mailer: sends are awaited via `pending`. */
function kernelOn(counters: CounterStore, pending: Promise<void>[]): Kernel {
  const mailer = createSmtpMailer(sink.url, 'Portcullis <no-reply@example.com>');
  const config = parseConfig({ secretKey: 'x'.repeat(64), identity: { notifyNewDevice: true } });
  const partial: Pick<Kernel, 'config' | 'counters' | 'sendMail' | 'emit'> = {
    config,
    counters,
    sendMail: (message) => void pending.push(mailer.send(message)),
    emit: () => undefined,
  };
  return partial as Kernel;
}

function userWithLogin(email: string): UserRecord {
  return { id: `u_${email}`, email, lastLoginAtMs: NOW - 86_400_000 } as UserRecord;
}

describe.each([
  ['in-process counters', () => createMemoryCounterStore()],
  ['Redis counters', () => redis.counters],
])('ten racing sign-ins from one new device (%s)', (_name, counters) => {
  it('exactly one mail; the next sign-in from that device sends none', async () => {
    const pending: Promise<void>[] = [];
    const kernel = kernelOn(counters(), pending);
    const email = `race-${Math.random().toString(36).slice(2)}@example.com`;
    const user = userWithLogin(email);
    const client = { ip: '203.0.113.9', userAgent: CHROME, secure: true };
    await Promise.all(Array.from({ length: 10 }, () => noticeNewDevice(kernel, user, client, NOW)));
    await noticeNewDevice(kernel, user, client, NOW + 60_000);
    await Promise.all(pending);
    expect(sink.to(email)).toHaveLength(1);
  });
});
