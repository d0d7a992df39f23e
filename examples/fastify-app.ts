/**
 * @module The README's example on Fastify 5 — the same app as examples/hono-app.ts and
 * examples/express-app.ts. `createApp(auth)` builds it (the shared HTTP suite in test/adapters
 * drives it); running this file serves it on port 3000.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { AuthError, createAuth, type Auth } from 'portcullis';
import { createSqlStores } from 'portcullis/sql';
import { fastifyAuth, type FastifyAuth } from 'portcullis/fastify';

/** `addRoutes` adds your own routes after these (the tests add a few). */
export async function createApp(auth: Auth, addRoutes?: (app: FastifyInstance, pc: FastifyAuth) => void): Promise<FastifyInstance> {
  const pc = fastifyAuth(auth);
  const docs = new Map<string, { ownerId: string; text: string }>();
  const app = Fastify({ frameworkErrors: pc.frameworkErrors });
  await app.register(pc.plugin); // HTTPS, security headers, client IP, cookies, errors, the auth routes

  app.get('/hello', { preHandler: [pc.required()] }, async (request) => ({ hello: request.user?.email }));
  app.get('/reports', { preHandler: [pc.required({ via: ['session', 'basic'] }), pc.anyRole('admin', 'auditor')] }, async () => ({ reports: [] }));
  app.post('/danger', { preHandler: [pc.required(), pc.fresh({ withinMs: 5 * 60_000 })] }, async () => ({ ok: true }));
  app.post('/docs', { preHandler: [pc.required()] }, async (request, reply) => {
    const id = randomUUID();
    docs.set(id, { ownerId: request.user!.id, text: String((await pc.body(request)).text ?? '') });
    return reply.code(201).send({ id });
  });
  app.delete<{ Params: { id: string } }>('/docs/:id', { preHandler: [pc.required()] }, async (request, reply) => {
    const doc = docs.get(request.params.id);
    if (!doc) throw new AuthError('NOT_FOUND');
    pc.assertOwnerOrAdmin(request, doc.ownerId, 'You can only update docs you own');
    docs.delete(request.params.id);
    return reply.code(204).send();
  });
  addRoutes?.(app, pc);
  return app;
}

if (process.argv[1]?.endsWith('fastify-app.ts')) {
  const stores = await createSqlStores(process.env.DATABASE_URL ?? 'sqlite:./data/example.db');
  const auth = createAuth({
    stores,
    secretKey: process.env.SECRET_KEY ?? 'dev-only-secret-change-me-0123456789abcdef',
    publicOrigin: 'http://localhost:3000',
    // No mailer in this example, so no confirmation mail: see docs/identity.md to require confirmed addresses.
    identity: { confirmation: 'off' },
  });
  await (await createApp(auth)).listen({ port: 3000 });
}
