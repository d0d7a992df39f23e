import { describe, expect, it } from 'vitest';
import { createCsrfToken, isSameOriginRequest, verifyCsrfToken, type CsrfBinding } from './index.ts';

const SECRET = 'k'.repeat(48);
const OTHER_SECRET = 'q'.repeat(48);
const SESSION_A: CsrfBinding = { kind: 'session', sessionId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' };
const SESSION_B: CsrfBinding = { kind: 'session', sessionId: '0f9e8d7c6b5a49382716f5e4d3c2b1a0' };
const PRE: CsrfBinding = { kind: 'pre-session', id: 'pre-session-id-1' };

describe('CSRF tokens', () => {
  it('a token verifies for its own binding', () => {
    expect(verifyCsrfToken(SECRET, SESSION_A, createCsrfToken(SECRET, SESSION_A))).toBe(true);
    expect(verifyCsrfToken(SECRET, PRE, createCsrfToken(SECRET, PRE))).toBe(true);
  });

  it('is base64url and deterministic for one binding, different across bindings', () => {
    const token = createCsrfToken(SECRET, SESSION_A);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createCsrfToken(SECRET, SESSION_A)).toBe(token);
    expect(createCsrfToken(SECRET, SESSION_B)).not.toBe(token);
  });

  it("session A's token fails for session B", () => {
    expect(verifyCsrfToken(SECRET, SESSION_B, createCsrfToken(SECRET, SESSION_A))).toBe(false);
  });

  it('a pre-session token fails once there is a session', () => {
    expect(verifyCsrfToken(SECRET, SESSION_A, createCsrfToken(SECRET, PRE))).toBe(false);
  });

  it('a pre-session token fails for a session whose id equals the pre-session id (kinds are separated)', () => {
    const id = 'same-identifier';
    const preToken = createCsrfToken(SECRET, { kind: 'pre-session', id });
    expect(verifyCsrfToken(SECRET, { kind: 'session', sessionId: id }, preToken)).toBe(false);
    const sessionToken = createCsrfToken(SECRET, { kind: 'session', sessionId: id });
    expect(verifyCsrfToken(SECRET, { kind: 'pre-session', id }, sessionToken)).toBe(false);
  });

  it("a session token fails for another visitor's pre-session", () => {
    expect(verifyCsrfToken(SECRET, { kind: 'pre-session', id: 'other' }, createCsrfToken(SECRET, PRE))).toBe(false);
  });

  it('a token made with another secret fails', () => {
    expect(verifyCsrfToken(SECRET, SESSION_A, createCsrfToken(OTHER_SECRET, SESSION_A))).toBe(false);
  });

  it('a token with one character changed, cut, extended or re-cased fails', () => {
    const token = createCsrfToken(SECRET, SESSION_A);
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const forged of [flipped, token.slice(0, -1), token + 'A', token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase(), ` ${token}`, `${token}\n`]) {
      expect(verifyCsrfToken(SECRET, SESSION_A, forged)).toBe(false);
    }
  });

  it.each([undefined, null, 0, 1234, true, {}, [], ['x'], Buffer.from('x')])('refuses the non-string %s', (token) => {
    expect(verifyCsrfToken(SECRET, SESSION_A, token)).toBe(false);
  });

  it('refuses an array holding the right token (a repeated form field)', () => {
    expect(verifyCsrfToken(SECRET, SESSION_A, [createCsrfToken(SECRET, SESSION_A)])).toBe(false);
  });

  it('refuses the empty token', () => {
    expect(verifyCsrfToken(SECRET, SESSION_A, '')).toBe(false);
  });

  it.each([129, 10_000, 1_000_000])('refuses a %d-character token without throwing', (length) => {
    expect(verifyCsrfToken(SECRET, SESSION_A, 'A'.repeat(length))).toBe(false);
  });

  it('refuses a huge token that starts with the right one', () => {
    const token = createCsrfToken(SECRET, SESSION_A);
    expect(verifyCsrfToken(SECRET, SESSION_A, token + 'A'.repeat(100_000))).toBe(false);
  });

  it('refuses ill-formed Unicode and NUL without throwing', () => {
    const token = createCsrfToken(SECRET, SESSION_A);
    expect(verifyCsrfToken(SECRET, SESSION_A, token.slice(0, -1) + '\uD800')).toBe(false);
    expect(verifyCsrfToken(SECRET, SESSION_A, token.slice(0, -1) + '\u0000')).toBe(false);
  });
});

describe('isSameOriginRequest', () => {
  const ALLOWED = ['https://app.example'];
  const check = (init: Record<string, string>) => isSameOriginRequest(new Headers(init), ALLOWED);

  it('passes without an Origin header (non-browser clients, old browsers)', () => {
    expect(check({})).toBe(true);
  });

  it('passes our own Origin', () => {
    expect(check({ origin: 'https://app.example' })).toBe(true);
    expect(check({ origin: 'https://app.example', 'sec-fetch-site': 'same-origin' })).toBe(true);
  });

  it.each(['https://evil.example', 'http://app.example', 'https://app.example:8443', 'https://app.example.evil.com', 'https://sub.app.example', 'https://app.example/', 'HTTPS://APP.EXAMPLE'])(
    'refuses the foreign Origin %j',
    (origin) => {
      expect(check({ origin })).toBe(false);
    },
  );

  it('refuses Origin: null (sandboxed frames, data: URLs, some redirects)', () => {
    expect(check({ origin: 'null' })).toBe(false);
  });

  it('refuses Sec-Fetch-Site: cross-site, with or without an Origin, in any case', () => {
    expect(check({ 'sec-fetch-site': 'cross-site' })).toBe(false);
    expect(check({ 'sec-fetch-site': 'Cross-Site' })).toBe(false);
    expect(check({ 'sec-fetch-site': 'cross-site', origin: 'https://app.example' })).toBe(false);
  });

  it('passes Sec-Fetch-Site: none (typed URL, bookmark) without Origin', () => {
    expect(check({ 'sec-fetch-site': 'none' })).toBe(true);
  });

  it('refuses everything foreign when no origins are allowed', () => {
    expect(isSameOriginRequest(new Headers({ origin: 'https://app.example' }), [])).toBe(false);
  });
});
