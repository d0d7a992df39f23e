/**
 * @module Guards of the request core: `(request, state) → Response | undefined` — a Response
 * denies, `undefined` passes. Each is built once, checking its options then. An authorisation
 * guard on an anonymous request answers 401 (or the login redirect), never 403; every guard
 * checks CSRF for whoever the request is, however that principal was found (a guard or `identify`).
 */
import { AuthError } from '../core/errors.ts';
import type { Auth, Mechanism, Principal, RateLimitRule } from '../auth.ts';
import { enforceCsrf } from './csrf.ts';
import { identify, SESSION_ONLY } from './mechanisms.ts';
import { errorResponse } from './respond.ts';
import { bodyOf, type RequestState } from './state.ts';

export type Guard = (request: Request, state: RequestState) => Promise<Response | undefined>;

export interface RequiredOptions {
  /** Mechanisms this route accepts; tried in the fixed order token → session → basic. */
  readonly via?: readonly Mechanism[];
  /**
   * Let a user whom MFA_REQUIRED_ROLES holds back (no second factor yet, or a session made without
   * it) through: only for the routes and pages where they enrol or step up.
   */
  readonly beforeSecondFactor?: boolean;
}

export interface FreshOptions {
  /** How recent the password must be (ms); default FRESHNESS. Negative disables the check. */
  readonly withinMs?: number;
  /**
   * 2: a second factor must have been proved within `withinMs` (step-up: `/auth/verify` with a code).
   * A user without one is answered 403 MFA_ENROLLMENT_REQUIRED. Default 1.
   */
  readonly level?: 1 | 2;
  /** After a passed check, stay fresh this long (ms) for multi-step flows; default FRESHNESS_GRACE. */
  readonly graceMs?: number;
}

const BASIC_CHALLENGE = 'Basic realm="portcullis", charset="UTF-8"';

/** A check that throws AuthError, as a guard that answers it. Other errors go on to the adapter's error path. */
function guard(name: string, check: (state: RequestState) => Promise<void>): Guard {
  const run: Guard = async (_request, state) => {
    try {
      await check(state);
      return undefined;
    } catch (error) {
      if (error instanceof AuthError) return errorResponse(state, error);
      throw error;
    }
  };
  Object.defineProperty(run, 'name', { value: name });
  return run;
}

/** Authenticated with one of `via` (401 otherwise, with a Basic challenge where Basic is accepted), CSRF-checked. */
export async function requirePrincipal(state: RequestState, via: readonly Mechanism[]): Promise<Principal> {
  const principal = await identify(state, via);
  if (!principal) {
    if (via.includes('basic')) state.headers.push(['WWW-Authenticate', BASIC_CHALLENGE]);
    throw new AuthError('UNAUTHENTICATED');
  }
  await enforceCsrf(state, principal);
  await enforceAssurance(state, principal);
  return principal;
}

/**
 * MFA_REQUIRED_ROLES, once per request: a holder of such a role without a second factor is
 * answered 403 MFA_ENROLLMENT_REQUIRED (browsers: to the enrolment page); with one, but on a
 * session made without it, REAUTH_REQUIRED (step up at /verify with a code).
 */
async function enforceAssurance(state: RequestState, principal: Principal): Promise<void> {
  if (state.assuranceChecked) return;
  state.assuranceChecked = true;
  if (state.auth.config.mfa.requiredRoles.length === 0) return;
  const requirement = await state.auth.mfa.requirement(principal);
  if (requirement === 'enrol') throw new AuthError('MFA_ENROLLMENT_REQUIRED');
  if (requirement === 'step-up') throw new AuthError('REAUTH_REQUIRED');
}

/** The principal established earlier (by a guard, or the app's own `identify`), or the session's — CSRF-checked in every case. */
export async function currentPrincipal(state: RequestState): Promise<Principal> {
  const known = state.principal;
  if (!known) return requirePrincipal(state, SESSION_ONLY);
  await enforceCsrf(state, known);
  await enforceAssurance(state, known);
  return known;
}

export function required(options: RequiredOptions = {}): Guard {
  const via = options.via && options.via.length > 0 ? [...options.via] : SESSION_ONLY;
  const exempt = options.beforeSecondFactor === true;
  return guard('requiredGuard', async (state) => {
    if (exempt) state.assuranceChecked = true;
    await requirePrincipal(state, via);
  });
}

function authorization(name: string, allowed: (auth: Auth, principal: Principal) => boolean): Guard {
  return guard(name, async (state) => {
    if (!allowed(state.auth, await currentPrincipal(state))) throw new AuthError('FORBIDDEN');
  });
}

