/**
 * @module Every cookie the request core writes, in one place: the session (a new token at every
 * login), the pre-session behind anonymous forms' CSRF tokens, the JS-readable XSRF-TOKEN (when
 * enabled), and the flash message. They collect on the request state and leave with whatever
 * response goes out (`finishResponse`).
 */
import { readCookie, serializeCookie } from '../core/cookies.ts';
import { FLASH_COOKIE, FLASH_MESSAGES, isFlashKey, type FlashKey, type FlashMessage } from '../core/flash.ts';
import type { StartedSession } from '../auth.ts';
import type { RequestState } from './state.ts';

/** The CSRF token for the page being rendered: bound to the session, or to a pre-session cookie. */
export function csrfTokenFor(state: RequestState): string {
  const session = state.principal?.session;
  if (session) return state.auth.http.csrfToken({ kind: 'session', sessionId: session.id });
  if (state.preSessionId === undefined) {
    const pre = state.auth.http.preSession(state.request.headers, state.client);
    if (pre.setCookie) state.cookies.push(pre.setCookie);
    state.preSessionId = pre.id;
  }
  return state.auth.http.csrfToken({ kind: 'pre-session', id: state.preSessionId });
}

/** With CSRF_XSRF_COOKIE, hands single-page apps the token in a JS-readable cookie (double submit). */
export function offerXsrfCookie(state: RequestState): void {
  const cookie = state.auth.http.xsrfCookie(csrfTokenFor(state), state.client);
  if (cookie) state.cookies.push(cookie);
}

/** A new session for this browser: its cookie, and the request is now that principal's. */
export function writeSessionCookie(state: RequestState, started: StartedSession): void {
  state.principal = started.principal;
  state.cookies.push(state.auth.http.sessionCookie(started, state.client));
  offerXsrfCookie(state);
}

/**
 * After logout: clears the cookies only when the request carried one — a cross-site form (whose
 * request a SameSite cookie does not ride) must not be able to delete the victim's cookie.
 */
export function clearSessionCookies(state: RequestState): void {
  if (!state.auth.http.hasSessionCookie(state.request.headers, state.client)) return;
  state.cookies.push(state.auth.http.clearSessionCookie(state.client));
  const xsrf = state.auth.http.clearXsrfCookie(state.client);
  if (xsrf) state.cookies.push(xsrf);
}

/** A flash message for the next page, carried by a short-lived cookie (a catalogue key, not text). */
export function setFlash(state: RequestState, key: FlashKey): void {
  state.cookies.push(serializeCookie(FLASH_COOKIE, key, { httpOnly: true, secure: state.client.secure, sameSite: 'Lax', maxAgeSeconds: 60 }));
}

/** Reads and clears this request's flash message. */
export function takeFlash(state: RequestState): FlashMessage | null {
  const key = readCookie(state.request.headers.get('cookie'), FLASH_COOKIE);
  if (!isFlashKey(key)) return null;
  state.cookies.push(serializeCookie(FLASH_COOKIE, '', { httpOnly: true, secure: state.client.secure, sameSite: 'Lax', maxAgeSeconds: 0 }));
  return FLASH_MESSAGES[key];
}
