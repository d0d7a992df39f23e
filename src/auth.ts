/**
 * @module The framework-free `Auth` that `createAuth` returns, and its options: the contract the
 * adapters (Hono, Express, Fastify), the reference app and the CLI program against. Grouped by
 * concern (`auth.sessions`, `auth.passwords`, `auth.tokens`, `auth.admin`, …); it never hands out
 * the stores or the event emitter — a caller that needs them is a missing flow.
 */
import type { JWK } from 'jose';
import type { Clock } from './core/clock.ts';
import type { AuthConfig, AuthOptions, RateLimitRule } from './core/config.ts';
import type { EventSink } from './core/events.ts';
import type { BodyFields } from './core/input.ts';
import type { InvalidationBus } from './core/invalidation.ts';
import type { RandomSource } from './core/crypto/index.ts';
import type { ClientInfo } from './core/request-context.ts';
import type { AuditQuery, AuditRecord, CounterStore, RoleRecord, Stores } from './core/stores.ts';
import type { SecurityLogger } from './features/audit/index.ts';
import type { CsrfBinding } from './features/csrf/index.ts';
import type { PublicUser } from './features/identity/index.ts';
import type { Mailer } from './features/mail/index.ts';
import type { PasswordHasher, PasswordValidator } from './features/passwords/index.ts';
import type { RateLimitDecision } from './features/ratelimit/index.ts';
import type { FreshnessRule } from './features/sessions/index.ts';
import type { UserSummary } from './flows/administer-users.ts';
import type { ApiTokenSummary } from './flows/api-tokens.ts';
import type { ImportUserInput } from './flows/import-user.ts';
import type { Mechanism, Principal } from './flows/kernel.ts';
import type { SessionSummary } from './flows/manage-sessions.ts';
import type { StartedSession } from './flows/start-session.ts';
import type { RegistrationPending } from './flows/sign-up.ts';
import type { TokenPair } from './flows/tokens.ts';
import type { ProviderFetch } from './features/oauth/index.ts';
import type { IdentitySummary } from './flows/social-identities.ts';
import type { CallbackAnswer, SocialSignInResult, StartedSocialSignIn } from './flows/social-sign-in.ts';

/** The types of the contract, re-exported so that callers of `Auth` (src/http) need no other import. */
export type { ImportUserInput, Mechanism, Principal, PublicUser, RateLimitRule, RegistrationPending, StartedSession, UserSummary };
export type { IdentitySummary, ProviderFetch, SocialSignInResult, StartedSocialSignIn };
import type { FirstFactorOutcome, PendingSecondFactor } from './flows/finish-first-factor.ts';
import type { MfaStatus, PasskeySummary, TotpSetup } from './flows/mfa-enrolment.ts';
import type { RegisteredPasskeyResult } from './flows/passkeys.ts';
import type { DeviceSummary, RememberedDevice } from './flows/trusted-devices.ts';
import type { SecondFactorMethod } from './flows/second-factor-check.ts';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from './features/mfa/index.ts';

export type { DeviceSummary, FirstFactorOutcome, MfaStatus, PendingSecondFactor, RememberedDevice, SecondFactorMethod, TotpSetup };
export type { PasskeySummary, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegisteredPasskeyResult };

export interface CreateAuthOptions extends AuthOptions {
  readonly stores: Stores;
  /** Counters for rate limits and lock-outs; default in-process (give a Redis one for several processes). */
  readonly counters?: CounterStore;
  /**
   * Ed25519 private keys (PKCS#8 PEM) for access tokens: the first signs, the others verify
   * (rotation). Absent: one is generated per process — fine for one process, not for several.
   */
  readonly tokenSigningKeys?: readonly string[];
  /**
   * Announces cache invalidations to the other processes (Redis pub/sub: createRedisInvalidationBus),
   * so a change made on one process reaches bearer-token checks on every other at once.
   */
  readonly invalidationBus?: InvalidationBus;
  /** Collect Prometheus metrics (see `auth.renderMetrics`); off by default. */
  readonly metrics?: boolean;
  /** Sends the password-reset e-mails; without one they are dropped with a warning. */
  readonly mailer?: Mailer;
  /** Your own password rules, run after the defaults (length, blocklist, strength, breach check). */
  readonly passwordValidators?: readonly PasswordValidator[];
  /** Applied before verifying imported legacy hashes, e.g. Flask-Security's `flaskSecurityPasswordHmac`. */
  readonly transformLegacyPassword?: (password: string) => string;
  readonly clock?: Clock;
  /** Default: a pooled CSPRNG of this Auth's own, wiped by `auth.close()`. */
  readonly random?: RandomSource;
  /**
   * Default: argon2id in the process's hashing pool (shared by every Auth with the same pool
   * settings), held by this Auth until `auth.close()`. A hasher given here is yours to close.
   */
  readonly hasher?: PasswordHasher;
  /** Listeners for security events (metrics, hooks); more with `auth.events.on`. The audit log is always one of them. */
  readonly onEvent?: EventSink | readonly EventSink[];
  /** Where audit lines go; default: pino JSON on stdout under the `security` logger. */
  readonly securityLogger?: SecurityLogger;
  /** Every request to a social sign-in provider goes through this fetch (an egress proxy); default: global fetch. */
  readonly oauthFetch?: ProviderFetch;
}

