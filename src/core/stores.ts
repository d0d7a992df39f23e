/**
 * @module Storage contracts. Features and flows depend on these interfaces only;
 * stores/sql (SQLite + PostgreSQL) implements them and passes src/testing's conformance suite.
 */

/** A user as stored. `passwordHash` never leaves the server: see `toPublicUser`. */
export interface UserRecord {
  readonly id: string;
  /** As the user typed it (trimmed, NFC). */
  readonly email: string;
  /** Lower-cased, NFKC: the unique lookup key. */
  readonly emailKey: string;
  readonly username: string | null;
  readonly usernameKey: string | null;
  readonly passwordHash: string;
  readonly active: boolean;
  /** Changing it invalidates every session and token of the user at once. */
  readonly uniquifier: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly lastLoginAtMs: number | null;
  /** When the owner proved the address (EMAIL_CONFIRMATION); null while unconfirmed. */
  readonly emailConfirmedAtMs: number | null;
}

export interface NewUser {
  readonly id: string;
  readonly email: string;
  readonly emailKey: string;
  readonly username: string | null;
  readonly usernameKey: string | null;
  readonly passwordHash: string;
  readonly uniquifier: string;
  readonly nowMs: number;
  /** The address counts as proved from the start (an operator's account, an import); default null. */
  readonly emailConfirmedAtMs?: number | null;
}

export interface UserPage {
  readonly users: readonly UserRecord[];
  readonly total: number;
}

export interface UserStore {
  /** Throws UniqueViolationError when the e-mail or username key is taken. */
  createUser(user: NewUser): Promise<UserRecord>;
  findUserById(id: string): Promise<UserRecord | undefined>;
  findUserByEmailKey(emailKey: string): Promise<UserRecord | undefined>;
  findUserByUsernameKey(usernameKey: string): Promise<UserRecord | undefined>;
  /** Search by e-mail or username substring, newest first. */
  listUsers(query: { search?: string; offset: number; limit: number }): Promise<UserPage>;
  setUserActive(id: string, active: boolean, nowMs: number): Promise<void>;
  /** Sets a new uniquifier: every session and token of the user dies. */
  rotateUniquifier(id: string, uniquifier: string, nowMs: number): Promise<void>;
  setPasswordHash(id: string, passwordHash: string, nowMs: number): Promise<void>;
  /**
   * Marks the address confirmed — only while the user's e-mail key is still `emailKey` (the address
   * the link was sent to) and it is unconfirmed, in one conditional write. Returns whether it did.
   */
  confirmEmail(id: string, emailKey: string, nowMs: number): Promise<boolean>;
  /**
   * Moves the user to a new (proved) address — only while their e-mail key is still `fromEmailKey`,
   * in one conditional write that also marks the new address confirmed. `stale` when the key had
   * changed (or the user is gone); `taken` when another account holds the new key (nothing written).
   */
  changeEmail(id: string, fromEmailKey: string, to: { readonly email: string; readonly emailKey: string }, nowMs: number): Promise<'changed' | 'stale' | 'taken'>;
}

/** Roles and the permissions they grant, as one snapshot for a user. */
export interface Authorization {
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
}

export interface RoleRecord {
  readonly name: string;
  readonly description: string;
  readonly permissions: readonly string[];
}

export interface RoleStore {
  /** Creates the role or updates its description and permissions. */
  upsertRole(role: RoleRecord): Promise<void>;
  listRoles(): Promise<readonly RoleRecord[]>;
  /** Returns false when the role does not exist. Granting twice is a no-op. */
  grantRole(userId: string, roleName: string): Promise<boolean>;
  /**
   * Grants the role only while no user holds it, the check and the grant as one step: of any number
   * of concurrent calls (across processes) at most one is `granted`. What BOOTSTRAP_ADMIN_EMAIL needs.
   */
  grantRoleIfUnheld(userId: string, roleName: string): Promise<'granted' | 'held' | 'unknown-role'>;
  /** Returns false when the user did not have the role. */
  revokeRole(userId: string, roleName: string): Promise<boolean>;
  authorizationOfUser(userId: string): Promise<Authorization>;
}

