/**
 * @module Hono on @hono/node-server: the headers the core adds are written to Node's response once,
 * before the body, and the wire still says what finishResponse always said — the security headers
 * win over the app's, the app's Cache-Control and its own headers win over the defaults, cookies
 * join the app's.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth, type Stores } from '../../src/index.ts';
import { honoAuth, type AuthEnv } from '../../src/adapters/hono/index.ts';

/** No request here reaches a store. */
const noStores = new Proxy({} as Stores, {
  get: (_target, name) => (name === 'then' ? undefined : new Proxy({}, { get: () => () => Promise.reject(new Error(`store used: ${String(name)}`)) })),
});

let url = '';
let close: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  const auth = createAuth({ stores: noStores, secretKey: 'k'.repeat(48), environment: 'test', publicOrigin: 'http://127.0.0.1' });
  const pc = honoAuth(auth);
  const app = new Hono<AuthEnv>();
  app.use('*', pc.middleware);
  app.get('/plain', (c) => c.json({ ok: true }));
  app.get('/own', (c) => {
    c.header('X-Frame-Options', 'SAMEORIGIN');
    c.header('Cache-Control', 'public, max-age=60');
    c.header('Set-Cookie', 'app=1; Path=/');
    c.header('X-App', 'yes');
    return c.json({ ok: true });
  });
  app.get('/flash', (c) => {
    pc.setFlash(c, 'logged_out');
    return c.redirect('/plain?ü=1', 303);
  });
  await new Promise<void>((ready) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      url = `http://127.0.0.1:${info.port}`;
      close = () => new Promise((done) => server.close(() => done()));
      ready();
    });
  });
});
afterAll(() => close());

describe('portcullis/hono on Node: headers written before the body', () => {
  it('a plain app response gets every security header, no-store, and each header once', async () => {
    const res = await fetch(`${url}/plain`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ ok: true });
  });

  it("the security headers replace the app's; the app's Cache-Control, own headers and cookies stay", async () => {
    const res = await fetch(`${url}/own`);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(res.headers.get('x-app')).toBe('yes');
    expect(res.headers.getSetCookie()).toEqual(['app=1; Path=/']);
  });

  it("the core's cookies and the encoded Location still reach a redirect", async () => {
    const res = await fetch(`${url}/flash`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/plain?%C3%BC=1');
    expect(res.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['portcullis_flash']);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });
});
