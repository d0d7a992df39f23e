/**
 * @module `portcullis/hono`: the request core (src/http) wired into a Hono app — middleware, guards,
 * auth routes, error handler. It translates (`c.req.raw` → core → `c` variables / the Response)
 * and decides nothing.
 *
 *   const pc = honoAuth(auth);
 *   app.use('*', pc.middleware);
 *   app.onError(pc.onError);
 *   app.route(auth.config.basePath, pc.routes);
 *   app.get('/admin', pc.required(), pc.roles('admin'), (c) => c.text(`hi ${c.get('user')?.email}`));
 */
import { Hono, type Context, type ErrorHandler, type Handler, type MiddlewareHandler } from 'hono';
import { AuthError, http, type Auth, type FlashKey, type FlashMessage } from '../../index.ts';
import { anyRole, assertOwnerOrAdmin, fresh, identify, permissions, rateLimit, required, roles, unauthCsrf } from './guards.ts';
import { bodyLeftOnSocket, headerSinkOf, peerOf } from './request.ts';
import { stateOf, syncVariables, type AuthEnv } from './variables.ts';
import type { AuthViews } from './views.ts';

export type { AuthEnv, AuthVariables, AuthContext } from './variables.ts';
export type { AuthViews, FormView, ErrorView, HtmlContent } from './views.ts';
export type { RequiredOptions, FreshOptions } from './guards.ts';

export interface HonoAuthOptions {
  /** HTML for browsers (login, register, verify forms; error pages). */
  readonly views?: Partial<AuthViews>;
  /** Paths exempt from the HTTPS redirect (plain-HTTP health probes); default `['/healthz']`. */
  readonly httpsExemptPaths?: readonly string[];
  /** Called with every unexpected error (500) — log it; the client sees only a generic message. */
  readonly onInternalError?: (error: unknown, c: Context) => void;
}

export interface HonoAuth {
  readonly auth: Auth;
  readonly middleware: MiddlewareHandler<AuthEnv>;
  /** The auth routes; mount with `app.route(auth.config.basePath, pc.routes)`. */
  readonly routes: Hono<AuthEnv>;
  readonly onError: ErrorHandler<AuthEnv>;
  readonly required: typeof required;
  readonly roles: typeof roles;
  readonly anyRole: typeof anyRole;
  readonly permissions: typeof permissions;
  readonly fresh: typeof fresh;
  /** A per-client rate limit on any route: `pc.rateLimit('contact', { count: 5, windowMs: 60_000 })`. */
  readonly rateLimit: typeof rateLimit;
  /** CSRF check for unsafe routes that have no login (e.g. a public contact form). */
  readonly unauthCsrf: typeof unauthCsrf;
  readonly assertOwnerOrAdmin: typeof assertOwnerOrAdmin;
  /** The session's principal, if any, without requiring one (for public pages that adapt). */
  readonly identify: typeof identify;
  readonly csrfToken: (c: Context) => string;
  /** The request body as fields (JSON or urlencoded), read and size-checked once. */
  readonly body: (c: Context) => Promise<http.BodyFields>;
  readonly isJson: (c: Context) => boolean;
  readonly redirectAfterPost: (c: Context, location: string, flash?: FlashKey) => Response;
  readonly setFlash: (c: Context, key: FlashKey) => void;
  /** Reads and clears the flash message set by the previous redirect. */
  readonly takeFlash: (c: Context) => FlashMessage | null;
  readonly views: AuthViews;
  /** `GET /.well-known/jwks.json`: the public keys that verify access tokens. */
  readonly jwks: Handler<AuthEnv>;
}

export function honoAuth(auth: Auth, options: HonoAuthOptions = {}): HonoAuth {
  const core = http.createHttpCore<Context>(auth, options);

  const middleware: MiddlewareHandler<AuthEnv> = async function portcullis(c, next) {
    const { state, response } = core.beginRequest(c.req.raw, peerOf(c), { path: c.req.path, bodyLeftOnSocket: () => bodyLeftOnSocket(c) });
    c.set('portcullis', state);
    c.set('user', null);
    c.set('principal', null);
    if (response) c.res = response;
    else await next();
    try {
      core.finish(state, c.res, headerSinkOf(c));
    } catch {
      // Immutable headers (a Response from fetch(), Response.redirect()): finish a copy.
      c.res = new Response(c.res.body, c.res);
      core.finishResponse(state, c.res.headers);
    }
  };

  const onError: ErrorHandler<AuthEnv> = async (thrown, c) => {
    let state: http.RequestState;
    try {
      state = stateOf(c);
    } catch {
      const error = thrown instanceof AuthError ? thrown : new AuthError('INTERNAL', { cause: thrown });
      options.onInternalError?.(error.cause ?? thrown, c);
      return c.json(error.toJSON(), error.status as 500);
    }
    return core.renderError(state, thrown, c);
  };

  const routes = new Hono<AuthEnv>();
  for (const route of core.routes) {
    routes.on(route.method, route.path, async (c) => {
      const state = stateOf(c);
      const response = await core.runRoute(route, state, c.req.param() as http.RouteParams);
      syncVariables(c, state);
      return response;
    });
  }
  routes.onError(onError);

  return {
    auth,
    middleware,
    routes,
    onError,
    required,
    roles,
    anyRole,
    permissions,
    fresh,
    rateLimit,
    unauthCsrf,
    assertOwnerOrAdmin,
    identify,
    csrfToken: (c) => http.csrfTokenFor(stateOf(c)),
    body: (c) => http.bodyOf(stateOf(c)),
    isJson: (c) => http.isJsonRequest(stateOf(c)),
    redirectAfterPost: (c, location, flash) => http.redirectAfterPost(stateOf(c), location, flash),
    setFlash: (c, key) => http.setFlash(stateOf(c), key),
    takeFlash: (c) => http.takeFlash(stateOf(c)),
    views: core.views,
    jwks: async (c) => {
      c.header('Cache-Control', 'public, max-age=300');
      return c.json(await auth.tokens.jwks());
    },
  };
}
