/**
 * @module One request's state in the HTTP core: the Web `Request`, the resolved client, who it is
 * (memoised), its body (read once), and what the response must carry (cookies, headers). It lives
 * with the request only — an adapter keeps it on its own request object — never in module scope.
 */
import { readBodyFields, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { Auth, AuthenticationMemo, Principal } from '../auth.ts';
import type { AuthViews } from './views.ts';

/** What every request of one core shares: the Auth and the views hook. */
export interface CoreContext {
  readonly auth: Auth;
  readonly views: AuthViews;
}

export interface RequestState {
  readonly core: CoreContext;
  readonly auth: Auth;
  readonly request: Request;
  /** The path as the client sent it (mount points included), without the query. */
  readonly path: string;
  readonly client: ClientInfo;
  /** Whoever the request is authenticated as so far (by a guard or `identify`), or null. */
  principal: Principal | null;
  /** The session lookup, at most once per request. */
  readonly memo: AuthenticationMemo;
  /** The principal (null: an anonymous form) for whom this request passed the CSRF gate; unset until then. */
  csrfPassedFor?: Principal | null;
  /** MFA_REQUIRED_ROLES was checked for this request's principal (or the route is exempt: enrolment, step-up). */
  assuranceChecked?: boolean;
  /** The pre-session id handed out in this response (one per request, however many forms render). */
  preSessionId?: string;
  /** Set-Cookie values for whatever response goes out (session, pre-session, flash, XSRF). */
  readonly cookies: string[];
  /** Headers for whatever response goes out, unless it sets them itself (RateLimit-*, WWW-Authenticate). */
  readonly headers: Array<readonly [string, string]>;
  /** The body as fields, read and size-checked once however many steps ask (see `bodyOf`). */
  body: Promise<BodyFields> | undefined;
  readonly readBody: () => Promise<BodyFields>;
  /** True when part of the body is still unread on an HTTP/1 socket: a 413 must then close the connection. */
  readonly bodyLeftOnSocket: () => boolean;
}

/** What an adapter knows about the request beyond the Web `Request`. */
export interface RequestExtras {
  /** Default: read from `request.url`. */
  readonly path?: string;
  /** Default: `readBodyFields(request)` (JSON or urlencoded, size-limited). */
  readonly readBody?: (state: RequestState) => Promise<BodyFields>;
  readonly bodyLeftOnSocket?: () => boolean;
}

const NEVER = () => false;

/** The path of an absolute URL string without parsing it (the hot path runs this on every request). */
export function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start === -1) return '/';
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const ch = url.charCodeAt(i);
    if (ch === 63 /* ? */ || ch === 35 /* # */) {
      end = i;
      break;
    }
  }
  return url.slice(start, end);
}

export function createRequestState(core: CoreContext, request: Request, client: ClientInfo, extras: RequestExtras = {}): RequestState {
  const state: RequestState = {
    core,
    auth: core.auth,
    request,
    path: extras.path ?? pathOf(request.url),
    client,
    principal: null,
    memo: {},
    cookies: [],
    headers: [],
    body: undefined,
    readBody: extras.readBody ? () => extras.readBody!(state) : () => readBodyFields(request, core.auth.config.bodyLimitBytes),
    bodyLeftOnSocket: extras.bodyLeftOnSocket ?? NEVER,
  };
  return state;
}

/** The request body as fields, read and size-checked once however many steps ask. */
export function bodyOf(state: RequestState): Promise<BodyFields> {
  state.body ??= state.readBody();
  return state.body;
}
