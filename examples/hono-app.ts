/**
 * @module The README's example: Portcullis in your own Hono app. `createApp(auth)` builds it (the
 * shared HTTP suite in test/adapters drives it); running this file serves it on port 3000.
 */
import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { AuthError, createAuth, type Auth } from 'portcullis';
import { createSqlStores } from 'portcullis/sql';
import { honoAuth, type AuthEnv, type HonoAuth } from 'portcullis/hono';

/** `addRoutes` adds your own routes after these (the tests add a few). */
export function createApp(auth: Auth, addRoutes?: (app: Hono<AuthEnv>, pc: HonoAuth) => void): Hono<AuthEnv> {
  const pc = honoAuth(auth);
  const docs = new Map<string, { ownerId: string; text: string }>();
  const app = new Hono<AuthEnv>();
  app.use('*', pc.middleware); // HTTPS, security headers, client IP, cookies
  app.onError(pc.onError); // AuthError → documented JSON, or a redirect/page for browsers
  app.route('/auth', pc.routes); // register, login, logout, me, verify, sessions, csrf

  app.get('/hello', pc.required(), (c) => c.json({ hello: c.get('user')?.email }));
  app.get('/reports', pc.required({ via: ['session', 'basic'] }), pc.anyRole('admin', 'auditor'), (c) => c.json({ reports: [] }));
  app.post('/danger', pc.required(), pc.fresh({ withinMs: 5 * 60_000 }), (c) => c.json({ ok: true }));
  app.post('/docs', pc.required(), async (c) => {
    const id = randomUUID();
    docs.set(id, { ownerId: c.get('user')!.id, text: String((await pc.body(c)).text ?? '') });
    return c.json({ id }, 201);
  });
  app.delete('/docs/:id', pc.required(), (c) => {
    const doc = docs.get(c.req.param('id'));
    if (!doc) throw new AuthError('NOT_FOUND');
    pc.assertOwnerOrAdmin(c, doc.ownerId, 'You can only update docs you own');
    docs.delete(c.req.param('id'));
    return c.body(null, 204);
  });
  addRoutes?.(app, pc);
  return app;
}

if (process.argv[1]?.endsWith('hono-app.ts')) {
  const stores = await createSqlStores(process.env.DATABASE_URL ?? 'sqlite:./data/example.db');
  const auth = createAuth({
    stores,
    secretKey: process.env.SECRET_KEY ?? 'dev-only-secret-change-me-0123456789abcdef',
    publicOrigin: 'http://localhost:3000',
    // No mailer in this example, so no confirmation mail: see docs/identity.md to require confirmed addresses.
    identity: { confirmation: 'off' },
  });
  serve({ fetch: createApp(auth).fetch, port: 3000 });
}