export interface SessionRecord {
  /** Public id: safe to list and put in URLs. Not the cookie secret. */
  readonly id: string;
  /** SHA-256 of the cookie token. */
  readonly tokenHash: string;
  readonly userId: string;
  /** The user's uniquifier when the session was made: a mismatch means it is dead. */
  readonly uniquifier: string;
  readonly createdAtMs: number;
  readonly lastSeenAtMs: number;
  /** Absolute end of life, whatever the activity. */
  readonly expiresAtMs: number;
  /** Last password authentication (login or verify). */
  readonly freshAtMs: number;
  /** A passed freshness check extends freshness until then (multi-step flows). */
  readonly graceUntilMs: number;
  readonly remember: boolean;
  readonly ip: string;
  readonly userAgent: string;
  /** SHA-256 of user agent + client network, for session protection. */
  readonly fingerprint: string;
  /** Authenticator assurance: 1 — one factor proved; 2 — two (a second factor at sign-in or a step-up since). */
  readonly aal: 1 | 2;
  /** How it was made and stepped up, in order, comma-separated: `pwd`, `pwd,otp`, `email,recovery`, `passkey`, … */
  readonly amr: string;
  /** When a second factor was last proved for it (0: never): what `fresh({ level: 2 })` measures. */
  readonly factorAtMs: number;
}

export interface SessionStore {
  /**
   * Stores a new session and, in the same write, makes its creation time the user's last login
   * (`lastLoginAtMs`): a session is only ever created by a login, and one commit per login is
   * cheaper than two.
   */
  createSession(session: SessionRecord): Promise<void>;
  /**
   * The session with its user — and, when the store can fetch them in the same query, the user's
   * roles and permissions — in one lookup on the indexed token hash (the hot path of every request).
   */
  findSessionByTokenHash(tokenHash: string): Promise<{ session: SessionRecord; user: UserRecord; authorization?: Authorization } | undefined>;
  listSessionsOfUser(userId: string): Promise<readonly SessionRecord[]>;
  touchSession(id: string, lastSeenAtMs: number): Promise<void>;
  updateFreshness(
    id: string,
    change: { freshAtMs?: number; graceUntilMs?: number; fingerprint?: string; aal?: 1 | 2; amr?: string; factorAtMs?: number },
  ): Promise<void>;
  /**
   * A new token for the same session (re-authentication): replaces the token hash only while it
   * is still `currentTokenHash`, in one atomic write — of two concurrent rotations from one old
   * token, one wins. Returns whether it replaced it; the old token finds nothing afterwards.
   */
  rotateSessionToken(id: string, currentTokenHash: string, nextTokenHash: string): Promise<boolean>;
  deleteSession(id: string): Promise<void>;
  /** Deletes only if it belongs to the user; returns whether it did. */
  deleteSessionOfUser(id: string, userId: string): Promise<boolean>;
  deleteSessionsOfUser(userId: string, exceptId?: string): Promise<number>;
  deleteExpiredSessions(nowMs: number, idleTimeoutMs: number): Promise<number>;
  /** Sessions neither past their absolute expiry nor idle too long (for metrics). */
  countActiveSessions(nowMs: number, idleTimeoutMs: number): Promise<number>;
}

/** A refresh-token family: every token rotated from one login. Revoking it kills all of them. */
export interface TokenFamilyRecord {
  readonly id: string;
  readonly userId: string;
  /** The user's uniquifier at issue: a changed uniquifier kills the family and its access tokens. */
  readonly uniquifier: string;
  readonly createdAtMs: number;
  /** Absolute end of the family (REFRESH_TOKEN_TTL), whatever the rotation. */
  readonly expiresAtMs: number;
}

