/**
 * @module The one request lifecycle, framework-free (docs/lifecycle.md):
 *
 *   transport → identify → rate limit → csrf → authenticate → attempt budget → authorize → handler → cookies → events
 *
 * - transport + identify: `beginRequest` resolves the client (proxies believed only as TRUST_PROXY
 *   says) and, with FORCE_HTTPS, answers plain HTTP with the redirect; cookies and headers are read
 *   lazily from the Web `Request` when a step needs them.
 * - rate limit, csrf, authenticate, authorize: a route's steps (`Guard`s) in that order; the first
 *   Response denies (`runRoute`). The attempt budget runs inside the flows (every secret check).
 * - handler: the route's own `run`; an AuthError it throws is answered here, anything else is the
 *   adapter's to report (`renderError`).
 * - cookies: `finishResponse` puts the security headers, `Cache-Control: no-store`, the encoded
 *   `Location`, the steps' headers and every cookie on whatever response leaves, errors included.
 * - events: emitted by the flows to the audit log and listeners (core/events.ts).
 */
import { AuthError } from '../core/errors.ts';
import { encodeLocation } from '../core/location.ts';
import type { Auth, PeerInfo } from '../auth.ts';
import { isStillFinished } from './finished.ts';
import { errorResponse } from './respond.ts';
import { paramsNameNothing, type AuthRoute, type RouteParams } from './routes.ts';
import { createRequestState, type CoreContext, type RequestExtras, type RequestState } from './state.ts';
import { httpsRedirect, securityHeaders } from './transport.ts';

export interface TransportOptions {
  /** Paths exempt from the HTTPS redirect (plain-HTTP health probes); default `['/healthz']`. */
  readonly httpsExemptPaths?: readonly string[] | undefined;
}

/** Where a host takes headers before it writes a response (a Node `ServerResponse` is one). */
export interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

export interface BegunRequest {
  readonly state: RequestState;
  /** Set when the request is answered at the edge (the HTTPS redirect); still to be finished. */
  readonly response: Response | undefined;
}

export function createTransport(auth: Auth, options: TransportOptions = {}) {
  const exempt = new Set(options.httpsExemptPaths ?? ['/healthz']);
  const headersFor = [securityHeaders(false), securityHeaders(true)] as const;

  /** transport → identify: the client, and the HTTPS redirect when plain HTTP is not allowed. */
  function beginRequest(core: CoreContext, request: Request, peer: PeerInfo, extras?: RequestExtras): BegunRequest {
    const client = auth.http.resolveClient(peer, request.headers);
    const state = createRequestState(core, request, client, extras);
    if (auth.config.forceHttps && !client.secure && !exempt.has(state.path)) {
      const { location, status } = httpsRedirect(request.url, request.method, auth.config.publicOrigin);
      return { state, response: new Response(null, { status, headers: { Location: location } }) };
    }
    return { state, response: undefined };
  }

  /** cookies: what every response carries, errors and redirects included (headers mutated in place). */
  function finishResponse(state: RequestState, headers: Headers): void {
    for (const [name, value] of headersFor[state.client.secure ? 1 : 0]) headers.set(name, value);
    if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
    // The app's own redirects too: one encoding for every Location that leaves (see encodeLocation).
    const location = headers.get('Location');
    if (location !== null) headers.set('Location', encodeLocation(location));
    for (const [name, value] of state.headers) if (!headers.has(name)) headers.set(name, value);
    for (const cookie of state.cookies) headers.append('Set-Cookie', cookie);
  }

  /**
   * `finishResponse` for a host that takes headers before it writes the response (Node's
   * `ServerResponse.setHeader`, under @hono/node-server): what the response does not carry already
   * goes there, written once with the status line; only what must replace or join the response's
   * own headers (a security header the app set, the encoded Location, cookies) is set on them.
   * The result on the wire is the same: the response's own headers still win where they did.
   */
  function finishBefore(state: RequestState, headers: Headers, early: HeaderSink): void {
    for (const [name, value] of headersFor[state.client.secure ? 1 : 0]) {
      if (headers.has(name)) headers.set(name, value);
      else early.setHeader(name, value);
    }
    if (!headers.has('Cache-Control')) early.setHeader('Cache-Control', 'no-store');
    const location = headers.get('Location');
    if (location !== null) headers.set('Location', encodeLocation(location));
    for (const [name, value] of state.headers) if (!headers.has(name)) early.setHeader(name, value);
    for (const cookie of state.cookies) headers.append('Set-Cookie', cookie);
  }

  /** `finishResponse` on a response's headers (or before them, with `early`), unless the core built it finished (finished.ts). */
  function finish(state: RequestState, response: Response, early?: HeaderSink): void {
    if (isStillFinished(state, response)) return;
    if (early) finishBefore(state, response.headers, early);
    else finishResponse(state, response.headers);
  }

  return { beginRequest, finishResponse, finish, securityHeadersFor: (secure: boolean) => headersFor[secure ? 1 : 0] };
}

/** rate limit → csrf → authenticate → authorize → handler, for one auth route. Non-AuthErrors propagate. */
export async function runRoute(route: AuthRoute, state: RequestState, params: RouteParams): Promise<Response> {
  if (paramsNameNothing(params)) return errorResponse(state, new AuthError('NOT_FOUND'));
  for (const step of route.steps) {
    const denied = await step(state.request, state);
    if (denied) return denied;
  }
  try {
    return await route.run(state, params);
  } catch (error) {
    if (error instanceof AuthError) return errorResponse(state, error);
    throw error;
  }
}
