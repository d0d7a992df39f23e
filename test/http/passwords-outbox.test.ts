/**
 * @module HTTP: the development outbox. With `createOutboxMailer(file)` and the reference app's
 * `devMailbox` on the same file, a newcomer completes a reset with no mail server: the message is
 * listed at /dev/mail with its link. In production /dev/mail does not exist (404).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxMailer, readOutbox } from '../../src/mail.ts';
import { createTestApp, uniqueEmail, type TestApp } from './harness.ts';
import { appOnStores } from './password-helpers.ts';

const OLD = 'tangerine submarine 1987 lighthouse';
const NEW = 'marble otter cinnamon glacier 42';

let base: TestApp;
let directory: string;
let outbox: string;

beforeAll(async () => {
  base = await createTestApp();
  directory = await mkdtemp(join(tmpdir(), 'portcullis-dev-mail-'));
  outbox = join(directory, 'data', 'outbox.jsonl');
});
afterAll(async () => {
  await base?.dispose();
  if (directory) await rm(directory, { recursive: true, force: true });
});

function decodeHtml(text: string): string {
  return text.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
}

describe('development: /dev/mail lists the outbox', () => {
  it('a reset e-mail lands in the outbox file and on /dev/mail with its link, and the link completes the reset', async () => {
    const dev = appOnStores(base.stores, { environment: 'development', clock: base.clock, mailer: createOutboxMailer(outbox, base.clock) }, { devMailbox: outbox });
    const email = uniqueEmail('devmail');
    await dev.client().signUp({ email, password: OLD });

    // /dev/mail answers loopback clients only (the developer's own browser).
    const empty = await dev.client({ ip: '127.0.0.1' }).send('/dev/mail', { browser: true });
    expect(empty.status).toBe(200);
    expect(await empty.text()).toContain('No messages yet.');

    expect((await dev.client().json('/auth/forgot-password', { json: { email } })).res.status).toBe(200);
    await dev.auth.flush();

    const [entry] = await readOutbox(outbox, 10);
    expect(entry).toMatchObject({ to: email, subject: 'Reset your password' });

    const page = await dev.client({ ip: '127.0.0.1' }).send('/dev/mail', { browser: true });
    expect(page.status).toBe(200);
    const html = decodeHtml(await page.text());
    expect(html).toContain('Reset your password');
    expect(html).toContain(email);
    const link = /http:\/\/localhost:3000\/reset-password\?token=(pcrs_[\w-]{43})/.exec(html);
    expect(link).not.toBeNull();
    const token = link?.[1] ?? '';

    const c = dev.client();
    const opened = await c.send(`/reset-password?token=${token}`, { browser: true });
    expect(opened.status).toBe(200);
    expect((await c.json('/auth/reset-password', { json: { token, new_password: NEW } })).res.status).toBe(200);
    expect((await dev.client().login({ email, password: NEW })).res.status).toBe(200);
    expect((await dev.client().login({ email, password: OLD })).res.status).toBe(401);
  });

  it('without devMailbox there is no /dev/mail', async () => {
    const dev = appOnStores(base.stores, { environment: 'development', clock: base.clock, mailer: createOutboxMailer(outbox, base.clock) });
    expect((await dev.client().send('/dev/mail', { browser: true })).status).toBe(404);
  });
});

describe('production: /dev/mail is 404 even when configured', () => {
  it('GET /dev/mail (browser and JSON) → 404, and nothing of the outbox is shown', async () => {
    const prod = appOnStores(
      base.stores,
      {
        environment: 'production',
        publicOrigin: 'https://auth.example.com',
        secretKey: randomBytes(48).toString('base64'),
        clock: base.clock,
        mailer: createOutboxMailer(outbox, base.clock),
      },
      { devMailbox: outbox },
    );
    const browser = prod.client({ origin: 'https://auth.example.com' });
    const page = await browser.send('https://auth.example.com/dev/mail', { browser: true });
    expect(page.status).toBe(404);
    const html = await page.text();
    expect(html).not.toContain('Reset your password');
    expect(html).not.toContain('pcrs_');
    const json = await browser.json('https://auth.example.com/dev/mail');
    expect(json.res.status).toBe(404);
    expect(json.body).toEqual({ error: 'Not found', code: 'NOT_FOUND' });
  });
});
