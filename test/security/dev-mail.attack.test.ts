/**
 * @module Attack suite — /dev/mail: the development outbox lists every reset and confirmation link,
 * so it answers only a request that is loopback on every hop (socket peer, resolved client, and every
 * address X-Forwarded-For / X-Real-IP / Forwarded name). Anyone else gets the ordinary 404, with no
 * mail content, and the outbox is left as it was.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth, FixedClock } from '../../src/index.ts';
import { createOutboxMailer } from '../../src/mail.ts';
import { createReferenceApp } from '../../src/app/server.tsx';
import { openTestStores } from '../../src/testing/test-database.ts';
import { PUBLIC_ORIGIN } from '../http/harness.ts';
import { rawRequest } from './attack-helpers.ts';

const RESET_TOKEN = `reset-${randomBytes(12).toString('hex')}`;
const RECIPIENT = 'victim@example.com';
const SUBJECT = 'Reset your password';

type App = ReturnType<typeof createReferenceApp>['app'];

/** A reference app with the development outbox at /dev/mail, as `npm start` builds it without SMTP_URL. */
async function devMailApp(dir: string, trustProxy: string): Promise<{ app: App; outbox: string; dispose(): Promise<void> }> {
  const { stores, dispose } = await openTestStores();
  const outbox = join(dir, `outbox-${trustProxy}.jsonl`);
  const mailer = createOutboxMailer(outbox);
  const auth = createAuth({ secretKey: randomBytes(48).toString('base64url'), environment: 'development', publicOrigin: PUBLIC_ORIGIN, stores, clock: new FixedClock(), mailer, trustProxy, identity: { confirmation: 'off' } });
  await mailer.send({ to: RECIPIENT, subject: SUBJECT, text: `Open ${PUBLIC_ORIGIN}/reset-password?token=${RESET_TOKEN} to choose a new password.` });
  return { app: createReferenceApp(auth, { devMailbox: outbox }).app, outbox, dispose };
}

describe('/dev/mail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-devmail-'));
  let direct: Awaited<ReturnType<typeof devMailApp>>;
  let behindLoopbackProxy: Awaited<ReturnType<typeof devMailApp>>;
  let hops: Awaited<ReturnType<typeof devMailApp>>;

  beforeAll(async () => {
    direct = await devMailApp(dir, 'false');
    behindLoopbackProxy = await devMailApp(dir, 'loopback');
    hops = await devMailApp(dir, '1');
  });
  afterAll(async () => {
    await Promise.all([direct?.dispose(), behindLoopbackProxy?.dispose(), hops?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const expectRefused = async (target: { app: App; outbox: string }, label: string, peer: string, headers: Record<string, string> = {}) => {
    const before = readFileSync(target.outbox, 'utf8');
    for (const accept of ['text/html', 'application/json']) {
      const res = await rawRequest(target.app, '/dev/mail', { headers: { accept, ...headers } }, peer);
      const body = await res.text();
      expect(res.status, `${label} (${accept})`).toBe(404);
      for (const secret of [RESET_TOKEN, RECIPIENT, SUBJECT]) expect(body, `${label} (${accept})`).not.toContain(secret);
    }
    expect(readFileSync(target.outbox, 'utf8'), label).toBe(before);
  };

  it('a client on another machine gets 404 and no mail, whichever address family it uses', async () => {
    for (const peer of ['203.0.113.9', '10.1.2.3', '192.168.1.20', '::ffff:203.0.113.9', '2001:db8::5', '0.0.0.0']) {
      await expectRefused(direct, `peer ${peer}`, peer);
    }
  });

  it('behind a proxy on this machine (TRUST_PROXY off): a forwarding header naming another machine is refused', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['X-Forwarded-For', { 'x-forwarded-for': '203.0.113.9' }],
      ['X-Forwarded-For, spoofed loopback first', { 'x-forwarded-for': '127.0.0.1, 203.0.113.9' }],
      ['X-Forwarded-For with a port', { 'x-forwarded-for': '203.0.113.9:51234' }],
      ['X-Forwarded-For unknown', { 'x-forwarded-for': 'unknown' }],
      ['X-Forwarded-For empty', { 'x-forwarded-for': '' }],
      ['X-Real-IP', { 'x-real-ip': '203.0.113.9' }],
      ['Forwarded', { forwarded: 'for=203.0.113.9;proto=https' }],
      ['Forwarded IPv6 with port', { forwarded: 'for="[2001:db8::1]:4711"' }],
      ['Forwarded, second element', { forwarded: 'for=127.0.0.1, for=198.51.100.4' }],
      ['Forwarded obfuscated', { forwarded: 'for=_hidden' }],
      ['Forwarded uppercase', { forwarded: 'For=203.0.113.9' }],
    ];
    for (const [label, headers] of cases) await expectRefused(direct, label, '127.0.0.1', headers);
  });

  it('with a trusted loopback proxy, the resolved remote client is refused', async () => {
    await expectRefused(behindLoopbackProxy, 'TRUST_PROXY=loopback, XFF remote', '127.0.0.1', { 'x-forwarded-for': '203.0.113.9' });
  });

  it('a hop-count TRUST_PROXY does not let a remote peer claim to be loopback', async () => {
    await expectRefused(hops, 'TRUST_PROXY=1, XFF 127.0.0.1 from a remote peer', '203.0.113.9', { 'x-forwarded-for': '127.0.0.1' });
    await expectRefused(hops, 'TRUST_PROXY=1, Forwarded ::1 from a remote peer', '203.0.113.9', { forwarded: 'for="[::1]"' });
  });

  it('a loopback client still reads the outbox (the development convenience it is for)', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['127.0.0.1', {}],
      ['::1', {}],
      ['::ffff:127.0.0.1', {}],
      ['127.0.0.1', { 'x-forwarded-for': '127.0.0.1' }],
      ['127.0.0.1', { forwarded: 'for="[::1]:5000";proto=http' }],
      ['127.0.0.1', { forwarded: 'proto=https' }],
    ];
    for (const [peer, headers] of cases) {
      const res = await rawRequest(direct.app, '/dev/mail', { headers: { accept: 'text/html', ...headers } }, peer);
      const label = `${peer} ${JSON.stringify(headers)}`;
      expect(res.status, label).toBe(200);
      const body = await res.text();
      expect(body, label).toContain(RESET_TOKEN);
      expect(body, label).toContain(RECIPIENT);
    }
  });
});
