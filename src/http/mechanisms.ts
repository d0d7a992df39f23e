/**
 * @module Authentication in the request core: which principal a request carries, with the
 * mechanisms a route accepts. The order (token → session → basic) is `auth.http.authenticate`'s alone;
 * this memoises per request, so a principal found once is reused and the session looked up once.
 */
import type { Mechanism, Principal } from '../auth.ts';
import type { RequestState } from './state.ts';

export const SESSION_ONLY: readonly Mechanism[] = ['session'];

/** The principal of this request with one of `via`, or null; never a CSRF check (see csrf.ts). */
export async function identify(state: RequestState, via: readonly Mechanism[] = SESSION_ONLY): Promise<Principal | null> {
  const known = state.principal;
  if (known && via.includes(known.via)) return known;
  const principal = await state.auth.http.authenticate(state.request.headers, state.client, via, state.memo);
  if (principal) state.principal = principal;
  return principal;
}
