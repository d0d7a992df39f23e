/**
 * @module `portcullis/express`: the middleware, guards, auth routes and error handler for an
 * Express 5 app — the same config object and the same behaviour as `portcullis/hono`.
 *
 *   const pc = expressAuth(auth);
 *   app.use(pc.middleware);
 *   app.use('/auth', pc.routes);           // before express.json() / express.urlencoded()
 *   app.get('/admin', pc.required(), pc.roles('admin'), (req, res) => res.json({ hi: req.user?.email }));
 *   app.use(pc.errorHandler);              // last
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { AuthError, isAuthError, type Auth, type ErrorCode, type Principal, type PublicUser } from '../../index.ts';
import type { AuthViews } from '../hono/index.ts';
import { createGuards, type ExpressGuards } from './guards.ts';
import { createHonoBridge } from './hono-bridge.ts';
import { attachState, fullPathOf, peerOf, stateOf, webHeadersOf } from './request-state.ts';

export type { RequiredOptions, FreshOptions, RateLimitRule } from './guards.ts';
export type { AuthViews, FormView, ErrorView, HtmlContent } from '../hono/index.ts';

declare global {
  // Declaration merging is how Express types per-request fields.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The authenticated user, set by a guard (undefined on public routes). */
      user?: PublicUser | undefined;
      /** How the user authenticated (mechanism, session), set with `user`. */
      principal?: Principal | undefined;
    }
  }
}

export interface ExpressAuthOptions {
  /** HTML for browsers (login, register, verify forms; error pages). */
  readonly views?: Partial<AuthViews>;
  /** Paths exempt from the HTTPS redirect (plain-HTTP health probes); default `['/healthz']`. */
  readonly httpsExemptPaths?: readonly string[];
  /** Called with every unexpected error (500) — log it; the client sees only a generic message. */
  readonly onInternalError?: (error: unknown, req: Request) => void;
}

export interface ExpressAuth extends ExpressGuards {
  readonly auth: Auth;
  /** Client, HTTPS, security headers and `Cache-Control: no-store`: `app.use(pc.middleware)` first. */
  readonly middleware: RequestHandler;
  /** The auth routes: `app.use(auth.config.basePath, pc.routes)`, before body parsers. */
  readonly routes: RequestHandler;
  /** AuthError → the documented JSON, or a redirect/page for browsers; anything else → bare 500. Last. */
  readonly errorHandler: ErrorRequestHandler;
}

/** Client errors from body parsers and `http-errors` (`expose: true`) keep their meaning; nothing else does. */
const HTTP_ERROR_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'INVALID_INPUT',
  429: 'RATE_LIMITED',
};

function toRenderable(error: unknown): unknown {
  if (isAuthError(error) || error === null || typeof error !== 'object') return error;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  const code = typeof status === 'number' && expose === true ? HTTP_ERROR_CODES[status] : undefined;
  return code ? new AuthError(code, { cause: error }) : error;
}

export function expressAuth(auth: Auth, options: ExpressAuthOptions = {}): ExpressAuth {
  const bridge = createHonoBridge(auth, options);
  const guards = createGuards(auth);
  const exempt = new Set(options.httpsExemptPaths ?? ['/healthz']);
  // Read once from the Hono middleware, so that both adapters send the very same headers.
  const headersByScheme = Promise.all([bridge.everyResponseHeaders(false), bridge.everyResponseHeaders(true)]);

  const middleware: RequestHandler = async function portcullis(req: Request, res: Response, next: NextFunction) {
    const headers = webHeadersOf(req);
    const client = auth.resolveClient(peerOf(req), headers);
    attachState(req, { auth, client, headers, sessionPrincipal: undefined, principal: null, form: undefined, preSession: undefined });
    req.user = undefined;
    req.principal = undefined;
    res.removeHeader('X-Powered-By');
    // The Hono middleware answers the redirect (same target, status and headers).
    if (auth.config.forceHttps && !client.secure && !exempt.has(fullPathOf(req))) return bridge.forward(req, res, next);
    const [plain, secure] = await headersByScheme;
    for (const [name, value] of client.secure ? secure : plain) res.setHeader(name, value);
    next();
  };

  const routes: RequestHandler = function portcullisRoutes(req, res, next) {
    return bridge.forward(req, res, next);
  };

  const errorHandler: ErrorRequestHandler = function portcullisErrors(error: unknown, req, res, next) {
    if (res.headersSent) return next(error);
    let principal: Principal | null = null;
    try {
      principal = stateOf(req).principal;
    } catch {
      // the middleware is not installed: the Hono side still renders the error
    }
    return bridge.forward(req, res, next, { thrown: toRenderable(error), principal });
  };

  return {
    auth,
    ...guards,
    middleware,
    routes,
    errorHandler,
  };
}
