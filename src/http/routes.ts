/**
 * @module The auth routes of API.md as `Request → Response` handlers (paths relative to
 * `basePath`, default `/auth`). JSON and HTML forms share each route; content negotiation picks
 * the answer. Each route lists its lifecycle steps (guards) in order; flows decide, this translates.
 */
import { AuthError } from '../core/errors.ts';
import type { BodyFields } from '../core/input.ts';
import { safeNext } from '../core/safe-next.ts';
import type { Principal } from '../auth.ts';
import { clearSessionCookies, csrfTokenFor, offerXsrfCookie, writeSessionCookie } from './cookies.ts';
import { enforceCsrf } from './csrf.ts';
import { cookielessPost, credentialPost, fresh, rateLimit, required, type Guard } from './guards.ts';
import { identify } from './mechanisms.ts';
import { secondFactorDue } from './second-factor.ts';
import { html, isJsonRequest, json, noContent, redirectAfterPost } from './respond.ts';
import { bodyOf, type RequestState } from './state.ts';
import type { AuthViews, FormView } from './views.ts';
import { createSocialRoutes } from './social-routes.ts';
import { createEmailSignInRoutes } from './email-signin-routes.ts';

export type RouteParams = Readonly<Record<string, string>>;

export interface AuthRoute {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to `basePath`; `:name` matches one path segment. */
  readonly path: string;
  /** Lifecycle steps before the handler, in order (rate limit → csrf → authenticate → authorize). */
  readonly steps: readonly Guard[];
  readonly run: (state: RequestState, params: RouteParams) => Promise<Response>;
}

/** The signed-in principal (a `required` step ran before). */
export function principalOf(state: RequestState): Principal {
  if (!state.principal) throw new AuthError('UNAUTHENTICATED');
  return state.principal;
}

export function text(value: unknown): string {
  return typeof value === 'string' && value.isWellFormed() ? value.slice(0, 320) : '';
}

export function nextOf(body: BodyFields, state: RequestState): string | null {
  const next = body.next ?? new URL(state.request.url).searchParams.get('next') ?? undefined;
  return typeof next === 'string' && next !== '' ? safeNext(next, '') || null : null;
}

/** What a re-shown form says above its fields. A lock-out names the wait (it reveals nothing: unknown identities lock too). */
function formErrorText(error: AuthError): string | null {
  if (error.code === 'INVALID_CREDENTIALS') return 'Invalid credentials';
  if (error.code === 'CONFIRMATION_REQUIRED') return 'Confirm your e-mail address first: we have sent you a new link.';
  if (error.code === 'RATE_LIMITED') {
    const seconds = error.retryAfterSeconds ?? 60;
    const wait = seconds < 90 ? `${seconds} second${seconds === 1 ? '' : 's'}` : `${Math.ceil(seconds / 60)} minutes`;
    return `Too many attempts. Try again in ${wait}.`;
  }
  return error.fields ? null : error.message;
}

export type Render = (view: FormView) => ReturnType<AuthViews['login']>;

/** Re-shows a form with what went wrong (browsers; bad input, bad credentials, lock-out), or rethrows. */
export async function formFailure(state: RequestState, error: unknown, render: Render, values: Record<string, string>): Promise<Response> {
  if (!(error instanceof AuthError) || isJsonRequest(state)) throw error;
  if (error.code !== 'INVALID_INPUT' && error.code !== 'INVALID_CREDENTIALS' && error.code !== 'RATE_LIMITED' && error.code !== 'CONFIRMATION_REQUIRED') throw error;
  const body = await bodyOf(state).catch(() => ({}));
  const principal = state.principal;
  const view: FormView = {
    csrfToken: csrfTokenFor(state),
    user: principal ? state.auth.access.publicUser(principal) : null,
    errors: error.fields ?? {},
    formError: formErrorText(error),
    values,
    next: nextOf(body, state),
  };
  return html(await render(view), error.status, error.retryAfterSeconds !== undefined ? { 'Retry-After': String(error.retryAfterSeconds) } : undefined);
}

