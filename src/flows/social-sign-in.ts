/**
 * @module Social sign-in (OpenID Connect, GitHub): start — a signed flow cookie binding provider,
 * state, nonce and PKCE verifier to this browser — and the callback: the flow cookie judged
 * (provider-bound, state single use), the code exchanged and the ID token checked by the provider
 * client, then the linking rules. All under the client's attempt budget, so failed callbacks spend
 * the same budget failed logins do. A session is only ever issued through `completeSocialSignIn`.
 */
import { AuthError, UniqueViolationError } from '../core/errors.ts';
import type { OAuthFailureReason } from '../core/events.ts';
import { constantTimeEqual, createPublicId, createSecretToken, sha256Hex } from '../core/crypto/index.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { parseEmailAddress } from '../features/identity/index.ts';
import { answerAsQuery, openAnswer, openFlow, pkceChallengeOf, ProviderRefusal, sealFlow, type OAuthFlow, type ProviderClient, type ProviderProfile } from '../features/oauth/index.ts';
import { NO_PASSWORD_HASH } from '../features/passwords/index.ts';
import { checkSecret } from './credentials.ts';
import { origin, type Kernel } from './kernel.ts';
import { insertUser } from './sign-up.ts';
import { finishFirstFactor, type PendingSecondFactor } from './finish-first-factor.ts';
import type { StartedSession } from './start-session.ts';
import { accountEmailVerified, notifyIdentityChange } from './social-identities.ts';

/** The configured providers' clients and where each sends the browser back to. */
export interface SocialProviders {
  readonly clients: ReadonlyMap<string, ProviderClient>;
  redirectUri(name: string): string;
}

export interface StartedSocialSignIn {
  /** Where to send the browser: the provider's authorization endpoint. */
  readonly location: string;
  /** The flow cookie's value (set it HttpOnly, SameSite=Lax, for `maxAgeSeconds`). */
  readonly flowCookie: string;
  readonly maxAgeSeconds: number;
}

export type SocialSignInResult =
  | { readonly kind: 'signed-in'; readonly started: StartedSession; readonly next: string | null }
  /** The account has a second factor: only the pending sign-in (its own cookie), no session yet. */
  | { readonly kind: 'second-factor'; readonly pending: PendingSecondFactor; readonly next: string | null }
  | { readonly kind: 'linked'; readonly next: string | null };

export function providerClient(social: SocialProviders, name: string): ProviderClient {
  const client = social.clients.get(name);
  if (!client) throw new AuthError('NOT_FOUND');
  return client;
}

/**
 * A new sign-in (or, with `link`, a link for a signed-in user) at `name`: fresh state, nonce and
 * verifier from the kernel's random source. Only `next` (already judged safe) is taken from the
 * caller; nothing of the request (no login_hint, no prompt) is forwarded to the provider.
 */
export async function startSocialSignIn(
  kernel: Kernel,
  social: SocialProviders,
  name: string,
  options: { next: string | null; link: { userId: string; sessionId: string } | null },
  client: ClientInfo,
): Promise<StartedSocialSignIn> {
  const provider = providerClient(social, name);
  const nowMs = kernel.clock.nowMs();
  const flow: OAuthFlow = {
    provider: name,
    state: createSecretToken(kernel.random),
    nonce: createSecretToken(kernel.random),
    codeVerifier: createSecretToken(kernel.random),
    next: options.next,
    link: options.link,
    expiresAtMs: nowMs + kernel.config.oauth.flowTtlMs,
  };
  let url: URL;
  try {
    url = await provider.authorizationUrl({ state: flow.state, nonce: flow.nonce, codeChallenge: await pkceChallengeOf(flow.codeVerifier), redirectUri: social.redirectUri(name) });
  } catch (error) {
    kernel.emit({ type: 'oauth.failed', provider: name, reason: 'unreachable', ...origin(client), atMs: nowMs });
    throw new AuthError('SERVICE_UNAVAILABLE', { cause: error, retryAfterSeconds: 30 });
  }
  return { location: url.href, flowCookie: sealFlow(kernel.config.secretKey, flow), maxAgeSeconds: Math.floor(kernel.config.oauth.flowTtlMs / 1000) };
}

