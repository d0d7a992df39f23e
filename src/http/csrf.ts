/**
 * @module The one CSRF decision of the request core. Every route and guard asks here, with the
 * rule its kind of request needs:
 *
 * - `ambient` (every guard, `unauthCsrf`, logout): a safe method passes; so does a principal whose
 *   mechanism rides no ambient credential (bearer, per CSRF_MECHANISMS); anything else presents
 *   the synchronizer token (`X-CSRF-Token`, else the `csrf_token` form field) for its session —
 *   or, anonymous, for its pre-session cookie — and a present `Origin` must be ours.
 * - `credential` (login, register, forgot/reset password): JSON needs `application/json` and a
 *   same-origin (or absent) Origin and no token (none exists before a session; a browser cannot
 *   send JSON cross-site without a preflight we never grant); a form is `ambient` — so login CSRF fails.
 * - `cookieless` (`/auth/token*`): no cookie is read or set, so no token can protect them: the
 *   Origin / Fetch-Metadata check, and JSON only (a cross-site form cannot be JSON).
 *
 * The comparison itself (origin list, HMAC of the binding, the `csrf.failed` event) is `auth.http.checkCsrf`.
 *
 * One unsafe route asks nothing here, by design: `POST /oauth/:provider/callback` (form_post
 * providers), which a provider's page posts cross-site. It reads no cookie and changes nothing (it
 * seals the answer into a handle for a GET continuation); the flow cookie's state protects that
 * continuation as it protects the GET callback (http/social-routes.ts, docs/social-login.md).
 */
import { AuthError } from '../core/errors.ts';
import { mediaType } from '../core/input.ts';
import type { Principal } from '../auth.ts';
import { isUnsafeMethod, presentedCsrfToken } from './csrf-token.ts';
import { bodyOf, type RequestState } from './state.ts';

export type CsrfRule = 'ambient' | 'credential' | 'cookieless';

/** What a form or text/plain body to a token endpoint answers (400, like any unsupported body). */
export const TOKEN_ENDPOINT_BODY_MESSAGE = 'Unsupported content type: send application/json';

function originOnly(state: RequestState, principal: Principal | null): void {
  const ok = state.auth.http.checkCsrf({ headers: state.request.headers, path: state.path, token: undefined, principal, client: state.client, originOnly: true });
  if (!ok) throw new AuthError('CSRF_FAILED');
}

/**
 * Throws CSRF_FAILED (or, for a token endpoint, INVALID_INPUT on a non-JSON body) unless the
 * request may go on. Passing is remembered per request and principal: every guard may ask.
 */
export async function enforceCsrf(state: RequestState, principal: Principal | null, rule: CsrfRule = 'ambient'): Promise<void> {
  if (rule === 'cookieless') {
    originOnly(state, null);
    if (mediaType(state.request) !== 'application/json') throw new AuthError('INVALID_INPUT', { message: TOKEN_ENDPOINT_BODY_MESSAGE });
    return;
  }
  if (rule === 'credential' && state.request.headers.get('content-type')?.toLowerCase().startsWith('application/json')) {
    originOnly(state, principal);
    return;
  }
  if (state.csrfPassedFor !== undefined && state.csrfPassedFor === principal) return;
  if (isUnsafeMethod(state.request.method) && !(principal && !state.auth.http.needsCsrf(principal.via))) {
    const token = await presentedCsrfToken(state.request.headers, () => bodyOf(state));
    if (!state.auth.http.checkCsrf({ headers: state.request.headers, path: state.path, token, principal, client: state.client })) throw new AuthError('CSRF_FAILED');
  }
  state.csrfPassedFor = principal;
}
