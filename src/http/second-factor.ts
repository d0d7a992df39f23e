/**
 * @module The answer to a correct first factor when a second one is due: the pending sign-in's
 * own cookie and `200 {"mfa_required": true, "methods": […]}` (JSON) or a 303 to the second-factor
 * page (browsers) — never a session cookie. Shared by every first-factor route.
 */
import type { PendingSecondFactor } from '../auth.ts';
import { isJsonRequest, json, redirectAfterPost } from './respond.ts';
import type { RequestState } from './state.ts';

export function secondFactorDue(state: RequestState, pending: PendingSecondFactor, next: string | null): Response {
  state.cookies.push(state.auth.http.pendingSignInCookie(pending, state.client));
  if (isJsonRequest(state)) return json({ mfa_required: true, methods: pending.methods });
  const page = state.auth.config.pages.secondFactor;
  return redirectAfterPost(state, next ? `${page}?next=${encodeURIComponent(next)}` : page);
}
