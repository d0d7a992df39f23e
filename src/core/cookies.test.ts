import { describe, expect, it } from 'vitest';
import { cookieName, readCookie, serializeCookie, type CookieOptions } from './cookies.ts';

describe('readCookie', () => {
  it.each([null, undefined, ''])('finds nothing in %j', (header) => {
    expect(readCookie(header, 'sid')).toBeUndefined();
  });

  it('finds a cookie among others, trimming spaces', () => {
    expect(readCookie('theme=dark;  sid=abc123 ; lang=en', 'sid')).toBe('abc123');
  });

  it('the first occurrence wins', () => {
    expect(readCookie('sid=first; sid=second', 'sid')).toBe('first');
  });

  it('matches whole names only', () => {
    expect(readCookie('xsid=evil; sid_old=evil; sid=good', 'sid')).toBe('good');
    expect(readCookie('SID=evil', 'sid')).toBeUndefined();
    expect(readCookie('__Host-sid=a; sid=b', '__Host-sid')).toBe('a');
  });

  it('keeps "=" inside a value and strips surrounding quotes', () => {
    expect(readCookie('sid=a=b=c', 'sid')).toBe('a=b=c');
    expect(readCookie('sid="abc"', 'sid')).toBe('abc');
  });

  it('skips parts without "=" and returns an empty value as empty', () => {
    expect(readCookie('garbage; sid=; other', 'sid')).toBe('');
    expect(readCookie('sid', 'sid')).toBeUndefined();
  });
});

describe('serializeCookie', () => {
  const SECURE: CookieOptions = { httpOnly: true, secure: true, sameSite: 'Strict' };

  it('writes name, value, Path=/, SameSite, HttpOnly and Secure', () => {
    expect(serializeCookie('__Host-sid', 'abc_-.~123', SECURE)).toBe('__Host-sid=abc_-.~123; Path=/; SameSite=Strict; HttpOnly; Secure');
  });

  it('omits HttpOnly and Secure when not asked, honours Lax and a path', () => {
    expect(serializeCookie('flash', 'x', { httpOnly: false, secure: false, sameSite: 'Lax', path: '/auth' })).toBe('flash=x; Path=/auth; SameSite=Lax');
  });

  it('writes Max-Age in whole seconds, never negative', () => {
    expect(serializeCookie('sid', 'v', { ...SECURE, maxAgeSeconds: 86_400.9 })).toContain('; Max-Age=86400;');
    expect(serializeCookie('sid', '', { ...SECURE, maxAgeSeconds: -5 })).toBe('sid=; Path=/; SameSite=Strict; Max-Age=0; HttpOnly; Secure');
  });

  it.each(['a;b', 'a b', 'a\r\nSet-Cookie: x=y', 'a,b', '"a"', 'a=b', 'ä', 'a\u0000'])('refuses the value %j (header injection)', (value) => {
    expect(() => serializeCookie('sid', value, SECURE)).toThrow();
  });
});

describe('cookieName', () => {
  it('uses the __Host- prefix only when Secure', () => {
    expect(cookieName('sid', true)).toBe('__Host-sid');
    expect(cookieName('sid', false)).toBe('sid');
  });
});