/** What the CSRF check needs of a request. */
export interface CsrfRequest {
  readonly headers: Headers;
  readonly path: string;
  /** From `X-CSRF-Token` or the `csrf_token` form field. */
  readonly token: unknown;
  /** The session's principal, or null for an anonymous form (checked against the pre-session cookie). */
  readonly principal: Principal | null;
  readonly client: ClientInfo;
  /** JSON login/registration: the origin check alone (no token exists before a session). */
  readonly originOnly?: boolean;
}

/**
 * Memo of one request's authentication: the session lookup runs at most once per request, however
 * many guards ask (with whatever mechanisms). Keep one per request, never across requests.
 */
export interface AuthenticationMemo {
  session?: Promise<Principal | null>;
}

/** Where one request comes from, as the socket reports it. */
export interface PeerInfo {
  readonly address: string;
  readonly secure: boolean;
}

/**
 * What the request core (src/http) and the framework adapters drive: identifying the client,
 * authentication, the session and CSRF cookies, the CSRF decision and rate limits. Applications
 * rarely need it: they use `handler(auth)` or an adapter.
 */
export interface AuthHttp {
  /** The client's IP and scheme, believing proxies only as TRUST_PROXY says. */
  resolveClient(peer: PeerInfo, headers: Headers): ClientInfo;
  /**
   * Tries the allowed mechanisms in the fixed order token → session → basic (the one place that
   * order lives). With a per-request `memo`, the session is looked up at most once.
   */
  authenticate(headers: Headers, client: ClientInfo, via: readonly Mechanism[], memo?: AuthenticationMemo): Promise<Principal | null>;
  /** Whether the request carries a session cookie at all (valid or not). */
  hasSessionCookie(headers: Headers, client: ClientInfo): boolean;
  sessionCookie(started: StartedSession, client: ClientInfo): string;
  clearSessionCookie(client: ClientInfo): string;
  /** The pre-session id from the cookie, or a new one (with the Set-Cookie to send). */
  preSession(headers: Headers, client: ClientInfo): { id: string; setCookie: string | null };
  csrfToken(binding: CsrfBinding): string;
  /**
   * The CSRF decision for one unsafe request riding ambient credentials (or a pre-session form):
   * origin / fetch-metadata first, then the token. Emits `csrf.failed`; true when it passes.
   */
  checkCsrf(request: CsrfRequest): boolean;
  /** Whether requests authenticated this way need a CSRF token (CSRF_MECHANISMS; never bearer). */
  needsCsrf(via: Mechanism): boolean;
  /** The JS-readable `XSRF-TOKEN` cookie (double submit for SPAs), when enabled. */
  xsrfCookie(token: string, client: ClientInfo): string | null;
  /** The pending sign-in's own cookie (HttpOnly, short-lived): never a session cookie, read by no guard. */
  pendingSignInCookie(pending: PendingSecondFactor, client: ClientInfo): string;
  clearPendingSignInCookie(client: ClientInfo): string;
  /** The pending sign-in cookie's value, if the request carries one (checked by `auth.mfa`). */
  readPendingSignIn(headers: Headers, client: ClientInfo): string | undefined;
  /**
   * The remembered-device cookie (MFA_REMEMBER_DEVICE): HttpOnly, the session cookie's SameSite and
   * Secure, until the device expires. `resolveClient` reads it back into `ClientInfo.deviceMark`.
   */
  deviceMarkCookie(device: RememberedDevice, client: ClientInfo): string;
  clearDeviceMarkCookie(client: ClientInfo): string;
  /** The Set-Cookie that deletes the `XSRF-TOKEN` cookie, when enabled. */
  clearXsrfCookie(client: ClientInfo): string | null;
  /** Counts one attempt on a rate-limited route for this client; the decision and its headers. */
  rateLimit(route: string, rule: RateLimitRule, client: ClientInfo): Promise<{ decision: RateLimitDecision; headers: ReadonlyArray<readonly [string, string]> }>;
}

