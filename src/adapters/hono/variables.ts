/** @module The typed per-request variables Portcullis puts on a Hono context. */
import type { Context } from 'hono';
import type { Auth, Principal } from '../../create-auth.ts';
import type { BodyFields } from '../../core/input.ts';
import type { ClientInfo } from '../../core/request-context.ts';
import type { PublicUser } from '../../features/identity/index.ts';

/** Per-request state; lives on the context only, never in module scope. */
export interface RequestAuthState {
  readonly auth: Auth;
  readonly client: ClientInfo;
  /** Memoised session lookup: at most one per request. */
  sessionPrincipal: Promise<Principal | null> | undefined;
  principal: Principal | null;
  body: Promise<BodyFields> | undefined;
  /** The principal (null: an anonymous form) for whom this request passed the CSRF gate; unset until then. */
  csrfPassedFor?: Principal | null;
  /** The pre-session id handed out in this response (one per request, however many forms render). */
  preSessionId?: string;
  /** Set-Cookie values to append to whatever response goes out (pre-session, flash). */
  readonly pendingCookies: string[];
}

export interface AuthVariables {
  portcullis: RequestAuthState;
  /** The authenticated user, set by the `required` guard (null on public routes). */
  user: PublicUser | null;
  principal: Principal | null;
}

export type AuthEnv = { Variables: AuthVariables };
export type AuthContext = Context<AuthEnv>;

export function stateOf(c: Context): RequestAuthState {
  const state = (c as AuthContext).get('portcullis');
  if (!state) throw new Error('Portcullis middleware is not installed: app.use(auth.middleware()) before the routes');
  return state;
}
