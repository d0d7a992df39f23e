/**
 * @module `portcullis/fastify`: the request core (src/http) wired into a Fastify 5 app — the same
 * config and behaviour as `portcullis/hono` and `portcullis/express`. It translates and decides nothing.
 *
 *   const pc = fastifyAuth(auth);
 *   await app.register(pc.plugin);   // client, HTTPS, security headers, cookies, errors, the auth routes
 *   app.get('/admin', { preHandler: [pc.required(), pc.roles('admin')] }, async (req) => ({ hi: req.user?.email }));
 *
 * The plugin is not encapsulated (its hooks and error handler apply to the whole app). It adds an
 * urlencoded body parser when the app has none (guards read a form's `csrf_token`); the auth routes
 * take their bodies raw, within their own limit (`bodyLimitBytes`).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AuthError, http, type Auth, type Mechanism, type Principal, type PublicUser } from '../../index.ts';
import { attachState, findState, peerOf, readFastifyBody, sendResponse, stateOf, webRequestOf } from './request-state.ts';

export type RequiredOptions = http.RequiredOptions;
export type FreshOptions = http.FreshOptions;
export type RateLimitRule = Parameters<Auth['http']['rateLimit']>[1];
export type AuthViews = http.AuthViews;

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user, set by a guard (null on public routes). */
    user: PublicUser | null;
    /** How the user authenticated (mechanism, session), set with `user`. */
    principal: Principal | null;
  }
}

export interface FastifyAuthOptions {
  /** HTML for browsers (login, register, verify forms; error pages). */
  readonly views?: Partial<AuthViews>;
  /** Paths exempt from the HTTPS redirect (plain-HTTP health probes); default `['/healthz']`. */
  readonly httpsExemptPaths?: readonly string[];
  /** Called with every unexpected error (500) — log it; the client sees only a generic message. */
  readonly onInternalError?: (error: unknown, request: FastifyRequest) => void;
}

/** Client errors of Fastify and its parsers (status < 500) keep their meaning; nothing else does. */
function toRenderable(error: unknown): unknown {
  if (error instanceof AuthError || error === null || typeof error !== 'object') return error;
  const { statusCode } = error as Partial<FastifyError>;
  const code = typeof statusCode === 'number' ? http.clientErrorCodeFor(statusCode) : undefined;
  return code ? new AuthError(code, { cause: error }) : error;
}

function syncRequest(request: FastifyRequest, state: http.RequestState): void {
  if (request.principal === state.principal) return;
  request.principal = state.principal;
  request.user = state.principal ? state.auth.access.publicUser(state.principal) : null;
}

