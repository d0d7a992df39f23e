/** @module Unit tests of the request core driven by `new Request()` (no socket, no store): routing, edges, headers. */
import { describe, expect, it } from 'vitest';
import { createAuth, type CreateAuthOptions } from '../create-auth.ts';
import type { Stores } from '../core/stores.ts';
import { handler } from './handler.ts';
import * as http from './index.ts';
import { matchPath, paramsNameNothing } from './routes.ts';
import { pathOf } from './state.ts';

/** No request below reaches a store: a store call would throw. */
const noStores = new Proxy({} as Stores, {
  get: (_target, name) => (name === 'then' ? undefined : new Proxy({}, { get: () => () => Promise.reject(new Error(`store used: ${String(name)}`)) })),
});

function fetchFor(overrides: Partial<CreateAuthOptions> = {}) {
  const auth = createAuth({ stores: noStores, secretKey: 'k'.repeat(48), environment: 'test', publicOrigin: 'https://app.example', ...overrides });
  return handler(auth);
}

describe('pathOf / matchPath', () => {
  it('reads the path of an absolute URL without its query or fragment', () => {
    expect(pathOf('http://a.example/auth/me?x=1')).toBe('/auth/me');
    expect(pathOf('https://a.example:8443/a/b#top')).toBe('/a/b');
    expect(pathOf('http://a.example')).toBe('/');
  });
  it('matches `:name` segments, one segment each, decoded', () => {
    expect(matchPath('/sessions/:id', '/sessions/a%20b')).toEqual({ id: 'a b' });
    expect(matchPath('/sessions/:id', '/sessions/')).toBeNull();
    // A control character in a parameter names nothing (a NUL made PostgreSQL answer a 500): runRoute answers 404.
    expect(paramsNameNothing(matchPath('/passkeys/:id', '/passkeys/%00') ?? {})).toBe(true);
    expect(paramsNameNothing({ id: 'a\nb' })).toBe(true);
    expect(paramsNameNothing({ id: 'a\u0085b' })).toBe(true);
    expect(paramsNameNothing({ id: 'a b', other: '0f3c' })).toBe(false);
    expect(matchPath('/sessions/:id/revoke', '/sessions/x/y/revoke')).toBeNull();
    expect(matchPath('/csrf', '/csrf')).toEqual({});
  });
});

describe('handler(auth): a fetch function', () => {
  it('answers /auth/csrf with a token, the pre-session cookie and the security headers', async () => {
    const res = await fetchFor()(new Request('https://app.example/auth/csrf', { headers: { accept: 'application/json' } }), { remoteAddress: '10.0.0.1', encrypted: true });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ csrf_token: expect.any(String) });
    expect(res.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['__Host-portcullis_pre']);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=/);
  });

  it('answers an unknown path 404 with the documented body', async () => {
    const res = await fetchFor()(new Request('https://app.example/elsewhere', { headers: { accept: 'application/json' } }), { encrypted: true });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'Not found', code: 'NOT_FOUND' });
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
  });

  it('refuses an anonymous /auth/me (401) and a cross-site JSON login (403) without touching a store', async () => {
    const fetch = fetchFor();
    const me = await fetch(new Request('https://app.example/auth/me', { headers: { accept: 'application/json' } }), { encrypted: true });
    expect(me.status).toBe(401);
    const login = await fetch(
      new Request('https://app.example/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: '{}' }),
      { encrypted: true },
    );
    expect(login.status).toBe(403);
    expect(await login.json()).toEqual({ error: 'CSRF validation failed', code: 'CSRF_FAILED' });
  });

  it('redirects plain HTTP to the public origin with FORCE_HTTPS (301 GET, 308 POST)', async () => {
    const fetch = fetchFor({ forceHttps: true });
    const get = await fetch(new Request('http://evil.example/auth/me?a=1'), { remoteAddress: '10.0.0.1', encrypted: false });
    expect(get.status).toBe(301);
    expect(get.headers.get('location')).toBe('https://app.example/auth/me?a=1');
    const post = await fetch(new Request('http://app.example/auth/login', { method: 'POST' }), { encrypted: false });
    expect(post.status).toBe(308);
  });

  it('a JSON refusal built finished carries what finishResponse would add, the steps\' headers included, and nothing twice', async () => {
    const fetch = handler(createAuth({ stores: noStores, secretKey: 'k'.repeat(48), environment: 'test', publicOrigin: 'https://app.example' }), {
      fallback: async (request, state) => (await http.required({ via: ['basic'] })(request, state)) ?? new Response('never'),
    });
    for (const encrypted of [true, false]) {
      const res = await fetch(new Request('https://app.example/api', { headers: { accept: 'application/json' } }), { encrypted });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'Authentication required', code: 'UNAUTHENTICATED' });
      const names = [...res.headers.keys()].filter((name) => name !== 'content-length');
      expect(names.sort()).toEqual(
        [
          'cache-control',
          'content-security-policy',
          'content-type',
          'cross-origin-opener-policy',
          'referrer-policy',
          'www-authenticate',
          'x-content-type-options',
          'x-frame-options',
          ...(encrypted ? ['strict-transport-security'] : []),
        ].sort(),
      );
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="portcullis", charset="UTF-8"');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-type')).toBe('application/json');
    }
  });
});

