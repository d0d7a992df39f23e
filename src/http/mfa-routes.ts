/**
 * @module The multi-factor routes of API.md ("Multi-factor"): one's own second factors under a
 * fresh session login, and `POST /auth/mfa/verify`, the only route a pending sign-in reaches.
 */
import { AuthError } from '../core/errors.ts';
import { safeNext } from '../core/safe-next.ts';
import { csrfTokenFor, writeSessionCookie } from './cookies.ts';
import { credentialPost, fresh, freshForNewFactor, rateLimit, required, type Guard } from './guards.ts';
import { isJsonRequest, json, noContent, redirectAfterPost } from './respond.ts';
import { formFailure, principalOf, type AuthRoute, type Render } from './routes.ts';
import { bodyOf, type RequestState } from './state.ts';
import type { AuthViews } from './views.ts';

function clearPendingSignIn(state: RequestState): void {
  if (state.auth.http.readPendingSignIn(state.request.headers, state.client) !== undefined) {
    state.cookies.push(state.auth.http.clearPendingSignInCookie(state.client));
  }
}

export function createMfaRoutes(views: AuthViews, pages: { readonly afterLogin: string; readonly login: string }): readonly AuthRoute[] {
  const route = (method: AuthRoute['method'], path: string, steps: readonly Guard[], run: AuthRoute['run']): AuthRoute => ({ method, path, steps, run });
  // Enrolment and its status are what MFA_REQUIRED_ROLES sends a user to: reachable before a second factor.
  const signedIn = required({ beforeSecondFactor: true });
  // Adding a factor: fresh, and at level 2 when the user has one already (a passkey).
  const isFresh = freshForNewFactor();
  // Taking a factor away (or replacing the recovery codes) needs the factor itself, recently: a
  // password and an old one-factor cookie must not be enough to turn two-step sign-in off.
  const freshSecondFactor = fresh({ level: 2 });
  const secondFactorView: Render = views.secondFactor ?? views.verify;

  return [
    route('GET', '/mfa', [signedIn], async (state) => json(await state.auth.mfa.status(principalOf(state)))),

    route('POST', '/mfa/totp/setup', [signedIn, isFresh], async (state) => json(await state.auth.mfa.setUpTotp(principalOf(state)))),

    route('POST', '/mfa/totp/confirm', [signedIn, isFresh], async (state) => {
      const { recoveryCodes, session } = await state.auth.mfa.confirmTotp(principalOf(state), await bodyOf(state), state.client);
      // The session was raised to AAL2 under a new cookie token.
      if (session) writeSessionCookie(state, session);
      const csrf = { csrf_token: csrfTokenFor(state) };
      return json(recoveryCodes ? { totp: true, recovery_codes: recoveryCodes, ...csrf } : { totp: true, ...csrf });
    }),

    route('DELETE', '/mfa/totp', [signedIn, freshSecondFactor], async (state) => {
      await state.auth.mfa.removeTotp(principalOf(state), state.client);
      return noContent();
    }),

    route('POST', '/mfa/recovery-codes', [signedIn, freshSecondFactor], async (state) =>
      json({ recovery_codes: await state.auth.mfa.regenerateRecoveryCodes(principalOf(state), state.client) }),
    ),

    // The pending sign-in is no principal: this route reads its cookie itself. CSRF as for a login
    // (JSON: same origin; a form: the pre-session's token); the login rate limit per client, and the
    // MFA budgets (the pending sign-in's and the account's) inside the flow.
    route('POST', '/mfa/verify', [rateLimit('mfa-verify', (a) => a.config.rateLimits.login), credentialPost()], async (state) => {
      const body = await bodyOf(state);
      const token = state.auth.http.readPendingSignIn(state.request.headers, state.client);
      try {
        const started = await state.auth.mfa.completeSignIn(token, body, state.client, state.principal);
        clearPendingSignIn(state);
        writeSessionCookie(state, started);
        if (started.device) state.cookies.push(state.auth.http.deviceMarkCookie(started.device, state.client));
        if (isJsonRequest(state)) return json({ user: state.auth.access.publicUser(principalOf(state)), csrf_token: csrfTokenFor(state) });
        return redirectAfterPost(state, safeNext(body.next, pages.afterLogin), 'logged_in');
      } catch (error) {
        if (error instanceof AuthError && error.code === 'UNAUTHENTICATED') {
          // Gone (expired, spent, used, or the account changed): sign in again from the start.
          clearPendingSignIn(state);
          if (!isJsonRequest(state)) return redirectAfterPost(state, pages.login, 'mfa_sign_in_expired');
        }
        // The page shown again offers what the pending sign-in offers (a passkey button, the code form).
        const methods = (await state.auth.mfa.pendingMethods(token).catch(() => undefined)) ?? [];
        return formFailure(state, error, secondFactorView, { method: typeof body.method === 'string' ? body.method.slice(0, 20) : 'totp', methods: methods.join(',') });
      }
    }),
  ];
}

