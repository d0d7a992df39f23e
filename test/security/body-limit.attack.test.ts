/**
 * @module Attack suite — oversized bodies over real sockets, with `node:http` as the client: the
 * reference app served by @hono/node-server (as `npm start` serves it) and the Express adapter.
 * A 2 MB body must get the documented `413` — not `socket hang up` — on a connection that still
 * serves the next request, and change nothing; a 1 GB upload must not be read to its end: the
 * server stops after a few MB and closes.
 */
import { Agent, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { expressAuth } from '../../src/adapters/express/index.ts';
import { startServer } from '../../src/app/start.ts';
import { OVERSIZE_DRAIN_BYTES } from '../../src/core/input.ts';
import { PASSWORD, createTestApp, uniqueEmail, type TestApp } from '../http/harness.ts';
import { sessionCount } from './attack-helpers.ts';

const MB = 1024 * 1024;
const TOO_LARGE = { error: 'Request body too large', code: 'PAYLOAD_TOO_LARGE' } as const;
/** What a 1 GB upload may cost the server: the drain bound, plus what the kernel buffers on the way. */
const MAX_READ_OF_HUGE_UPLOAD_BYTES = OVERSIZE_DRAIN_BYTES + 24 * MB;

interface Outcome {
  readonly status: number | null;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The client-side error, if the exchange ended in one before a response (`socket hang up`, …). */
  readonly error: string | null;
  readonly bytesWritten: number;
}

interface PostOptions {
  readonly agent: Agent;
  readonly bytes: number;
  /** Declare the length (Content-Length) or send it chunked. */
  readonly declared: boolean;
  /** Declare this many bytes but send at most `bytes` (a 1 GB upload we give up on). */
  readonly declaredBytes?: number;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
  /** The body: a JSON object padded to `bytes`, or a form. */
  readonly prefix?: string;
}

/**
 * POSTs a body of `bytes` with `node:http`, 64 KiB at a time, honouring back-pressure. Settles once
 * the answer is complete (or failed) and the writer has stopped: all sent, or the socket closed.
 */
function post(url: string, options: PostOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json', accept: 'application/json', ...options.headers };
    if (options.declared) headers['content-length'] = String(options.declaredBytes ?? options.bytes);
    let status: number | null = null;
    let responseHeaders: IncomingHttpHeaders = {};
    let body = '';
    let error: string | null = null;
    let bytesWritten = 0;
    let answered = false;
    let writerDone = false;
    const settleIfDone = () => {
      if (answered && writerDone) resolve({ status, headers: responseHeaders, body, error, bytesWritten });
    };
    const answer = () => {
      answered = true;
      settleIfDone();
    };
    const req = request(url, { method: 'POST', headers, agent: options.agent }, (res) => {
      status = res.statusCode ?? null;
      responseHeaders = res.headers;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', answer);
      res.on('error', answer);
    });
    req.on('error', (e) => {
      // An error after a complete answer (EPIPE on the rest of a huge upload) is not a lost answer.
      if (status === null) error = e.message;
      answer();
    });
    const prefix = Buffer.from(options.prefix ?? '{"pad":"');
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const socketClosed = () => req.destroyed || req.socket?.destroyed === true;
    void (async () => {
      req.write(prefix);
      bytesWritten += prefix.byteLength;
      while (bytesWritten < options.bytes && !socketClosed()) {
        const piece = chunk.subarray(0, Math.min(chunk.byteLength, options.bytes - bytesWritten));
        bytesWritten += piece.byteLength;
        if (!req.write(piece)) {
          await new Promise<void>((ready) => {
            const go = () => ready();
            req.once('drain', go);
            req.once('close', go);
            req.socket?.once('close', go);
          });
        }
      }
      if (!socketClosed()) {
        if (options.declaredBytes === undefined) req.end();
        else req.destroy(); // gave up on a huge upload the server kept reading
      }
      writerDone = true;
      settleIfDone();
    })();
  });
}