/** Signing up, in and out; the principal's sessions. */
export interface AuthSessions {
  /**
   * Sign-up and sign-in. `previous`: whoever this browser was signed in as; once the new session
   * exists, the previous session is deleted server-side (one browser, one live session). While
   * EMAIL_CONFIRMATION is `required`, registration starts no session: it answers RegistrationPending
   * (`{ pending: 'confirmation', message }`) and mails a link.
   */
  register(body: BodyFields, client: ClientInfo, previous?: Principal | null): Promise<StartedSession | RegistrationPending>;
  /**
   * A password login for a library caller that has no second step to offer: an account with a
   * second factor is refused with MFA_REQUIRED (after its password was right). Routes use `signIn`.
   */
  login(body: BodyFields, client: ClientInfo, previous?: Principal | null): Promise<StartedSession>;
  /** A password login: a session, or — for an account with a second factor — the pending second-factor step (no session). */
  signIn(body: BodyFields, client: ClientInfo, previous?: Principal | null): Promise<FirstFactorOutcome>;
  logout(principal: Principal | null, client: ClientInfo): Promise<void>;
  /**
   * `/auth/verify`: the password again makes the session fresh under a new cookie token (the old
   * cookie value stops working at once). Set the returned session's cookie on the response. With
   * `code` (and `method`: `totp`, `recovery_code`) instead of `password`: a step-up — the second factor
   * raises the session to AAL2 and makes it fresh at level 2.
   */
  verify(principal: Principal, body: BodyFields, client: ClientInfo): Promise<StartedSession>;
  isFresh(principal: Principal, rule?: Partial<FreshnessRule>): Promise<boolean>;
  /** The principal's own sessions, the current one marked. */
  list(principal: Principal): Promise<SessionSummary[]>;
  /** The principal's remembered devices (MFA_REMEMBER_DEVICE), newest first; `current` when `client` holds that device's mark. */
  devices(principal: Principal, client?: ClientInfo): Promise<DeviceSummary[]>;
  /** Forgets one remembered device of the principal: its mark skips nothing from now on. NOT_FOUND for anyone else's. */
  forgetDevice(principal: Principal, deviceId: string, client: ClientInfo): Promise<void>;
  revoke(principal: Principal, sessionId: string, client: ClientInfo): Promise<void>;
  /** Ends every session of the principal but the current one; how many ended. */
  revokeOthers(principal: Principal, client: ClientInfo): Promise<number>;
}

/**
 * Questions about a principal that need no I/O: its roles and permissions (as loaded with it),
 * ownership, and what of it may be shown. Whatever proved it — session, token or basic.
 */
export interface AuthAccess {
  hasAllRoles(principal: Principal, roles: readonly string[]): boolean;
  hasAnyRole(principal: Principal, roles: readonly string[]): boolean;
  hasAllPermissions(principal: Principal, permissions: readonly string[]): boolean;
  isOwnerOrAdmin(principal: Principal, ownerId: string): boolean;
  /** The user as the API shows it: id, e-mail, username, roles, active — never a hash or the uniquifier. */
  publicUser(principal: Principal): PublicUser;
}

/** A user's own password: change it (fresh session), or reset it by e-mail. */
export interface AuthPasswords {
  /** `POST /auth/change-password` (fresh session): returns the new session for this client. */
  change(principal: Principal, body: BodyFields, client: ClientInfo): Promise<StartedSession>;
  /**
   * `POST /auth/forgot-password`: always the same answer (returned: the sentence to show); the
   * work happens in the background (`auth.flush()` waits for it).
   */
  requestReset(body: BodyFields, client: ClientInfo): { readonly message: string };
  reset(body: BodyFields, client: ClientInfo): Promise<void>;
}

