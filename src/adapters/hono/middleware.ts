/**
 * @module The request lifecycle's edge: resolve the client, enforce HTTPS, and put security
 * headers (and `Cache-Control: no-store`) on every response, errors and redirects included.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { Auth } from '../../create-auth.ts';
import { encodeLocation } from '../../features/redirects/index.ts';
import { httpsRedirect, securityHeaders } from '../../features/transport/index.ts';
import { peerOf } from './request.ts';
import type { AuthEnv, RequestAuthState } from './variables.ts';

export interface MiddlewareOptions {
  /** Paths exempt from the HTTPS redirect (plain-HTTP health probes). */
  readonly httpsExemptPaths?: readonly string[];
}

function finish(c: Context, state: RequestAuthState): void {
  for (const [name, value] of securityHeaders(state.client.secure)) c.res.headers.set(name, value);
  if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  // The app's own `c.redirect(…)` too: one encoding for every Location that leaves (see encodeLocation).
  const location = c.res.headers.get('Location');
  if (location !== null) c.res.headers.set('Location', encodeLocation(location));
  for (const cookie of state.pendingCookies) c.res.headers.append('Set-Cookie', cookie);
}

export function createAuthMiddleware(auth: Auth, options: MiddlewareOptions = {}): MiddlewareHandler<AuthEnv> {
  const exempt = new Set(options.httpsExemptPaths ?? ['/healthz']);
  return async function portcullis(c, next) {
    const client = auth.resolveClient(peerOf(c), c.req.raw.headers);
    const state: RequestAuthState = { auth, client, sessionPrincipal: undefined, principal: null, body: undefined, pendingCookies: [] };
    c.set('portcullis', state);
    c.set('user', null);
    c.set('principal', null);
    if (auth.config.forceHttps && !client.secure && !exempt.has(c.req.path)) {
      const { location, status } = httpsRedirect(c.req.url, c.req.method, auth.config.publicOrigin);
      c.res = new Response(null, { status, headers: { Location: location } });
      finish(c, state);
      return;
    }
    await next();
    finish(c, state);
  };
}