export function fastifyAuth(auth: Auth, options: FastifyAuthOptions = {}) {
  const core = http.createHttpCore<FastifyRequest>(auth, options);
  const limit = auth.config.bodyLimitBytes;
  const routeBodyLimit = limit + http.OVERSIZE_DRAIN_BYTES;

  function begin(request: FastifyRequest): http.BegunRequest {
    const peer = peerOf(request);
    const begun = core.beginRequest(webRequestOf(request, peer), peer, {
      readBody: (state) => readFastifyBody(request, state),
      bodyLeftOnSocket: () => !request.raw.readableEnded && request.raw.httpVersionMajor === 1,
    });
    attachState(request, begun.state);
    return begun;
  }

  function fromGuard(guard: http.Guard): preHandlerAsyncHookHandler {
    const hook: preHandlerAsyncHookHandler = async (request, reply) => {
      const state = stateOf(request);
      const denied = await guard(state.request, state);
      syncRequest(request, state);
      if (denied) return sendResponse(core, state, reply, denied);
    };
    Object.defineProperty(hook, 'name', { value: guard.name });
    return hook;
  }

  async function plugin(app: FastifyInstance): Promise<void> {
    app.decorateRequest('user', null);
    app.decorateRequest('principal', null);
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: limit }, async (_request: FastifyRequest, body: Buffer) =>
        http.readBody(new Request('http://portcullis.invalid/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body as unknown as BodyInit }), limit),
      );
    }

    // transport → identify; an HTTPS redirect answers here.
    app.addHook('onRequest', async (request, reply) => {
      const { state, response } = begin(request);
      if (response) return sendResponse(core, state, reply, response);
    });

    // cookies: what every answer carries (a core Response already has it all: its state is empty by then).
    app.addHook('onSend', async (request, reply, payload) => {
      const state = findState(request);
      if (!state) return payload;
      for (const [name, value] of core.securityHeadersFor(state.client.secure)) reply.header(name, value);
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      for (const [name, value] of state.headers) if (!reply.hasHeader(name)) reply.header(name, value);
      for (const cookie of state.cookies) reply.header('set-cookie', cookie);
      // The app's own redirects too: every Location leaves as ASCII (see encodeLocation).
      const location = reply.getHeader('location');
      if (typeof location === 'string') reply.header('location', http.encodeLocation(location));
      state.headers.length = 0;
      state.cookies.length = 0;
      return payload;
    });

    app.setErrorHandler(async (error, request, reply) => {
      const state = findState(request) ?? begin(request).state;
      return sendResponse(core, state, reply, await core.renderError(state, toRenderable(error), request));
    });

    // The auth routes take their bodies raw (the core parses them, within its own limit).
    await app.register(async (routes) => {
      routes.removeAllContentTypeParsers();
      // Up to the core's drain allowance past its limit: the core answers the 413 itself, after
      // the route's rate-limit step (refused attempts count; the answer carries RateLimit-*).
      routes.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: routeBodyLimit }, async (_request: FastifyRequest, body: Buffer) => body);
      for (const route of core.routes) {
        routes.route({
          method: route.method,
          url: `${auth.config.basePath}${route.path}`,
          bodyLimit: routeBodyLimit,
          handler: async (request: FastifyRequest, reply: FastifyReply) => {
            const state = stateOf(request);
            let response: Response;
            try {
              response = await core.runRoute(route, state, (request.params ?? {}) as http.RouteParams);
            } catch (error) {
              response = await core.renderError(state, error, request);
            }
            syncRequest(request, state);
            return sendResponse(core, state, reply, response);
          },
        });
      }
    });
  }
  // Not encapsulated: the hooks and the error handler apply to the app that registers it (what fastify-plugin does).
  Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'portcullis' });

  /**
   * Fastify answers some requests before any hook runs (a URL it cannot decode, a bad header): pass
   * this as `Fastify({ frameworkErrors: pc.frameworkErrors })` so those get the documented body and
   * the security headers too, never Fastify's own code or the echoed path.
   */
  function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const state = findState(request) ?? begin(request).state;
    const status = typeof error.statusCode === 'number' && error.statusCode < 500 ? error.statusCode : 400;
    void core
      .renderError(state, new AuthError(http.clientErrorCodeFor(status) ?? 'INVALID_INPUT'), request)
      .then((response) => sendResponse(core, state, reply, response));
  }

  return {
    auth,
    /** `await app.register(pc.plugin)` before your routes. */
    plugin,
    frameworkErrors,
    /** The session's principal, if any, without requiring one; checks no CSRF — every guard after it does. */
    async identify(request: FastifyRequest, via?: readonly Mechanism[]): Promise<Principal | null> {
      const state = stateOf(request);
      const principal = await http.identify(state, via);
      syncRequest(request, state);
      return principal;
    },
    required: (options?: RequiredOptions) => fromGuard(http.required(options)),
    roles: (...names: string[]) => fromGuard(http.roles(...names)),
    anyRole: (...names: string[]) => fromGuard(http.anyRole(...names)),
    permissions: (...names: string[]) => fromGuard(http.permissions(...names)),
    fresh: (options?: FreshOptions) => fromGuard(http.fresh(options)),
    rateLimit: (name: string, rule: RateLimitRule | ((auth: Auth) => RateLimitRule)) => fromGuard(http.rateLimit(name, rule)),
    unauthCsrf: () => fromGuard(http.unauthCsrf()),
    /** For handlers: FORBIDDEN (with your message) unless the user owns the thing or is an admin. */
    assertOwnerOrAdmin(request: FastifyRequest, ownerId: string, message?: string): void {
      http.assertOwnerOrAdmin(stateOf(request), ownerId, message);
    },
    /** The CSRF token for a page or SPA: bound to the session, or to a pre-session cookie (sent with the reply). */
    csrfToken: (request: FastifyRequest) => http.csrfTokenFor(stateOf(request)),
    /** The request body as fields (JSON or urlencoded), read once. */
    body: (request: FastifyRequest) => http.bodyOf(stateOf(request)),
  };
}

export type FastifyAuth = ReturnType<typeof fastifyAuth>;