export function createAuthRoutes(views: AuthViews, pages: { readonly afterLogin: string; readonly afterLogout: string; readonly login: string }): readonly AuthRoute[] {
  const { afterLogin, afterLogout } = pages;
  const route = (method: AuthRoute['method'], path: string, steps: readonly Guard[], run: AuthRoute['run']): AuthRoute => ({ method, path, steps, run });
  const signedIn = required();
  // Who one is, also before a required second factor is set up (an app shows the way to enrol).
  const anyMechanism = required({ via: ['token', 'session', 'basic'], beforeSecondFactor: true });
  const tokenOrSession = required({ via: ['token', 'session'] });
  const sessionOnly = required({ via: ['session'] });
  const isFresh = fresh();
  const credential = credentialPost();
  const cookieless = cookielessPost();
  const afterPost = async (state: RequestState) => safeNext((await bodyOf(state)).next, afterLogin);

  return [
    route('GET', '/csrf', [], async (state) => {
      await identify(state);
      offerXsrfCookie(state);
      return json({ csrf_token: csrfTokenFor(state) });
    }),

    route('POST', '/register', [rateLimit('register', (a) => a.config.rateLimits.register), credential], async (state) => {
      const body = await bodyOf(state);
      try {
        const outcome = await state.auth.sessions.register(body, state.client, state.principal);
        // EMAIL_CONFIRMATION=required: no session until the address is confirmed; the answer says only "check your mail".
        if ('pending' in outcome) {
          if (isJsonRequest(state)) return json({ message: outcome.message }, 202);
          return redirectAfterPost(state, pages.login, 'confirm_sent');
        }
        writeSessionCookie(state, outcome);
        const user = state.auth.access.publicUser(principalOf(state));
        if (isJsonRequest(state)) return json({ user, csrf_token: csrfTokenFor(state) }, 201);
        return redirectAfterPost(state, safeNext(body.next, afterLogin), 'registered');
      } catch (error) {
        return formFailure(state, error, views.register, { email: text(body.email), username: text(body.username) });
      }
    }),

    route('POST', '/login', [rateLimit('login', (a) => a.config.rateLimits.login), credential], async (state) => {
      const body = await bodyOf(state);
      try {
        const outcome = await state.auth.sessions.signIn(body, state.client, state.principal);
        // A second factor is due: only the pending sign-in's own cookie, no session (docs/mfa.md).
        if (outcome.kind === 'second-factor') return secondFactorDue(state, outcome.pending, nextOf(body, state));
        writeSessionCookie(state, outcome.started);
        if (isJsonRequest(state)) return json({ user: state.auth.access.publicUser(principalOf(state)), csrf_token: csrfTokenFor(state) });
        return redirectAfterPost(state, safeNext(body.next, afterLogin), 'logged_in');
      } catch (error) {
        return formFailure(state, error, views.login, { email: text(body.email ?? body.username) });
      }
    }),

    route('POST', '/logout', [], async (state) => {
      const current = await identify(state);
      if (current) await enforceCsrf(state, current);
      await state.auth.sessions.logout(current, state.client);
      clearSessionCookies(state);
      if (isJsonRequest(state)) return noContent();
      return redirectAfterPost(state, afterLogout, current ? 'logged_out' : undefined);
    }),

    route('GET', '/me', [anyMechanism], async (state) => json({ user: state.auth.access.publicUser(principalOf(state)) })),

    // Also the step-up (a code instead of the password), so reachable before the second factor.
    route('POST', '/verify', [required({ beforeSecondFactor: true })], async (state) => {
      const body = await bodyOf(state);
      try {
        // Re-authentication comes with a new cookie token (the flow swaps it before the session is fresh).
        writeSessionCookie(state, await state.auth.sessions.verify(principalOf(state), body, state.client));
        if (isJsonRequest(state)) return json({ user: state.auth.access.publicUser(principalOf(state)), fresh: true });
        return redirectAfterPost(state, safeNext(body.next, afterLogin), 'verified');
      } catch (error) {
        return formFailure(state, error, views.verify, {});
      }
    }),

    // The remembered devices (MFA_REMEMBER_DEVICE) are listed with the sessions; `[]` when the setting is off.
    route('GET', '/sessions', [signedIn], async (state) => {
      const principal = principalOf(state);
      return json({ sessions: await state.auth.sessions.list(principal), devices: await state.auth.sessions.devices(principal, state.client) });
    }),

    // Forgetting a remembered device is as fresh as revoking a session.
    route('DELETE', '/devices/:id', [signedIn, isFresh], async (state, params) => {
      await state.auth.sessions.forgetDevice(principalOf(state), params.id ?? '', state.client);
      return noContent();
    }),

    route('POST', '/devices/:id/forget', [signedIn, isFresh], async (state, params) => {
      await state.auth.sessions.forgetDevice(principalOf(state), params.id ?? '', state.client);
      if (isJsonRequest(state)) return noContent();
      return redirectAfterPost(state, await afterPost(state), 'device_forgotten');
    }),

    // Signing other devices out needs a recent password: a stale stolen cookie must not be able to
    // sign its owner out everywhere (and keep the only live session). Browsers go to /verify first.
    route('DELETE', '/sessions/:id', [signedIn, isFresh], async (state, params) => {
      await state.auth.sessions.revoke(principalOf(state), params.id ?? '', state.client);
      return noContent();
    }),

    // HTML forms cannot send DELETE: the same action as a POST, for the account page.
    route('POST', '/sessions/revoke-others', [signedIn, isFresh], async (state) => {
      const count = await state.auth.sessions.revokeOthers(principalOf(state), state.client);
      if (isJsonRequest(state)) return json({ revoked: count });
      return redirectAfterPost(state, await afterPost(state), 'sessions_revoked');
    }),

    route('POST', '/sessions/:id/revoke', [signedIn, isFresh], async (state, params) => {
      await state.auth.sessions.revoke(principalOf(state), params.id ?? '', state.client);
      if (isJsonRequest(state)) return noContent();
      return redirectAfterPost(state, await afterPost(state), 'session_revoked');
    }),

    route('POST', '/change-password', [sessionOnly, isFresh], async (state) => {
      const body = await bodyOf(state);
      try {
        writeSessionCookie(state, await state.auth.passwords.change(principalOf(state), body, state.client));
        if (isJsonRequest(state)) return json({ user: state.auth.access.publicUser(principalOf(state)), csrf_token: csrfTokenFor(state) });
        return redirectAfterPost(state, safeNext(body.next, afterLogin), 'password_changed');
      } catch (error) {
        return formFailure(state, error, views.changePassword, {});
      }
    }),

    // The same answer whether or not the account exists; the per-client limit keeps it slow. A
    // signed-in browser's page carries its session's token: the CSRF step checks against what it holds.
    route('POST', '/forgot-password', [rateLimit('reset', (a) => a.config.rateLimits.reset), credential], async (state) => {
      const body = await bodyOf(state);
      try {
        const { message } = state.auth.passwords.requestReset(body, state.client);
        if (isJsonRequest(state)) return json({ message });
        return redirectAfterPost(state, pages.login, 'reset_sent');
      } catch (error) {
        return formFailure(state, error, views.forgotPassword, { email: text(body.email) });
      }
    }),

    // Its own budget (same rule): asking for a link must not use up the attempts to use it. The reset
    // page puts the session's token in the form when the browser is signed in (the link is opened
    // wherever the mail is read): checked against the session, else the pre-session.
    route('POST', '/reset-password', [rateLimit('reset-confirm', (a) => a.config.rateLimits.reset), credential], async (state) => {
      const body = await bodyOf(state);
      try {
        await state.auth.passwords.reset(body, state.client);
        if (isJsonRequest(state)) return json({ message: 'Your password has been changed. Log in with the new one.' });
        return redirectAfterPost(state, pages.login, 'password_reset');
      } catch (error) {
        return formFailure(state, error, views.resetPassword, { token: text(body.token).slice(0, 64) });
      }
    }),

    // The confirmation link's page posts here (a GET never spends a link: mail scanners prefetch links).
    // Its own budget, as reset-password: the per-client limit plus the failure budget of a secret check.
    route('POST', '/confirm', [rateLimit('confirm', (a) => a.config.rateLimits.reset), credential], async (state) => {
      const body = await bodyOf(state);
      try {
        const { user, started } = await state.auth.identity.confirm(body, state.client, state.principal);
        if (started) writeSessionCookie(state, started);
        if (isJsonRequest(state)) return json(started ? { user, csrf_token: csrfTokenFor(state) } : { user });
        return redirectAfterPost(state, started ? afterLogin : pages.login, 'email_confirmed');
      } catch (error) {
        return formFailure(state, error, views.confirm, { token: text(body.token).slice(0, 64) });
      }
    }),

    // The same answer for every address (the lookup and the mail happen off the request).
    route('POST', '/confirm/resend', [rateLimit('confirm-resend', (a) => a.config.rateLimits.reset), credential], async (state) => {
      const body = await bodyOf(state);
      try {
        const { message } = state.auth.identity.resendConfirmation(body, state.client);
        if (isJsonRequest(state)) return json({ message });
        return redirectAfterPost(state, pages.login, 'confirmation_resent');
      } catch (error) {
        return formFailure(state, error, views.resendConfirmation, { email: text(body.email) });
      }
    }),

    // Change of e-mail: a fresh login (a stolen stale cookie cannot move the account), the same answer
    // whether the address is free or not. Browsers come from the account page.
    route('POST', '/change-email', [sessionOnly, isFresh], async (state) => {
      const { message } = state.auth.identity.requestEmailChange(principalOf(state), await bodyOf(state), state.client);
      if (isJsonRequest(state)) return json({ message }, 202);
      return redirectAfterPost(state, '/account', 'email_change_sent');
    }),

    // The link is opened wherever the new mailbox is read: no session needed (the link is bound to its user).
    route('POST', '/change-email/confirm', [rateLimit('change-email-confirm', (a) => a.config.rateLimits.reset), credential], async (state) => {
      const body = await bodyOf(state);
      try {
        const user = await state.auth.identity.confirmEmailChange(body, state.client);
        if (isJsonRequest(state)) return json({ user });
        return redirectAfterPost(state, state.principal ? '/account' : pages.login, 'email_changed');
      } catch (error) {
        return formFailure(state, error, views.confirmEmailChange, { token: text(body.token).slice(0, 64) });
      }
    }),

    // API tokens: no cookie is read or set, so no CSRF token; JSON only and no cross-site caller
    // (before the limit: a page's refused posts spend none of its visitor's budget); credential
    // attempts share the login lockout.
    route('POST', '/token', [cookieless, rateLimit('token', (a) => a.config.rateLimits.login)], async (state) =>
      json(await state.auth.tokens.issue(await bodyOf(state), state.client)),
    ),

    route('POST', '/token/refresh', [cookieless, rateLimit('refresh', (a) => a.config.rateLimits.refresh)], async (state) =>
      json(await state.auth.tokens.refresh(await bodyOf(state), state.client)),
    ),

    route('POST', '/token/revoke', [cookieless, rateLimit('refresh', (a) => a.config.rateLimits.refresh)], async (state) => {
      await state.auth.tokens.revokeRefresh(await bodyOf(state), state.client);
      return json({});
    }),

    route('GET', '/api-tokens', [tokenOrSession], async (state) => json({ api_tokens: await state.auth.tokens.listApiTokens(principalOf(state)) })),

    // A new personal access token needs a fresh password login: a stolen cookie alone cannot mint one.
    route('POST', '/api-tokens', [sessionOnly, isFresh], async (state) => {
      const { token, summary } = await state.auth.tokens.createApiToken(principalOf(state), await bodyOf(state), state.client);
      return json({ token, api_token: summary }, 201);
    }),

    route('DELETE', '/api-tokens/:id', [tokenOrSession], async (state, params) => {
      await state.auth.tokens.revokeApiToken(principalOf(state), params.id ?? '', state.client);
      return noContent();
    }),

    route('POST', '/api-tokens/:id/revoke', [sessionOnly], async (state, params) => {
      await state.auth.tokens.revokeApiToken(principalOf(state), params.id ?? '', state.client);
      if (isJsonRequest(state)) return noContent();
      return redirectAfterPost(state, await afterPost(state), 'api_token_revoked');
    }),

    ...createSocialRoutes(pages),
    ...createEmailSignInRoutes(views, pages),
  ];
}

const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Whether a route's parameters name nothing we could have made: no id of ours holds a control
 * character, and a NUL would reach PostgreSQL as a text parameter it refuses (a 500). Checked once,
 * in runRoute, whichever router (ours, Hono's) decoded the path.
 */
export function paramsNameNothing(params: RouteParams): boolean {
  for (const key in params) if (CONTROL_CHARACTER.test(params[key] ?? '')) return true;
  return false;
}

/** Matches `path` (relative to basePath) against a route pattern; the `:name` segments, or null. */
export function matchPath(pattern: string, path: string): RouteParams | null {
  if (!pattern.includes(':')) return pattern === path ? {} : null;
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i] as string;
    const actual = got[i] as string;
    if (segment.startsWith(':')) {
      if (actual === '') return null;
      try {
        params[segment.slice(1)] = decodeURIComponent(actual);
      } catch {
        return null;
      }
    } else if (segment !== actual) return null;
  }
  return params;
}
