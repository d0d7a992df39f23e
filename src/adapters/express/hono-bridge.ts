/**
 * @module The Hono half of the Express adapter. The auth routes, the error responses (JSON, HTML
 * pages, login/re-auth redirects with their flash cookie) and the HTTPS redirect are the Hono
 * adapter's own, served to Express's request through `@hono/node-server`: identical status codes,
 * bodies and headers by construction, with one implementation to keep right.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { NextFunction, Request, Response } from 'express';
import { Hono } from 'hono';
import type { Auth, Principal } from '../../index.ts';
import { honoAuth, type AuthEnv, type AuthViews } from '../hono/index.ts';

/** What the bridge carries from Express to the Hono app, on the Node request. */
const FORWARD = Symbol('portcullis.express.forward');

interface Forward {
  readonly next: NextFunction;
  /** Set when Express's error handler forwards an error to be rendered. */
  readonly error?: { readonly thrown: unknown; readonly principal: Principal | null };
}

type Incoming = IncomingMessage & { [FORWARD]?: Forward; rawBody?: Buffer };
type Bindings = { incoming: Incoming; outgoing: ServerResponse };

/** A header only the bridge's own not-found answer carries: "not an auth route, let Express go on". */
const PASS_HEADER = 'x-portcullis-pass';

export interface BridgeOptions {
  readonly views?: Partial<AuthViews> | undefined;
  readonly httpsExemptPaths?: readonly string[] | undefined;
  readonly onInternalError?: ((error: unknown, req: Request) => void) | undefined;
}

/**
 * A body that `express.json()` / `express.urlencoded()` (or raw/text) already consumed, written
 * back as bytes for the Hono routes; null when there is nothing to rebuild.
 */
function reserializedBody(req: Request): Buffer | null {
  const body: unknown = req.body;
  if (body === undefined || !req.readableEnded) return null;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded' && body !== null && typeof body === 'object') {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(body)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item !== 'string') throw new Error('Portcullis: mount the auth routes before express.urlencoded({ extended: true })');
        form.append(key, item);
      }
    }
    return Buffer.from(form.toString(), 'utf8');
  }
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** Cookies Express set before forwarding (a CSRF pre-session, the app's own) survive the Hono answer. */
function keepEarlierCookies(response: globalThis.Response, outgoing: ServerResponse): globalThis.Response {
  const earlier = outgoing.getHeader('set-cookie');
  if (earlier === undefined) return response;
  const later = response.headers.getSetCookie();
  response.headers.delete('set-cookie');
  for (const cookie of [...(Array.isArray(earlier) ? earlier : [String(earlier)]), ...later]) response.headers.append('set-cookie', cookie);
  outgoing.removeHeader('set-cookie');
  return response;
}

export function createHonoBridge(auth: Auth, options: BridgeOptions) {
  const pc = honoAuth(auth, {
    ...(options.views ? { views: options.views } : {}),
    ...(options.httpsExemptPaths ? { httpsExemptPaths: options.httpsExemptPaths } : {}),
    onInternalError: (error, c) => options.onInternalError?.(error, (c.env as Bindings).incoming as Request),
  });
  const app = new Hono<AuthEnv>();
  const bindingsOf = (env: unknown) => env as Bindings | undefined;
  app.use('*', pc.middleware);
  app.onError(pc.onError);
  app.use('*', async (c, next) => {
    const error = bindingsOf(c.env)?.incoming[FORWARD]?.error;
    if (!error) return next();
    // The error page shows who is logged in, as it would have in Hono.
    if (error.principal) {
      c.get('portcullis').principal = error.principal;
      c.set('principal', error.principal);
      c.set('user', auth.publicUser(error.principal));
    }
    throw error.thrown;
  });
  app.route(auth.config.basePath, pc.routes);
  app.notFound((c) => c.body(null, 404, { [PASS_HEADER]: '1' }));

  const listener = getRequestListener(
    async (request, env) => {
      const { incoming, outgoing } = env as Bindings;
      const response = await app.fetch(request, env);
      if (response.headers.has(PASS_HEADER)) {
        incoming[FORWARD]?.next();
        return RESPONSE_ALREADY_SENT;
      }
      return keepEarlierCookies(response, outgoing);
    },
    // Leave Express's process its own global Request/Response.
    { overrideGlobalObjects: false },
  );

  /** Serves this request with the Hono app, at its full original URL; unknown paths go on to `next`. */
  function forward(req: Request, res: Response, next: NextFunction, error?: Forward['error']): Promise<void> {
    const incoming = req as Incoming;
    incoming[FORWARD] = error ? { next, error } : { next };
    if (!error && incoming.rawBody === undefined) {
      const rebuilt = reserializedBody(req);
      if (rebuilt) incoming.rawBody = rebuilt;
    }
    const mountedUrl = req.url;
    req.url = req.originalUrl;
    try {
      // The listener reads the URL synchronously, before its first await.
      return listener(incoming, res);
    } finally {
      req.url = mountedUrl;
    }
  }

  /** The headers the Hono middleware puts on every answer (security headers, Cache-Control), per scheme. */
  async function everyResponseHeaders(secure: boolean): Promise<ReadonlyArray<readonly [string, string]>> {
    const response = await app.request(`${secure ? 'https' : 'http'}://portcullis.invalid/`);
    const skip = new Set([PASS_HEADER, 'location', 'set-cookie', 'content-type', 'content-length']);
    return [...response.headers].filter(([name]) => !skip.has(name));
  }

  return { forward, everyResponseHeaders, views: pc.views };
}

export type HonoBridge = ReturnType<typeof createHonoBridge>;
