/** @module The README's example: Portcullis in your own Hono app, in about 20 lines. */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { AuthError, createAuth, createSqlStores } from 'portcullis';
import { honoAuth, type AuthEnv } from 'portcullis/hono';

const stores = await createSqlStores(process.env.DATABASE_URL ?? 'sqlite:./data/example.db');
const auth = createAuth({ stores, secretKey: process.env.SECRET_KEY ?? 'dev-only-secret-change-me-0123456789abcdef', publicOrigin: 'http://localhost:3000' });
const pc = honoAuth(auth);
const docs = new Map<string, { ownerId: string; text: string }>();

export const app = new Hono<AuthEnv>();
app.use('*', pc.middleware); // HTTPS, security headers, client IP, cookies
app.onError(pc.onError); // AuthError → documented JSON, or a redirect/page for browsers
app.route('/auth', pc.routes); // register, login, logout, me, verify, sessions, csrf

app.get('/hello', pc.required(), (c) => c.json({ hello: c.get('user')?.email }));
app.get('/reports', pc.required({ via: ['session', 'basic'] }), pc.anyRole('admin', 'auditor'), (c) => c.json({ reports: [] }));
app.post('/danger', pc.required(), pc.fresh({ withinMs: 5 * 60_000 }), (c) => c.json({ ok: true }));
app.delete('/docs/:id', pc.required(), (c) => {
  const doc = docs.get(c.req.param('id'));
  if (!doc) throw new AuthError('NOT_FOUND');
  pc.assertOwnerOrAdmin(c, doc.ownerId, 'You can only update docs you own');
  docs.delete(c.req.param('id'));
  return c.body(null, 204);
});

if (process.argv[1]?.endsWith('hono-app.ts')) serve({ fetch: app.fetch, port: 3000 });