export interface RefreshTokenRecord {
  readonly tokenHash: string;
  readonly familyId: string;
  readonly createdAtMs: number;
  /** Idle end (REFRESH_TOKEN_IDLE): unused this long, it dies. */
  readonly expiresAtMs: number;
  /** Set when rotated: presenting it again is reuse, and kills the family. */
  readonly usedAtMs: number | null;
}

/** A personal access token, as stored: only the SHA-256 of the secret. */
export interface ApiTokenRecord {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly tokenHash: string;
  /** The first characters of the token, to recognise it in a list (never enough to use it). */
  readonly hint: string;
  readonly uniquifier: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number | null;
  readonly lastUsedAtMs: number | null;
  readonly lastUsedIp: string | null;
}

/** A password-reset link's token, as stored: only its SHA-256. Single use, expiring. */
export interface ResetTokenRecord {
  readonly tokenHash: string;
  readonly userId: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
}

export interface TokenStore {
  createFamily(family: TokenFamilyRecord, first: RefreshTokenRecord): Promise<void>;
  findFamily(id: string): Promise<TokenFamilyRecord | undefined>;
  /** The refresh token with its family, by the SHA-256 of the token. */
  findRefreshToken(tokenHash: string): Promise<{ token: RefreshTokenRecord; family: TokenFamilyRecord } | undefined>;
  /**
   * Rotation in one step: marks `oldHash` used and stores `next` — only if `oldHash` was unused.
   * Returns false when it had been used already (reuse) or is gone; then nothing is stored.
   */
  rotateRefreshToken(oldHash: string, usedAtMs: number, next: RefreshTokenRecord): Promise<boolean>;
  /** Deletes the family and every refresh token in it; returns whether it existed. */
  deleteFamily(id: string): Promise<boolean>;
  deleteFamiliesOfUser(userId: string): Promise<number>;
  createApiToken(token: ApiTokenRecord): Promise<void>;
  findApiTokenByHash(tokenHash: string): Promise<ApiTokenRecord | undefined>;
  listApiTokensOfUser(userId: string): Promise<readonly ApiTokenRecord[]>;
  touchApiToken(id: string, atMs: number, ip: string): Promise<void>;
  /** Deletes only if it belongs to the user. */
  deleteApiTokenOfUser(id: string, userId: string): Promise<boolean>;
  deleteApiTokensOfUser(userId: string): Promise<number>;
  createResetToken(token: ResetTokenRecord): Promise<void>;
  /**
   * Uses a reset token once: marks it used only if unused and unexpired at `nowMs`, and returns
   * it; undefined when unknown, used, or expired (a second use of one link always fails).
   */
  consumeResetToken(tokenHash: string, nowMs: number): Promise<ResetTokenRecord | undefined>;
  /** What a presented reset token is, whatever its state (for the audit trail's reason). */
  findResetToken(tokenHash: string): Promise<(ResetTokenRecord & { usedAtMs: number | null }) | undefined>;
  /** Deletes the user's reset tokens but `exceptTokenHash` (a spent link is kept, so a replay is recognised as one). */
  deleteResetTokensOfUser(userId: string, exceptTokenHash?: string): Promise<number>;
}

/** What a one-time token is for; a token redeems only for its own purpose. */
export type OneTimeTokenPurpose = 'confirm-email' | 'change-email' | 'email-signin';

/** A mailed single-use secret (confirmation link, change-of-e-mail link, sign-in code), as stored: only its SHA-256. */
export interface OneTimeTokenRecord {
  readonly tokenHash: string;
  readonly purpose: OneTimeTokenPurpose;
  readonly userId: string;
  /**
   * What else the token is bound to, opaque to the store and checked again by the flow when it is
   * redeemed: the address it confirms, the old address's hash and the new address, the browser
   * that asked. A token is never good for anything but exactly this.
   */
  readonly binding: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
}

