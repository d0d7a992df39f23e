/**
 * @module AuthEvent: the named security events. Features and flows emit them; the audit log,
 * metrics and app hooks listen. Events carry identity, IP, user agent, reason and time — never a
 * secret (no password, hash, token or session cookie).
 */

export type LoginFailureReason =
  | 'unknown_identity'
  | 'wrong_password'
  | 'inactive'
  | 'unconfirmed'
  | 'invalid_input'
  | 'locked'
  | 'ip_budget'
  | 'client_busy'
  /** A passwordless passkey assertion that did not verify (unknown credential, bad signature, no UV, replayed challenge, counter). */
  | 'bad_assertion';

/** Why a mailed link was refused (audit only). */
export type LinkRejection = 'malformed' | 'unknown' | 'used' | 'expired' | 'stale';

export type Mechanism = 'session' | 'token' | 'basic';

/** How one factor was proved: password, one-time code, recovery code, passkey, e-mailed code/link, an identity provider. */
export type AuthMethod = 'pwd' | 'otp' | 'recovery' | 'passkey' | 'email' | 'oidc';

/** Why a second factor was refused (audit only). */
export type MfaFailureReason =
  | 'wrong_code'
  | 'replayed'
  | 'sign_in_spent'
  | 'account_budget'
  /** A passkey assertion that did not verify (another user's or unknown credential, origin, RP ID, signature, challenge). */
  | 'bad_assertion'
  /** A verified assertion whose signature counter did not move forward: a cloned authenticator, or a race. */
  | 'counter_regressed';

/** Who and when, on every event. */
interface EventBase {
  readonly ip: string;
  readonly userAgent?: string;
  readonly atMs: number;
}

export type AuthEvent = EventBase &
  (
    | { type: 'user.registered'; userId: string; email: string }
    /** A generic registration (GENERIC_RESPONSES) that found the e-mail or username taken: answered like any other, the owner told by mail. */
    | { type: 'registration.duplicate'; identity: string; reason: 'email_taken' | 'username_taken'; userId?: string }
    | { type: 'login.succeeded'; userId: string; via: Mechanism }
    | { type: 'login.failed'; identity: string; reason: LoginFailureReason; via: Mechanism }
    | { type: 'login.locked'; identity: string; via: Mechanism; retryAfterSeconds: number }
    | { type: 'logout'; userId: string }
    | { type: 'verify.succeeded'; userId: string }
    | { type: 'verify.failed'; userId: string }
    | { type: 'session.revoked'; userId: string; sessionId: string; by: 'user' | 'admin' | 'protection'; actorId?: string }
    | { type: 'session.protection'; userId: string; mode: 'basic' | 'strong' }
    | { type: 'role.granted' | 'role.revoked'; userId: string; role: string; actorId: string | null }
    | {
        type: 'role.upserted';
        role: string;
        /** The role's permissions after the change, comma-separated (as the audit row's detail shows them). */
        permissions: string;
        actorId: string | null;
      }
    | { type: 'user.activated' | 'user.deactivated' | 'user.unlocked'; userId: string; actorId: string | null }
    | { type: 'rate.limited'; route: string }
    | { type: 'csrf.failed'; path: string; reason: 'origin' | 'token'; userId?: string }
    | { type: 'token.issued' | 'token.refreshed'; userId: string; sessionId: string }
    | { type: 'token.reuse'; userId: string; sessionId: string }
    | { type: 'token.revoked'; userId: string; sessionId: string }
    | {
        type: 'token.rejected';
        reason: TokenRejection;
        userId?: string;
        /** How many rejections this event stands for: set by the audit trail, which aggregates a flood (absent: one). */
        count?: number;
      }
    | { type: 'api_token.created' | 'api_token.revoked'; userId: string; sessionId: string; name: string }
    | { type: 'password.changed'; userId: string; by: 'user' | 'reset' | 'admin'; actorId?: string }
    | { type: 'password.rehashed'; userId: string }
    | { type: 'password.reset_requested'; identity: string; userId?: string }
    | { type: 'password.reset_failed'; reason: 'malformed' | 'unknown' | 'used' | 'expired'; userId?: string }
    | { type: 'email.confirmation_sent'; userId: string; reason: 'registered' | 'resend' | 'login' }
    | { type: 'email.confirmed'; userId: string }
    | { type: 'email.signin_sent'; userId: string }
    | { type: 'email.confirm_failed'; reason: LinkRejection; userId?: string }
    /** `reason: 'taken'`: another account (or the user) holds the address; no link was sent, the answer was the same. */
    | { type: 'email.change_requested'; userId: string; reason?: 'taken' }
    | { type: 'email.change_failed'; reason: LinkRejection; userId?: string }
    | { type: 'email.changed'; userId: string }
    | { type: 'security.notice_sent'; userId: string; kind: 'password_changed' | 'password_reset' | 'email_changed' | 'new_device' }
    | {
        type: 'mail.suppressed';
        /** Which mail was not sent: the recipient's budget (MAIL_RECIPIENT_BUDGET) was spent. */
        kind: string;
        reason: 'recipient_budget';
        userId?: string;
      }
    | { type: 'oauth.succeeded'; userId: string; provider: string; created: boolean }
    | { type: 'oauth.failed'; provider: string; reason: OAuthFailureReason; userId?: string }
    | { type: 'identity.linked' | 'identity.unlinked'; userId: string; provider: string; by: 'user' | 'autolink' }
    | { type: 'mfa.challenged'; userId: string; via: AuthMethod }
    | { type: 'mfa.succeeded'; userId: string; method: AuthMethod }
    | { type: 'mfa.failed'; userId: string; method: AuthMethod; reason: MfaFailureReason }
    | { type: 'mfa.enrolled' | 'mfa.removed'; userId: string; method: AuthMethod; actorId?: string; /** A passkey's label. */ name?: string }
    | { type: 'mfa.renamed'; userId: string; method: AuthMethod; name: string }
    | { type: 'mfa.recovery_codes_generated'; userId: string }
    | { type: 'mfa.reset'; userId: string; actorId: string }
    /**
     * A remembered device (MFA_REMEMBER_DEVICE): remembered after a second factor, used to skip one,
     * or forgotten — `deviceId` its public id (`*all*`: every device of the user); `by` who forgot it.
     */
    | { type: 'mfa.device_remembered' | 'mfa.device_used'; userId: string; deviceId: string }
    | { type: 'mfa.device_forgotten'; userId: string; deviceId: string; by: 'user' | 'admin' | 'password' | 'factors'; count?: number; actorId?: string }
  );

