/**
 * @module The social sign-in routes of API.md: start (`GET /oauth/:provider`), the callback, and the
 * user's linked identities — plus, for providers that answer by form_post (Sign in with Apple), the
 * POST to the callback and its GET continuation (docs/social-login.md, "Form post"). The callback is
 * under the login rate limit (and, in the flow, the client's attempt budget); its refusals are one
 * friendly page (JSON: the documented code).
 */
import { AuthError } from '../core/errors.ts';
import type { FlashKey } from '../core/flash.ts';
import { mediaType } from '../core/input.ts';
import { safeNext } from '../core/safe-next.ts';
import type { Auth, Principal } from '../auth.ts';
import { csrfTokenFor, setFlash, writeSessionCookie } from './cookies.ts';
import { fresh, rateLimit, required } from './guards.ts';
import { isJsonRequest, json, navigateOn, noContent, redirectAfterPost, redirectTo } from './respond.ts';
import { bodyOf, type RequestState } from './state.ts';
import type { AuthRoute, RouteParams } from './routes.ts';

type CallbackAnswer = Parameters<Auth['social']['callback']>[1];

/** What a POST to the callback answers when its body is not a form (the only body a provider's page posts). */
export const FORM_POST_BODY_MESSAGE = 'Unsupported content type: send application/x-www-form-urlencoded';

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
  const callbackLimit = rateLimit('oauth-callback', (a) => a.config.rateLimits.login);

  /** The callback, however the provider's answer arrived: the flow cookie decides, then on to `next`. */
  async function finishCallback(state: RequestState, params: RouteParams, answer: CallbackAnswer): Promise<Response> {
    const { auth, client, request } = state;
    const flowCookie = auth.social.readFlowCookie(request.headers, client);
    // Spent whatever happens: one callback per started sign-in.
    if (flowCookie !== undefined) state.cookies.push(auth.social.clearFlowCookie(client));
    const result = await auth.social.callback(params.provider ?? '', answer, flowCookie, client, state.principal);
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
  }

  return [
    // Only `next` is read from the request; no login_hint, prompt or other hint is forwarded to the provider.
    route('GET', '/oauth/:provider', [], async (state, params) => {
      const started = await state.auth.social.start(params.provider ?? '', nextOf(state), state.client);
      state.cookies.push(state.auth.social.flowCookie(started, state.client));
      return redirectTo(started.location, 302);
    }),

    route('GET', '/oauth/:provider/callback', [callbackLimit], (state, params) =>
      finishCallback(state, params, { via: 'query', query: new URL(state.request.url).searchParams }),
    ),

    // form_post providers (Apple): the provider's page POSTs its answer here, cross-site, so no
    // SameSite=Lax flow cookie rides it. The one route without a CSRF check, by design: it reads no
    // cookie and changes nothing — the answer is sealed into a one-time handle, and a page of ours
    // navigates on (same-site: the flow cookie rides again) to the continuation, where the flow
    // cookie's state decides exactly as on the GET callback. No readable authorization code in a URL.
    route('POST', '/oauth/:provider/callback', [rateLimit('oauth-form-post', (a) => a.config.rateLimits.login)], async (state, params) => {
      if (mediaType(state.request) !== 'application/x-www-form-urlencoded') throw new AuthError('INVALID_INPUT', { message: FORM_POST_BODY_MESSAGE });
      const name = params.provider ?? '';
      const handle = state.auth.social.acceptFormPost(name, await bodyOf(state), state.client);
      const base = state.auth.config.basePath;
      return navigateOn(`${base}/oauth/${encodeURIComponent(name)}/callback/continue?handle=${handle}`, 'Continue signing in');
    }),

    route('GET', '/oauth/:provider/callback/continue', [callbackLimit], (state, params) =>
      finishCallback(state, params, { via: 'form_post', handle: new URL(state.request.url).searchParams.get('handle') ?? '' }),
    ),

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
