/**
 * @module One place where an answer is built: JSON, HTML, redirects (their `Location` ASCII-only),
 * and an AuthError as the documented JSON body — or for browsers a redirect (login,
 * re-authentication) or an HTML page from the views hook. Nothing internal ever leaks.
 */
import { AuthError, StoreUnavailableError, type ErrorCode } from '../core/errors.ts';
import type { FlashKey } from '../core/flash.ts';
import { encodeLocation } from '../core/location.ts';
import { wantsJson } from '../core/request-context.ts';
import { setFlash } from './cookies.ts';
import { finishedJson } from './finished.ts';
import type { RequestState } from './state.ts';
import { escapeHtml } from './views.ts';

const JSON_TYPE = 'application/json';
const HTML_TYPE = 'text/html; charset=UTF-8';

/** Content-Type given with the other headers when the Response is made, not set on it after. */
function withContentType(type: string, headers: HeadersInit | undefined): HeadersInit {
  if (headers === undefined) return { 'Content-Type': type };
  const all = new Headers(headers);
  all.set('Content-Type', type);
  return all;
}

export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  return new Response(JSON.stringify(body), { status, headers: withContentType(JSON_TYPE, headers) });
}

export function html(body: string, status = 200, headers?: HeadersInit): Response {
  return new Response(body, { status, headers: withContentType(HTML_TYPE, headers) });
}

/**
 * A page of ours that moves the browser on at once (meta refresh, no script) — where a 303 would
 * lose a SameSite=Strict cookie after a cross-site start (a provider's callback, a link clicked in a
 * web mail) or be stopped by CSP form-action on its way to another site.
 */
export function navigateOn(location: string, title: string): Response {
  const target = escapeHtml(encodeLocation(location));
  return html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${target}"><title>${escapeHtml(title)}</title></head>` +
      `<body><main><p>${escapeHtml(title)}. <a href="${target}">Continue</a></p></main></body></html>`,
  );
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

/** Every redirect of the core: the target ASCII-only (UTF-8 percent-encoded), never raw Latin-1 bytes. */
export function redirectTo(location: string, status: 301 | 302 | 303 | 307 | 308): Response {
  return new Response(null, { status, headers: { Location: encodeLocation(location) } });
}

/** 303 See Other: after a form POST, the browser GETs the target. */
export function redirectAfterPost(state: RequestState, location: string, flash?: FlashKey): Response {
  if (flash) setFlash(state, flash);
  return redirectTo(location, 303);
}

export function isJsonRequest(state: RequestState): boolean {
  return wantsJson(state.request.headers);
}

const PAGE_TITLES: Partial<Record<number, string>> = {
  400: 'Bad request',
  401: 'Please log in',
  403: 'Access denied',
  404: 'Page not found',
  409: 'Cannot continue',
  413: 'Request too large',
  429: 'Too many requests',
  500: 'Something went wrong',
  503: 'Temporarily unavailable',
};

/** Browser messages: same meaning as the JSON ones, a little friendlier. */
const PAGE_MESSAGES: Partial<Record<ErrorCode, string>> = {
  FORBIDDEN: 'You do not have permission to see this page.',
  CSRF_FAILED: 'This form has expired or did not come from this site. Go back, reload the page and try again.',
  NOT_FOUND: 'There is nothing here.',
  RATE_LIMITED: 'Too many requests. Try again later.',
  INTERNAL: 'An unexpected error occurred. It has been logged; please try again.',
};

/** Where a browser should come back to after logging in again: this page, or for a form POST the page it came from. */
function returnPath(state: RequestState): string {
  const { request, auth } = state;
  if (request.method === 'GET') {
    const url = new URL(request.url);
    return url.pathname + url.search;
  }
  const referer = request.headers.get('referer');
  if (referer) {
    try {
      const url = new URL(referer);
      if (url.origin === auth.config.publicOrigin) return url.pathname + url.search;
    } catch {
      // not a URL: fall through
    }
  }
  return auth.config.pages.afterLogin;
}