export interface OneTimeTokenStore {
  createOneTimeToken(token: OneTimeTokenRecord): Promise<void>;
  /**
   * Redeems a token once: marks it used only if it has `purpose` and is unused and unexpired at
   * `nowMs`, in ONE conditional write (`UPDATE … WHERE used_at IS NULL … RETURNING`), and returns
   * it. Of any number of concurrent redemptions — across processes — at most one gets the record.
   */
  consumeOneTimeToken(tokenHash: string, purpose: OneTimeTokenPurpose, nowMs: number): Promise<OneTimeTokenRecord | undefined>;
  /** What a presented token is, whatever its state (for the audit trail's reason). */
  findOneTimeToken(tokenHash: string): Promise<(OneTimeTokenRecord & { usedAtMs: number | null }) | undefined>;
  /** Deletes the user's unused tokens of `purpose` (a new link replaces the old ones); how many. */
  deleteOneTimeTokensOfUser(userId: string, purpose: OneTimeTokenPurpose): Promise<number>;
}

/** One row of the audit trail. Never a password, hash, token or session cookie. */
export interface AuditRecord {
  readonly id: string;
  readonly atMs: number;
  readonly event: string;
  readonly userId: string | null;
  readonly actorId: string | null;
  /** The identity as typed (failed logins) or the e-mail (registrations). */
  readonly identity: string | null;
  readonly ip: string;
  readonly userAgent: string;
  readonly reason: string | null;
  /** Other safe fields of the event (mechanism, role, route, retry-after …). */
  readonly detail: Readonly<Record<string, string | number | boolean>>;
}

export interface AuditQuery {
  readonly event?: string;
  readonly userId?: string;
  /** Matches the user id, or the identity as typed (case-insensitive substring). */
  readonly identity?: string;
  readonly ip?: string;
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly offset: number;
  readonly limit: number;
}

export interface AuditStore {
  appendAuditRecords(records: readonly AuditRecord[]): Promise<void>;
  /** Newest first. */
  listAuditRecords(query: AuditQuery): Promise<{ records: readonly AuditRecord[]; total: number }>;
}

/** A counter's state after a hit: how many points it holds and when its window ends. */
export interface CounterState {
  readonly count: number;
  /** Milliseconds until the counter disappears (end of its window or lock). */
  readonly resetInMs: number;
}

/** The answer to one reservation: granted or not, and the counter as the reservation left it. */
export interface Reservation extends CounterState {
  readonly granted: boolean;
  /**
   * When this life of the counter ends, on the store's clock: what `release` checks, so that a
   * unit is only ever given back to the counter it was taken from, never to the next one.
   */
  readonly endsAtMs: number;
}

/**
 * Shared counters for rate limits, lock-outs and budgets. Two atomic primitives (`hit`, and
 * `reserve` for budgets): never read-modify-write in a feature. In-process by default, Redis when
 * REDIS_URL is set.
 */
