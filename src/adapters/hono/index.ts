/**
 * @module `portcullis/hono`: the middleware, guards, auth routes and error handler for a Hono app.
 *
 *   const pc = honoAuth(auth);
 *   app.use('*', pc.middleware);
 *   app.onError(pc.onError);
 *   app.route(auth.config.basePath, pc.routes);
 *   app.get('/admin', pc.required(), pc.roles('admin'), (c) => c.text(`hi ${c.get('user')?.email}`));
 */
import type { Context, ErrorHandler, Handler, Hono, MiddlewareHandler } from 'hono';
import { AuthError, StoreUnavailableError } from '../../core/errors.ts';
import type { Auth } from '../../create-auth.ts';
import { anyRole, assertOwnerOrAdmin, enforceCsrf, fresh, identify, permissions, rateLimit, required, roles } from './guards.ts';
import { createAuthMiddleware, type MiddlewareOptions } from './middleware.ts';
import { bodyOf, isJsonRequest } from './request.ts';
import { errorResponse, redirectAfterPost, setFlash, takeFlash } from './respond.ts';
import { createAuthRoutes, csrfTokenFor } from './routes.ts';
import { stateOf, type AuthEnv } from './variables.ts';
import { defaultViews, type AuthViews } from './views.ts';

export type { AuthEnv, AuthVariables, AuthContext } from './variables.ts';
export type { AuthViews, FormView, ErrorView, HtmlContent } from './views.ts';
export type { RequiredOptions, FreshOptions } from './guards.ts';

export interface HonoAuthOptions extends MiddlewareOptions {
  /** HTML for browsers (login, register, verify forms; error pages). */
  readonly views?: Partial<AuthViews>;
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
  readonly unauthCsrf: () => MiddlewareHandler<AuthEnv>;
  readonly assertOwnerOrAdmin: typeof assertOwnerOrAdmin;
  /** The session's principal, if any, without requiring one (for public pages that adapt). */
  readonly identify: typeof identify;
  readonly csrfToken: (c: Context) => string;
  readonly body: typeof bodyOf;
  readonly isJson: typeof isJsonRequest;
  readonly redirectAfterPost: typeof redirectAfterPost;
  readonly setFlash: typeof setFlash;
  /** Reads and clears the flash message set by the previous redirect. */
  readonly takeFlash: typeof takeFlash;
  readonly views: AuthViews;
  /** `GET /.well-known/jwks.json`: the public keys that verify access tokens. */
  readonly jwks: Handler<AuthEnv>;
}

export function honoAuth(auth: Auth, options: HonoAuthOptions = {}): HonoAuth {
  const views: AuthViews = { ...defaultViews(auth.config.basePath), ...options.views };
  // An outage answers every request with 503: report it once per 30 s, not once per request.
  let lastUnavailableReportMs = 0;
  const onError: ErrorHandler<AuthEnv> = async (thrown, c) => {
    const error = thrown instanceof StoreUnavailableError ? new AuthError('SERVICE_UNAVAILABLE', { cause: thrown, retryAfterSeconds: 5 }) : thrown;
    if (error instanceof AuthError && error.code === 'SERVICE_UNAVAILABLE') {
      if (Date.now() - lastUnavailableReportMs > 30_000) {
        lastUnavailableReportMs = Date.now();
        options.onInternalError?.(error.cause, c);
      }
    } else if (!(error instanceof AuthError) || error.code === 'INTERNAL') {
      options.onInternalError?.(error instanceof AuthError ? error.cause : error, c);
    }
    const authError = error instanceof AuthError ? error : new AuthError('INTERNAL', { cause: error });
    try {
      stateOf(c);
    } catch {
      return c.json(authError.toJSON(), authError.status as 500);
    }
    return errorResponse(c, authError, views);
  };
  const routes = createAuthRoutes(auth, views);
  routes.onError(onError);
  return {
    auth,
    middleware: createAuthMiddleware(auth, options),
    routes,
    onError,
    required,
    roles,
    anyRole,
    permissions,
    fresh,
    rateLimit,
    unauthCsrf: () => async (c, next) => {
      await enforceCsrf(c, await identify(c));
      await next();
    },
    assertOwnerOrAdmin,
    identify,
    csrfToken: csrfTokenFor,
    body: bodyOf,
    isJson: isJsonRequest,
    redirectAfterPost,
    setFlash,
    takeFlash,
    views,
    jwks: async (c) => {
      c.header('Cache-Control', 'public, max-age=300');
      return c.json(await auth.jwks());
    },
  };
}