/** Verified identity: confirming the address (EMAIL_CONFIRMATION); docs/identity.md. */
export interface AuthIdentity {
  /**
   * `POST /auth/confirm`: spends the link and confirms the address it was sent to; with
   * `identity.signInOnConfirm`, also a new session for this browser (`started`).
   */
  confirm(body: BodyFields, client: ClientInfo, previous?: Principal | null): Promise<{ user: PublicUser; started: StartedSession | null }>;
  /** `POST /auth/confirm/resend`: the same answer for every address; the work happens in the background. */
  resendConfirmation(body: BodyFields, client: ClientInfo): { readonly message: string };
  /** Whether to show the "confirm your address" banner: confirmation is `optional` and this user's address is unconfirmed. */
  showsConfirmationBanner(principal: Principal): boolean;
  /**
   * `POST /auth/change-email` (fresh session): the same answer whether the new address is free or
   * held by another account; a free one gets a single-use link (work in the background).
   */
  requestEmailChange(principal: Principal, body: BodyFields, client: ClientInfo): { readonly message: string };
  /** `POST /auth/change-email/confirm`: spends the link; the account moves to the new address (the old one is told). */
  confirmEmailChange(body: BodyFields, client: ClientInfo): Promise<PublicUser>;
  /**
   * `POST /auth/email-signin` (EMAIL_SIGNIN): the same answer for every address; a known, active
   * one gets a code and a link bound to `preSessionId`, the asking browser (work in the background).
   */
  requestEmailSignIn(body: BodyFields, client: ClientInfo, preSessionId: string): { readonly message: string };
  /** `POST /auth/email-signin/verify`: the code (or the link's token) from the browser that asked; like a password login. */
  verifyEmailSignIn(body: BodyFields, client: ClientInfo, preSessionId: string | undefined, previous?: Principal | null): Promise<FirstFactorOutcome>;
}

/** Bearer credentials: access/refresh pairs, their signing keys, personal access tokens. */
export interface AuthTokens {
  /** `POST /auth/token`: credentials → access/refresh pair (lockout applies). */
  issue(body: BodyFields, client: ClientInfo): Promise<TokenPair>;
  /** `POST /auth/token/refresh`: rotate; reuse kills the family. */
  refresh(body: BodyFields, client: ClientInfo): Promise<TokenPair>;
  revokeRefresh(body: BodyFields, client: ClientInfo): Promise<void>;
  /** The public signing keys, for `/.well-known/jwks.json`. */
  jwks(): Promise<{ readonly keys: readonly JWK[] }>;
  createApiToken(principal: Principal, body: BodyFields, client: ClientInfo): Promise<{ token: string; summary: ApiTokenSummary }>;
  listApiTokens(principal: Principal): Promise<ApiTokenSummary[]>;
  revokeApiToken(principal: Principal, id: string, client: ClientInfo): Promise<void>;
}

/**
 * Administration (the admin area, the CLI). Every change goes through a flow: checked, audited with
 * its actor, and dropped from the per-process caches (here and, through the invalidation bus, on
 * every other process), so it reaches the next request — Bearer ones included — at once.
 */
export interface AuthAdmin {
  listUsers(query: { search?: string; offset: number; limit: number }): Promise<{ rows: UserSummary[]; total: number }>;
  /** One user by id, e-mail or username (any case); undefined when there is none. */
  findUser(query: { id: string } | { email: string } | { username: string }): Promise<UserSummary | undefined>;
  listRoles(): Promise<readonly RoleRecord[]>;
  /**
   * Defines a role or replaces an existing one's description and permissions (`role.upserted`);
   * every holder's new permissions apply from the next request. INVALID_INPUT for a bad name or permission.
   */
  upsertRole(actor: Principal, role: RoleRecord, client: ClientInfo): Promise<'created' | 'updated'>;
  /** Adding a role ends the user's sessions (a new privilege only under a new login). */
  grantRole(actor: Principal, userId: string, role: string, client: ClientInfo): Promise<void>;
  revokeRole(actor: Principal, userId: string, role: string, client: ClientInfo): Promise<void>;
  /** Deactivation ends every session and token of the user at once. */
  setUserActive(actor: Principal, userId: string, active: boolean, client: ClientInfo): Promise<void>;
  /** Clears the login lock-out of the user's e-mail and username. */
  unlockUser(actor: Principal, userId: string, client: ClientInfo): Promise<void>;
  /** Ends every session and token of the user; the account stays active. */
  revokeUserCredentials(actor: Principal, userId: string, client: ClientInfo): Promise<void>;
  /** Ends every session of the user (tokens stay); how many ended. Audited as `session.revoked` `*all*`. */
  revokeUserSessions(actor: Principal, userId: string, client: ClientInfo): Promise<number>;
  /** Creates a user as registration does (the same checks, policy and `user.registered` event); no session is made. */
  createUser(input: { email: string; username?: string | null; password: string }, client: ClientInfo): Promise<PublicUser>;
  /**
   * Creates a user with a password hash from another system (a supported legacy format or argon2id
   * within caps), through registration's create path: the same e-mail and username rules, the
   * same duplicate errors, bootstrap admin and `user.registered` event. The first login verifies
   * the hash and replaces it with ours. `format` names the hash's scheme.
   */
  importUser(input: ImportUserInput, client: ClientInfo): Promise<{ user: PublicUser; format: string }>;
  /** Sets a user's password: the policy applies; every session and token of the user dies. */
  setPassword(userId: string, password: string, client: ClientInfo): Promise<void>;
  /** Removes every second factor of a user (a lost device): audited as `mfa.reset` with the actor. */
  resetSecondFactors(actor: Principal, userId: string, client: ClientInfo): Promise<void>;
  /** The audit trail, newest first (queued events are stored first). */
  listAudit(query: AuditQuery): Promise<{ records: readonly AuditRecord[]; total: number }>;
}

