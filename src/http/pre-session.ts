/**
 * @module The browser's pre-session, as a binding for what an anonymous browser asks for (an
 * e-mail sign-in code, a passwordless passkey challenge): handed out when asking, and only read —
 * never made — when redeeming, so a browser without one redeems nothing.
 */
import type { RequestState } from './state.ts';

/** The asking browser's pre-session id (handed out now if it has none). */
export function askingBrowser(state: RequestState): string {
  if (state.preSessionId === undefined) {
    const pre = state.auth.http.preSession(state.request.headers, state.client);
    if (pre.setCookie) state.cookies.push(pre.setCookie);
    state.preSessionId = pre.id;
  }
  return state.preSessionId;
}

/** The pre-session this browser already holds; undefined when it has none. */
export function presentedBrowser(state: RequestState): string | undefined {
  const pre = state.auth.http.preSession(state.request.headers, state.client);
  return pre.setCookie ? undefined : pre.id;
}
