/** @module The admin area's routes: list and search users; grant and revoke roles; (de)activate. Role `admin`, fresh login. */
import { Hono, type Context } from 'hono';
import { AUTH_EVENT_TYPES, type Auth, type Principal, type PublicUser } from '../index.ts';
import type { AuthEnv, HonoAuth } from '../adapters/hono/index.ts';

const PAGE_SIZE = 20;

export interface AdminListProps {
  rows: Array<{ user: PublicUser; createdAt: string; lastLoginAt: string | null }>;
  roles: Array<{ name: string; description: string }>;
  search: string;
  page: number;
  pageCount: number;
  total: number;
}

export interface AuditListProps {
  rows: Array<{ id: string; at: string; event: string; userId: string | null; identity: string | null; ip: string; userAgent: string; reason: string | null; detail: string }>;
  events: readonly string[];
  filters: { event: string; user: string; ip: string; from: string; to: string };
  page: number;
  pageCount: number;
  total: number;
}

const AUDIT_PAGE_SIZE = 50;
const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` as the UTC midnight it names, or undefined. */
function utcDay(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

export interface AdminRenderers {
  users(c: Context<AuthEnv>, props: AdminListProps): Promise<Response>;
  audit(c: Context<AuthEnv>, props: AuditListProps): Promise<Response>;
}

export function adminRoutes(auth: Auth, pc: HonoAuth, render: AdminRenderers): Hono<AuthEnv> {
  const admin = new Hono<AuthEnv>();
  admin.use('*', pc.required(), pc.roles('admin'));

  admin.get('/', async (c) => {
    const search = (c.req.query('q') ?? '').slice(0, 100);
    const page = Math.max(1, Math.min(10_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
    const [list, roles] = await Promise.all([
      auth.admin.listUsers({ search: search.trim() || undefined, offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE }),
      auth.admin.listRoles(),
    ]);
    return render.users(c, {
      rows: list.rows.map((r) => ({
        user: r.user,
        createdAt: new Date(r.createdAtMs).toISOString(),
        lastLoginAt: r.lastLoginAtMs === null ? null : new Date(r.lastLoginAtMs).toISOString(),
      })),
      roles: roles.map((r) => ({ name: r.name, description: r.description })),
      search,
      page,
      pageCount: Math.max(1, Math.ceil(list.total / PAGE_SIZE)),
      total: list.total,
    });
  });

  admin.get('/audit', async (c) => {
    const text = (name: string, max = 320) => (c.req.query(name) ?? '').trim().slice(0, max);
    const filters = { event: text('event', 64), user: text('user'), ip: text('ip', 64), from: text('from', 10), to: text('to', 10) };
    const page = Math.max(1, Math.min(10_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
    const from = utcDay(filters.from);
    const to = utcDay(filters.to);
    const { records, total } = await auth.admin.listAudit({
      ...((AUTH_EVENT_TYPES as readonly string[]).includes(filters.event) ? { event: filters.event } : {}),
      ...(filters.user ? (/^[0-9a-f]{32}$/.test(filters.user) ? { userId: filters.user } : { identity: filters.user }) : {}),
      ...(filters.ip ? { ip: filters.ip } : {}),
      ...(from !== undefined ? { fromMs: from } : {}),
      ...(to !== undefined ? { toMs: to + DAY_MS - 1 } : {}),
      offset: (page - 1) * AUDIT_PAGE_SIZE,
      limit: AUDIT_PAGE_SIZE,
    });
    // Rows that name only a user id show that user's e-mail (one lookup per distinct user on the page).
    const ids = [...new Set(records.filter((r) => r.identity === null && r.userId !== null).map((r) => r.userId as string))];
    const emails = new Map((await Promise.all(ids.map((id) => auth.admin.findUser({ id })))).flatMap((found) => (found ? [[found.user.id, found.user.email] as const] : [])));
    const rows = records.map((r) => ({
      id: r.id,
      at: new Date(r.atMs).toISOString(),
      event: r.event,
      userId: r.userId,
      identity: r.identity ?? (r.userId ? (emails.get(r.userId) ?? null) : null),
      ip: r.ip,
      userAgent: r.userAgent,
      reason: r.reason,
      detail: Object.entries(r.detail).map(([k, v]) => `${k}=${String(v)}`).join(' '),
    }));
    if (pc.isJson(c)) return c.json({ events: records, total, page });
    return render.audit(c, { rows, events: AUTH_EVENT_TYPES, filters, page, pageCount: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)), total });
  });

  // Every change needs a recent password: a stolen session alone cannot hand out admin.
  admin.use('/users/*', pc.fresh());

  const done = (c: Context<AuthEnv>, flash: Parameters<HonoAuth['setFlash']>[1]) =>
    pc.isJson(c) ? c.body(null, 204) : pc.redirectAfterPost(c, '/admin', flash);
  const actor = (c: Context<AuthEnv>) => c.get('principal') as Principal;
  const client = (c: Context<AuthEnv>) => c.get('portcullis').client;

  admin.post('/users/:id/roles', async (c) => {
    const role = (await pc.body(c)).role;
    if (typeof role !== 'string' || role === '') return pc.isJson(c) ? c.json({ error: 'Invalid input', code: 'INVALID_INPUT', fields: { role: 'Choose a role' } }, 400) : done(c, 'unknown_role');
    try {
      await auth.admin.grantRole(actor(c), c.req.param('id'), role, client(c));
    } catch (error) {
      if (!pc.isJson(c) && (error as { code?: string }).code === 'INVALID_INPUT') return done(c, 'unknown_role');
      throw error;
    }
    return done(c, 'role_granted');
  });

  admin.post('/users/:id/roles/:role/revoke', async (c) => {
    await auth.admin.revokeRole(actor(c), c.req.param('id'), c.req.param('role'), client(c));
    return done(c, 'role_revoked');
  });

  admin.post('/users/:id/deactivate', async (c) => {
    await auth.admin.setUserActive(actor(c), c.req.param('id'), false, client(c));
    return done(c, 'user_deactivated');
  });

  admin.post('/users/:id/unlock', async (c) => {
    await auth.admin.unlockUser(actor(c), c.req.param('id'), client(c));
    return done(c, 'user_unlocked');
  });

  admin.post('/users/:id/sessions/revoke', async (c) => {
    await auth.admin.revokeUserCredentials(actor(c), c.req.param('id'), client(c));
    return done(c, 'user_signed_out');
  });

  // A lost authenticator: the user's second factors go (fresh, audited as mfa.reset, the user is mailed).
  admin.post('/users/:id/mfa/reset', async (c) => {
    await auth.admin.resetSecondFactors(actor(c), c.req.param('id'), client(c));
    return done(c, 'mfa_reset');
  });

  admin.post('/users/:id/activate', async (c) => {
    await auth.admin.setUserActive(actor(c), c.req.param('id'), true, client(c));
    return done(c, 'user_activated');
  });

  return admin;
}
