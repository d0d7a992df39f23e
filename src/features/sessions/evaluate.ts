/** @module Is this stored session still alive for this request? Pure: the caller does the I/O. */
import { clientNetwork } from '../../core/client-ip.ts';
import { sha256Hex } from '../../core/crypto/index.ts';
import type { ClientInfo } from '../../core/request-context.ts';
import type { SessionRecord, UserRecord } from '../../core/stores.ts';
import type { SessionPolicy } from './issue.ts';

/** SHA-256 of user agent + client network (/24, /64): survives a DHCP renewal, not a stolen cookie abroad. */
export function sessionFingerprint(client: Pick<ClientInfo, 'ip' | 'userAgent'>): string {
  return sha256Hex(`${client.userAgent}\n${clientNetwork(client.ip)}`);
}

export type SessionVerdict =
  | {
      readonly alive: true;
      /** Write `last_seen` now (throttled by `touchIntervalMs`). */
      readonly touch: boolean;
      /** `basic` protection saw a new fingerprint: the session stays, but is no longer fresh. */
      readonly freshnessLost: boolean;
    }
  | { readonly alive: false; readonly reason: 'expired' | 'idle' | 'uniquifier' | 'inactive' | 'fingerprint' };

export function evaluateSession(
  session: SessionRecord,
  user: UserRecord,
  client: Pick<ClientInfo, 'ip' | 'userAgent'>,
  nowMs: number,
  policy: SessionPolicy,
): SessionVerdict {
  if (nowMs >= session.expiresAtMs) return { alive: false, reason: 'expired' };
  if (nowMs - session.lastSeenAtMs >= policy.idleTimeoutMs) return { alive: false, reason: 'idle' };
  if (session.uniquifier !== user.uniquifier) return { alive: false, reason: 'uniquifier' };
  if (!user.active) return { alive: false, reason: 'inactive' };
  let freshnessLost = false;
  if (policy.protection !== 'off' && sessionFingerprint(client) !== session.fingerprint) {
    if (policy.protection === 'strong') return { alive: false, reason: 'fingerprint' };
    freshnessLost = session.freshAtMs > 0;
  }
  return { alive: true, touch: nowMs - session.lastSeenAtMs >= policy.touchIntervalMs, freshnessLost };
}
