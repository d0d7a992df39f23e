/**
 * @module Responses the core builds finished: every header they leave with (security headers,
 * `Cache-Control`, the steps' headers) given once, as a plain record, when the Response is made —
 * never set one by one on it afterwards. On @hono/node-server a Response made with plain headers is
 * written straight to the socket; each `headers.set` on it had built and validated a Web
 * `Headers` first (a seventh of a refused request's CPU). `finish` leaves such a response alone
 * while nothing was added to the request's headers or cookies since it was made.
 */
import type { RequestState } from './state.ts';
import { securityHeaders } from './transport.ts';

/** Header names in lower case, as a Web `Headers` would give them (what left before, byte for byte). */
const lowerCased = (list: ReadonlyArray<readonly [string, string]>) => list.map(([name, value]) => [name.toLowerCase(), value] as const);
const SECURITY_HEADERS = [lowerCased(securityHeaders(false)), lowerCased(securityHeaders(true))] as const;

/** The response → how many of the request's headers it already carries (it was built with no cookies). */
const FINISHED = new WeakMap<Response, number>();

/**
 * A JSON answer with every header `finishResponse` would add: `own` first (they win, as a
 * response's own headers do), then the security headers (which always win), `Cache-Control:
 * no-store` unless `own` has one, and the steps' headers not already present. Cookies are not
 * included: with a cookie to send, the caller takes the ordinary path.
 */
export function finishedJson(state: RequestState, body: unknown, status: number, own: ReadonlyArray<readonly [string, string]>): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [name, value] of own) headers[name.toLowerCase()] = value;
  for (const [name, value] of SECURITY_HEADERS[state.client.secure ? 1 : 0]) headers[name] = value;
  headers['cache-control'] ??= 'no-store';
  for (const [name, value] of state.headers) headers[name.toLowerCase()] ??= value;
  const response = new Response(JSON.stringify(body), { status, headers });
  FINISHED.set(response, state.headers.length);
  return response;
}

/** True when `response` was built finished for this request and nothing was added since. */
export function isStillFinished(state: RequestState, response: Response): boolean {
  return FINISHED.get(response) === state.headers.length && state.cookies.length === 0;
}