export interface CounterStore {
  /** Atomically adds `points`; a new counter lives `windowMs` from its first hit (fixed window). */
  hit(key: string, windowMs: number, points?: number): Promise<CounterState>;
  /**
   * Atomically takes one from a budget of `limit` per fixed window: granted when fewer than `limit`
   * are taken, and then counted; a refusal takes nothing. However many callers race, at most
   * `limit` are granted until some are released or the window ends.
   */
  reserve(key: string, limit: number, windowMs: number): Promise<Reservation>;
  /**
   * Gives back the unit `reservation` took (the attempt succeeded, or never ran) — only while the
   * same life of the counter lasts: after a delete or the end of its window a new counter has
   * started, which gets nothing back. Never below zero; never creates a counter.
   */
  release(key: string, reservation: Reservation): Promise<void>;
  /** The counter as it is, or undefined when absent or expired. */
  peek(key: string): Promise<CounterState | undefined>;
  /** Sets the counter to `count` for exactly `ttlMs` from now (locks, "known good" marks). */
  put(key: string, count: number, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A way to sign in at an external provider, keyed by (issuer, subject) — never by e-mail: an
 * address can change hands at a provider, a subject cannot. One user may hold several.
 */
export interface IdentityRecord {
  readonly id: string;
  readonly userId: string;
  /** The configured provider's name (`google`), for display and links; the key is (issuer, subject). */
  readonly provider: string;
  readonly issuer: string;
  readonly subject: string;
  /** What the provider last said: the address, and whether it said `email_verified: true`. */
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly createdAtMs: number;
  readonly lastUsedAtMs: number | null;
}

export interface IdentityStore {
  /** Throws UniqueViolationError('other') when the (issuer, subject) is held already (by anyone). */
  createIdentity(identity: IdentityRecord): Promise<void>;
  /**
   * A new user with its first identity, in one write: both or neither. Throws UniqueViolationError
   * as createUser (e-mail, username) and createIdentity (the pair) do; then nothing is stored.
   */
  createUserWithIdentity(user: NewUser, identity: Omit<IdentityRecord, 'userId'>): Promise<UserRecord>;
  findIdentity(issuer: string, subject: string): Promise<IdentityRecord | undefined>;
  /** Oldest first. */
  listIdentitiesOfUser(userId: string): Promise<readonly IdentityRecord[]>;
  /** A sign-in with it: the time, and what the provider now says of the e-mail. */
  recordIdentityUse(id: string, use: { atMs: number; email: string | null; emailVerified: boolean }): Promise<void>;
  /**
   * Deletes the user's identity. With `keepOne`, only while the user holds another: the count and
   * the delete are one step, so concurrent unlinks of a user's last two identities leave one.
   */
  deleteIdentityOfUser(id: string, userId: string, options: { keepOne: boolean }): Promise<'deleted' | 'not-found' | 'last'>;
}

/** A user's TOTP authenticator: the secret sealed (never plain), confirmed by a first code. */
export interface TotpRecord {
  readonly userId: string;
  /** AES-256-GCM under a key derived from SECRET_KEY (features/mfa/seal.ts); never the plain secret. */
  readonly sealedSecret: string;
  readonly createdAtMs: number;
  /** Null while enrolment waits for its first code: an unconfirmed secret is no factor. */
  readonly confirmedAtMs: number | null;
  /** The last time step a code was accepted for: a code is good once per step (replay refused). */
  readonly lastUsedStep: number;
}

/** A user's passkey (WebAuthn credential), as the authenticator registered it. */
export interface PasskeyRecord {
  /** Our own id for it (routes, lists); never the credential id. */
  readonly id: string;
  readonly userId: string;
  /** The credential id, base64url, unique across all users. */
  readonly credentialId: string;
  /** The COSE public key, base64url. */
  readonly publicKey: string;
  /** The signature counter last seen (0: the authenticator does not count). */
  readonly counter: number;
  /** Transport hints the browser reported (`internal`, `hybrid`, `usb`, …). */
  readonly transports: readonly string[];
  /** The user's label for it. */
  readonly name: string;
  /** As the library reports: `singleDevice` or `multiDevice` (synced). */
  readonly deviceType: 'singleDevice' | 'multiDevice';
  readonly backedUp: boolean;
  readonly createdAtMs: number;
  readonly lastUsedAtMs: number | null;
}

/** Second factors. Every "use" is one atomic conditional write: of racing callers, one wins. */
export interface MfaStore {
  findTotp(userId: string): Promise<TotpRecord | undefined>;
  /** Stores a new, unconfirmed secret in place of an unconfirmed one; false (nothing written) when a confirmed one exists. */
  saveUnconfirmedTotp(userId: string, sealedSecret: string, nowMs: number): Promise<boolean>;
  /**
   * Accepts the code of `step`: sets `lastUsedStep` (and, when `confirm`, the confirmation time)
   * only while the stored step is lower and the secret is still `sealedSecret` — false otherwise
   * (replayed step, replaced or removed secret).
   */
  useTotpStep(userId: string, sealedSecret: string, step: number, nowMs: number, confirm: boolean): Promise<boolean>;
  /** Re-seals a secret (SECRET_KEY rotation) only while it is still `previous`. */
  resealTotp(userId: string, previous: string, next: string): Promise<boolean>;
  deleteTotp(userId: string): Promise<boolean>;
  /** Replaces every recovery code of the user with these hashes (the old ones die in the same write). */
  replaceRecoveryCodes(userId: string, codeHashes: readonly string[], nowMs: number): Promise<void>;
  /** Uses one code: marks it used only if it is the user's and unused; true for exactly one of racing callers. */
  useRecoveryCode(userId: string, codeHash: string, nowMs: number): Promise<boolean>;
  countRecoveryCodes(userId: string): Promise<number>;
  /** Removes every second factor of the user (TOTP, recovery codes and passkeys); whether there was any. */
  deleteFactorsOfUser(userId: string): Promise<boolean>;
  /** Stores a new passkey; false (nothing written) when its credential id is registered already (to anyone). */
  savePasskey(passkey: PasskeyRecord): Promise<boolean>;
  listPasskeysOfUser(userId: string): Promise<PasskeyRecord[]>;
  findPasskeyByCredentialId(credentialId: string): Promise<PasskeyRecord | undefined>;
  /**
   * Records one verified use: the new counter, backed-up flag and time — only while the stored
   * counter is lower than `counter` (or both are 0: an authenticator that does not count). False
   * otherwise (a counter that did not move forward: a replay or a cloned authenticator; or the
   * passkey is gone). Of racing uses with one counter value, one wins.
   */
  usePasskey(userId: string, credentialId: string, use: { counter: number; backedUp: boolean; nowMs: number }): Promise<boolean>;
  /** Renames one of the user's passkeys; false when the user has none with that id. */
  renamePasskey(userId: string, id: string, name: string): Promise<boolean>;
  /** Deletes one of the user's passkeys; false when the user has none with that id. */
  deletePasskey(userId: string, id: string): Promise<boolean>;
}

/**
 * A remembered device (MFA_REMEMBER_DEVICE): a browser that proved a second factor and may skip it
 * at the user's next sign-ins until `expiresAtMs`. Only the SHA-256 of the cookie's secret is kept.
 */
export interface TrustedDeviceRecord {
  /** A public id to list and forget it by (never the cookie secret). */
  readonly id: string;
  readonly userId: string;
  /** SHA-256 of the cookie secret. */
  readonly tokenHash: string;
  /** The user's uniquifier when it was remembered: a mismatch (password change, revocation) means it is dead. */
  readonly uniquifier: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly lastUsedAtMs: number | null;
  /** A short summary of the user agent that was remembered ("Firefox on Linux"), never the raw string. */
  readonly userAgent: string;
}

/** Remembered devices. Using one is one atomic conditional write, so a forgotten device is never used after its deletion. */
export interface TrustedDeviceStore {
  createDevice(device: TrustedDeviceRecord): Promise<void>;
  /**
   * Records a use of the device whose token hash this is — only while it belongs to `userId`, was
   * remembered under `uniquifier` and has not expired at `nowMs` — and returns it; undefined otherwise.
   */
  useDevice(tokenHash: string, userId: string, uniquifier: string, nowMs: number): Promise<TrustedDeviceRecord | undefined>;
  listDevicesOfUser(userId: string): Promise<readonly TrustedDeviceRecord[]>;
  /** Deletes only if it belongs to the user; returns whether it did. */
  deleteDeviceOfUser(id: string, userId: string): Promise<boolean>;
  /** Forgets every device of the user; how many. */
  deleteDevicesOfUser(userId: string): Promise<number>;
  deleteExpiredDevices(nowMs: number): Promise<number>;
}

/** Everything persistent the kernel needs, opened and closed together. */
export interface Stores {
  readonly users: UserStore;
  readonly roles: RoleStore;
  readonly sessions: SessionStore;
  readonly audit: AuditStore;
  readonly tokens: TokenStore;
  readonly identities: IdentityStore;
  readonly mfa: MfaStore;
  readonly devices: TrustedDeviceStore;
  readonly oneTimeTokens: OneTimeTokenStore;
  /** Answers whether the database is reachable (for /healthz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
