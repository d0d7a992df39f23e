/**
 * @module The framework-free `Auth` that `createAuth` returns, and its options: the contract the
 * adapters (Hono, Express), the reference app and the CLI program against.
 */
import type { JWK } from 'jose';
import type { Clock } from './core/clock.ts';
import type { AuthConfig, AuthOptions, RateLimitRule } from './core/config.ts';
import type { AuthEvent, EventSink } from './core/events.ts';
import type { BodyFields } from './core/input.ts';
import type { InvalidationBus } from './core/invalidation.ts';
import type { RandomSource } from './core/crypto/index.ts';
import type { ClientInfo } from './core/request-context.ts';
import type { AuditQuery, AuditRecord, CounterStore, RoleRecord, Stores, UserPage } from './core/stores.ts';
import type { SecurityLogger } from './features/audit/index.ts';
import type { CsrfBinding } from './features/csrf/index.ts';
import type { PublicUser } from './features/identity/index.ts';
import type { Mailer } from './features/mail/index.ts';
import type { PasswordHasher, PasswordValidator } from './features/passwords/index.ts';
import type { RateLimitDecision } from './features/ratelimit/index.ts';
import type { FreshnessRule } from './features/sessions/index.ts';
import type { ApiTokenSummary } from './flows/api-tokens.ts';
import type { Mechanism, Principal } from './flows/kernel.ts';
import type { SessionSummary } from './flows/manage-sessions.ts';
import type { StartedSession } from './flows/start-session.ts';
import type { TokenPair } from './flows/tokens.ts';

/** The types of the contract, re-exported so that callers of `Auth` (src/http) need no other import. */
export type { Mechanism, Principal, PublicUser, RateLimitRule, StartedSession };

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
  readonly random?: RandomSource;
  readonly hasher?: PasswordHasher;
  /** Listeners for security events (metrics, hooks). The audit log is always one of them. */
  readonly onEvent?: EventSink | readonly EventSink[];
  /** Where audit lines go; default: pino JSON on stdout under the `security` logger. */
  readonly securityLogger?: SecurityLogger;
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

export interface Auth {
  readonly config: AuthConfig;
  readonly stores: Stores;
  readonly clock: Clock;
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
  isSameOrigin(headers: Headers): boolean;
  /** The JS-readable `XSRF-TOKEN` cookie (double submit for SPAs), when enabled. */
  xsrfCookie(token: string, client: ClientInfo): string | null;
  /** The Set-Cookie that deletes the `XSRF-TOKEN` cookie, when enabled. */
  clearXsrfCookie(client: ClientInfo): string | null;
  /** Counts one attempt on a rate-limited route for this client; the decision and its headers. */
  rateLimit(route: string, rule: RateLimitRule, client: ClientInfo): Promise<{ decision: RateLimitDecision; headers: ReadonlyArray<readonly [string, string]> }>;
  /**
   * Sign-up and sign-in. `previous`: whoever this browser was signed in as; once the new session
   * exists, the previous session is deleted server-side (one browser, one live session).
   */
  register(body: BodyFields, client: ClientInfo, previous?: Principal | null): Promise<StartedSession>;
  login(body: BodyFields, client: ClientInfo, previous?: Principal | null): Promise<StartedSession>;
  logout(principal: Principal | null, client: ClientInfo): Promise<void>;
  /**
   * `/auth/verify`: the password again makes the session fresh under a new cookie token (the old
   * cookie value stops working at once). Set the returned session's cookie on the response.
   */
  verify(principal: Principal, body: BodyFields, client: ClientInfo): Promise<StartedSession>;
  isFresh(principal: Principal, rule?: Partial<FreshnessRule>): Promise<boolean>;
  listSessions(principal: Principal): Promise<SessionSummary[]>;
  revokeSession(principal: Principal, sessionId: string, client: ClientInfo): Promise<void>;
  revokeOtherSessions(principal: Principal, client: ClientInfo): Promise<number>;
  hasAllRoles(principal: Principal, roles: readonly string[]): boolean;
  hasAnyRole(principal: Principal, roles: readonly string[]): boolean;
  hasAllPermissions(principal: Principal, permissions: readonly string[]): boolean;
  isOwnerOrAdmin(principal: Principal, ownerId: string): boolean;
  publicUser(principal: Principal): PublicUser;
  readonly admin: {
    listUsers(query: { search?: string; offset: number; limit: number }): Promise<UserPage & { rows: Array<{ user: PublicUser; createdAtMs: number; lastLoginAtMs: number | null }> }>;
    listRoles(): Promise<readonly RoleRecord[]>;
    upsertRole(role: RoleRecord): Promise<void>;
    grantRole(actor: Principal, userId: string, role: string, client: ClientInfo): Promise<void>;
    revokeRole(actor: Principal, userId: string, role: string, client: ClientInfo): Promise<void>;
    setUserActive(actor: Principal, userId: string, active: boolean, client: ClientInfo): Promise<void>;
    /** Clears the login lock-out of the user's e-mail and username. */
    unlockUser(actor: Principal, userId: string, client: ClientInfo): Promise<void>;
    /** Ends every session and token of the user; the account stays active. */
    revokeUserCredentials(actor: Principal, userId: string, client: ClientInfo): Promise<void>;
    /** Creates a user (CLI, import): the password policy applies; no session is made. */
    createUser(input: { email: string; username?: string | null; password: string }, client: ClientInfo): Promise<PublicUser>;
    /** Sets a user's password (CLI): the policy applies; every session and token of the user dies. */
    setPassword(userId: string, password: string, client: ClientInfo): Promise<void>;
  };
  /** `POST /auth/change-password` (fresh session): returns the new session for this client. */
  changePassword(principal: Principal, body: BodyFields, client: ClientInfo): Promise<StartedSession>;
  /**
   * `POST /auth/forgot-password`: always the same answer (returned: the sentence to show); the
   * work happens in the background.
   */
  requestPasswordReset(body: BodyFields, client: ClientInfo): { readonly message: string };
  resetPassword(body: BodyFields, client: ClientInfo): Promise<void>;
  /** Waits for background work (reset e-mails, audit writes): before shutdown, and in tests. */
  flushBackground(): Promise<void>;
  /** `POST /auth/token`: credentials → access/refresh pair (lockout applies). */
  issueTokens(body: BodyFields, client: ClientInfo): Promise<TokenPair>;
  /** `POST /auth/token/refresh`: rotate; reuse kills the family. */
  refreshTokens(body: BodyFields, client: ClientInfo): Promise<TokenPair>;
  revokeRefreshToken(body: BodyFields, client: ClientInfo): Promise<void>;
  /** The public signing keys, for `/.well-known/jwks.json`. */
  jwks(): Promise<{ readonly keys: readonly JWK[] }>;
  createApiToken(principal: Principal, body: BodyFields, client: ClientInfo): Promise<{ token: string; summary: ApiTokenSummary }>;
  listApiTokens(principal: Principal): Promise<ApiTokenSummary[]>;
  revokeApiToken(principal: Principal, id: string, client: ClientInfo): Promise<void>;
  /** Prometheus text of the collected metrics; undefined when metrics are off. */
  renderMetrics(): Promise<{ body: string; contentType: string }> | undefined;
  /** Adds a listener for security events. */
  onEvent(sink: EventSink): void;
  /** Stores the audit events still queued (before shutdown; in tests before reading the table). */
  flushAudit(): Promise<void>;
  /** The audit trail, newest first (the admin area's log). */
  listAudit(query: AuditQuery): Promise<{ records: readonly AuditRecord[]; total: number }>;
  emit(event: AuthEvent): void;
}
