/**
 * @module The auth routes of API.md (mounted at `basePath`, default `/auth`). JSON and HTML forms
 * share each route; content negotiation picks the answer. Flows decide; this file only translates.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { AuthError } from '../../core/errors.ts';
import { mediaType, type BodyFields } from '../../core/input.ts';
import type { Auth, Principal, StartedSession } from '../../create-auth.ts';
import { safeNext } from '../../features/redirects/index.ts';
import { RESET_REQUESTED_MESSAGE } from '../../create-auth.ts';
import { enforceCsrf, fresh, identify, rateLimit, required } from './guards.ts';
import { bodyOf, isJsonRequest } from './request.ts';
import { redirectAfterPost } from './respond.ts';
import { stateOf, type AuthEnv } from './variables.ts';
import type { AuthViews, FormView } from './views.ts';

/** The CSRF token for the page being rendered: bound to the session, or to a pre-session cookie. */
export function csrfTokenFor(c: Context): string {
  const state = stateOf(c);
  const session = state.principal?.session;
  if (session) return state.auth.csrfToken({ kind: 'session', sessionId: session.id });
  if (state.preSessionId === undefined) {
    const pre = state.auth.preSession(c.req.raw.headers, state.client);
    if (pre.setCookie) state.pendingCookies.push(pre.setCookie);
    state.preSessionId = pre.id;
  }
  return state.auth.csrfToken({ kind: 'pre-session', id: state.preSessionId });
}

/**
 * Login and registration: JSON needs `application/json` and a same-origin (or absent) Origin;
 * a form needs the pre-session (or session) token — so that login CSRF fails.
 */
async function checkCredentialPost(c: Context, current: Principal | null): Promise<void> {
  const { auth, client } = stateOf(c);
  if (c.req.header('content-type')?.toLowerCase().startsWith('application/json')) {
    const ok = auth.checkCsrf({ headers: c.req.raw.headers, path: c.req.path, token: undefined, principal: current, client, originOnly: true });
    if (!ok) throw new AuthError('CSRF_FAILED');
    return;
  }
  await enforceCsrf(c, current);
}

/** What a form or text/plain body to a token endpoint answers (400, like any unsupported body). */
export const TOKEN_ENDPOINT_BODY_MESSAGE = 'Unsupported content type: send application/json';

/**
 * `/auth/token`, `/token/refresh` and `/token/revoke` read no cookie, so no token can protect
 * them: any web page could make its visitors' browsers post a form here and guess passwords. A
 * browser cannot send `application/json` cross-site without a CORS preflight (which this server
 * never grants), so these endpoints accept JSON only; and a foreign `Origin` or
 * `Sec-Fetch-Site: cross-site` is refused before the body is read (CSRF_FAILED, audited).
 */
const tokenEndpointPost: MiddlewareHandler<AuthEnv> = async function tokenEndpointPost(c, next) {
  const { auth, client } = stateOf(c);
  if (!auth.checkCsrf({ headers: c.req.raw.headers, path: c.req.path, token: undefined, principal: null, client, originOnly: true })) throw new AuthError('CSRF_FAILED');
  if (mediaType(c.req.raw) !== 'application/json') throw new AuthError('INVALID_INPUT', { message: TOKEN_ENDPOINT_BODY_MESSAGE });
  await next();
};

function text(value: unknown): string {
  return typeof value === 'string' && value.isWellFormed() ? value.slice(0, 320) : '';
}

function nextOf(body: BodyFields, c: Context): string | null {
  const next = body.next ?? c.req.query('next');
  return typeof next === 'string' && next !== '' ? safeNext(next, '') || null : null;
}

/** What a re-shown form says above its fields. A lock-out names the wait (it reveals nothing: unknown identities lock too). */
function formErrorText(error: AuthError): string | null {
  if (error.code === 'INVALID_CREDENTIALS') return 'Invalid credentials';
  if (error.code === 'RATE_LIMITED') {
    const seconds = error.retryAfterSeconds ?? 60;
    const wait = seconds < 90 ? `${seconds} second${seconds === 1 ? '' : 's'}` : `${Math.ceil(seconds / 60)} minutes`;
    return `Too many attempts. Try again in ${wait}.`;
  }
  return error.fields ? null : error.message;
}