/**
 * How the provider's answer reached the callback: in the query of a GET (`query` providers), or
 * POSTed by the provider's page and carried on to the GET continuation in a sealed one-time handle
 * (`form_post` providers: flows/social-form-post.ts). Each provider answers one way only.
 */
export type CallbackAnswer = { readonly via: 'query'; readonly query: URLSearchParams } | { readonly via: 'form_post'; readonly handle: string };

type Verdict =
  | { readonly ok: true; readonly flow: OAuthFlow; readonly profile: ProviderProfile }
  | { readonly ok: false; readonly reason: OAuthFailureReason; readonly userId?: string };

/** The answer's parameters: the query as sent, or what the handle holds (once: a replayed handle is refused). */
async function answerParams(kernel: Kernel, name: string, answer: CallbackAnswer): Promise<URLSearchParams | OAuthFailureReason> {
  if (answer.via === 'query') return answer.query;
  const opened = openAnswer(kernel.config.secretKey, name, answer.handle, kernel.clock.nowMs());
  if (!opened) return 'handoff_invalid';
  const use = await kernel.counters.reserve(`oauth-handoff:${opened.id}`, 1, kernel.config.oauth.flowTtlMs);
  return use.granted ? answerAsQuery(opened.answer) : 'handoff_replayed';
}

/**
 * The callback's checks before any account is touched: response mode, flow cookie, provider, the
 * answer (a form_post handle once), state (single use), provider error, code exchange.
 */
async function verifyCallback(kernel: Kernel, client: ProviderClient, name: string, redirectUri: string, answer: CallbackAnswer, flowCookie: string | undefined): Promise<Verdict> {
  // A form_post provider's answer never comes as a query, nor a query provider's as a handle: refused before the state is spent.
  if (client.provider.responseMode !== answer.via) return { ok: false, reason: 'response_mode_mismatch' };
  const flow = openFlow(kernel.config.secretKey, flowCookie, kernel.clock.nowMs());
  if (!flow) return { ok: false, reason: 'flow_missing' };
  if (flow.provider !== name) return { ok: false, reason: 'provider_mismatch' };
  const params = await answerParams(kernel, name, answer);
  if (typeof params === 'string') return { ok: false, reason: params };
  const state = params.get('state') ?? '';
  if (!constantTimeEqual(state, flow.state)) return { ok: false, reason: 'state_mismatch' };
  // Single use, across processes: the first callback with this state takes it; a replay finds it taken.
  const use = await kernel.counters.reserve(`oauth-state:${sha256Hex(flow.state)}`, 1, kernel.config.oauth.flowTtlMs);
  if (!use.granted) return { ok: false, reason: 'state_replayed' };
  if (params.has('error')) return { ok: false, reason: 'provider_error' };
  const callbackUrl = new URL(redirectUri);
  for (const [key, value] of params) callbackUrl.searchParams.append(key, value);
  try {
    const profile = await client.exchangeCode({ callbackUrl, state: flow.state, nonce: flow.nonce, codeVerifier: flow.codeVerifier });
    return { ok: true, flow, profile };
  } catch (error) {
    if (error instanceof ProviderRefusal) return { ok: false, reason: error.reason };
    throw error;
  }
}

/**
 * The callback: the provider's `answer`, `flowCookie` as this browser holds it. Signs in
 * (or links, for a flow started from the account page) or throws SOCIAL_SIGNIN_FAILED /
 * SOCIAL_ACCOUNT_EXISTS / IDENTITY_TAKEN / RATE_LIMITED — with nothing written on a refusal.
 */
