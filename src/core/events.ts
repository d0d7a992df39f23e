/**
 * @module AuthEvent: the named security events. Features and flows emit them; the audit log,
 * metrics and app hooks listen. Events carry identity, IP, reason and time — never a secret.
 */

export type LoginFailureReason = 'unknown_identity' | 'wrong_password' | 'inactive' | 'invalid_input';

export type AuthEvent =
  | { type: 'user.registered'; userId: string; email: string; ip: string; atMs: number }
  | { type: 'login.succeeded'; userId: string; via: 'session' | 'basic' | 'token'; ip: string; atMs: number }
  | { type: 'login.failed'; identity: string; reason: LoginFailureReason; via: 'session' | 'basic' | 'token'; ip: string; atMs: number }
  | { type: 'logout'; userId: string; ip: string; atMs: number }
  | { type: 'verify.succeeded'; userId: string; ip: string; atMs: number }
  | { type: 'verify.failed'; userId: string; ip: string; atMs: number }
  | { type: 'session.revoked'; userId: string; sessionId: string; by: 'user' | 'admin' | 'protection'; ip: string; atMs: number }
  | { type: 'session.protection'; userId: string; mode: 'basic' | 'strong'; ip: string; atMs: number }
  | { type: 'role.granted' | 'role.revoked'; userId: string; role: string; actorId: string | null; ip: string; atMs: number }
  | { type: 'user.activated' | 'user.deactivated'; userId: string; actorId: string | null; ip: string; atMs: number };

export type AuthEventType = AuthEvent['type'];

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
