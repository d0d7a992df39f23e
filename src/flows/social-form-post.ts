/**
 * @module The first half of a form_post callback (docs/social-login.md, "Form post"): the provider's
 * page POSTs its answer cross-site, so no SameSite=Lax flow cookie rides it. Nothing is checked or
 * spent here — no cookie is read, no state taken: the answer is read strictly and sealed into a
 * short-lived one-time handle for the GET continuation, which a page of ours navigates to (a
 * same-site navigation: the flow cookie rides again) and where `completeSocialSignIn` runs every
 * check the GET callback runs. Who may POST here is therefore no question: anyone can, and gets a
 * handle worth nothing without the browser's flow cookie and its state.
 */
import { AuthError } from '../core/errors.ts';
import type { ClientInfo } from '../core/request-context.ts';
import { FORM_POST_HANDLE_TTL_MS, readFormPostAnswer, sealAnswer } from '../features/oauth/index.ts';
import { origin, type Kernel } from './kernel.ts';
import { providerClient, type SocialProviders } from './social-sign-in.ts';

/**
 * A provider's posted answer → the handle for the continuation. NOT_FOUND for an unconfigured name;
 * SOCIAL_SIGNIN_FAILED at a provider that answers by query; INVALID_INPUT for a malformed answer.
 */
export function acceptFormPost(kernel: Kernel, social: SocialProviders, name: string, fields: Readonly<Record<string, unknown>>, client: ClientInfo): string {
  const provider = providerClient(social, name);
  const refuse = (reason: 'response_mode_mismatch' | 'answer_malformed') =>
    kernel.emit({ type: 'oauth.failed', provider: name, reason, ...origin(client), atMs: kernel.clock.nowMs() });
  if (provider.provider.responseMode !== 'form_post') {
    refuse('response_mode_mismatch');
    throw new AuthError('SOCIAL_SIGNIN_FAILED');
  }
  const answer = readFormPostAnswer(fields);
  if ('refused' in answer) {
    refuse('answer_malformed');
    throw new AuthError('INVALID_INPUT', { message: answer.refused });
  }
  return sealAnswer(kernel.config.secretKey, kernel.random, name, answer, kernel.clock.nowMs() + FORM_POST_HANDLE_TTL_MS);
}
