/** @module The typed per-request variables Portcullis puts on a Hono context. */
import type { Context } from 'hono';
import type { Principal, PublicUser, http } from '../../index.ts';

/** The request core's state for this request; lives on the context only, never in module scope. */
export type RequestAuthState = http.RequestState;

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

/** Mirrors who the core says the request is onto `c.get('principal')` / `c.get('user')`. */
export function syncVariables(c: Context, state: RequestAuthState): void {
  const principal = state.principal;
  if (principal === (c as AuthContext).get('principal')) return;
  (c as AuthContext).set('principal', principal);
  (c as AuthContext).set('user', principal ? state.auth.access.publicUser(principal) : null);
}
