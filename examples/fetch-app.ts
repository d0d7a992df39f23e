/**
 * @module The same example app on no framework at all: `handler(auth)` (a fetch function) serves the
 * auth routes, and `fallback` serves the app's own routes with the core's guards — the shape of a
 * Next.js route handler, Bun.serve or Deno.serve. `nodeListener` runs any fetch function on
 * node:http (the one Node ⇄ Web conversion); running this file serves the app on port 3000.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { AuthError, createAuth, handler, http, type Auth, type FetchHandler } from 'portcullis';
import { createSqlStores } from 'portcullis/sql';

/** A guard, or the handler: a Response answers, `undefined` goes on. */
type Step = (request: Request, state: http.RequestState, params: Readonly<Record<string, string>>) => Promise<Response | undefined> | Response | undefined;
interface AppRoute {
  readonly method: string;
  readonly path: string;
  readonly steps: readonly Step[];
}
export type AddRoute = (method: string, path: string, ...steps: Step[]) => void;

function json(body: unknown, status = 200): Response {
  return Response.json(body, { status });
}

/** `addRoutes` adds your own routes after these (the tests add a few). */
export function createApp(auth: Auth, addRoutes?: (add: AddRoute) => void): FetchHandler {
  const routes: AppRoute[] = [];
  const add: AddRoute = (method, path, ...steps) => void routes.push({ method, path, steps });
  const docs = new Map<string, { ownerId: string; text: string }>();

  add('GET', '/hello', http.required(), (_request, state) => json({ hello: state.principal?.user.email }));
  add('GET', '/reports', http.required({ via: ['session', 'basic'] }), http.anyRole('admin', 'auditor'), () => json({ reports: [] }));
  add('POST', '/danger', http.required(), http.fresh({ withinMs: 5 * 60_000 }), () => json({ ok: true }));
  add('POST', '/docs', http.required(), async (_request, state) => {
    const id = randomUUID();
    docs.set(id, { ownerId: state.principal!.user.id, text: String((await http.bodyOf(state)).text ?? '') });
    return json({ id }, 201);
  });
  add('DELETE', '/docs/:id', http.required(), (_request, state, params) => {
    const doc = docs.get(params.id ?? '');
    if (!doc) throw new AuthError('NOT_FOUND');
    http.assertOwnerOrAdmin(state, doc.ownerId, 'You can only update docs you own');
    docs.delete(params.id ?? '');
    return new Response(null, { status: 204 });
  });
  addRoutes?.(add);

  return handler(auth, {
    async fallback(request, state) {
      const path = new URL(request.url).pathname;
      for (const route of routes) {
        if (route.method !== request.method) continue;
        const params = matchPath(route.path, path);
        if (!params) continue;
        for (const step of route.steps) {
          const answer = await step(request, state, params);
          if (answer) return answer;
        }
      }
      return undefined;
    },
  });
}

function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    if (segment.startsWith(':')) params[segment.slice(1)] = decodeURIComponent(got[i] ?? '');
    else if (segment !== got[i]) return null;
  }
  return params;
}

/** A fetch function as a node:http listener: IncomingMessage → Request, Response → ServerResponse. */
export function nodeListener(fetch: FetchHandler) {
  return async function listener(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const encrypted = (req.socket as Partial<TLSSocket>).encrypted === true;
      const headers = new Headers();
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const request = new Request(`${encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
      } as RequestInit);
      const response = await fetch(request, { remoteAddress: req.socket.remoteAddress, encrypted, bodyLeftOnSocket: () => !req.readableEnded && req.httpVersionMajor === 1 });
      res.statusCode = response.status;
      for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value);
      const cookies = response.headers.getSetCookie();
      if (cookies.length > 0) res.setHeader('Set-Cookie', cookies);
      res.end(response.body ? Buffer.from(await response.arrayBuffer()) : undefined);
    } catch {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    }
  };
}

if (process.argv[1]?.endsWith('fetch-app.ts')) {
  const stores = await createSqlStores(process.env.DATABASE_URL ?? 'sqlite:./data/example.db');
  const auth = createAuth({
    stores,
    secretKey: process.env.SECRET_KEY ?? 'dev-only-secret-change-me-0123456789abcdef',
    publicOrigin: 'http://localhost:3000',
    // No mailer in this example, so no confirmation mail: see docs/identity.md to require confirmed addresses.
    identity: { confirmation: 'off' },
  });
  createServer(nodeListener(createApp(auth))).listen(3000);
}
