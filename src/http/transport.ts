/** @module Transport security: HTTPS redirect and the security headers every response carries. */

export const HSTS_VALUE = 'max-age=31536000; includeSubDomains';

/** Strict CSP: no inline scripts or styles, nothing from other origins, no framing. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The headers of API.md's "conventions of every response". */
export function securityHeaders(secure: boolean): ReadonlyArray<readonly [string, string]> {
  const headers: Array<readonly [string, string]> = [
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
    ['Referrer-Policy', 'strict-origin-when-cross-origin'],
    ['Content-Security-Policy', CONTENT_SECURITY_POLICY],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
  ];
  if (secure) headers.push(['Strict-Transport-Security', HSTS_VALUE]);
  return headers;
}

/**
 * The `https:` URL a plain-HTTP request is sent to: the configured public origin's host (never
 * the request's own `Host` header) with the request's path and query. 301 for GET/HEAD, else 308.
 */
export function httpsRedirect(requestUrl: string, method: string, publicOrigin: string): { location: string; status: 301 | 308 } {
  const url = new URL(requestUrl);
  const target = new URL(publicOrigin);
  target.protocol = 'https:';
  target.pathname = url.pathname;
  target.search = url.search;
  return { location: target.toString(), status: method === 'GET' || method === 'HEAD' ? 301 : 308 };
}