function nonEmpty(list: readonly string[], what: string): readonly string[] {
  if (list.length === 0) throw new Error(`${what}() needs at least one name`);
  return [...list];
}

/** All of these roles. */
export function roles(...names: string[]): Guard {
  const wanted = nonEmpty(names, 'roles');
  return authorization('rolesGuard', (auth, p) => auth.access.hasAllRoles(p, wanted));
}

/** At least one of these roles. */
export function anyRole(...names: string[]): Guard {
  const wanted = nonEmpty(names, 'anyRole');
  return authorization('anyRoleGuard', (auth, p) => auth.access.hasAnyRole(p, wanted));
}

/** All of these permissions, granted through any of the user's roles. */
export function permissions(...names: string[]): Guard {
  const wanted = nonEmpty(names, 'permissions');
  return authorization('permissionsGuard', (auth, p) => auth.access.hasAllPermissions(p, wanted));
}

const hasSecondFactor = (status: { readonly totp: boolean; readonly passkeys: readonly unknown[] }) => status.totp || status.passkeys.length > 0;

/**
 * Adding a second factor: a fresh login — and, when the user has a factor already, a fresh proof
 * of it (level 2): a password and an old one-factor session must not be enough to add a factor
 * that then makes the session two-factor.
 */
export function freshForNewFactor(): Guard {
  const level1 = fresh();
  const level2 = fresh({ level: 2 });
  const run: Guard = async (request, state) => {
    const principal = state.principal;
    if (principal && hasSecondFactor(await state.auth.mfa.status(principal))) return level2(request, state);
    return level1(request, state);
  };
  Object.defineProperty(run, 'name', { value: 'freshForNewFactorGuard' });
  return run;
}

/** The login must be recent: otherwise 401 REAUTH_REQUIRED (browsers: to /verify?next=…). */
export function fresh(options: FreshOptions = {}): Guard {
  if (options.level !== undefined && options.level !== 1 && options.level !== 2) throw new Error('fresh(): level must be 1 or 2');
  const rule = {
    ...(options.withinMs !== undefined ? { withinMs: options.withinMs } : {}),
    ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
    ...(options.level === 2 ? { level: 2 as const } : {}),
  };
  return guard('freshGuard', async (state) => {
    const principal = await currentPrincipal(state);
    if (await state.auth.sessions.isFresh(principal, rule)) return;
    // Level 2 needs a second factor to step up with: without one, enrolment is the way on.
    if (rule.level === 2 && !hasSecondFactor(await state.auth.mfa.status(principal))) throw new AuthError('MFA_ENROLLMENT_REQUIRED');
    throw new AuthError('REAUTH_REQUIRED');
  });
}

/**
 * Per-route, per-client rate limit (429 + Retry-After beyond it). The `RateLimit-*` headers go on
 * every answer of the route, allowed or refused.
 */
export function rateLimit(name: string, rule: RateLimitRule | ((auth: Auth) => RateLimitRule)): Guard {
  return guard('rateLimitGuard', async (state) => {
    const { decision, headers } = await state.auth.http.rateLimit(name, typeof rule === 'function' ? rule(state.auth) : rule, state.client);
    state.headers.push(...headers);
    if (!decision.allowed) throw new AuthError('RATE_LIMITED', { retryAfterSeconds: decision.resetSeconds });
  });
}

/** CSRF for unsafe routes that have no login (a public contact form): the session's token, else the pre-session's. */
export function unauthCsrf(): Guard {
  return guard('unauthCsrfGuard', async (state) => enforceCsrf(state, await identify(state)));
}

/** Cookie-less JSON endpoints (`/auth/token*`): same-origin or no Origin, JSON only — before any limit is spent. */
export function cookielessPost(): Guard {
  return guard('cookielessPostGuard', (state) => enforceCsrf(state, null, 'cookieless'));
}

/**
 * Login-like posts: the body is read first (an unsupported or malformed one is 400 before anything
 * else), then JSON same-origin, or a form with the pre-session (or session) token.
 */
export function credentialPost(): Guard {
  return guard('credentialPostGuard', async (state) => {
    const current = await identify(state);
    await bodyOf(state);
    await enforceCsrf(state, current, 'credential');
  });
}

/** For handlers: FORBIDDEN (with your message) unless the current user owns the thing or is an admin. */
export function assertOwnerOrAdmin(state: RequestState, ownerId: string, message?: string): void {
  const { auth, principal } = state;
  if (!principal) throw new AuthError('UNAUTHENTICATED');
  if (!auth.access.isOwnerOrAdmin(principal, ownerId)) throw new AuthError('FORBIDDEN', message ? { message } : {});
}