/** Why a social sign-in callback was refused (audit only; the browser sees one friendly page). */
export type OAuthFailureReason =
  | 'flow_missing'
  | 'provider_mismatch'
  | 'state_mismatch'
  | 'state_replayed'
  | 'provider_error'
  | 'unreachable'
  | 'token_rejected'
  | 'id_token_invalid'
  | 'profile_invalid'
  | 'no_email'
  | 'account_exists'
  | 'identity_taken'
  | 'inactive'
  | 'link_session_gone'
  | 'response_mode_mismatch'
  | 'handoff_invalid'
  | 'handoff_replayed'
  | 'answer_malformed'
  | 'locked'
  | 'ip_budget'
  | 'client_busy';

/** Why a presented token was refused (audit only; the client always sees the same 401). */
export type TokenRejection =
  | 'malformed'
  | 'invalid_signature_or_claims'
  | 'refresh_as_access'
  | 'access_as_refresh'
  | 'unknown'
  | 'expired'
  | 'revoked'
  | 'user_changed';

export type AuthEventType = AuthEvent['type'];

/** Every event type, for filters and docs; the compiler checks the list against the union. */
export const AUTH_EVENT_TYPES = [
  'user.registered',
  'registration.duplicate',
  'login.succeeded',
  'login.failed',
  'login.locked',
  'logout',
  'verify.succeeded',
  'verify.failed',
  'session.revoked',
  'session.protection',
  'role.granted',
  'role.revoked',
  'role.upserted',
  'user.activated',
  'user.deactivated',
  'user.unlocked',
  'rate.limited',
  'csrf.failed',
  'token.issued',
  'token.refreshed',
  'token.reuse',
  'token.revoked',
  'token.rejected',
  'api_token.created',
  'api_token.revoked',
  'password.changed',
  'password.rehashed',
  'password.reset_requested',
  'password.reset_failed',
  'email.confirmation_sent',
  'email.confirmed',
  'email.signin_sent',
  'email.confirm_failed',
  'email.change_requested',
  'email.change_failed',
  'email.changed',
  'security.notice_sent',
  'mail.suppressed',
  'oauth.succeeded',
  'oauth.failed',
  'identity.linked',
  'identity.unlinked',
  'mfa.challenged',
  'mfa.succeeded',
  'mfa.failed',
  'mfa.enrolled',
  'mfa.removed',
  'mfa.renamed',
  'mfa.recovery_codes_generated',
  'mfa.reset',
  'mfa.device_remembered',
  'mfa.device_used',
  'mfa.device_forgotten',
] as const satisfies readonly AuthEventType[];

// Fails to compile when the union gains a type the list lacks.
type MissingEventTypes = Exclude<AuthEventType, (typeof AUTH_EVENT_TYPES)[number]>;
export const EVENT_LIST_IS_COMPLETE: [MissingEventTypes] extends [never] ? true : never = true;

/** A listener. Sinks must not throw; a failing sink never breaks a request. */
export type EventSink = (event: AuthEvent) => void;

/** Fans one event out to many sinks, isolating each from the others' failures. */
export function fanOut(sinks: readonly EventSink[], onSinkError: (error: unknown) => void): EventSink {
  return (event) => {
    for (const sink of sinks) {
      try {
        sink(event);
      } catch (error) {
        onSinkError(error);
      }
    }
  };
}
