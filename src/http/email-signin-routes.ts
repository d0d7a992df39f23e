/**
 * @module The e-mail sign-in routes of API.md (EMAIL_SIGNIN; off: 404): ask for a code
 * (`POST /email-signin`, the same answer for every address) and redeem it (`POST
 * /email-signin/verify` with the code, or the mailed link `GET /email-signin/verify?token=`). Both
 * carry the browser's pre-session: the code is bound to the browser that asked.
 */
import { AuthError } from '../core/errors.ts';
import { safeNext } from '../core/safe-next.ts';
import { csrfTokenFor, writeSessionCookie } from './cookies.ts';
import { credentialPost, rateLimit, type Guard } from './guards.ts';
import { isJsonRequest, json, navigateOn, redirectAfterPost } from './respond.ts';
import { askingBrowser, presentedBrowser } from './pre-session.ts';
import { secondFactorDue } from './second-factor.ts';
import { bodyOf, type RequestState } from './state.ts';
import { formFailure, text, type AuthRoute } from './routes.ts';
import type { AuthViews } from './views.ts';

/** EMAIL_SIGNIN=off: the routes do not exist. */
const enabled: Guard = async (_request, state) => {
  if (!state.auth.config.identity.emailSignIn) throw new AuthError('NOT_FOUND');
  return undefined;
};

export function createEmailSignInRoutes(views: AuthViews, pages: { readonly afterLogin: string; readonly login: string }): readonly AuthRoute[] {
  const limit = rateLimit('login', (a) => a.config.rateLimits.login);
  const redeem = async (state: RequestState, body: Readonly<Record<string, unknown>>): Promise<Response> => {
    const outcome = await state.auth.identity.verifyEmailSignIn(body, state.client, presentedBrowser(state), state.principal);
    const next = typeof body.next === 'string' ? safeNext(body.next, '') || null : null;
    if (outcome.kind === 'second-factor') return secondFactorDue(state, outcome.pending, next);
    writeSessionCookie(state, outcome.started);
    if (isJsonRequest(state)) return json({ user: state.auth.access.publicUser(outcome.started.principal), csrf_token: csrfTokenFor(state) });
    return redirectAfterPost(state, next ?? pages.afterLogin, 'logged_in');
  };
  const askView = views.emailSignIn ?? views.login;
  const codeView = views.emailSignInCode ?? views.login;
  return [
    {
      method: 'POST',
      path: '/email-signin',
      steps: [enabled, rateLimit('email-signin', (a) => a.config.rateLimits.reset), credentialPost()],
      run: async (state) => {
        const body = await bodyOf(state);
        try {
          const { message } = state.auth.identity.requestEmailSignIn(body, state.client, askingBrowser(state));
          if (isJsonRequest(state)) return json({ message });
          // The ask page names the code page as `next`; otherwise back to the login page.
          return redirectAfterPost(state, safeNext(body.next, pages.login), 'email_signin_sent');
        } catch (error) {
          return formFailure(state, error, askView, { email: text(body.email) });
        }
      },
    },
    {
      method: 'POST',
      path: '/email-signin/verify',
      steps: [enabled, limit, credentialPost()],
      run: async (state) => {
        const body = await bodyOf(state);
        try {
          return await redeem(state, body);
        } catch (error) {
          return formFailure(state, error, codeView, { email: text(body.email) });
        }
      },
    },
    {
      method: 'GET',
      path: '/email-signin/verify',
      steps: [enabled, limit],
      run: async (state) => {
        const url = new URL(state.request.url);
        const token = url.searchParams.get('token') ?? '';
        if (!isJsonRequest(state) && presentedBrowser(state) === undefined && url.searchParams.get('again') === null) {
          return navigateOn(`${state.auth.config.basePath}/email-signin/verify?token=${encodeURIComponent(token.slice(0, 200))}&again=1`, 'Continue signing in');
        }
        try {
          return await redeem(state, { token });
        } catch (error) {
          return formFailure(state, error, codeView, { email: '' });
        }
      },
    },
  ];
}
