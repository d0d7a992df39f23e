/**
 * @module The Portcullis bench app, built from the public API only (like examples/hono-app.ts):
 * the full middleware, the auth routes, and `/bench/me` behind `required()` + `roles('member')`.
 */
import { Hono } from 'hono';
import { createAuth, type Auth, type ClientInfo, type CounterStore } from 'portcullis';
import type { SqlStores } from 'portcullis/sql';
import { honoAuth, type AuthEnv } from 'portcullis/hono';
import { BENCH_USER } from './bench-user.ts';

export function createBenchApp(stores: SqlStores, counters: CounterStore, secretKey: string, publicOrigin: string): { app: Hono<AuthEnv>; auth: Auth } {
  // The login storm measures password work, not the per-client limits nor the hashing queue's bound:
  // BENCH_UNLIMITED_LOGINS lifts the login limit, the checks in flight per client, the lockout
  // threshold (its 50 connections log one account in from one address at once, which the attempt
  // budget would otherwise refuse past 3 in flight) and the queue (503 BUSY past 4 per thread).
  // The budget's counter operations still run on every login.
  const unlimited =
    process.env.BENCH_UNLIMITED_LOGINS === '1'
      ? {
          rateLimits: { login: { count: 1_000_000_000, windowMs: 60_000 } },
          lockout: { threshold: 1_000_000, clientChecksInFlight: 10_000 },
          password: { hashing: { maxQueue: 1_000 } },
        }
      : {};
  const auth = createAuth({ stores, counters, secretKey, publicOrigin, identity: { confirmation: 'off' }, ...unlimited });
  const pc = honoAuth(auth);
  const app = new Hono<AuthEnv>();
  app.use('*', pc.middleware);
  app.onError(pc.onError);
  app.route('/auth', pc.routes);
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/bench/me', pc.required(), pc.roles(BENCH_USER.role), (c) => c.json({ user: c.get('user')?.email }));
  // The API route: a Bearer access token, a personal access token, or the session (tried in that order).
  app.get('/bench/api', pc.required({ via: ['token', 'session'] }), pc.roles(BENCH_USER.role), (c) => c.json({ user: c.get('user')?.email }));
  // The same guards on an unsafe method: a session cookie without its CSRF token is refused.
  app.post('/bench/me', pc.required(), pc.roles(BENCH_USER.role), (c) => c.json({ ok: true }));
  return { app, auth };
}

const SETUP_CLIENT: ClientInfo = { ip: '127.0.0.1', userAgent: 'portcullis-bench-setup', secure: false };

/** Registers the bench user (unless present) and grants it the `member` role, through the stores. */
export async function ensureBenchUser(auth: Auth, stores: SqlStores): Promise<string> {
  await stores.roles.upsertRole({ name: BENCH_USER.role, description: 'Bench members', permissions: [] });
  const existing = await stores.users.findUserByEmailKey(BENCH_USER.email);
  // An operator's account (confirmed), so the bench signs in whatever EMAIL_CONFIRMATION says.
  const userId = existing?.id ?? (await auth.admin.createUser({ email: BENCH_USER.email, password: BENCH_USER.password }, SETUP_CLIENT)).id;
  await stores.roles.grantRole(userId, BENCH_USER.role);
  return userId;
}
