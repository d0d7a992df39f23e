import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, HSTS_VALUE, httpsRedirect, securityHeaders } from './transport.ts';

const asMap = (secure: boolean) => new Map(securityHeaders(secure).map(([name, value]) => [name.toLowerCase(), value]));

describe('securityHeaders', () => {
  it.each([false, true])('secure=%s: carries the headers of API.md', (secure) => {
    const headers = asMap(secure);
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('sends HSTS only over HTTPS, with the documented value', () => {
    expect(asMap(true).get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect(HSTS_VALUE).toBe('max-age=31536000; includeSubDomains');
    expect(asMap(false).has('strict-transport-security')).toBe(false);
  });

  it('has no duplicate header names', () => {
    const names = securityHeaders(true).map(([name]) => name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('Content-Security-Policy', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';')
      .map((part) => part.trim().split(/\s+/))
      .map(([name = '', ...values]) => [name, values] as const),
  );

  it('has no unsafe-inline or unsafe-eval anywhere', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes/i);
  });

  it("allows scripts only from 'self', no wildcards, no data:", () => {
    const scripts = directives.get('script-src') ?? directives.get('default-src');
    expect(scripts).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/(^|\s)\*(\s|;|$)/);
  });

  it('forbids framing, plugins and base rewriting', () => {
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
  });
});

describe('httpsRedirect', () => {
  const ORIGIN = 'https://app.example';

  it('uses the configured origin, never the request host', () => {
    const { location } = httpsRedirect('http://evil.example/dashboard?tab=1', 'GET', ORIGIN);
    expect(location).toBe('https://app.example/dashboard?tab=1');
  });

  it('keeps path and query exactly', () => {
    expect(httpsRedirect('http://app.example/a/b%20c?x=1&y=%2F', 'GET', ORIGIN).location).toBe('https://app.example/a/b%20c?x=1&y=%2F');
    expect(httpsRedirect('http://app.example/', 'GET', ORIGIN).location).toBe('https://app.example/');
  });

  it('forces https even when the configured origin says http', () => {
    expect(new URL(httpsRedirect('http://x/p', 'GET', 'http://app.example').location).protocol).toBe('https:');
  });

  it.each(['GET', 'HEAD'])('%s gets 301', (method) => {
    expect(httpsRedirect('http://app.example/p', method, ORIGIN).status).toBe(301);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])('%s gets 308 (method and body kept)', (method) => {
    expect(httpsRedirect('http://app.example/p', method, ORIGIN).status).toBe(308);
  });

  it.each(['http://app.example//evil.com/x', 'http://app.example/\\evil.com', 'http://app.example/%2F%2Fevil.com', 'http://user:pw@evil.example:8080/p'])(
    'a crafted request URL %j cannot move the redirect off-site',
    (requestUrl) => {
      const location = new URL(httpsRedirect(requestUrl, 'GET', ORIGIN).location);
      expect(location.origin).toBe(ORIGIN);
      expect(location.username).toBe('');
      expect(location.password).toBe('');
    },
  );
});
