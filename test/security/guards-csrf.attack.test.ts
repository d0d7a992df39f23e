/**
 * @module Attack suite — guards after `identify()`: an app whose layout middleware calls
 * `pc.identify()` and whose unsafe route has an authorisation guard alone (`roles`, `anyRole`,
 * `permissions`, `fresh`) must still refuse a cookie- (or Basic-) authenticated request without a
 * CSRF token — under Hono and Express alike. Each refusal asserts that the route did not run.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { honoAuth, type AuthEnv } from '../../src/adapters/hono/index.ts';
import { expressAuth } from '../../src/adapters/express/index.ts';
import { ADMIN_ROLE, createAuth, type Auth } from '../../src/index.ts';
import { openTestStores, type TestStores } from '../../src/testing/test-database.ts';
import { CSRF_FAILED, basicHeader } from './attack-helpers.ts';

const ORIGIN = 'http://localhost:3000';
const PASSWORD = 'correct horse battery staple';
const PERMISSION = 'widgets:write';
/** Each route has ONE authorisation guard and no `required()`: the layout's `identify()` found the user. */
const GUARDED = ['/guarded/roles', '/guarded/any-role', '/guarded/permissions', '/guarded/fresh'] as const;

interface Running {
  readonly url: string;
  /** How many times each guarded route's handler ran (what a forged request would change). */
  readonly ran: Map<string, number>;
  close(): Promise<void>;
}

function count(ran: Map<string, number>, path: string): void {
  ran.set(path, (ran.get(path) ?? 0) + 1);
}

async function startHono(auth: Auth): Promise<Running> {
  const ran = new Map<string, number>();
  const pc = honoAuth(auth);
  const app = new Hono<AuthEnv>();
  app.use('*', pc.middleware);
  app.onError(pc.onError);
  app.route('/auth', pc.routes);
  // The layout: every page knows who is there (session or Basic), without requiring anyone.
  app.use('/guarded/*', async (c, next) => {
    await pc.identify(c, ['session', 'basic']);
    await next();
  });
  const done = (path: string) => (c: { json: (body: unknown) => Response }) => {
    count(ran, path);
    return c.json({ ok: true });
  };
  app.post('/guarded/roles', pc.roles(ADMIN_ROLE), done('/guarded/roles'));
  app.post('/guarded/any-role', pc.anyRole(ADMIN_ROLE, 'nobody'), done('/guarded/any-role'));
  app.post('/guarded/permissions', pc.permissions(PERMISSION), done('/guarded/permissions'));
  app.post('/guarded/fresh', pc.fresh(), done('/guarded/fresh'));
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({ url: `http://127.0.0.1:${info.port}`, ran, close: () => new Promise((ok) => server.close(() => ok())) });
    });
  });
}

async function startExpress(auth: Auth): Promise<Running> {
  const ran = new Map<string, number>();
  const pc = expressAuth(auth);
  const app = express();
  app.use(pc.middleware);
  app.use('/auth', pc.routes);
  app.use('/guarded', async (req, _res, next) => {
    await pc.identify(req);
    next();
  });
  const done = (path: string) => (_req: express.Request, res: express.Response) => {
    count(ran, path);
    res.json({ ok: true });
  };
  app.post('/guarded/roles', pc.roles(ADMIN_ROLE), done('/guarded/roles'));
  app.post('/guarded/any-role', pc.anyRole(ADMIN_ROLE, 'nobody'), done('/guarded/any-role'));
  app.post('/guarded/permissions', pc.permissions(PERMISSION), done('/guarded/permissions'));
  app.post('/guarded/fresh', pc.fresh(), done('/guarded/fresh'));
  app.use(pc.errorHandler);
  return new Promise((resolve) => {
    const server: Server = app.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, ran, close: () => new Promise((ok) => server.close(() => ok())) });
    });
  });
}

const ADAPTERS = [
  ['hono', startHono],
  ['express', startExpress],
] as const;

describe.each(ADAPTERS)('%s: authorisation guards after identify() check CSRF', (adapter, start) => {
  let db: TestStores;
  let running: Running;
  let cookie: string;
  let csrfToken: string;
  let email: string;

  beforeAll(async () => {
    db = await openTestStores();
    await db.stores.roles.upsertRole({ name: ADMIN_ROLE, description: 'Administrators', permissions: [PERMISSION] });
    const auth = createAuth({ stores: db.stores, secretKey: randomBytes(48).toString('base64url'), environment: 'test', publicOrigin: ORIGIN, identity: { confirmation: 'off' } });
    running = await start(auth);
    email = `guards.${adapter}.${randomBytes(4).toString('hex')}@example.com`;
    const res = await fetch(`${running.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { user: { id: string }; csrf_token: string };
    csrfToken = body.csrf_token;
    cookie = res.headers.getSetCookie().map((line) => line.split(';')[0]).find((pair) => pair?.startsWith('portcullis_session=')) ?? '';
    await db.stores.roles.grantRole(body.user.id, ADMIN_ROLE);
  });

  afterAll(async () => {
    await running?.close();
    await db?.dispose();
  });

  const post = (path: string, headers: Record<string, string>, body = 'note=hi') =>
    fetch(`${running.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers }, body, redirect: 'manual' });

  it('a cookie POST without a token → 403 CSRF_FAILED on every guard, and no handler ran', async () => {
    for (const path of GUARDED) {
      const res = await post(path, { cookie });
      expect(res.status, `${adapter} ${path}`).toBe(403);
      expect(await res.json(), `${adapter} ${path}`).toEqual(CSRF_FAILED);
      // A forged token and a cross-site Origin with the real token are refused too.
      const forged = await post(path, { cookie, 'x-csrf-token': randomBytes(32).toString('base64url') });
      expect(forged.status, `${adapter} ${path} forged`).toBe(403);
      const crossSite = await post(path, { cookie, 'x-csrf-token': csrfToken, origin: 'https://evil.example' });
      expect(crossSite.status, `${adapter} ${path} cross-site`).toBe(403);
    }
    expect([...running.ran]).toEqual([]);
  });

  it('a Basic-authenticated POST without a token → 403 as well (Hono identifies Basic too)', async () => {
    if (adapter !== 'hono') return;
    for (const path of GUARDED.filter((p) => p !== '/guarded/fresh')) {
      const res = await post(path, { authorization: basicHeader(email, PASSWORD) });
      expect(res.status, `${adapter} ${path}`).toBe(403);
      expect(await res.json()).toEqual(CSRF_FAILED);
    }
    expect([...running.ran]).toEqual([]);
  });

  it('control: the same POSTs with the session’s token (header or form field) pass', async () => {
    for (const path of GUARDED) {
      expect((await post(path, { cookie, 'x-csrf-token': csrfToken })).status, `${adapter} ${path} header`).toBe(200);
      expect((await post(path, { cookie }, new URLSearchParams({ csrf_token: csrfToken }).toString())).status, `${adapter} ${path} form`).toBe(200);
    }
    expect(Object.fromEntries(running.ran)).toEqual(Object.fromEntries(GUARDED.map((p) => [p, 2])));
  });
});
