/**
 * @module `portcullis/express`: the request core (src/http) wired into an Express 5 app — the same
 * config object and the same behaviour as `portcullis/hono`, with one Node ⇄ Web conversion
 * (request-state.ts) and no other framework inside.
 *
 *   const pc = expressAuth(auth);
 *   app.use(pc.middleware);
 *   app.use('/auth', pc.routes);           // before express.json() / express.urlencoded()
 *   app.get('/admin', pc.required(), pc.roles('admin'), (req, res) => res.json({ hi: req.user?.email }));
 *   app.use(pc.errorHandler);              // last
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { AuthError, http, isAuthError, type Auth, type Principal, type PublicUser } from '../../index.ts';
import { createGuards, syncRequest, type ExpressGuards } from './guards.ts';
import { attachState, bodyLeftOnSocket, findState, fullPathOf, peerOf, readExpressBody, sendResponse, webRequestOf } from './request-state.ts';

export type { RequiredOptions, FreshOptions, RateLimitRule } from './guards.ts';
export type AuthViews = http.AuthViews;
export type FormView = http.FormView;
export type ErrorView = http.ErrorView;
export type HtmlContent = http.HtmlContent;

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
function toRenderable(error: unknown): unknown {
  if (isAuthError(error) || error === null || typeof error !== 'object') return error;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  const code = typeof status === 'number' && expose === true ? http.clientErrorCodeFor(status) : undefined;
  return code ? new AuthError(code, { cause: error }) : error;
}

export function expressAuth(auth: Auth, options: ExpressAuthOptions = {}): ExpressAuth {
  const core = http.createHttpCore<Request>(auth, options);
  const guards = createGuards(core);

  /** transport → identify: the core's state for this request, on the request. */
  function begin(req: Request): http.BegunRequest {
    const peer = peerOf(req);
    const begun = core.beginRequest(webRequestOf(req, peer), peer, {
      path: fullPathOf(req),
      readBody: (state) => readExpressBody(req, state),
      bodyLeftOnSocket: () => bodyLeftOnSocket(req),
    });
    attachState(req, begun.state);
    req.user = undefined;
    req.principal = undefined;
    return begun;
  }

  const middleware: RequestHandler = async function portcullis(req: Request, res: Response, next: NextFunction) {
    const { state, response } = begin(req);
    res.removeHeader('X-Powered-By');
    if (response) return sendResponse(core, state, res, response);
    for (const [name, value] of core.securityHeadersFor(state.client.secure)) res.setHeader(name, value);
    res.setHeader('Cache-Control', 'no-store');
    next();
  };

  const routes: RequestHandler = async function portcullisRoutes(req, res, next) {
    const state = findState(req) ?? begin(req).state;
    // By the full path (mount points included), so that the routes answer at basePath wherever they are mounted.
    const base = auth.config.basePath;
    const found = state.path.startsWith(`${base}/`) ? core.findRoute(req.method, state.path.slice(base.length)) : undefined;
    if (!found) return next();
    let response: globalThis.Response;
    try {
      response = await core.runRoute(found.route, state, found.params);
    } catch (error) {
      response = await core.renderError(state, error, req);
    }
    syncRequest(req, state);
    return sendResponse(core, state, res, response);
  };

  const errorHandler: ErrorRequestHandler = async function portcullisErrors(error: unknown, req, res, next) {
    if (res.headersSent) return next(error);
    const state = findState(req) ?? begin(req).state;
    return sendResponse(core, state, res, await core.renderError(state, toRenderable(error), req));
  };

  return { auth, ...guards, middleware, routes, errorHandler };
}