export async function completeSocialSignIn(
  kernel: Kernel,
  social: SocialProviders,
  name: string,
  answer: CallbackAnswer,
  flowCookie: string | undefined,
  client: ClientInfo,
): Promise<SocialSignInResult> {
  const provider = providerClient(social, name);
  const fail = (reason: OAuthFailureReason, userId?: string, code: 'SOCIAL_SIGNIN_FAILED' | 'SOCIAL_ACCOUNT_EXISTS' | 'IDENTITY_TAKEN' = 'SOCIAL_SIGNIN_FAILED') => {
    kernel.emit({ type: 'oauth.failed', provider: name, reason, ...(userId ? { userId } : {}), ...origin(client), atMs: kernel.clock.nowMs() });
    return new AuthError(code);
  };
  const check = await checkSecret(
    kernel,
    { subject: null, client, honourKnownDevice: false },
    () => verifyCallback(kernel, provider, name, social.redirectUri(name), answer, flowCookie),
    (verdict) => verdict.ok,
  );
  if (check.refused) {
    kernel.emit({ type: 'oauth.failed', provider: name, reason: check.reason, ...origin(client), atMs: kernel.clock.nowMs() });
    throw new AuthError('RATE_LIMITED', { retryAfterSeconds: check.retryAfterSeconds });
  }
  const verdict = check.result;
  if (!verdict.ok) throw fail(verdict.reason);
  const { flow, profile } = verdict;
  if (flow.link) return linkIdentity(kernel, name, profile, flow, client, fail);

  const known = await kernel.stores.identities.findIdentity(profile.issuer, profile.subject);
  if (known) {
    const user = await kernel.stores.users.findUserById(known.userId);
    if (!user?.active) throw fail('inactive', known.userId);
    await kernel.stores.identities.recordIdentityUse(known.id, { atMs: kernel.clock.nowMs(), email: profile.email, emailVerified: profile.emailVerified });
    return signedIn(kernel, name, user, false, flow, client);
  }
  // The address policy of registration: one plain mailbox, no look-alikes, IDN as punycode.
  const address = parseEmailAddress(profile.email ?? '');
  if (!address.ok) throw fail('no_email');
  const holder = await kernel.stores.users.findUserByEmailKey(address.key);
  if (holder) {
    // A concurrent first sign-in of this same provider account may have made the holder a moment
    // ago (after our lookup above): then it is this identity's own account.
    const raced = await kernel.stores.identities.findIdentity(profile.issuer, profile.subject);
    if (raced?.userId === holder.id && holder.active) return signedIn(kernel, name, holder, false, flow, client);
    // Never linked silently. OAUTH_AUTOLINK=verified: only when the provider verified the address
    // (boolean true) and the account's own address is verified too.
    const autolink = kernel.config.oauth.autolink === 'verified' && profile.emailVerified && holder.active && (await accountEmailVerified(kernel, holder));
    if (!autolink) throw fail('account_exists', holder.id, 'SOCIAL_ACCOUNT_EXISTS');
    await addIdentity(kernel, holder, name, profile, 'autolink', client, fail);
    return signedIn(kernel, name, holder, false, flow, client);
  }
  const created = await createSocialUser(kernel, name, profile, address.address, client, fail);
  if (created) return signedIn(kernel, name, created, true, flow, client);
  // The same provider account finished another callback a moment ago (two tabs): sign in as that account.
  const raced = await kernel.stores.identities.findIdentity(profile.issuer, profile.subject);
  const user = raced ? await kernel.stores.users.findUserById(raced.userId) : undefined;
  if (!user?.active) throw fail('identity_taken', undefined, 'IDENTITY_TAKEN');
  return signedIn(kernel, name, user, false, flow, client);
}

/** The (issuer, subject) was stored by a concurrent callback between our lookup and our write. */
class IdentityRace extends Error {}

type Fail = (reason: OAuthFailureReason, userId?: string, code?: 'SOCIAL_SIGNIN_FAILED' | 'SOCIAL_ACCOUNT_EXISTS' | 'IDENTITY_TAKEN') => AuthError;

/**
 * The one place a social sign-in becomes a session — through the first-factor step every way in
 * shares: a user with a second factor gets only the pending second-factor sign-in.
 */
