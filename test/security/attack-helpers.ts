/**
 * @module Shared pieces of the attack suite: the exact bodies of API.md, a header checker, a
 * raw-request helper that speaks as a chosen socket peer, and "nothing changed" probes.
 */
import { expect } from 'vitest';
import type { Hono } from 'hono';
import { PASSWORD, PUBLIC_ORIGIN, type TestApp } from '../http/harness.ts';

export const CSRF_FAILED = { error: 'CSRF validation failed', code: 'CSRF_FAILED' } as const;
export const RATE_LIMITED = { error: 'Too many requests. Try again later.', code: 'RATE_LIMITED' } as const;
export const INVALID_CREDENTIALS = { error: 'Invalid credentials', code: 'INVALID_CREDENTIALS' } as const;
export const UNAUTHENTICATED = { error: 'Authentication required', code: 'UNAUTHENTICATED' } as const;
export const UNSUPPORTED_BODY = { error: 'Unsupported content type: send application/json or an urlencoded form', code: 'INVALID_INPUT' } as const;

export const HSTS = 'max-age=31536000; includeSubDomains';

/** The security headers of API.md ("conventions of every response"). */
export function expectSecurityHeaders(res: Response, label: string, { https = false } = {}): void {
  const h = res.headers;
  expect(h.get('x-content-type-options'), label).toBe('nosniff');
  expect(h.get('x-frame-options'), label).toBe('DENY');
  expect(h.get('referrer-policy'), label).toBe('strict-origin-when-cross-origin');
  const csp = h.get('content-security-policy') ?? '';
  const scriptSrc = /(?:^|;)\s*script-src ([^;]*)/.exec(csp)?.[1] ?? /(?:^|;)\s*default-src ([^;]*)/.exec(csp)?.[1] ?? '';
  expect(scriptSrc, `${label}: CSP script-src`).not.toBe('');
  expect(scriptSrc, `${label}: CSP script-src`).not.toContain('unsafe-inline');
  expect(scriptSrc, `${label}: CSP script-src`).not.toContain('unsafe-eval');
  if (https) expect(h.get('strict-transport-security'), `${label}: HSTS`).toBe(HSTS);
  else expect(h.get('strict-transport-security'), `${label}: no HSTS over http`).toBeNull();
}

/** Reads a JSON body (fails loudly with the text when it is not JSON). */
export async function jsonOf(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`expected JSON (${res.status}), got: ${text.slice(0, 300)}`);
  }
}

/** Every header except those that legitimately differ between two otherwise identical answers. */
export function headerPairs(res: Response, ignore: readonly string[] = []): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  res.headers.forEach((value, name) => {
    if (!ignore.includes(name.toLowerCase())) out.push([name.toLowerCase(), value]);
  });
  return out.sort((a, b) => (a[0] === b[0] ? a[1].localeCompare(b[1]) : a[0].localeCompare(b[0])));
}

/** A raw request as a socket peer at `peer` would send it (no cookie jar). */
export function rawRequest(app: Pick<Hono, 'request'>, path: string, init: RequestInit = {}, peer = '127.0.0.1'): Promise<Response> {
  const url = path.startsWith('http') ? path : `${PUBLIC_ORIGIN}${path}`;
  const env = { incoming: { socket: { remoteAddress: peer, encrypted: url.startsWith('https:') } } };
  return Promise.resolve(app.request(url, init, env));
}

/** JSON login as an anonymous client at `ip`. */
export function jsonLogin(t: TestApp, ip: string, identity: string, password = PASSWORD, headers: Record<string, string> = {}): Promise<Response> {
  return t.request(
    '/auth/login',
    { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify({ email: identity, password }) },
    ip,
  );
}

export function basicHeader(identity: string, password: string): string {
  return `Basic ${Buffer.from(`${identity}:${password}`, 'utf8').toString('base64')}`;
}

/** How many sessions a user has in the store. */
export async function sessionCount(t: TestApp, userId: string): Promise<number> {
  return (await t.stores.sessions.listSessionsOfUser(userId)).length;
}

/** A session cookie (token) is still alive: /auth/me answers 200 for it. */
export async function sessionAlive(t: TestApp, token: string, ip: string): Promise<boolean> {
  const res = await t.request('/auth/me', { headers: { cookie: `portcullis_session=${token}`, accept: 'application/json' } }, ip);
  return res.status === 200;
}

/** The Set-Cookie lines that start a session (none must appear on a refusal). */
export function sessionCookies(res: Response): string[] {
  return res.headers.getSetCookie().filter((line) => /^(__Host-)?portcullis_session=[^;]+/.test(line));
}

export const BASE = 'http://localhost:3000';

/** Where a Location header really sends a browser. */
export function resolvedLocation(res: Response): URL {
  return new URL(res.headers.get('location') ?? '', BASE);
}
