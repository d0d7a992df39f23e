/**
 * @module `handler(auth)`: the auth routes as one fetch-style function, `(Request, info?) →
 * Promise<Response>`, for anything that speaks Web Request/Response — Next.js route handlers,
 * Bun.serve, Deno.serve, @hono/node-server's `serve({ fetch })`, or node:http through a bridge.
 *
 *   const fetch = handler(auth);
 *   // Next.js: app/auth/[...path]/route.ts
 *   export const GET = (request: Request) => fetch(request);
 *   export const POST = GET, DELETE = GET;
 *   // Bun: Bun.serve({ fetch: (request, server) => fetch(request, { remoteAddress: server.requestIP(request)?.address }) })
 *
 * `info` is the socket's peer: the client address when no trusted proxy says otherwise (default
 * 0.0.0.0, unknown and never loopback — give it, or configure TRUST_PROXY) and whether the connection is
 * TLS (default: the URL's scheme). Any other path goes to `options.fallback` (your routes), else 404.
 */
import { AuthError } from '../core/errors.ts';
import type { Auth } from '../auth.ts';
import { createHttpCore, type HttpCoreOptions } from './core.ts';
import type { RequestState } from './state.ts';

export interface PeerDetails {
  /** The socket's remote address (default `0.0.0.0`: unknown, never loopback). */
  readonly remoteAddress?: string | undefined;
  /** The connection is TLS (default: the request URL is `https:`). */
  readonly encrypted?: boolean | undefined;
  /** Part of the body is still unread on an HTTP/1 socket (a 413 then closes the connection). */
  readonly bodyLeftOnSocket?: (() => boolean) | undefined;
}

export type FetchHandler = (request: Request, info?: PeerDetails) => Promise<Response>;

export interface HandlerOptions extends HttpCoreOptions<Request> {
  /**
   * Your own routes, for every request that is not an auth route; `undefined` answers 404. The
   * state carries the lifecycle: run guards as `(await required()(request, state)) ?? yourAnswer`,
   * read `state.principal`; an AuthError thrown here gets the documented answer.
   */
  readonly fallback?: (request: Request, state: RequestState) => Promise<Response | undefined> | Response | undefined;
}

export function handler(auth: Auth, options: HandlerOptions = {}): FetchHandler {
  const core = createHttpCore<Request>(auth, options);
  const base = auth.config.basePath;
  return async function portcullis(request, info) {
    // No address from the host: unknown, never loopback (a loopback default would hand every caller
    // the loopback-only gates and one shared budget). Hosts without a socket set TRUST_PROXY.
    const peer = { address: info?.remoteAddress ?? '0.0.0.0', secure: info?.encrypted ?? request.url.startsWith('https:') };
    const { state, response: early } = core.beginRequest(request, peer, info?.bodyLeftOnSocket ? { bodyLeftOnSocket: info.bodyLeftOnSocket } : undefined);
    let response = early;
    if (!response) {
      try {
        const relative = state.path === base ? '' : state.path.startsWith(`${base}/`) ? state.path.slice(base.length) : undefined;
        const found = relative === undefined ? undefined : core.findRoute(request.method, relative);
        if (found) response = await core.runRoute(found.route, state, found.params);
        else response = (await options.fallback?.(request, state)) ?? (await core.renderError(state, new AuthError('NOT_FOUND'), request));
      } catch (error) {
        response = await core.renderError(state, error, request);
      }
    }
    try {
      core.finish(state, response);
    } catch {
      // Immutable headers (a Response from fetch()): finish a copy.
      response = new Response(response.body, response);
      core.finishResponse(state, response.headers);
    }
    return response;
  };
}
