/**
 * @module Attack suite — raw Latin-1 bytes in `Location`: a `next` with characters from U+0080 to
 * U+00FF (`%C2%BF` is `¿`) used to leave as raw bytes (0xBF) on the wire, which browsers read as
 * Latin-1 or refuse, and which header parsers downstream disagree on. Every redirect target is
 * now percent-encoded as UTF-8, as the WHATWG URL serializer writes it: ASCII only, same place.
 */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, createTestApp, type TestApp } from '../http/harness.ts';
import { BASE, expectSecurityHeaders, resolvedLocation } from './attack-helpers.ts';

/** Printable ASCII only: what a Location header may carry (RFC 3986 URI-reference). */
const URL_ASCII = /^[\x21-\x7e]+$/;

/** `next` as typed → the path the browser must land on (what `new URL` serializes). */
const TARGETS: ReadonlyArray<readonly [string, string]> = [
  ['/dashboard¿', '/dashboard%C2%BF'],
  ['/café', '/caf%C3%A9'],
  ['/ÿ', '/%C3%BF'],
  ['/à/é?x=ñ', '/%C3%A0/%C3%A9?x=%C3%B1'],
  ['/中文', '/%E4%B8%AD%E6%96%87'],
  ['/😀', '/%F0%9F%98%80'],
];

let t: TestApp;
let email: string;

beforeAll(async () => {
  t = await createTestApp({ rateLimits: { login: { count: 1_000_000, windowMs: 60_000 } } });
  email = (await t.client().signUp()).email;
});
afterAll(async () => {
  await t?.dispose();
});

function expectEncoded(res: Response, label: string, status: number, expected: string): void {
  expect(res.status, label).toBe(status);
  const location = res.headers.get('location') ?? '';
  expect(location, label).toMatch(URL_ASCII);
  expect(location, label).toBe(expected);
  const target = resolvedLocation(res);
  expect(target.origin, label).toBe(BASE);
  expect(target.pathname + target.search, label).toBe(expected);
  expectSecurityHeaders(res, label);
}

describe('non-ASCII redirect targets', () => {
  it('GET /login?next= while signed in: the Location is UTF-8 percent-encoded', async () => {
    const browser = t.client();
    await browser.postForm('/auth/login', { email, password: PASSWORD }, { csrfFrom: '/login' });
    for (const [next, expected] of TARGETS) {
      const res = await browser.send(`/login?${new URLSearchParams({ next }).toString()}`, { browser: true });
      expectEncoded(res, `GET /login ${next}`, 302, expected);
    }
    // Exactly the reported request.
    expectEncoded(await browser.send('/login?next=%2Fdashboard%C2%BF', { browser: true }), 'reported request', 302, '/dashboard%C2%BF');
  });

  it('form login: the 303 Location is UTF-8 percent-encoded', async () => {
    for (const [next, expected] of TARGETS) {
      const res = await t.client().postForm('/auth/login', { email, password: PASSWORD, next }, { csrfFrom: '/login' });
      expectEncoded(res, `login ${next}`, 303, expected);
    }
  });

  it('the /auth/verify form: the 303 Location is UTF-8 percent-encoded', async () => {
    const browser = t.client();
    await browser.postForm('/auth/login', { email, password: PASSWORD }, { csrfFrom: '/login' });
    const token = await browser.fetchCsrf();
    for (const [next, expected] of TARGETS) {
      const res = await browser.postForm('/auth/verify', { password: PASSWORD, next, csrf_token: token });
      expectEncoded(res, `verify ${next}`, 303, expected);
    }
  });

  it('on the wire (a listening @hono/node-server): no byte of the Location header is above 0x7E', async () => {
    const browser = t.client();
    await browser.postForm('/auth/login', { email, password: PASSWORD }, { csrfFrom: '/login' });
    const server: ServerType = await new Promise((ready) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready(s));
    });
    try {
      const { port } = server.address() as AddressInfo;
      const raw = await new Promise<Buffer>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(
            `GET /login?next=%2Fdashboard%C2%BF HTTP/1.1\r\nHost: localhost:3000\r\nAccept: text/html\r\nCookie: ${browser.cookieHeader()}\r\nConnection: close\r\n\r\n`,
          );
        });
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('end', () => resolve(Buffer.concat(chunks)));
        socket.on('error', reject);
      });
      const head = raw.subarray(0, raw.indexOf('\r\n\r\n'));
      const line = head.toString('latin1').split('\r\n').find((l) => /^location:/i.test(l)) ?? '';
      expect(line.toLowerCase()).toBe('location: /dashboard%c2%bf');
      expect([...head].every((byte) => byte < 0x7f), 'every header byte is ASCII').toBe(true);
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  it('control: ASCII targets, escapes included, pass through unchanged', async () => {
    const res = await t.client().postForm('/auth/login', { email, password: PASSWORD, next: '/docs?q=a%20b&tab=%C2%BF' }, { csrfFrom: '/login' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/docs?q=a%20b&tab=%C2%BF');
  });
});
