/**
 * The Have I Been Pwned range check against a real HTTP server on 127.0.0.1 that speaks the
 * range API's format (`SUFFIX:COUNT` lines, CRLF, padding entries with count 0). The server
 * records every request it sees, to prove k-anonymity: only the 5-character prefix of the
 * SHA-1 leaves the process, never the rest of the hash nor the password.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPwnedPasswordsCheck, PWNED_UNAVAILABLE_MESSAGE } from './index.ts';

interface SeenRequest {
  method: string | undefined;
  path: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

const BREACHED = 'P@ssw0rd-from-a-breach';
const PADDED = 'only-a-decoy-in-the-padding';
const CLEAN = 'never seen in any breach 8c1f';
const sha1 = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
const randomSuffix = () => randomBytes(18).toString('hex').toUpperCase().slice(0, 35);

/** What the real service would answer for a prefix: real entries, then padding (count 0). */
function rangeBody(prefix: string): string {
  const lines = Array.from({ length: 40 }, (_, index) => `${randomSuffix()}:${index + 1}`);
  for (const password of [BREACHED, PADDED]) {
    const hash = sha1(password);
    if (hash.startsWith(prefix)) lines.push(`${hash.slice(5)}:${password === BREACHED ? 2_345_678 : 0}`);
  }
  lines.push(...Array.from({ length: 60 }, () => `${randomSuffix()}:0`));
  return lines.sort().join('\r\n');
}

const seen: SeenRequest[] = [];
let mode: 'answer' | 'error' | 'hang' = 'answer';
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ method: request.method, path: request.url, headers: request.headers, body: Buffer.concat(chunks).toString() });
      if (mode === 'hang') return;
      if (mode === 'error') {
        response.writeHead(503).end('Service Unavailable');
        return;
      }
      const prefix = /^\/range\/([0-9A-F]{5})$/.exec(request.url ?? '')?.[1];
      if (!prefix) {
        response.writeHead(400).end('The hash prefix was not in a valid format');
        return;
      }
      response.writeHead(200, { 'content-type': 'text/plain' }).end(rangeBody(prefix));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/range/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  mode = 'answer';
});

describe('createPwnedPasswordsCheck', () => {
  it('refuses a breached password, with the count', async () => {
    const check = createPwnedPasswordsCheck({ url: baseUrl });
    await expect(check(BREACHED, {})).resolves.toMatch(/appeared 2,345,678 times in known data breaches/);
  });

  it('accepts a password that is absent, and one present only as padding (count 0)', async () => {
    const check = createPwnedPasswordsCheck({ url: baseUrl });
    await expect(check(CLEAN, {})).resolves.toBeUndefined();
    await expect(check(PADDED, {})).resolves.toBeUndefined();
  });

  it('sends only the 5-character prefix, asks for padding, and never the hash or the password', async () => {
    const check = createPwnedPasswordsCheck({ url: baseUrl });
    for (const password of [BREACHED, PADDED, CLEAN]) await check(password, { email: 'user@example.com' });
    expect(seen).toHaveLength(3);
    const everything = JSON.stringify(seen);
    for (const [index, password] of [BREACHED, PADDED, CLEAN].entries()) {
      const hash = sha1(password);
      const request = seen[index];
      expect(request).toMatchObject({ method: 'GET', path: `/range/${hash.slice(0, 5)}`, body: '' });
      expect(request?.headers['add-padding']).toBe('true');
      for (const secret of [password, hash, hash.slice(5), hash.slice(5, 15), hash.toLowerCase().slice(5)]) {
        expect(everything).not.toContain(secret);
      }
    }
    expect(everything).not.toContain('user@example.com');
  });

  it('on a non-200 answer: fail-open accepts, fail-closed refuses with a clear message', async () => {
    mode = 'error';
    await expect(createPwnedPasswordsCheck({ url: baseUrl })(BREACHED, {})).resolves.toBeUndefined();
    await expect(createPwnedPasswordsCheck({ url: baseUrl, failClosed: true })(BREACHED, {})).resolves.toBe(PWNED_UNAVAILABLE_MESSAGE);
  });

  it('on a server that never answers: gives up after the timeout, in both modes', async () => {
    mode = 'hang';
    await expect(createPwnedPasswordsCheck({ url: baseUrl, timeoutMs: 200 })(BREACHED, {})).resolves.toBeUndefined();
    await expect(createPwnedPasswordsCheck({ url: baseUrl, timeoutMs: 200, failClosed: true })(BREACHED, {})).resolves.toBe(
      PWNED_UNAVAILABLE_MESSAGE,
    );
    expect(seen).toHaveLength(2);
  });

  it('on a refused connection: fail-open accepts, fail-closed refuses', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/range/`;
    await new Promise((resolve) => closed.close(resolve));
    await expect(createPwnedPasswordsCheck({ url })(BREACHED, {})).resolves.toBeUndefined();
    await expect(createPwnedPasswordsCheck({ url, failClosed: true })(BREACHED, {})).resolves.toBe(PWNED_UNAVAILABLE_MESSAGE);
  });

  it('refuses nonsense options at construction', () => {
    expect(() => createPwnedPasswordsCheck({ url: 'ftp://example.com/range/' })).toThrow(TypeError);
    expect(() => createPwnedPasswordsCheck({ url: 'not a url' })).toThrow(TypeError);
    expect(() => createPwnedPasswordsCheck({ timeoutMs: 0 })).toThrow(RangeError);
  });
});
