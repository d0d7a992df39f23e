/**
 * @module The request core's guards as Hono middleware: each runs the core guard on `c.req.raw`
 * and the request's state, answers its Response when it denies, and mirrors the principal onto
 * `c.get('user')` / `c.get('principal')`. Nothing is decided here.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { http, type Auth, type Mechanism, type Principal } from '../../index.ts';
import { stateOf, syncVariables, type AuthEnv } from './variables.ts';

export type RequiredOptions = http.RequiredOptions;
export type FreshOptions = http.FreshOptions;
type RateLimitRule = Parameters<Auth['http']['rateLimit']>[1];

/** One core guard as middleware (named after it, for stack traces and app introspection). */
export function fromGuard(guard: http.Guard): MiddlewareHandler<AuthEnv> {
  const middleware: MiddlewareHandler<AuthEnv> = async (c, next) => {
    const state = stateOf(c);
    const denied = await guard(c.req.raw, state);
    syncVariables(c, state);
    if (denied) return denied;
    await next();
  };
  Object.defineProperty(middleware, 'name', { value: guard.name });
  return middleware;
}

/** The principal with the allowed mechanisms (once per request), or null; checks no CSRF — every guard after it does. */
export async function identify(c: Context, via?: readonly Mechanism[]): Promise<Principal | null> {
  const state = stateOf(c);
  const principal = await http.identify(state, via);
  syncVariables(c, state);
  return principal;
}

export const required = (options?: RequiredOptions) => fromGuard(http.required(options));
export const roles = (...names: string[]) => fromGuard(http.roles(...names));
export const anyRole = (...names: string[]) => fromGuard(http.anyRole(...names));
export const permissions = (...names: string[]) => fromGuard(http.permissions(...names));
export const fresh = (options?: FreshOptions) => fromGuard(http.fresh(options));
export const rateLimit = (name: string, rule: RateLimitRule | ((auth: Auth) => RateLimitRule)) => fromGuard(http.rateLimit(name, rule));
export const unauthCsrf = () => fromGuard(http.unauthCsrf());

/** For handlers: throws FORBIDDEN (with your message) unless the current user owns the thing or is an admin. */
export function assertOwnerOrAdmin(c: Context, ownerId: string, message?: string): void {
  http.assertOwnerOrAdmin(stateOf(c), ownerId, message);
}