/**
 * Social sign-in (docs/social-login.md): starting a sign-in or a link at a configured provider, the
 * callback, and the user's linked identities. The flow cookie binds a sign-in to the browser that
 * started it; `flowCookie*` write and read it.
 */
export interface AuthSocial {
  /** The configured providers, in button order. */
  providers(): readonly { readonly name: string; readonly label: string }[];
  /** `GET /auth/oauth/:provider`: NOT_FOUND for an unconfigured name. `next` must already be judged safe (or null). */
  start(name: string, next: string | null, client: ClientInfo): Promise<StartedSocialSignIn>;
  /** `POST /auth/identities/:provider/link` (fresh session): the same start, remembering whose session asked. */
  startLink(principal: Principal, name: string, next: string | null, client: ClientInfo): Promise<StartedSocialSignIn>;
  /**
   * `GET /auth/oauth/:provider/callback` (the query) and its form_post continuation (the handle):
   * signs in (or links), or throws SOCIAL_SIGNIN_FAILED, SOCIAL_ACCOUNT_EXISTS, IDENTITY_TAKEN,
   * RATE_LIMITED. `previous`: as for `sessions.login`.
   */
  callback(name: string, answer: CallbackAnswer, flowCookie: string | undefined, client: ClientInfo, previous?: Principal | null): Promise<SocialSignInResult>;
  /**
   * `POST /auth/oauth/:provider/callback` (form_post providers): the posted answer, sealed into the
   * one-time handle for the continuation. Reads no cookie and changes nothing. NOT_FOUND,
   * SOCIAL_SIGNIN_FAILED (a provider that answers by query), INVALID_INPUT (a malformed answer).
   */
  acceptFormPost(name: string, fields: Readonly<Record<string, unknown>>, client: ClientInfo): string;
  identities(principal: Principal): Promise<IdentitySummary[]>;
  /** LAST_SIGN_IN_METHOD when it is the account's only way in; NOT_FOUND for anyone else's. */
  unlink(principal: Principal, id: string, client: ClientInfo): Promise<void>;
  flowCookie(started: StartedSocialSignIn, client: ClientInfo): string;
  readFlowCookie(headers: Headers, client: ClientInfo): string | undefined;
  clearFlowCookie(client: ClientInfo): string;
}

/** Second factors: one's own (enrolment under a fresh login) and finishing a pending sign-in. */
export interface AuthMfa {
  status(principal: Principal): Promise<MfaStatus>;
  setUpTotp(principal: Principal): Promise<TotpSetup>;
  /** The first code confirms the app; the first factor also returns ten recovery codes (shown once). */
  confirmTotp(principal: Principal, body: BodyFields, client: ClientInfo): Promise<{ recoveryCodes: string[] | null; session: StartedSession | null }>;
  /**
   * Under MFA_REQUIRED_ROLES: what the principal must do before a guarded route — `enrol` (403
   * MFA_ENROLLMENT_REQUIRED), `step-up` (this session was made without the user's second factor:
   * REAUTH_REQUIRED, then `/auth/verify` with a code), or `none`.
   */
  requirement(principal: Principal): Promise<'none' | 'enrol' | 'step-up'>;
  removeTotp(principal: Principal, client: ClientInfo): Promise<void>;
  regenerateRecoveryCodes(principal: Principal, client: ClientInfo): Promise<string[]>;
  /** What the second-factor step offers for the pending sign-in `token`; undefined when there is none. */
  pendingMethods(token: string | undefined): Promise<readonly SecondFactorMethod[] | undefined>;
  /**
   * `POST /auth/mfa/verify`: a code for the pending sign-in `token` → the session. UNAUTHENTICATED: the
   * pending sign-in is gone (start over); INVALID_CREDENTIALS: wrong code; RATE_LIMITED: the account's MFA budget is spent.
   * With `remember_device` (and MFA_REMEMBER_DEVICE on), also `device`: set its cookie (`http.deviceMarkCookie`).
   */
  completeSignIn(
    token: string | undefined,
    body: BodyFields,
    client: ClientInfo,
    previous?: Principal | null,
  ): Promise<StartedSession & { readonly device: RememberedDevice | null }>;
}

