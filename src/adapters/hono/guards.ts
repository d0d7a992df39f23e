/**
 * @module Route guards: `required`, `roles`, `anyRole`, `permissions`, `fresh`, `csrf`. Each is
 * built once; it passes (next) or throws an AuthError that the error handler maps to a response.
 * An authorisation guard on an anonymous request answers 401 (or the login redirect), never 403.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { AuthError } from '../../core/errors.ts';
import type { RateLimitRule } from '../../core/config.ts';
import type { Auth, Mechanism, Principal } from '../../create-auth.ts';
import { bodyOf } from './request.ts';
import { stateOf, type AuthEnv } from './variables.ts';

export interface RequiredOptions {
  /** Mechanisms this route accepts; tried in the fixed order token → session → basic. */
  readonly via?: readonly Mechanism[];
}

const BASIC_REALM = 'portcullis';
const DEFAULT_VIA: readonly Mechanism[] = ['session'];

/** Authenticates (once per request) with the allowed mechanisms; null when none succeeds. */
export async function identify(c: Context, via: readonly Mechanism[] = DEFAULT_VIA): Promise<Principal | null> {
  const state = stateOf(c);
  if (state.principal && via.includes(state.principal.via)) return state.principal;
  // The fixed order token → session → basic; the session lookup is memoised for the request.
  let principal: Principal | null = null;
  if (via.includes('token')) principal = await state.auth.authenticate(c.req.raw.headers, state.client, ['token']);
  if (!principal && via.includes('session')) {
    state.sessionPrincipal ??= state.auth.authenticate(c.req.raw.headers, state.client, ['session']);
    principal = await state.sessionPrincipal;
  }
  if (!principal && via.includes('basic')) principal = await state.auth.authenticate(c.req.raw.headers, state.client, ['basic']);
  if (principal) {
    state.principal = principal;
    c.set('principal', principal);
    c.set('user', state.auth.publicUser(principal));
  }
  return principal;
}

/**
 * CSRF for this request and this principal (a cookie, browser-cached Basic, or an anonymous form
 * with its pre-session token). The decision is `auth.enforceCsrf`'s, the same one Express calls;
 * this only hands it the request and remembers, per request, for whom it passed — so that every
 * guard can ask without paying twice, whoever identified the principal (a guard or `identify()`).
 */
export async function enforceCsrf(c: Context, principal: Principal | null): Promise<void> {
  const state = stateOf(c);
  if (state.csrfPassedFor !== undefined && state.csrfPassedFor === principal) return;
  await state.auth.enforceCsrf({
    method: c.req.method,
    headers: c.req.raw.headers,
    path: c.req.path,
    client: state.client,
    principal,
    readForm: () => bodyOf(c),
  });
  state.csrfPassedFor = principal;
}

/**
 * Per-route, per-client rate limit (429 + Retry-After beyond it). The `RateLimit-*` headers go on
 * every answer of the route, allowed or refused.
 */
export function rateLimit(name: string, rule: RateLimitRule | ((auth: Auth) => RateLimitRule)): MiddlewareHandler<AuthEnv> {
  return async function rateLimitGuard(c, next) {
    const { auth, client } = stateOf(c);
    const { decision, headers } = await auth.rateLimit(name, typeof rule === 'function' ? rule(auth) : rule, client);
    for (const [header, value] of headers) c.header(header, value);
    if (!decision.allowed) throw new AuthError('RATE_LIMITED', { retryAfterSeconds: decision.resetSeconds });
    await next();
    for (const [header, value] of headers) if (!c.res.headers.has(header)) c.res.headers.set(header, value);
  };
}

async function requirePrincipal(c: Context, via: readonly Mechanism[]): Promise<Principal> {
  const principal = await identify(c, via);
  if (!principal) {
    if (via.includes('basic')) c.header('WWW-Authenticate', `Basic realm="${BASIC_REALM}", charset="UTF-8"`);
    throw new AuthError('UNAUTHENTICATED');
  }
  await enforceCsrf(c, principal);
  return principal;
}

/**
 * The principal already established earlier in the chain (by a guard, or by the app's own
 * `identify()`), or the session's — CSRF-checked here in every case: `identify()` checks nothing.
 */
async function currentPrincipal(c: Context): Promise<Principal> {
  const known = stateOf(c).principal;
  if (!known) return requirePrincipal(c, DEFAULT_VIA);
  await enforceCsrf(c, known);
  return known;
}

export function required(options: RequiredOptions = {}): MiddlewareHandler<AuthEnv> {
  const via = options.via && options.via.length > 0 ? [...options.via] : DEFAULT_VIA;
  return async function requiredGuard(c, next) {
    await requirePrincipal(c, via);
    await next();
  };
}

function authorization(check: (principal: Principal, c: Context) => boolean, name: string): MiddlewareHandler<AuthEnv> {
  const guard: MiddlewareHandler<AuthEnv> = async (c, next) => {
    const principal = await currentPrincipal(c);
    if (!check(principal, c)) throw new AuthError('FORBIDDEN');
    await next();
  };
  Object.defineProperty(guard, 'name', { value: name });
  return guard;
}

function nonEmpty(list: readonly string[], what: string): readonly string[] {
  if (list.length === 0) throw new Error(`${what}() needs at least one name`);
  return [...list];
}

/** All of these roles. */
export function roles(...names: string[]): MiddlewareHandler<AuthEnv> {
  const wanted = nonEmpty(names, 'roles');
  return authorization((p, c) => stateOf(c).auth.hasAllRoles(p, wanted), 'rolesGuard');
}

/** At least one of these roles. */
export function anyRole(...names: string[]): MiddlewareHandler<AuthEnv> {
  const wanted = nonEmpty(names, 'anyRole');
  return authorization((p, c) => stateOf(c).auth.hasAnyRole(p, wanted), 'anyRoleGuard');
}

/** All of these permissions, granted through any of the user's roles. */
export function permissions(...names: string[]): MiddlewareHandler<AuthEnv> {
  const wanted = nonEmpty(names, 'permissions');
  return authorization((p, c) => stateOf(c).auth.hasAllPermissions(p, wanted), 'permissionsGuard');
}

export interface FreshOptions {
  /** How recent the password must be (ms); default FRESHNESS. Negative disables the check. */
  readonly withinMs?: number;
  /** After a passed check, stay fresh this long (ms) for multi-step flows; default FRESHNESS_GRACE. */
  readonly graceMs?: number;
}

/** The login must be recent: otherwise 401 REAUTH_REQUIRED (browsers: to /verify?next=…). */
export function fresh(options: FreshOptions = {}): MiddlewareHandler<AuthEnv> {
  return async function freshGuard(c, next) {
    const principal = await currentPrincipal(c);
    const ok = await stateOf(c).auth.isFresh(principal, {
      ...(options.withinMs !== undefined ? { withinMs: options.withinMs } : {}),
      ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
    });
    if (!ok) throw new AuthError('REAUTH_REQUIRED');
    await next();
  };
}

/**
 * For handlers: throws FORBIDDEN (with your message) unless the current user owns the thing or
 * is an admin — the seed's uniform ownership rule.
 */
export function assertOwnerOrAdmin(c: Context, ownerId: string, message?: string): void {
  const { auth, principal } = stateOf(c);
  if (!principal) throw new AuthError('UNAUTHENTICATED');
  if (!auth.isOwnerOrAdmin(principal, ownerId)) throw new AuthError('FORBIDDEN', message ? { message } : {});
}
