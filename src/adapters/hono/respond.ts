/**
 * @module One place where an AuthError becomes a response: the documented JSON body, or for
 * browsers a redirect (login, re-authentication) or an HTML page. Nothing internal ever leaks.
 */
import type { Context } from 'hono';
import { AuthError, type ErrorCode } from '../../core/errors.ts';
import { serializeCookie } from '../../core/cookies.ts';
import { readCookie } from '../../core/cookies.ts';
import { FLASH_COOKIE, FLASH_MESSAGES, isFlashKey, type FlashKey, type FlashMessage } from '../../features/flash/index.ts';
import { encodeLocation } from '../../features/redirects/index.ts';
import { bodyLeftOnSocket, currentPath, isJsonRequest } from './request.ts';
import { stateOf, type AuthContext } from './variables.ts';
import type { AuthViews } from './views.ts';

const PAGE_TITLES: Partial<Record<number, string>> = {
  400: 'Bad request',
  401: 'Please log in',
  403: 'Access denied',
  404: 'Page not found',
  413: 'Request too large',
  429: 'Too many requests',
  500: 'Something went wrong',
  503: 'Temporarily unavailable',
};

/** Browser messages: same meaning as the JSON ones, a little friendlier. */
const PAGE_MESSAGES: Partial<Record<ErrorCode, string>> = {
  FORBIDDEN: 'You do not have permission to see this page.',
  CSRF_FAILED: 'This form has expired or did not come from this site. Go back, reload the page and try again.',
  NOT_FOUND: 'There is nothing here.',
  RATE_LIMITED: 'Too many requests. Try again later.',
  INTERNAL: 'An unexpected error occurred. It has been logged; please try again.',
};

/** A flash message for the next page, carried by a short-lived cookie (a catalogue key, not text). */
export function setFlash(c: Context, key: FlashKey): void {
  const { client } = stateOf(c);
  stateOf(c).pendingCookies.push(serializeCookie(FLASH_COOKIE, key, { httpOnly: true, secure: client.secure, sameSite: 'Lax', maxAgeSeconds: 60 }));
}

/** Reads and clears this request's flash message. */
export function takeFlash(c: Context): FlashMessage | null {
  const key = readCookie(c.req.header('cookie'), FLASH_COOKIE);
  if (!isFlashKey(key)) return null;
  const { client } = stateOf(c);
  stateOf(c).pendingCookies.push(serializeCookie(FLASH_COOKIE, '', { httpOnly: true, secure: client.secure, sameSite: 'Lax', maxAgeSeconds: 0 }));
  return FLASH_MESSAGES[key];
}

/** Where a browser should come back to after logging in again: this page, or for a form POST the page it came from. */
function returnPath(c: Context): string {
  if (c.req.method === 'GET') return currentPath(c);
  const referer = c.req.header('referer');
  if (referer) {
    try {
      const url = new URL(referer);
      if (url.origin === stateOf(c).auth.config.publicOrigin) return url.pathname + url.search;
    } catch {
      // not a URL: fall through
    }
  }
  return stateOf(c).auth.config.pages.afterLogin;
}

/** Every redirect of the adapter: the target ASCII-only (UTF-8 percent-encoded), never raw Latin-1 bytes. */
export function redirectTo(c: Context, location: string, status: 301 | 302 | 303 | 307 | 308): Response {
  return c.redirect(encodeLocation(location), status);
}

/** 303 See Other: after a form POST, the browser GETs the target. */
export function redirectAfterPost(c: Context, location: string, flash?: FlashKey): Response {
  if (flash) setFlash(c, flash);
  return redirectTo(c, location, 303);
}

export async function errorResponse(c: Context, error: AuthError, views: AuthViews): Promise<Response> {
  const state = stateOf(c);
  const { auth } = state;
  if (error.retryAfterSeconds !== undefined) c.header('Retry-After', String(Math.ceil(error.retryAfterSeconds)));
  // A body too large even to drain (core/input.ts, OVERSIZE_DRAIN_BYTES) is left unread: close after
  // the 413, so that the client does not send its next request down a connection we stopped reading.
  if (error.code === 'PAYLOAD_TOO_LARGE' && bodyLeftOnSocket(c)) c.header('Connection', 'close');
  if (isJsonRequest(c)) return c.json(error.toJSON(), error.status as 400);
  const status = c.req.method === 'GET' || c.req.method === 'HEAD' ? 302 : 303;
  if (error.code === 'UNAUTHENTICATED' || error.code === 'REAUTH_REQUIRED') {
    const next = encodeURIComponent(returnPath(c));
    const login = error.code === 'UNAUTHENTICATED';
    setFlash(c, login ? 'login_required' : 'reauth_required');
    return redirectTo(c, `${login ? auth.config.pages.login : auth.config.pages.verify}?next=${next}`, status);
  }
  const principal = (c as AuthContext).get('principal') ?? null;
  const csrfToken = principal?.session ? auth.csrfToken({ kind: 'session', sessionId: principal.session.id }) : '';
  const html = await views.error({
    status: error.status,
    title: PAGE_TITLES[error.status] ?? 'Error',
    message: PAGE_MESSAGES[error.code] ?? error.message,
    user: principal ? auth.publicUser(principal) : null,
    csrfToken,
  });
  return c.html(html, error.status as 400);
}

/** Anything that is not an AuthError is an internal error: logged by the caller, shown as a bare 500. */
export function toAuthError(error: unknown): AuthError {
  return error instanceof AuthError ? error : new AuthError('INTERNAL', { cause: error });
}