/** A plain GET on the same agent: the connection (if kept alive) still speaks HTTP. */
function get(url: string, agent: Agent): Promise<{ status: number | null; error: string | null }> {
  return new Promise((resolve) => {
    const req = request(url, { agent, headers: { accept: 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? null, error: null }));
    });
    req.on('error', (e) => resolve({ status: null, error: e.message }));
    req.end();
  });
}

function expectTooLarge(outcome: Outcome, label: string): void {
  expect(outcome.error, label).toBeNull();
  expect(outcome.status, label).toBe(413);
  expect(JSON.parse(outcome.body), label).toEqual(TOO_LARGE);
}

let t: TestApp;
let hono: ServerType;
let honoUrl: string;
let expressServer: Server;
let expressUrl: string;
let userId: string;
let email: string;

beforeAll(async () => {
  t = await createTestApp({
    rateLimits: {
      login: { count: 1_000_000, windowMs: 60_000 },
      register: { count: 1_000_000, windowMs: 60_000 },
      refresh: { count: 1_000_000, windowMs: 60_000 },
    },
  });
  const user = await t.client().signUp();
  userId = user.id;
  email = user.email;
  // As src/app/start.ts serves the reference app.
  hono = await new Promise<ServerType>((ready) => {
    const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready(s));
  });
  honoUrl = `http://127.0.0.1:${(hono.address() as AddressInfo).port}`;
  // The Express adapter: its auth routes, and a guarded route that reads the form itself (no body parser).
  const pc = expressAuth(t.auth);
  const app = express();
  app.use(pc.middleware);
  app.use('/auth', pc.routes);
  app.post('/no-parser', pc.required(), (_req, res) => res.json({ ok: true }));
  app.get('/ping', (_req, res) => res.json({ ok: true }));
  app.use(pc.errorHandler);
  expressServer = await new Promise<Server>((ready) => {
    const s = app.listen(0, '127.0.0.1', () => ready(s));
  });
  expressUrl = `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((done) => (hono ? hono.close(() => done()) : done()));
  await new Promise<void>((done) => (expressServer ? expressServer.close(() => done()) : done()));
  await t?.dispose();
});

/** A JSON login over the socket: the session cookie and its CSRF token. */
async function signIn(base: string): Promise<{ cookie: string }> {
  const res = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  return { cookie };
}

const servers = [
  ['hono (@hono/node-server)', () => honoUrl],
  ['express adapter', () => expressUrl],
] as const;

describe.each(servers)('%s: a 2 MB body', (_name, base) => {
  it.each([
    ['declared length', true],
    ['chunked', false],
  ] as const)('POST /auth/register, JSON, %s: 413 every time, the connection still serves the next request, no account', async (_how, declared) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const usersBefore = await t.userCount();
      for (let round = 0; round < 4; round++) {
        const prefix = `{"email":"${uniqueEmail('big')}","password":"${PASSWORD}","pad":"`;
        const outcome = await post(`${base()}/auth/register`, { agent, bytes: 2 * MB, declared, prefix });
        expectTooLarge(outcome, `round ${round}`);
        // Within the drain bound the body was read to its end: no need to give up the connection.
        expect(outcome.headers.connection, `round ${round}`).toBe('keep-alive');
        const next = await get(`${base()}/auth/csrf`, agent);
        expect(next, `the request after round ${round}`).toEqual({ status: 200, error: null });
      }
      expect(await t.userCount()).toBe(usersBefore);
    } finally {
      agent.destroy();
    }
  });

  it.each([
    ['declared length', true],
    ['chunked', false],
  ] as const)('POST /auth/login, form, %s: 413, no session', async (_how, declared) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await sessionCount(t, userId);
      for (let round = 0; round < 3; round++) {
        const prefix = `email=${encodeURIComponent(email)}&password=${encodeURIComponent(PASSWORD)}&pad=`;
        const outcome = await post(`${base()}/auth/login`, { agent, bytes: 2 * MB, declared, prefix, contentType: 'application/x-www-form-urlencoded' });
        expectTooLarge(outcome, `round ${round}`);
      }
      expect(await sessionCount(t, userId)).toBe(before);
    } finally {
      agent.destroy();
    }
  });
});

