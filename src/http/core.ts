/**
 * @module `createHttpCore(auth)`: the framework-free request core an adapter (or `handler`) wires:
 * the lifecycle's edges, the auth routes, error answers. Built once at start-up.
 */
import type { Auth, PeerInfo } from '../auth.ts';
import { runRoute, createTransport, type BegunRequest, type HeaderSink, type TransportOptions } from './lifecycle.ts';
import { createErrorReporter, errorResponse, toAuthError } from './respond.ts';
import { createAuthRoutes, matchPath, type AuthRoute, type RouteParams } from './routes.ts';
import { createPasskeyRoutes } from './passkey-routes.ts';
import { createMfaRoutes } from './mfa-routes.ts';
import type { CoreContext, RequestExtras, RequestState } from './state.ts';
import { defaultViews, type AuthViews } from './views.ts';

export interface HttpCoreOptions<Context = Request> extends TransportOptions {
  /** HTML for browsers (login, register, verify forms; error pages): the views hook. */
  readonly views?: Partial<AuthViews> | undefined;
  /** Called with every unexpected error (500; a store outage once per 30 s) — log it; the client sees only a generic message. */
  readonly onInternalError?: ((error: unknown, context: Context) => void) | undefined;
}

export interface HttpCore<Context = Request> extends CoreContext {
  /** The auth routes, paths relative to `auth.config.basePath`. */
  readonly routes: readonly AuthRoute[];
  beginRequest(request: Request, peer: PeerInfo, extras?: RequestExtras): BegunRequest;
  finishResponse(state: RequestState, headers: Headers): void;
  /**
   * `finishResponse` on the response's headers, unless the core built it with all of them already
   * (refusals). With `early` (a Node `ServerResponse` not yet written), what the response does not
   * carry is set there instead, before the body, and not on the Response.
   */
  finish(state: RequestState, response: Response, early?: HeaderSink): void;
  /** The security headers every response carries, for this scheme. */
  securityHeadersFor(secure: boolean): ReadonlyArray<readonly [string, string]>;
  /** The auth route for this method and path (relative to basePath), with its parameters. */
  findRoute(method: string, relativePath: string): { route: AuthRoute; params: RouteParams } | undefined;
  runRoute(route: AuthRoute, state: RequestState, params: RouteParams): Promise<Response>;
  /** Any thrown value as its answer (AuthError → documented JSON / redirect / page; else a bare 500, reported). */
  renderError(state: RequestState, thrown: unknown, context: Context): Promise<Response>;
}

export function createHttpCore<Context = Request>(auth: Auth, options: HttpCoreOptions<Context> = {}): HttpCore<Context> {
  const views: AuthViews = { ...defaultViews(auth.config.basePath), ...options.views };
  const core: CoreContext = { auth, views };
  const transport = createTransport(auth, options);
  const routes = [...createAuthRoutes(views, auth.config.pages), ...createMfaRoutes(views, auth.config.pages), ...createPasskeyRoutes(auth.config.pages)];
  const report = createErrorReporter(options.onInternalError);
  return {
    ...core,
    routes,
    beginRequest: (request, peer, extras) => transport.beginRequest(core, request, peer, extras),
    finishResponse: transport.finishResponse,
    finish: transport.finish,
    securityHeadersFor: transport.securityHeadersFor,
    findRoute(method, relativePath) {
      const wanted = method === 'HEAD' ? 'GET' : method;
      for (const route of routes) {
        if (route.method !== wanted) continue;
        const params = matchPath(route.path, relativePath);
        if (params) return { route, params };
      }
      return undefined;
    },
    runRoute,
    async renderError(state, thrown, context) {
      const error = toAuthError(thrown);
      report(error, context);
      return errorResponse(state, error);
    },
  };
}
