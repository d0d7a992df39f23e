/**
 * @module The request core's guards as Express middleware: each runs the core guard on the
 * request's state and either sends its Response (deny) or calls `next()`, with `req.user` /
 * `req.principal` mirrored from the core. Nothing is decided here.
 */
import type { Request, RequestHandler, Response } from 'express';
import { http, type Auth, type Mechanism, type Principal } from '../../index.ts';
import { flushPending, sendResponse, stateOf } from './request-state.ts';

export type RateLimitRule = Parameters<Auth['http']['rateLimit']>[1];
export type RequiredOptions = http.RequiredOptions;
export type FreshOptions = http.FreshOptions;

/** Mirrors who the core says the request is onto `req.principal` / `req.user`. */
export function syncRequest(req: Request, state: http.RequestState): void {
  const principal = state.principal ?? undefined;
  if (req.principal === principal) return;
  req.principal = principal;
  req.user = principal ? state.auth.access.publicUser(principal) : undefined;
}

export function createGuards(core: http.HttpCore<Request>) {
  function fromGuard(guard: http.Guard): RequestHandler {
    const middleware: RequestHandler = async (req, res, next) => {
      const state = stateOf(req);
      const denied = await guard(state.request, state);
      syncRequest(req, state);
      if (denied) return sendResponse(core, state, res, denied);
      flushPending(state, res);
      next();
    };
    Object.defineProperty(middleware, 'name', { value: guard.name });
    return middleware;
  }

  return {
    /** The session's principal, if any, without requiring one (for public pages that adapt); checks no CSRF — every guard after it does. */
    async identify(req: Request, via?: readonly Mechanism[]): Promise<Principal | null> {
      const state = stateOf(req);
      const principal = await http.identify(state, via);
      syncRequest(req, state);
      return principal;
    },
    required: (options?: RequiredOptions): RequestHandler => fromGuard(http.required(options)),
    /** All of these roles. */
    roles: (...names: string[]): RequestHandler => fromGuard(http.roles(...names)),
    /** At least one of these roles. */
    anyRole: (...names: string[]): RequestHandler => fromGuard(http.anyRole(...names)),
    /** All of these permissions, granted through any of the user's roles. */
    permissions: (...names: string[]): RequestHandler => fromGuard(http.permissions(...names)),
    /** The login must be recent: otherwise 401 REAUTH_REQUIRED (browsers: to /verify?next=…). */
    fresh: (options?: FreshOptions): RequestHandler => fromGuard(http.fresh(options)),
    /** Per-route, per-client limit (429 + Retry-After beyond it); `RateLimit-*` headers on every answer. */
    rateLimit: (name: string, rule: RateLimitRule | ((auth: Auth) => RateLimitRule)): RequestHandler => fromGuard(http.rateLimit(name, rule)),
    /** CSRF check for unsafe routes that have no login (e.g. a public contact form). */
    unauthCsrf: (): RequestHandler => fromGuard(http.unauthCsrf()),
    /** For handlers: FORBIDDEN (with your message) unless the user owns the thing or is an admin. */
    assertOwnerOrAdmin(req: Request, ownerId: string, message?: string): void {
      http.assertOwnerOrAdmin(stateOf(req), ownerId, message);
    },
    /** The CSRF token for a page or SPA: bound to the session, or to a pre-session cookie (set on `res` now). */
    csrfToken(req: Request): string {
      const state = stateOf(req);
      const token = http.csrfTokenFor(state);
      if (req.res) flushPending(state, req.res as Response);
      return token;
    },
  };
}

export type ExpressGuards = ReturnType<typeof createGuards>;
