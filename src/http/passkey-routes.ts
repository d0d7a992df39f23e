/**
 * @module The passkey routes of API.md ("Multi-factor"): one's own passkeys (registration under a
 * fresh login; removal under a fresh second factor), the options of a second-factor or step-up
 * assertion, and passwordless sign-in. Options and answers are the JSON @simplewebauthn/browser
 * takes and gives. Passkeys off (PUBLIC_URL without a domain name): every route answers 404.
 */
import { AuthError } from '../core/errors.ts';
import { safeNext } from '../core/safe-next.ts';
import { csrfTokenFor, writeSessionCookie } from './cookies.ts';
import { credentialPost, fresh, freshForNewFactor, rateLimit, required, requirePrincipal, type Guard } from './guards.ts';
import { SESSION_ONLY } from './mechanisms.ts';
import { askingBrowser, presentedBrowser } from './pre-session.ts';
import { isJsonRequest, json, noContent, redirectAfterPost } from './respond.ts';
import { principalOf, type AuthRoute } from './routes.ts';
import { secondFactorDue } from './second-factor.ts';
import { bodyOf, type RequestState } from './state.ts';

/** Passkeys off: the routes do not exist. */
const available: Guard = async (_request, state) => {
  if (!state.auth.passkeys.available()) throw new AuthError('NOT_FOUND');
  return undefined;
};

function clearPendingSignIn(state: RequestState): void {
  if (state.auth.http.readPendingSignIn(state.request.headers, state.client) !== undefined) {
    state.cookies.push(state.auth.http.clearPendingSignInCookie(state.client));
  }
}

export function createPasskeyRoutes(pages: { readonly afterLogin: string }): readonly AuthRoute[] {
  const route = (method: AuthRoute['method'], path: string, steps: readonly Guard[], run: AuthRoute['run']): AuthRoute => ({ method, path, steps, run });
  // Enrolment is what MFA_REQUIRED_ROLES sends a user to: reachable before a second factor. Never a
  // pending sign-in (no session): 401.
  const signedIn = required({ beforeSecondFactor: true });
  const freshSecondFactor = fresh({ level: 2 });
  const signInLimit = rateLimit('login', (a) => a.config.rateLimits.login);
  // Asking for options is no guess; its own budget, so a page that asks does not spend the sign-ins'.
  const optionsLimit = rateLimit('passkey-options', (a) => a.config.rateLimits.login);

  return [
    // The pending sign-in's assertion options (it is no principal: the cookie is read here). On a
    // session without a pending sign-in: the options of a step-up (`/auth/verify`, method passkey).
    route('POST', '/mfa/passkey/options', [available, optionsLimit, credentialPost()], async (state) => {
      const token = state.auth.http.readPendingSignIn(state.request.headers, state.client);
      if (token !== undefined) {
        try {
          return json(await state.auth.passkeys.secondFactorOptions(token));
        } catch (error) {
          if (error instanceof AuthError && error.code === 'UNAUTHENTICATED') clearPendingSignIn(state);
          throw error;
        }
      }
      state.assuranceChecked = true;
      return json(await state.auth.passkeys.stepUpOptions(await requirePrincipal(state, SESSION_ONLY)));
    }),

    route('POST', '/passkeys/register/options', [available, signedIn, freshForNewFactor()], async (state) =>
      json(await state.auth.passkeys.creationOptions(principalOf(state))),
    ),

    route('POST', '/passkeys/register', [available, signedIn, freshForNewFactor()], async (state) => {
      const { passkey, recoveryCodes, session } = await state.auth.passkeys.register(principalOf(state), await bodyOf(state), state.client);
      // The first factor raised the session to AAL2 under a new cookie token.
      if (session) writeSessionCookie(state, session);
      const csrf = { csrf_token: csrfTokenFor(state) };
      return json(recoveryCodes ? { passkey, recovery_codes: recoveryCodes, ...csrf } : { passkey, ...csrf }, 201);
    }),

    route('GET', '/passkeys', [available, signedIn], async (state) => json({ passkeys: await state.auth.passkeys.list(principalOf(state)) })),

    route('PATCH', '/passkeys/:id', [available, signedIn], async (state, params) =>
      json({ passkey: await state.auth.passkeys.rename(principalOf(state), params.id ?? '', await bodyOf(state), state.client) }),
    ),

    // Taking a factor away needs the factor itself, recently (as DELETE /mfa/totp).
    route('DELETE', '/passkeys/:id', [available, signedIn, freshSecondFactor], async (state, params) => {
      await state.auth.passkeys.remove(principalOf(state), params.id ?? '', state.client);
      return noContent();
    }),

    // Passwordless: the challenge is bound to this browser's pre-session (handed out now if it has none).
    route('POST', '/passkeys/login/options', [available, optionsLimit, credentialPost()], async (state) =>
      json(await state.auth.passkeys.signInOptions(askingBrowser(state))),
    ),

    route('POST', '/passkeys/login', [available, signInLimit, credentialPost()], async (state) => {
      const body = await bodyOf(state);
      const outcome = await state.auth.passkeys.signIn(body, state.client, presentedBrowser(state), state.principal);
      const next = typeof body.next === 'string' ? safeNext(body.next, '') || null : null;
      if (outcome.kind === 'second-factor') return secondFactorDue(state, outcome.pending, next);
      clearPendingSignIn(state);
      writeSessionCookie(state, outcome.started);
      if (isJsonRequest(state)) return json({ user: state.auth.access.publicUser(outcome.started.principal), csrf_token: csrfTokenFor(state) });
      return redirectAfterPost(state, next ?? pages.afterLogin, 'logged_in');
    }),
  ];
}