describe.each(servers)('%s: a 1 GB upload', { timeout: 60_000 }, (_name, base) => {
  it.each([
    ['declared length', true],
    ['chunked', false],
  ] as const)('%s: the server stops reading after a few MB and closes; what answer arrives is the 413', async (_how, declared) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // We stop writing at 256 MB: a server that is still reading by then would read the whole GB.
      const outcome = await post(`${base()}/auth/register`, { agent, bytes: 256 * MB, declared, declaredBytes: 1024 * MB });
      expect(outcome.bytesWritten, 'bytes the server swallowed before closing').toBeLessThan(MAX_READ_OF_HUGE_UPLOAD_BYTES);
      if (outcome.status !== null) {
        expect(outcome.status).toBe(413);
        expect(outcome.headers.connection).toBe('close');
      }
      // A fresh connection is served at once: the server is not tied up.
      expect(await get(`${base()}/auth/csrf`, agent)).toEqual({ status: 200, error: null });
    } finally {
      agent.destroy();
    }
  });
});

describe('express adapter: a guarded route that reads the form itself (no body parser)', { timeout: 60_000 }, () => {
  it('a 2 MB form: 413 on a connection that still serves the next request', async () => {
    const { cookie } = await signIn(expressUrl);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const declared of [true, false]) {
        const outcome = await post(`${expressUrl}/no-parser`, { agent, bytes: 2 * MB, declared, prefix: 'a=', contentType: 'application/x-www-form-urlencoded', headers: { cookie } });
        expectTooLarge(outcome, declared ? 'declared' : 'chunked');
        expect(await get(`${expressUrl}/ping`, agent)).toEqual({ status: 200, error: null });
      }
    } finally {
      agent.destroy();
    }
  });

  it('a 1 GB form: not read to its end', async () => {
    const { cookie } = await signIn(expressUrl);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const declared of [true, false]) {
        const outcome = await post(`${expressUrl}/no-parser`, {
          agent,
          bytes: 256 * MB,
          declared,
          declaredBytes: 1024 * MB,
          prefix: 'a=',
          contentType: 'application/x-www-form-urlencoded',
          headers: { cookie },
        });
        expect(outcome.bytesWritten, declared ? 'declared' : 'chunked').toBeLessThan(MAX_READ_OF_HUGE_UPLOAD_BYTES);
        if (outcome.status !== null) expect(outcome.status).toBe(413);
        expect(await get(`${expressUrl}/ping`, agent)).toEqual({ status: 200, error: null });
      }
    } finally {
      agent.destroy();
    }
  });
});

describe('npm start (startServer): the reference server as it runs in production', { timeout: 60_000 }, () => {
  function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const probe = createNetServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
  }

  it('a 2 MB chunked JSON login, four times on one keep-alive connection: 413 each time, then the next request is served', async () => {
    const server = await startServer(
      { PORT: String(await freePort()), DATABASE_URL: 'sqlite::memory:', NODE_ENV: 'test', SECRET_KEY: 'k'.repeat(48), AUTH_RATE_LIMIT_LOGIN: '1000/1m' },
      pino({ level: 'silent' }),
    );
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let round = 0; round < 4; round++) {
        const outcome = await post(`${server.url}/auth/login`, { agent, bytes: 2 * MB, declared: false, prefix: `{"email":"a@example.com","password":"${PASSWORD}","pad":"` });
        expectTooLarge(outcome, `round ${round}`);
      }
      expect(await get(`${server.url}/healthz`, agent)).toEqual({ status: 200, error: null });
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});
