/**
 * @module Route guards as Express middleware over the framework-free Auth: `required`, `roles`,
 * `anyRole`, `permissions`, `fresh`, `rateLimit`, `unauthCsrf`. Each is built once; it passes
 * (`next()`) or rejects with an AuthError that `errorHandler` maps to a response. An
 * authorisation guard on an anonymous request answers 401 (or the login redirect), never 403.
 */
import type { Request, RequestHandler } from 'express';
import { AuthError, type Auth, type Mechanism, type Principal } from '../../index.ts';
import { formOf, fullPathOf, stateOf } from './request-state.ts';

export type RateLimitRule = Parameters<Auth['rateLimit']>[1];

export interface RequiredOptions {
  /** Mechanisms this route accepts; tried in the fixed order token → session → basic. */
  readonly via?: readonly Mechanism[];
}

export interface FreshOptions {
  /** How recent the password must be (ms); default FRESHNESS. Negative disables the check. */
  readonly withinMs?: number;
  /** After a passed check, stay fresh this long (ms) for multi-step flows; default FRESHNESS_GRACE. */
  readonly graceMs?: number;
}

const BASIC_REALM = 'portcullis';
const DEFAULT_VIA: readonly Mechanism[] = ['session'];

/** Authenticates (once per request) with the allowed mechanisms; null when none succeeds. */
export async function identify(req: Request, via: readonly Mechanism[] = DEFAULT_VIA): Promise<Principal | null> {
  const state = stateOf(req);
  if (state.principal && via.includes(state.principal.via)) return state.principal;
  const { auth, headers, client } = state;
  let principal: Principal | null = null;
  if (via.includes('token')) principal = await auth.authenticate(headers, client, ['token']);
  if (!principal && via.includes('session')) {
    state.sessionPrincipal ??= auth.authenticate(headers, client, ['session']);
    principal = await state.sessionPrincipal;
  }
  if (!principal && via.includes('basic')) principal = await auth.authenticate(headers, client, ['basic']);
  if (principal) {
    state.principal = principal;
    req.principal = principal;
    req.user = auth.publicUser(principal);
  }
  return principal;
}

/**
 * CSRF for this request and this principal: the decision is `auth.enforceCsrf`'s, the same one the
 * Hono adapter calls; this hands it the request (the form read through `formOf`) and remembers, per
 * request, for whom it passed — so every guard asks, whoever identified the principal.
 */
export async function enforceCsrf(req: Request, principal: Principal | null): Promise<void> {
  const state = stateOf(req);
  if (state.csrfPassedFor !== undefined && state.csrfPassedFor === principal) return;
  await state.auth.enforceCsrf({ method: req.method, headers: state.headers, path: fullPathOf(req), client: state.client, principal, readForm: () => formOf(req) });
  state.csrfPassedFor = principal;
}

async function requirePrincipal(req: Request, res: { setHeader(name: string, value: string): unknown }, via: readonly Mechanism[]): Promise<Principal> {
  const principal = await identify(req, via);
  if (!principal) {
    if (via.includes('basic')) res.setHeader('WWW-Authenticate', `Basic realm="${BASIC_REALM}", charset="UTF-8"`);
    throw new AuthError('UNAUTHENTICATED');
  }
  await enforceCsrf(req, principal);
  return principal;
}

function named<T extends RequestHandler>(name: string, handler: T): T {
  Object.defineProperty(handler, 'name', { value: name });
  return handler;
}

function nonEmpty(list: readonly string[], what: string): readonly string[] {
  if (list.length === 0) throw new Error(`${what}() needs at least one name`);
  return [...list];
}