export async function errorResponse(state: RequestState, error: AuthError): Promise<Response> {
  const { auth, request } = state;
  const own: Array<readonly [string, string]> = [];
  if (error.retryAfterSeconds !== undefined) own.push(['Retry-After', String(Math.ceil(error.retryAfterSeconds))]);
  // A body too large even to drain (core/input.ts, OVERSIZE_DRAIN_BYTES) is left unread: close after
  // the 413, so that the client does not send its next request down a connection we stopped reading.
  if (error.code === 'PAYLOAD_TOO_LARGE' && state.bodyLeftOnSocket()) own.push(['Connection', 'close']);
  if (isJsonRequest(state)) {
    // The refusal an API client (or a flood) gets: built finished, its headers given once.
    if (state.cookies.length === 0) return finishedJson(state, error.toJSON(), error.status, own);
    return json(error.toJSON(), error.status, own as Array<[string, string]>);
  }
  const headers = new Headers(own as Array<[string, string]>);
  const status = request.method === 'GET' || request.method === 'HEAD' ? 302 : 303;
  if (error.code === 'UNAUTHENTICATED' || error.code === 'REAUTH_REQUIRED') {
    const next = encodeURIComponent(returnPath(state));
    const login = error.code === 'UNAUTHENTICATED';
    setFlash(state, login ? 'login_required' : 'reauth_required');
    const response = redirectTo(`${login ? auth.config.pages.login : auth.config.pages.verify}?next=${next}`, status);
    for (const [name, value] of headers) response.headers.set(name, value);
    return response;
  }
  if (error.code === 'MFA_ENROLLMENT_REQUIRED') {
    const response = redirectTo(`${auth.config.pages.mfaSetup}?next=${encodeURIComponent(returnPath(state))}`, status);
    for (const [name, value] of headers) response.headers.set(name, value);
    return response;
  }
  const principal = state.principal;
  const csrfToken = principal?.session ? auth.http.csrfToken({ kind: 'session', sessionId: principal.session.id }) : '';
  const page = await state.core.views.error({
    status: error.status,
    title: PAGE_TITLES[error.status] ?? 'Error',
    message: PAGE_MESSAGES[error.code] ?? error.message,
    user: principal ? auth.access.publicUser(principal) : null,
    csrfToken,
  });
  return html(page, error.status, headers);
}

/** Anything that is not an AuthError is an internal error (a store outage: 503), shown without detail. */
export function toAuthError(thrown: unknown): AuthError {
  if (thrown instanceof AuthError) return thrown;
  if (thrown instanceof StoreUnavailableError) return new AuthError('SERVICE_UNAVAILABLE', { cause: thrown, retryAfterSeconds: 5 });
  return new AuthError('INTERNAL', { cause: thrown });
}

/** Reports unexpected errors (with the thing that failed), an outage once per 30 s rather than once per request. */
export function createErrorReporter<Context>(report: ((error: unknown, context: Context) => void) | undefined) {
  let lastUnavailableReportMs = 0;
  return function reportError(error: AuthError, context: Context): void {
    if (!report) return;
    if (error.code === 'SERVICE_UNAVAILABLE') {
      if (Date.now() - lastUnavailableReportMs <= 30_000) return;
      lastUnavailableReportMs = Date.now();
      report(error.cause, context);
    } else if (error.code === 'INTERNAL') {
      report(error.cause, context);
    }
  };
}

/**
 * A framework's own client error (its status < 500: malformed JSON, body too large, unsupported
 * media type, unknown route) as the documented AuthError of the same meaning; undefined for any
 * other status, which then answers as an internal error. Adapters pass the status they read.
 */
const CLIENT_ERROR_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'INVALID_INPUT',
  429: 'RATE_LIMITED',
};

export function clientErrorCodeFor(status: number): ErrorCode | undefined {
  return CLIENT_ERROR_CODES[status];
}