export function createAuthRoutes(auth: Auth, views: AuthViews): Hono<AuthEnv> {
  const routes = new Hono<AuthEnv>();
  const { afterLogin, afterLogout } = auth.config.pages;

  function startSession(c: Context, started: StartedSession): void {
    const { client } = stateOf(c);
    stateOf(c).principal = started.principal;
    c.header('Set-Cookie', auth.sessionCookie(started, client), { append: true });
    offerXsrfCookie(c);
  }

  /** With CSRF_XSRF_COOKIE, hands single-page apps the token in a JS-readable cookie (double submit). */
  function offerXsrfCookie(c: Context): void {
    const cookie = auth.xsrfCookie(csrfTokenFor(c), stateOf(c).client);
    if (cookie) c.header('Set-Cookie', cookie, { append: true });
  }

  /** Re-shows a form with what went wrong, or maps the error as usual. */
  async function formFailure(c: Context, error: unknown, render: (view: FormView) => ReturnType<AuthViews['login']>, values: Record<string, string>) {
    if (!(error instanceof AuthError) || isJsonRequest(c)) throw error;
    if (error.code !== 'INVALID_INPUT' && error.code !== 'INVALID_CREDENTIALS' && error.code !== 'RATE_LIMITED') throw error;
    if (error.retryAfterSeconds !== undefined) c.header('Retry-After', String(error.retryAfterSeconds));
    const body = await bodyOf(c).catch(() => ({}));
    const principal = stateOf(c).principal;
    const view: FormView = {
      csrfToken: csrfTokenFor(c),
      user: principal ? auth.publicUser(principal) : null,
      errors: error.fields ?? {},
      formError: formErrorText(error),
      values,
      next: nextOf(body, c),
    };
    return c.html(await render(view), error.status as 400);
  }

  routes.get('/csrf', async (c) => {
    await identify(c);
    offerXsrfCookie(c);
    return c.json({ csrf_token: csrfTokenFor(c) });
  });

  routes.post('/register', rateLimit('register', (a) => a.config.rateLimits.register), async (c) => {
    const current = await identify(c);
    const body = await bodyOf(c);
    const values = { email: text(body.email), username: text(body.username) };
    try {
      await checkCredentialPost(c, current);
      const started = await auth.register(body, stateOf(c).client);
      if (current?.session) await auth.stores.sessions.deleteSession(current.session.id);
      startSession(c, started);
      const user = auth.publicUser(started.principal);
      if (isJsonRequest(c)) return c.json({ user, csrf_token: csrfTokenFor(c) }, 201);
      return redirectAfterPost(c, safeNext(body.next, afterLogin), 'registered');
    } catch (error) {
      return formFailure(c, error, views.register, values);
    }
  });

  routes.post('/login', rateLimit('login', (a) => a.config.rateLimits.login), async (c) => {
    const current = await identify(c);
    const body = await bodyOf(c);
    try {
      await checkCredentialPost(c, current);
      const started = await auth.login(body, stateOf(c).client);
      if (current?.session) await auth.stores.sessions.deleteSession(current.session.id);
      startSession(c, started);
      if (isJsonRequest(c)) return c.json({ user: auth.publicUser(started.principal), csrf_token: csrfTokenFor(c) });
      return redirectAfterPost(c, safeNext(body.next, afterLogin), 'logged_in');
    } catch (error) {
      return formFailure(c, error, views.login, { email: text(body.email ?? body.username) });
    }
  });

  routes.post('/logout', async (c) => {
    const current = await identify(c);
    if (current) await enforceCsrf(c, current);
    await auth.logout(current, stateOf(c).client);
    // Clear cookies only when the request carried one: a cross-site form (whose request a SameSite
    // cookie does not ride) must not be able to delete the victim's cookie with its response.
    if (auth.hasSessionCookie(c.req.raw.headers, stateOf(c).client)) {
      c.header('Set-Cookie', auth.clearSessionCookie(stateOf(c).client), { append: true });
      if (auth.config.csrf.xsrfCookie) c.header('Set-Cookie', 'XSRF-TOKEN=; Path=/; Max-Age=0; SameSite=Strict', { append: true });
    }
    if (isJsonRequest(c)) return c.body(null, 204);
    return redirectAfterPost(c, afterLogout, current ? 'logged_out' : undefined);
  });

  routes.get('/me', required({ via: ['token', 'session', 'basic'] }), (c) => c.json({ user: c.get('user') }));

  routes.post('/verify', required(), async (c) => {
    const state = stateOf(c);
    const body = await bodyOf(c);
    try {
      // Re-authentication comes with a new cookie token (the flow swaps it before the session is fresh).
      const rotated = await auth.verify(state.principal as Principal, body, state.client);
      startSession(c, rotated);
      if (isJsonRequest(c)) return c.json({ user: auth.publicUser(rotated.principal), fresh: true });
      return redirectAfterPost(c, safeNext(body.next, afterLogin), 'verified');
    } catch (error) {
      return formFailure(c, error, views.verify, {});
    }
  });

  routes.get('/sessions', required(), async (c) => c.json({ sessions: await auth.listSessions(stateOf(c).principal as Principal) }));

  // Signing other devices out needs a recent password: a stale stolen cookie must not be able to
  // sign its owner out everywhere (and keep the only live session). Browsers go to /verify first.
  routes.delete('/sessions/:id', required(), fresh(), async (c) => {
    await auth.revokeSession(stateOf(c).principal as Principal, c.req.param('id'), stateOf(c).client);
    return c.body(null, 204);
  });

  // HTML forms cannot send DELETE: the same action as a POST, for the account page.
  routes.post('/sessions/revoke-others', required(), fresh(), async (c) => {
    const count = await auth.revokeOtherSessions(stateOf(c).principal as Principal, stateOf(c).client);
    if (isJsonRequest(c)) return c.json({ revoked: count });
    return redirectAfterPost(c, safeNext((await bodyOf(c)).next, afterLogin), 'sessions_revoked');
  });

  routes.post('/sessions/:id/revoke', required(), fresh(), async (c) => {
    await auth.revokeSession(stateOf(c).principal as Principal, c.req.param('id'), stateOf(c).client);
    if (isJsonRequest(c)) return c.body(null, 204);
    return redirectAfterPost(c, safeNext((await bodyOf(c)).next, afterLogin), 'session_revoked');
  });

  routes.post('/change-password', required({ via: ['session'] }), fresh(), async (c) => {
    const state = stateOf(c);
    const body = await bodyOf(c);
    try {
      const started = await auth.changePassword(state.principal as Principal, body, state.client);
      startSession(c, started);
      if (isJsonRequest(c)) return c.json({ user: auth.publicUser(started.principal), csrf_token: csrfTokenFor(c) });
      return redirectAfterPost(c, safeNext(body.next, afterLogin), 'password_changed');
    } catch (error) {
      return formFailure(c, error, views.changePassword, {});
    }
  });

  // The same answer whether or not the account exists; the per-client limit keeps it slow.
  routes.post('/forgot-password', rateLimit('reset', (a) => a.config.rateLimits.reset), async (c) => {
    const body = await bodyOf(c);
    const values = { email: text(body.email) };
    try {
      // A signed-in browser's page carries its session's token: check against what it holds.
      await checkCredentialPost(c, await identify(c));
      auth.requestPasswordReset(body, stateOf(c).client);
      if (isJsonRequest(c)) return c.json({ message: RESET_REQUESTED_MESSAGE });
      return redirectAfterPost(c, auth.config.pages.login, 'reset_sent');
    } catch (error) {
      return formFailure(c, error, views.forgotPassword, values);
    }
  });

  // Its own budget (same rule): asking for a link must not use up the attempts to use it.
  routes.post('/reset-password', rateLimit('reset-confirm', (a) => a.config.rateLimits.reset), async (c) => {
    const body = await bodyOf(c);
    try {
      // The reset page puts the session's token in the form when the browser is signed in (the link
      // is opened wherever the mail is read): check it against the session, else the pre-session.
      await checkCredentialPost(c, await identify(c));
      await auth.resetPassword(body, stateOf(c).client);
      if (isJsonRequest(c)) return c.json({ message: 'Your password has been changed. Log in with the new one.' });
      return redirectAfterPost(c, auth.config.pages.login, 'password_reset');
    } catch (error) {
      return formFailure(c, error, views.resetPassword, { token: text(body.token).slice(0, 64) });
    }
  });

  // API tokens: no cookie is read or set, so no CSRF token; JSON only and no cross-site caller
  // (tokenEndpointPost, before the limit: a page's refused posts spend none of its visitor's budget);
  // credential attempts share the login lockout.
  routes.post('/token', tokenEndpointPost, rateLimit('token', (a) => a.config.rateLimits.login), async (c) => c.json(await auth.issueTokens(await bodyOf(c), stateOf(c).client)));

  routes.post('/token/refresh', tokenEndpointPost, rateLimit('refresh', (a) => a.config.rateLimits.refresh), async (c) =>
    c.json(await auth.refreshTokens(await bodyOf(c), stateOf(c).client)),
  );

  routes.post('/token/revoke', tokenEndpointPost, rateLimit('refresh', (a) => a.config.rateLimits.refresh), async (c) => {
    await auth.revokeRefreshToken(await bodyOf(c), stateOf(c).client);
    return c.json({});
  });

  routes.get('/api-tokens', required({ via: ['token', 'session'] }), async (c) => c.json({ api_tokens: await auth.listApiTokens(stateOf(c).principal as Principal) }));

  // A new personal access token needs a fresh password login: a stolen cookie alone cannot mint one.
  routes.post('/api-tokens', required({ via: ['session'] }), fresh(), async (c) => {
    const { token, summary } = await auth.createApiToken(stateOf(c).principal as Principal, await bodyOf(c), stateOf(c).client);
    return c.json({ token, api_token: summary }, 201);
  });

  routes.delete('/api-tokens/:id', required({ via: ['token', 'session'] }), async (c) => {
    await auth.revokeApiToken(stateOf(c).principal as Principal, c.req.param('id'), stateOf(c).client);
    return c.body(null, 204);
  });

  routes.post('/api-tokens/:id/revoke', required({ via: ['session'] }), async (c) => {
    await auth.revokeApiToken(stateOf(c).principal as Principal, c.req.param('id'), stateOf(c).client);
    if (isJsonRequest(c)) return c.body(null, 204);
    return redirectAfterPost(c, safeNext((await bodyOf(c)).next, afterLogin), 'api_token_revoked');
  });

  return routes;
}
