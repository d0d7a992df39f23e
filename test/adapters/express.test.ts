/** @module The shared adapter suite against examples/express-app.ts, plus what only Express has: body parsers, mounting. */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, createAuth, type Auth } from '../../src/index.ts';
import { expressAuth } from '../../src/adapters/express/index.ts';
import { openTestStores, type TestStores } from '../../src/testing/test-database.ts';
import { createApp } from '../../examples/express-app.ts';
import { EXTRA_ROUTES, PUBLIC_ORIGIN, runSharedSuite, type RunningApp } from './shared-suite.ts';

function listen(app: Express): Promise<RunningApp> {
  return new Promise((resolve) => {
    const server: Server = app.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

function startExpressExample(auth: Auth): Promise<RunningApp> {
  const app = createApp(auth, (app, pc) => {
    app.get(EXTRA_ROUTES.roleOnly, pc.roles('admin'), (_req, res) => res.json({ ok: true }));
    app.get(EXTRA_ROUTES.appError, () => {
      throw new AuthError('INVALID_INPUT', { message: 'Bad widget', fields: { widget: 'Widget is required' } });
    });
    app.get(EXTRA_ROUTES.boom, () => {
      throw new Error('boom');
    });
    let ran = 0;
    app.use('/identified', async (req, _res, next) => {
      await pc.identify(req);
      next();
    });
    app.get(EXTRA_ROUTES.identifiedRoleOnly, (_req, res) => res.json({ ran }));
    app.post(EXTRA_ROUTES.identifiedRoleOnly, pc.roles('admin'), (_req, res) => res.json({ ran: ++ran }));
  });
  return listen(app);
}

runSharedSuite('express', startExpressExample);

/** What only Express has: body parsers mounted anywhere, sub-paths that fall through, Express's own errors. */
describe('express: body parsers, mounting, Express errors', () => {
  let db: TestStores;
  let running: RunningApp;
  const internalErrors: unknown[] = [];
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    db = await openTestStores();
    const auth = createAuth({ stores: db.stores, secretKey: randomBytes(48).toString('base64url'), environment: 'test', publicOrigin: PUBLIC_ORIGIN, identity: { confirmation: 'off' } });
    const pc = expressAuth(auth, { onInternalError: (error) => internalErrors.push(error) });
    const app = express();
    app.use(pc.middleware);
    // No parser yet: the CSRF guard reads the form itself and leaves it in req.body.
    app.post('/no-parser', pc.required(), (req, res) => res.json({ body: req.body }));
    // Parsers before the auth routes: the adapter hands the parsed body back to them.
    app.use(express.json({ limit: '2kb' }), express.urlencoded());
    app.use('/auth', pc.routes);
    app.get('/auth/custom', (_req, res) => res.json({ mine: true }));
    app.get('/cookie-then-401', (_req, res) => {
      res.cookie('seen', '1');
      throw new AuthError('UNAUTHENTICATED');
    });
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.use(pc.errorHandler);
    running = await listen(app);
  });

  afterAll(async () => {
    await running?.close();
    await db?.dispose();
  });

  const post = (path: string, body: string, type: string, headers: Record<string, string> = {}) =>
    fetch(`${running.url}${path}`, { method: 'POST', headers: { 'content-type': type, accept: 'application/json', ...headers }, body, redirect: 'manual' });

  it('serves the auth routes after express.json() and express.urlencoded() have read the body', async () => {
    const email = `parsed.${randomBytes(4).toString('hex')}@example.com`;
    const registered = await post('/auth/register', JSON.stringify({ email, password }), 'application/json');
    expect(registered.status).toBe(201);
    expect(await registered.json()).toMatchObject({ user: { email } });

    const csrf = await fetch(`${running.url}/auth/csrf`);
    const { csrf_token } = (await csrf.json()) as { csrf_token: string };
    const pre = csrf.headers.getSetCookie().at(-1)?.split(';')[0] ?? '';
    const form = new URLSearchParams({ email, password, csrf_token, next: '/hello' }).toString();
    const login = await post('/auth/login', form, 'application/x-www-form-urlencoded', { cookie: pre, accept: 'text/html' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/hello');
  });

  it('finds the csrf_token of a form that no body parser has read, and leaves the form in req.body', async () => {
    const email = `form.${randomBytes(4).toString('hex')}@example.com`;
    const registered = await post('/auth/register', JSON.stringify({ email, password }), 'application/json');
    const { csrf_token } = (await registered.json()) as { csrf_token: string };
    const session = registered.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    const refused = await post('/no-parser', 'note=hi', 'application/x-www-form-urlencoded', { cookie: session });
    expect(refused.status).toBe(403);
    const res = await post('/no-parser', new URLSearchParams({ note: 'hi', csrf_token }).toString(), 'application/x-www-form-urlencoded', { cookie: session });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ body: { note: 'hi', csrf_token } });
  });

  it('lets Express serve the paths under /auth that Portcullis does not', async () => {
    const res = await fetch(`${running.url}/auth/custom`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ mine: true });
  });

  it('maps body-parser errors to the documented 400 and 413, not 500', async () => {
    const malformed = await post('/auth/login', '{"email":', 'application/json');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ error: 'Invalid input', code: 'INVALID_INPUT' });
    const large = await post('/auth/login', JSON.stringify({ email: 'x'.repeat(4096) }), 'application/json');
    expect(large.status).toBe(413);
    expect(await large.json()).toEqual({ error: 'Request body too large', code: 'PAYLOAD_TOO_LARGE' });
  });

  it('keeps the cookies the app set before an error next to the adapter’s own', async () => {
    const res = await fetch(`${running.url}/cookie-then-401`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(res.status).toBe(302);
    const names = res.headers.getSetCookie().map((line) => line.split('=')[0]);
    expect(names).toEqual(['seen', 'portcullis_flash']);
  });

  it('reports the internal error to onInternalError and shows nothing of it', async () => {
    const res = await fetch(`${running.url}/boom`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"error":"Internal server error","code":"INTERNAL"}');
    expect(internalErrors.some((error) => error instanceof Error && error.message === 'boom')).toBe(true);
  });
});
