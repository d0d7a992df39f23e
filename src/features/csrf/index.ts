/**
 * @module CSRF: synchronizer tokens as a keyed HMAC of what they are bound to — the session's id,
 * or before login a random pre-session id (so that login CSRF fails too). No extra storage.
 * Defence in depth: a present `Origin` must be ours, and `Sec-Fetch-Site: cross-site` is refused.
 */
import { constantTimeEqual, hmacBase64Url } from '../../core/crypto/index.ts';

export type CsrfBinding = { readonly kind: 'session'; readonly sessionId: string } | { readonly kind: 'pre-session'; readonly id: string };

function bindingText(binding: CsrfBinding): string {
  return binding.kind === 'session' ? `csrf:session:${binding.sessionId}` : `csrf:pre:${binding.id}`;
}

export function createCsrfToken(secretKey: string, binding: CsrfBinding): string {
  return hmacBase64Url(secretKey, bindingText(binding));
}

export function verifyCsrfToken(secretKey: string, binding: CsrfBinding, token: unknown): boolean {
  if (typeof token !== 'string' || token.length === 0 || token.length > 128) return false;
  return constantTimeEqual(createCsrfToken(secretKey, binding), token);
}

/** Origin / Fetch Metadata check: false when the browser says the request came from elsewhere. */
export function isSameOriginRequest(headers: Headers, allowedOrigins: readonly string[]): boolean {
  if (headers.get('sec-fetch-site')?.toLowerCase() === 'cross-site') return false;
  const origin = headers.get('origin');
  if (origin === null) return true;
  return allowedOrigins.includes(origin);
}

