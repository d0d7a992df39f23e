/**
 * @module The new-device notice (`NOTIFY_NEW_DEVICE`): a sign-in that ends in a session, from a
 * device the account has not signed in from within the known-device window, mails the account's
 * address once — what, when, from where, and where to look (/account); never a link that acts.
 * A device is the approximate client (browser and system from the user agent) and the client's
 * IP bucket; it is remembered like the lockout's known device (`lockout.knownDeviceMs`), in the
 * counter store, so no table is added. The account's very first sign-in (no last login yet) only
 * remembers its device. Not under the stranger mail budget (it takes the right credentials), but
 * at most one mail per (account, device) per window, however many sign-ins race.
 */
import { clientBucket } from '../core/client-ip.ts';
import { sha256Hex } from '../core/crypto/index.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { summarizeUserAgent } from '../core/user-agent.ts';
import { origin, type Kernel } from './kernel.ts';

const keys = {
  seen: (userId: string, device: string) => `nd:s:${userId}:${device}`,
  mailed: (userId: string, device: string) => `nd:m:${userId}:${device}`,
};

/** `user` as it was before this sign-in (its last login not yet updated); call once per new session. */
export async function noticeNewDevice(kernel: Kernel, user: UserRecord, client: ClientInfo, nowMs: number): Promise<void> {
  if (!kernel.config.identity.notifyNewDevice) return;
  const approximate = summarizeUserAgent(client.userAgent);
  const bucket = clientBucket(client.ip, kernel.config.ipv6PrefixLength);
  const device = sha256Hex(`${approximate}\n${bucket}`).slice(0, 32);
  const windowMs = kernel.config.lockout.knownDeviceMs;
  const seenBefore = (await kernel.counters.peek(keys.seen(user.id, device))) !== undefined;
  await kernel.counters.put(keys.seen(user.id, device), 1, windowMs);
  if (seenBefore || user.lastLoginAtMs === null) return;
  // One mail per device per window: of racing sign-ins from one new device, exactly one wins.
  const claim = await kernel.counters.reserve(keys.mailed(user.id, device), 1, windowMs);
  if (!claim.granted) return;
  kernel.sendMail({
    to: user.email,
    subject: 'New sign-in to your account',
    text: [
      'Your account was signed in to from a device it had not used recently:',
      '',
      `  When:   ${new Date(nowMs).toUTCString()}`,
      `  Device: ${approximate}`,
      `  IP:     ${client.ip}`,
      '',
      'If this was you, there is nothing to do.',
      'If it was not you, sign in and change your password, and review the signed-in sessions on your account page (/account).',
    ].join('\n'),
  });
  kernel.emit({ type: 'security.notice_sent', userId: user.id, kind: 'new_device', ...origin(client), atMs: nowMs });
}