export function createGuards(auth: Auth) {
  /**
   * The principal established earlier in the chain (by a guard, or the app's own `identify()`), or
   * the session's — CSRF-checked here in every case: `identify()` checks nothing.
   */
  async function currentPrincipal(req: Request, res: Parameters<RequestHandler>[1]): Promise<Principal> {
    const known = stateOf(req).principal;
    if (!known) return requirePrincipal(req, res, DEFAULT_VIA);
    await enforceCsrf(req, known);
    return known;
  }

  function authorization(name: string, check: (principal: Principal) => boolean): RequestHandler {
    return named(name, async (req, res, next) => {
      if (!check(await currentPrincipal(req, res))) throw new AuthError('FORBIDDEN');
      next();
    });
  }

  return {
    /** The session's principal, if any, without requiring one (for public pages that adapt). */
    identify: (req: Request) => identify(req),
    required(options: RequiredOptions = {}): RequestHandler {
      const via = options.via && options.via.length > 0 ? [...options.via] : DEFAULT_VIA;
      return named('requiredGuard', async (req, res, next) => {
        await requirePrincipal(req, res, via);
        next();
      });
    },
    /** All of these roles. */
    roles(...names: string[]): RequestHandler {
      const wanted = nonEmpty(names, 'roles');
      return authorization('rolesGuard', (p) => auth.hasAllRoles(p, wanted));
    },
    /** At least one of these roles. */
    anyRole(...names: string[]): RequestHandler {
      const wanted = nonEmpty(names, 'anyRole');
      return authorization('anyRoleGuard', (p) => auth.hasAnyRole(p, wanted));
    },
    /** All of these permissions, granted through any of the user's roles. */
    permissions(...names: string[]): RequestHandler {
      const wanted = nonEmpty(names, 'permissions');
      return authorization('permissionsGuard', (p) => auth.hasAllPermissions(p, wanted));
    },
    /** The login must be recent: otherwise 401 REAUTH_REQUIRED (browsers: to /verify?next=…). */
    fresh(options: FreshOptions = {}): RequestHandler {
      const rule = {
        ...(options.withinMs !== undefined ? { withinMs: options.withinMs } : {}),
        ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      };
      return named('freshGuard', async (req, res, next) => {
        if (!(await auth.isFresh(await currentPrincipal(req, res), rule))) throw new AuthError('REAUTH_REQUIRED');
        next();
      });
    },
    /** Per-route, per-client limit (429 + Retry-After beyond it); `RateLimit-*` headers on every answer. */
    rateLimit(name: string, rule: RateLimitRule | ((auth: Auth) => RateLimitRule)): RequestHandler {
      const fixed = typeof rule === 'function' ? rule(auth) : rule;
      return named('rateLimitGuard', async (req, res, next) => {
        const { decision, headers } = await auth.rateLimit(name, fixed, stateOf(req).client);
        for (const [header, value] of headers) res.setHeader(header, value);
        if (!decision.allowed) throw new AuthError('RATE_LIMITED', { retryAfterSeconds: decision.resetSeconds });
        next();
      });
    },
    /** CSRF check for unsafe routes that have no login (e.g. a public contact form). */
    unauthCsrf(): RequestHandler {
      return named('unauthCsrfGuard', async (req, _res, next) => {
        await enforceCsrf(req, await identify(req));
        next();
      });
    },
    /** For handlers: FORBIDDEN (with your message) unless the user owns the thing or is an admin. */
    assertOwnerOrAdmin(req: Request, ownerId: string, message?: string): void {
      const { principal } = stateOf(req);
      if (!principal) throw new AuthError('UNAUTHENTICATED');
      if (!auth.isOwnerOrAdmin(principal, ownerId)) throw new AuthError('FORBIDDEN', message ? { message } : {});
    },
    /** The CSRF token for a page or SPA: bound to the session, or to a pre-session cookie. */
    csrfToken(req: Request): string {
      const state = stateOf(req);
      const session = state.principal?.session;
      if (session) return auth.csrfToken({ kind: 'session', sessionId: session.id });
      // One pre-session per request, however many forms the page renders.
      const pre = (state.preSession ??= auth.preSession(state.headers, state.client));
      if (pre.setCookie && req.res && !req.res.headersSent) {
        req.res.append('Set-Cookie', pre.setCookie);
        pre.setCookie = null;
      }
      return auth.csrfToken({ kind: 'pre-session', id: pre.id });
    },
  };
}

export type ExpressGuards = ReturnType<typeof createGuards>;
