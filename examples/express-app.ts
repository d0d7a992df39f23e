/**
 * @module The README's example: Portcullis in your own Express 5 app — the same app as
 * examples/hono-app.ts. `createApp(auth)` builds it (the shared HTTP suite in test/adapters drives
 * it); running this file serves it on port 3000.
 */
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { AuthError, createAuth, type Auth } from 'portcullis';
import { createSqlStores } from 'portcullis/sql';
import { expressAuth, type ExpressAuth } from 'portcullis/express';

/** `addRoutes` adds your own routes after these, before the error handler (the tests add a few). */
export function createApp(auth: Auth, addRoutes?: (app: Express, pc: ExpressAuth) => void): Express {
  const pc = expressAuth(auth);
  const docs = new Map<string, { ownerId: string; text: string }>();
  const app = express();
  app.use(pc.middleware); // HTTPS, security headers, client IP
  app.use('/auth', pc.routes); // register, login, logout, me, verify, sessions, csrf (before body parsers)
  app.use(express.json(), express.urlencoded());

  app.get('/hello', pc.required(), (req, res) => res.json({ hello: req.user?.email }));
  app.get('/reports', pc.required({ via: ['session', 'basic'] }), pc.anyRole('admin', 'auditor'), (_req, res) => res.json({ reports: [] }));
  app.post('/danger', pc.required(), pc.fresh({ withinMs: 5 * 60_000 }), (_req, res) => res.json({ ok: true }));
  app.post('/docs', pc.required(), (req, res) => {
    const id = randomUUID();
    docs.set(id, { ownerId: req.user!.id, text: String(req.body?.text ?? '') });
    res.status(201).json({ id });
  });
  app.delete('/docs/:id', pc.required(), (req, res) => {
    const id = String(req.params.id);
    const doc = docs.get(id);
    if (!doc) throw new AuthError('NOT_FOUND');
    pc.assertOwnerOrAdmin(req, doc.ownerId, 'You can only update docs you own');
    docs.delete(id);
    res.status(204).end();
  });
  addRoutes?.(app, pc);
  app.use(pc.errorHandler); // AuthError → documented JSON, or a redirect/page; anything else → bare 500
  return app;
}

if (process.argv[1]?.endsWith('express-app.ts')) {
  const stores = await createSqlStores(process.env.DATABASE_URL ?? 'sqlite:./data/example.db');
  const auth = createAuth({
    stores,
    secretKey: process.env.SECRET_KEY ?? 'dev-only-secret-change-me-0123456789abcdef',
    publicOrigin: 'http://localhost:3000',
    // No mailer in this example, so no confirmation mail: see docs/identity.md to require confirmed addresses.
    identity: { confirmation: 'off' },
  });
  createApp(auth).listen(3000);
}
