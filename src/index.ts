/**
 * @module `portcullis`: the public door — createAuth, configuration, errors, store contracts, types.
 * It loads no database, Redis or SMTP driver: those live behind `portcullis/sql`, `portcullis/redis`
 * and `portcullis/mail` (drivers are optional peer dependencies); the conformance suites behind
 * `portcullis/testing`. test/pack proves that importing this module resolves none of them.
 */
export {
  createAuth,
  type Auth,
  type AuthAccess,
  type AuthAdmin,
  type AuthEvents,
  type AuthHttp,
  type AuthIdentity,
  type AuthMfa,
  type AuthPasskeys,
  type AuthPasswords,
  type AuthSessions,
  type AuthSocial,
  type AuthTokens,
  type CreateAuthOptions,
  type FirstFactorOutcome,
  type ImportUserInput,
  type MfaStatus,
  type PasskeySummary,
  type PendingSecondFactor,
  type RegisteredPasskeyResult,
  type SecondFactorMethod,
  type TotpSetup,
  type UserSummary,
  type Mechanism,
  type Principal,
  type PeerInfo,
  type SessionSummary,
  type DeviceSummary,
  type RememberedDevice,
  type TokenPair,
  type ApiTokenSummary,
  type RegistrationPending,
} from './create-auth.ts';
export { parseConfig, defineConfig, ConfigError, type AuthConfig, type AuthOptions } from './core/config.ts';
export { readEnvOptions, readBooleanText, readNumberText, ENV_VARIABLES, type EnvOptions, type EnvVariable } from './core/env-config.ts';
export { AuthError, ERROR_CODES, isAuthError, type ErrorCode, type FieldErrors } from './core/errors.ts';
export { AUTH_EVENT_TYPES, type AuthEvent, type AuthEventType, type EventSink } from './core/events.ts';
export type { ClientInfo } from './core/request-context.ts';
export { systemClock, FixedClock, type Clock } from './core/clock.ts';
export { parseDurationMs, formatDurationMs } from './core/duration.ts';
export { summarizeUserAgent } from './core/user-agent.ts';
export type { IdentityRecord, IdentityStore } from './core/stores.ts';
export type { AuditRecord, AuditQuery, AuditStore, Stores, UserStore, RoleStore, SessionStore, CounterStore, CounterState, OneTimeTokenStore, OneTimeTokenRecord, OneTimeTokenPurpose, UserRecord, RoleRecord, SessionRecord, Authorization, MfaStore, TotpRecord, PasskeyRecord, TrustedDeviceStore, TrustedDeviceRecord } from './core/stores.ts';
export { createMemoryCounterStore } from './stores/memory/counter-store.ts';
export { createMemoryMfaStore } from './stores/memory/mfa-store.ts';
export { createMemoryTrustedDeviceStore } from './stores/memory/trusted-device-store.ts';
export { createMemoryOneTimeTokenStore } from './stores/memory/one-time-token-store.ts';
export { createMemoryIdentityStore } from './stores/memory/identity-store.ts';
export type { InvalidationBus, Invalidation } from './core/invalidation.ts';
export { createPasswordHasher, closeHashPools, OWASP_ARGON2ID, type PasswordHasher, type Argon2Params, type HashPoolOptions } from './features/passwords/index.ts';
export { FLASH_MESSAGES, FLASH_COOKIE, isFlashKey, type FlashKey, type FlashMessage } from './features/flash/index.ts';
export {
  EMAIL_MAX_LENGTH,
  cleanEmail,
  emailKey,
  isEmailShaped,
  isUsernameShaped,
  parseEmailAddress,
  usernameKey,
  type AddressProblem,
  type ParsedEmailAddress,
  type PublicUser,
} from './features/identity/index.ts';
export { ADMIN_ROLE } from './features/rbac/index.ts';
export { checkImportedUser, type CheckedImport } from './flows/import-user.ts';
export { generateSigningKeyPem, API_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX } from './features/tokens/index.ts';
export { isSafeNext, safeNext } from './features/redirects/index.ts';
export { constantTimeEqual, sha256Hex } from './core/crypto/index.ts';
export type { Mailer, MailMessage } from './features/mail/message.ts';
export {
  createPasswordPolicy,
  createPwnedPasswordsCheck,
  verifyLegacyHash,
  identifyLegacyHash,
  isLegacyHash,
  flaskSecurityPasswordHmac,
  type PasswordValidator,
  type PasswordContext,
} from './features/passwords/index.ts';

// --- The framework-free request core (src/http): `handler(auth)` serves the auth routes to anything that speaks fetch; `http.*` is what adapters wire. ---
export { handler, type FetchHandler, type PeerDetails } from './http/index.ts';
export * as http from './http/index.ts';
