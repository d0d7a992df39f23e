/**
 * @module The social sign-in routes of API.md: start (`GET /oauth/:provider`), the callback, and the
 * user's linked identities. The callback is under the login rate limit (and, in the flow, the
 * client's attempt budget); its refusals are one friendly page (JSON: the documented code).
 */
import { AuthError } from '../core/errors.ts';
import type { FlashKey } from '../core/flash.ts';
import { safeNext } from '../core/safe-next.ts';
import type { Principal } from '../auth.ts';
import { csrfTokenFor, setFlash, writeSessionCookie } from './cookies.ts';
import { fresh, rateLimit, required } from './guards.ts';
import { isJsonRequest, json, navigateOn, noContent, redirectAfterPost, redirectTo } from './respond.ts';
import { bodyOf, type RequestState } from './state.ts';
import type { AuthRoute } from './routes.ts';

function principalOf(state: RequestState): Principal {
  if (!state.principal) throw new AuthError('UNAUTHENTICATED');
  return state.principal;
}

/** `next` from the query or the body, judged by the one redirect validator; null when absent or unsafe. */
function nextOf(state: RequestState, body?: Readonly<Record<string, unknown>>): string | null {
  const next = body?.next ?? new URL(state.request.url).searchParams.get('next');
  return typeof next === 'string' && next !== '' ? safeNext(next, '') || null : null;
}

/**
 * Where the callback sends the browser on. The browser arrived from the provider's site: a
 * `SameSite=Strict` session cookie does not ride an HTTP redirect that continues that cross-site
 * navigation, so the next page would look signed out. A page of ours navigates on instead (a
 * same-site navigation, no script: CSP allows it). With `SESSION_SAMESITE=Lax`, a plain 303.
 */
function continueTo(state: RequestState, location: string, flash?: FlashKey): Response {
  if (state.auth.config.session.sameSite !== 'Strict') return redirectAfterPost(state, location, flash);
  if (flash) setFlash(state, flash);
  return navigateOn(location, flash ? 'Signed in' : 'Continue signing in');
}

export function createSocialRoutes(pages: { readonly afterLogin: string }): readonly AuthRoute[] {
  const route = (method: AuthRoute['method'], path: string, steps: AuthRoute['steps'], run: AuthRoute['run']): AuthRoute => ({ method, path, steps, run });
  const signedIn = required();
  const isFresh = fresh();

  return [
    // Only `next` is read from the request; no login_hint, prompt or other hint is forwarded to the provider.
    route('GET', '/oauth/:provider', [], async (state, params) => {
      const started = await state.auth.social.start(params.provider ?? '', nextOf(state), state.client);
      state.cookies.push(state.auth.social.flowCookie(started, state.client));
      return redirectTo(started.location, 302);
    }),

    route('GET', '/oauth/:provider/callback', [rateLimit('oauth-callback', (a) => a.config.rateLimits.login)], async (state, params) => {
      const { auth, client, request } = state;
      const flowCookie = auth.social.readFlowCookie(request.headers, client);
      // Spent whatever happens: one callback per started sign-in.
      if (flowCookie !== undefined) state.cookies.push(auth.social.clearFlowCookie(client));
      const query = new URL(request.url).searchParams;
      const result = await auth.social.callback(params.provider ?? '', query, flowCookie, client, state.principal);
      if (result.kind === 'linked') return isJsonRequest(state) ? noContent() : continueTo(state, safeNext(result.next, '/account'), 'identity_linked');
      if (result.kind === 'second-factor') {
        // The pending sign-in's own cookie, never a session (as after a password: http/second-factor.ts).
        state.cookies.push(auth.http.pendingSignInCookie(result.pending, client));
        if (isJsonRequest(state)) return json({ mfa_required: true, methods: result.pending.methods });
        const next = safeNext(result.next, '') || null;
        const page = auth.config.pages.secondFactor;
        return continueTo(state, next ? `${page}?next=${encodeURIComponent(next)}` : page);
      }
      writeSessionCookie(state, result.started);
      if (isJsonRequest(state)) return json({ user: auth.access.publicUser(principalOf(state)), csrf_token: csrfTokenFor(state) });
      return continueTo(state, safeNext(result.next, pages.afterLogin), 'logged_in');
    }),

    route('GET', '/identities', [signedIn], async (state) => json({ identities: await state.auth.social.identities(principalOf(state)) })),

    // A new way into the account needs a fresh login; the provider's answer comes back to the callback above.
    route('POST', '/identities/:provider/link', [signedIn, isFresh], async (state, params) => {
      const body = await bodyOf(state);
      const started = await state.auth.social.startLink(principalOf(state), params.provider ?? '', nextOf(state, body), state.client);
      state.cookies.push(state.auth.social.flowCookie(started, state.client));
      if (isJsonRequest(state)) return json({ location: started.location });
      // Not a 303: the CSP's form-action 'self' stops a form whose answer redirects to another origin.
      return navigateOn(started.location, 'Continuing to the provider');
    }),

    route('DELETE', '/identities/:id', [signedIn, isFresh], async (state, params) => {
      await state.auth.social.unlink(principalOf(state), params.id ?? '', state.client);
      return noContent();
    }),

    // HTML forms cannot send DELETE: the same action as a POST, for the account page.
    route('POST', '/identities/:id/unlink', [signedIn, isFresh], async (state, params) => {
      await state.auth.social.unlink(principalOf(state), params.id ?? '', state.client);
      if (isJsonRequest(state)) return noContent();
      return redirectAfterPost(state, '/account', 'identity_unlinked');
    }),
  ];
}