/**
 * Passkeys (WebAuthn; docs/mfa.md): one's own (registration under a fresh login), as a second
 * factor, for step-up, and for passwordless sign-in. The RP ID and origin come from PUBLIC_URL; when
 * its host is an IP address, passkeys are off and every method answers NOT_FOUND.
 */
export interface AuthPasskeys {
  /** Whether passkeys can work here (PUBLIC_URL names a domain, e.g. `localhost`). */
  available(): boolean;
  /** `POST /auth/passkeys/register/options`: options for `navigator.credentials.create`, bound to this session. */
  creationOptions(principal: Principal): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /** `POST /auth/passkeys/register`: `response` (RegistrationResponseJSON) and optional `name`. */
  register(principal: Principal, body: BodyFields, client: ClientInfo): Promise<RegisteredPasskeyResult>;
  list(principal: Principal): Promise<PasskeySummary[]>;
  /** NOT_FOUND for anyone else's passkey. */
  rename(principal: Principal, id: string, body: BodyFields, client: ClientInfo): Promise<PasskeySummary>;
  /** NOT_FOUND for anyone else's passkey; LAST_SIGN_IN_METHOD when it is the account's only way in. */
  remove(principal: Principal, id: string, client: ClientInfo): Promise<void>;
  /** `POST /auth/mfa/passkey/options` for the pending sign-in `token` (UNAUTHENTICATED without one). */
  secondFactorOptions(token: string | undefined): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** The same route on a session: options for a step-up (`/auth/verify` with `method: passkey`). */
  stepUpOptions(principal: Principal): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** `POST /auth/passkeys/login/options`: bound to the browser's pre-session. */
  signInOptions(preSessionId: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** `POST /auth/passkeys/login`: like a login (a session, AAL2); `preSessionId` undefined when the browser has none. */
  signIn(body: BodyFields, client: ClientInfo, preSessionId: string | undefined, previous?: Principal | null): Promise<FirstFactorOutcome>;
}

/** Listening to security events (the audit log always listens). */
export interface AuthEvents {
  /** Adds a listener; returns the function that removes it. A sink must not throw (if it does, the others still run). */
  on(sink: EventSink): () => void;
}

export interface Auth {
  /** The parsed, validated, frozen configuration. */
  readonly config: AuthConfig;
  readonly http: AuthHttp;
  readonly sessions: AuthSessions;
  readonly access: AuthAccess;
  readonly passwords: AuthPasswords;
  readonly identity: AuthIdentity;
  readonly tokens: AuthTokens;
  readonly admin: AuthAdmin;
  readonly social: AuthSocial;
  readonly mfa: AuthMfa;
  readonly passkeys: AuthPasskeys;
  readonly events: AuthEvents;
  /** Whether the stores answer (a health check's question). */
  ping(): Promise<boolean>;
  /** Prometheus text of the collected metrics; undefined when metrics are off. */
  renderMetrics(): Promise<{ body: string; contentType: string }> | undefined;
  /** Waits for the background work (reset e-mails) and stores the queued audit events: before reading the trail, in tests. */
  flush(): Promise<void>;
  /**
   * Flushes, then releases what `createAuth` itself opened: its hold on the hashing pool (whose
   * threads stop once no other Auth holds them), its random pool, its in-process counters. It does
   * NOT close what you passed in — `stores`, `counters`, `invalidationBus`, `hasher`, `mailer`:
   * close those yourself, after this. Idempotent (a second call returns the first's promise); do
   * not use the Auth afterwards (hashing refuses).
   */
  close(): Promise<void>;
}