async function signedIn(kernel: Kernel, name: string, user: UserRecord, created: boolean, flow: OAuthFlow, client: ClientInfo): Promise<SocialSignInResult> {
  const outcome = await finishFirstFactor(kernel, user, client, false, 'oidc');
  kernel.emit({ type: 'oauth.succeeded', userId: user.id, provider: name, created, ...origin(client), atMs: kernel.clock.nowMs() });
  if (outcome.kind === 'second-factor') return { kind: 'second-factor', pending: outcome.pending, next: flow.next };
  return { kind: 'signed-in', started: outcome.started, next: flow.next };
}

function identityOf(kernel: Kernel, name: string, profile: ProviderProfile) {
  const nowMs = kernel.clock.nowMs();
  return {
    id: createPublicId(kernel.random),
    provider: name,
    issuer: profile.issuer,
    subject: profile.subject,
    email: profile.email,
    emailVerified: profile.emailVerified,
    createdAtMs: nowMs,
    lastUsedAtMs: nowMs,
  };
}

/**
 * A new account for a new (issuer, subject): user and identity in one write, through registration's
 * one create path. Undefined when a concurrent callback stored the same identity first.
 */
async function createSocialUser(kernel: Kernel, name: string, profile: ProviderProfile, email: string, client: ClientInfo, fail: Fail): Promise<UserRecord | undefined> {
  const identity = identityOf(kernel, name, profile);
  // Confirmed only on the provider's word `email_verified: true` (the boolean); otherwise it waits for our own confirmation.
  const account = { email, username: null, passwordHash: NO_PASSWORD_HASH, emailConfirmedAtMs: profile.emailVerified ? kernel.clock.nowMs() : null };
  try {
    return await insertUser(kernel, account, client, (user) =>
      kernel.stores.identities.createUserWithIdentity(user, identity).catch((error: unknown) => {
        throw error instanceof UniqueViolationError && error.key === 'other' ? new IdentityRace() : error;
      }),
    );
  } catch (error) {
    if (error instanceof IdentityRace) return undefined;
    if (error instanceof AuthError && error.code === 'INVALID_INPUT') {
      // The address was taken a moment ago — by a concurrent first sign-in of this same provider
      // account (its user row commits first), or by someone else: never linked silently either.
      if (await kernel.stores.identities.findIdentity(profile.issuer, profile.subject)) return undefined;
      throw fail('account_exists', undefined, 'SOCIAL_ACCOUNT_EXISTS');
    }
    throw error;
  }
}

async function addIdentity(kernel: Kernel, user: UserRecord, name: string, profile: ProviderProfile, by: 'user' | 'autolink', client: ClientInfo, fail: Fail): Promise<void> {
  try {
    await kernel.stores.identities.createIdentity({ ...identityOf(kernel, name, profile), userId: user.id });
  } catch (error) {
    if (error instanceof UniqueViolationError) throw fail('identity_taken', user.id, 'IDENTITY_TAKEN');
    throw error;
  }
  kernel.emit({ type: 'identity.linked', userId: user.id, provider: name, by, ...origin(client), atMs: kernel.clock.nowMs() });
  notifyIdentityChange(kernel, user, name, 'linked');
}

/** A link started from the account page: the session that asked must still be there. */
async function linkIdentity(kernel: Kernel, name: string, profile: ProviderProfile, flow: OAuthFlow, client: ClientInfo, fail: Fail): Promise<SocialSignInResult> {
  const link = flow.link as NonNullable<OAuthFlow['link']>;
  const user = await kernel.stores.users.findUserById(link.userId);
  const sessions = user?.active ? await kernel.stores.sessions.listSessionsOfUser(link.userId) : [];
  if (!user || !sessions.some((session) => session.id === link.sessionId && session.uniquifier === user.uniquifier)) throw fail('link_session_gone', link.userId);
  const known = await kernel.stores.identities.findIdentity(profile.issuer, profile.subject);
  if (known) {
    if (known.userId !== user.id) throw fail('identity_taken', user.id, 'IDENTITY_TAKEN');
    return { kind: 'linked', next: flow.next };
  }
  await addIdentity(kernel, user, name, profile, 'user', client, fail);
  return { kind: 'linked', next: flow.next };
}
