/**
 * @module Attack suite — error hygiene: a batch of hostile requests (bad JSON, huge header values,
 * odd methods, path traversal, NUL bytes, malformed percent-escapes and credentials) never gets
 * a 5xx, and no answer carries a stack frame, `node_modules`, a file path, SQL or a session token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, createTestApp, nextIp, uniqueEmail, type Client, type TestApp } from '../http/harness.ts';
import { expectSecurityHeaders } from './attack-helpers.ts';

interface Attack {
  readonly name: string;
  readonly path: string;
  readonly init?: RequestInit;
  /** Send the logged-in client's cookies (and so a session token that must never be echoed). */
  readonly withSession?: boolean;
}

const LEAKS: ReadonlyArray<readonly [string, RegExp]> = [
  ['stack frame', /\bat .+[:(]\d+:\d+\)?|\n\s+at /],
  ['node_modules', /node_modules/i],
  ['a /work/ path', /\/work\//],
  ['a source path', /\/src\/[\w/-]+\.tsx?\b|\.ts:\d+/],
  ['SQLite', /SQLITE/i],
  ['PostgreSQL internals', /\bpostgres(ql)?\b.*error|relation "|pg_catalog|duplicate key value/i],
  ['SQL', /\bselect\s+[\w*".,\s]+\s+from\b|\binsert into\b|\bupdate\s+\w+\s+set\b/i],
  ['Kysely', /kysely/i],
  ['an internal error class', /TypeError|RangeError|SyntaxError|ReferenceError|UniqueViolationError|StoreUnavailableError/],
];

let t: TestApp;
let user: Client;

beforeAll(async () => {
  t = await createTestApp({ rateLimits: { login: { count: 1_000_000, windowMs: 60_000 }, register: { count: 1_000_000, windowMs: 3_600_000 } } });
  user = t.client();
  await user.signUp();
});
afterAll(async () => {
  await t?.dispose();
});

const big = (n: number, ch = 'A') => ch.repeat(n);
const json = (body: string, extra: Record<string, string> = {}): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...extra }, body });

function attacks(): Attack[] {
  const email = uniqueEmail('hyg');
  return [
    // Bad JSON.
    { name: 'truncated JSON', path: '/auth/login', init: json('{"email": "a@example.com", "password": ') },
    { name: 'JSON with a BOM', path: '/auth/login', init: json('\uFEFF{"email":"a@example.com","password":"x"}') },
    { name: 'JSON NaN', path: '/auth/register', init: json('{"email": NaN, "password": Infinity}') },
    { name: 'JSON deep nesting', path: '/auth/register', init: json(`${big(30_000, '[')}${big(30_000, ']')}`) },
    { name: 'JSON deep object nesting', path: '/auth/login', init: json(`${big(15_000, '{"a":')}1${big(15_000, '}')}`) },
    { name: 'JSON __proto__', path: '/auth/register', init: json(`{"__proto__": {"admin": true}, "email": "${email}", "password": "${PASSWORD}"}`) },
    { name: 'JSON constructor.prototype', path: '/auth/login', init: json('{"constructor": {"prototype": {"roles": ["admin"]}}}') },
    { name: 'JSON huge number', path: '/auth/login', init: json(`{"email": 1e999999, "password": ${big(5000, '9')}}`) },
    { name: 'JSON invalid UTF-8', path: '/auth/login', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) } },
    { name: 'JSON lone surrogate escapes', path: '/auth/register', init: json('{"email":"\\ud800@example.com","password":"\\udfff\\ud800aaaaaaaa"}') },
    { name: 'JSON on a session route', path: '/auth/sessions/revoke-others', init: json('{"a":', {}), withSession: true },
    { name: 'bad JSON with a valid CSRF header', path: '/auth/verify', init: json('[[[', {}), withSession: true },
    { name: 'form body with a bad percent escape', path: '/auth/login', init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=%E0%A4%A&password=%' } },
    { name: 'content-type with a huge parameter', path: '/auth/login', init: { method: 'POST', headers: { 'content-type': `application/json; ${big(20_000, 'x')}=1` }, body: '{}' } },
    { name: 'content-length lies (too big)', path: '/auth/register', init: { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '99999999999' }, body: '{}' } },
    { name: 'content-length not a number', path: '/auth/register', init: { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 'abc' }, body: '{}' } },
    // Huge header values.
    { name: 'huge cookie', path: '/auth/me', init: { headers: { cookie: `portcullis_session=${big(60_000)}` } } },
    { name: 'many cookies', path: '/dashboard', init: { headers: { accept: 'text/html', cookie: Array.from({ length: 3000 }, (_, i) => `c${i}=${i}`).join('; ') } } },
    { name: 'huge user agent', path: '/auth/login', init: json(`{"email":"${email}","password":"${PASSWORD}"}`, { 'user-agent': big(100_000) }) },
    { name: 'huge Basic header', path: '/auth/me', init: { headers: { authorization: `Basic ${big(100_000)}` } } },
    { name: 'huge Bearer header', path: '/auth/me', init: { headers: { authorization: `Bearer ${big(100_000)}` } } },
    { name: 'huge X-CSRF-Token', path: '/auth/logout', init: json('{}', { 'x-csrf-token': big(100_000) }), withSession: true },
    { name: 'huge X-Forwarded-For', path: '/auth/login', init: json('{}', { 'x-forwarded-for': Array.from({ length: 5000 }, () => '1.2.3.4').join(', ') }) },
    { name: 'huge Forwarded', path: '/auth/login', init: json('{}', { forwarded: Array.from({ length: 5000 }, () => 'for="[::1]";proto=https').join(', ') }) },
    { name: 'huge Accept', path: '/', init: { headers: { accept: big(50_000, 'text/html,') } } },
    { name: 'huge Origin', path: '/auth/login', init: json('{}', { origin: `https://${big(50_000, 'a')}.com` }) },
    { name: 'huge Referer on a session POST', path: '/auth/sessions/revoke-others', init: { method: 'POST', headers: { referer: `http://localhost:3000/${big(50_000)}`, accept: 'text/html' } }, withSession: true },
    { name: 'huge query', path: `/login?next=${big(100_000)}` },
    // Malformed credentials.
    { name: 'Basic not base64', path: '/auth/me', init: { headers: { authorization: 'Basic !!!not-base64!!!' } } },
    { name: 'Basic without a colon', path: '/auth/me', init: { headers: { authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` } } },
    { name: 'Basic only a colon', path: '/auth/me', init: { headers: { authorization: `Basic ${Buffer.from(':').toString('base64')}` } } },
    { name: 'Basic invalid UTF-8', path: '/auth/me', init: { headers: { authorization: `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0xff]).toString('base64')}` } } },
    { name: 'Basic NUL', path: '/auth/me', init: { headers: { authorization: `Basic ${Buffer.from('a@example.com:\u0000').toString('base64')}` } } },
    { name: 'Basic giant password', path: '/auth/me', init: { headers: { authorization: `Basic ${Buffer.from(`a@example.com:${big(1500)}`).toString('base64')}` } } },
    { name: 'unknown scheme', path: '/auth/me', init: { headers: { authorization: 'Digest username="x"' } } },
    { name: 'session cookie of the wrong shape', path: '/auth/me', init: { headers: { cookie: 'portcullis_session=%00%ff%fe; portcullis_pre=../../etc' } } },
    { name: 'session cookie with quotes', path: '/dashboard', init: { headers: { accept: 'text/html', cookie: 'portcullis_session="\\"\\\\"' } } },
    // Odd methods.
    { name: 'PROPFIND', path: '/auth/login', init: { method: 'PROPFIND' } },
    { name: 'OPTIONS', path: '/auth/login', init: { method: 'OPTIONS' } },
    { name: 'PURGE', path: '/', init: { method: 'PURGE' } },
    { name: 'made-up method', path: '/auth/me', init: { method: 'BREW' } },
    { name: 'PUT on login', path: '/auth/login', init: { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' } },
    { name: 'DELETE on a page', path: '/dashboard', init: { method: 'DELETE' }, withSession: true },
    { name: 'PATCH on csrf', path: '/auth/csrf', init: { method: 'PATCH' } },
    { name: 'HEAD on a JSON route', path: '/auth/me', init: { method: 'HEAD' }, withSession: true },
    // Path traversal and NUL bytes.
    { name: 'static traversal', path: '/static/../../package.json' },
    { name: 'static encoded traversal', path: '/static/..%2f..%2fpackage.json' },
    { name: 'static double-encoded traversal', path: '/static/%252e%252e%252fpackage.json' },
    { name: 'static dot-dot encoded', path: '/static/%2e%2e/%2e%2e/package.json' },
    { name: 'static backslash traversal', path: '/static/..%5c..%5cpackage.json' },
    { name: 'static absolute path', path: '/static/%2fetc%2fpasswd' },
    { name: 'static NUL', path: '/static/style.css%00.js' },
    { name: 'static NUL only', path: '/static/%00' },
    { name: 'NUL in an auth path', path: '/auth/%00' },
    { name: 'NUL in a session id', path: '/auth/sessions/%00', init: { method: 'DELETE', headers: { accept: 'application/json' } }, withSession: true },
    { name: 'invalid UTF-8 in a session id', path: '/auth/sessions/%ff%fe', init: { method: 'DELETE', headers: { accept: 'application/json' } }, withSession: true },
    { name: 'huge session id', path: `/auth/sessions/${big(10_000)}`, init: { method: 'DELETE', headers: { accept: 'application/json' } }, withSession: true },
    { name: 'SQL-ish session id', path: `/auth/sessions/${encodeURIComponent("' OR 1=1 --")}`, init: { method: 'DELETE', headers: { accept: 'application/json' } }, withSession: true },
    { name: 'a lone percent in the path', path: '/%' },
    { name: 'a truncated escape in the path', path: '/auth/%E0%A4%A' },
    { name: 'a lone percent in the query', path: '/login?next=%&x=%zz' },
    { name: 'dot segments to the admin area', path: '/static/../admin', init: { headers: { accept: 'text/html' } } },
    { name: 'admin with a bad user id', path: `/admin/users/${encodeURIComponent('../../x')}/roles`, init: json('{"role":"admin"}'), withSession: true },
    { name: 'admin search injection', path: `/admin?q=${encodeURIComponent("%' OR 1=1 --")}&page=-99999999999999999999`, withSession: true },
  ];
}

async function send(attack: Attack, ip: string): Promise<Response> {
  const init = attack.init ?? {};
  const headers = new Headers(init.headers);
  if (attack.withSession) {
    const mine = user.cookieHeader();
    headers.set('cookie', headers.has('cookie') ? `${headers.get('cookie')}; ${mine}` : mine);
    if (!headers.has('x-csrf-token')) headers.set('x-csrf-token', user.csrfToken ?? (await user.fetchCsrf()));
  }
  return t.request(attack.path, { ...init, headers }, ip);
}

describe('hostile requests', () => {
  it('the batch has a good spread of attacks', () => {
    expect(attacks().length).toBeGreaterThanOrEqual(60);
  });

  it('never a 5xx, never an internal detail or a session token, always the security headers', async () => {
    const token = user.sessionToken ?? '';
    expect(token.length).toBeGreaterThanOrEqual(32);
    const problems: string[] = [];
    for (const attack of attacks()) {
      let res: Response;
      try {
        res = await send(attack, nextIp());
      } catch (error) {
        problems.push(`${attack.name}: threw ${String(error)}`);
        continue;
      }
      const body = await res.text();
      if (res.status >= 500) problems.push(`${attack.name}: ${res.status} ${body.slice(0, 200)}`);
      for (const [what, pattern] of LEAKS) if (pattern.test(body)) problems.push(`${attack.name}: body contains ${what}: ${body.slice(0, 200)}`);
      if (token && body.includes(token)) problems.push(`${attack.name}: body echoes the session token`);
      if ((res.headers.get('content-type') ?? '').includes('json') && body !== '') {
        try {
          const parsed = JSON.parse(body) as Record<string, unknown>;
          if (res.status >= 400) {
            const keys = Object.keys(parsed).sort();
            if (!(keys.join() === 'code,error' || keys.join() === 'code,error,fields')) problems.push(`${attack.name}: error body keys ${keys.join()}`);
          }
        } catch {
          problems.push(`${attack.name}: JSON content type, body not JSON`);
        }
      }
      if (/select /i.test(body) && (res.headers.get('content-type') ?? '').includes('json')) problems.push(`${attack.name}: JSON body contains "select "`);
      try {
        expectSecurityHeaders(res, attack.name);
      } catch (error) {
        problems.push(`${attack.name}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    expect(problems).toEqual([]);
    // The logged-in user is still logged in: nothing in the batch broke or revoked the session.
    expect((await user.me()).res.status).toBe(200);
  });

  it('path traversal never serves a file from outside /static', async () => {
    for (const path of ['/static/../../package.json', '/static/..%2f..%2fpackage.json', '/static/%2e%2e/%2e%2e/package.json', '/static/..%5c..%5cpackage.json', '/static/%2fetc%2fpasswd']) {
      const res = await t.request(path, { headers: { accept: 'application/json' } }, nextIp());
      const text = await res.text();
      expect(res.status, path).toBe(404);
      expect(text, path).not.toMatch(/"name"\s*:\s*"portcullis"|"dependencies"|root:x:0:0/);
    }
  });
});
