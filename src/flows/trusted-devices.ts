/**
 * @module Remembered devices (MFA_REMEMBER_DEVICE, docs/mfa.md): after a second factor, a browser
 * that asked gets a mark (its own long-lived cookie); at a later sign-in of the same user, a right
 * first factor plus a valid, unrevoked, unexpired mark skips the second factor. The session made
 * that way is AAL1 with amr `<first factor>,device`: `fresh({ level: 2 })` still asks for the factor,
 * and holders of an MFA_REQUIRED_ROLES role are always asked for it. The user lists and forgets
 * devices with the sessions; a password change or reset, removing the last second factor, an
 * admin reset and "sign out everywhere" forget them all.
 */
import { createPublicId } from '../core/crypto/index.ts';
import { AuthError } from '../core/errors.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { TrustedDeviceRecord, UserRecord } from '../core/stores.ts';
import { summarizeUserAgent } from '../core/user-agent.ts';
import { origin, type Kernel, type Principal } from './kernel.ts';

/** A device just remembered: `token` goes in the device cookie and nowhere else. */
export interface RememberedDevice {
  readonly token: string;
  readonly expiresAtMs: number;
}

/** A remembered device as the sessions list shows it: never its mark or the mark's hash. */
export interface DeviceSummary {
  readonly id: string;
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly expires_at: string;
  /** "Firefox on Linux": the summary kept when it was remembered. */
  readonly user_agent: string;
  /** The browser asking holds this device's mark. */
  readonly current: boolean;
}

export type ForgetReason = 'user' | 'admin' | 'password' | 'factors';

async function holdsRequiredRole(kernel: Kernel, userId: string): Promise<boolean> {
  const required = kernel.config.mfa.requiredRoles;
  if (required.length === 0) return false;
  const { roles } = await kernel.stores.roles.authorizationOfUser(userId);
  return roles.some((role) => required.includes(role));
}

/** The stored hash of the client's mark, when it carries one signed for `userId`. */
function markHashOf(kernel: Kernel, client: ClientInfo, userId: string): string | undefined {
  return client.deviceMark ? kernel.mfa.device.read(client.deviceMark, userId) : undefined;
}

/**
 * Whether the client's mark lets `user` (first factor just proved) skip the second factor now; a
 * use is recorded in one conditional write that matches the user, the uniquifier and the lifetime,
 * so a forgotten, expired or revoked mark — or another user's — never skips anything.
 */
export async function useTrustedDevice(kernel: Kernel, user: UserRecord, client: ClientInfo): Promise<boolean> {
  if (kernel.config.mfa.rememberDeviceMs === null) return false;
  const tokenHash = markHashOf(kernel, client, user.id);
  if (!tokenHash) return false;
  // The session would need a step-up at once (MFA_REQUIRED_ROLES wants AAL2): ask for the factor now.
  if (await holdsRequiredRole(kernel, user.id)) return false;
  const nowMs = kernel.clock.nowMs();
  const device = await kernel.stores.devices.useDevice(tokenHash, user.id, user.uniquifier, nowMs);
  if (!device) return false;
  kernel.emit({ type: 'mfa.device_used', userId: user.id, deviceId: device.id, ...origin(client), atMs: nowMs });
  return true;
}

/** After a second factor, with `remember_device`: a new mark for this browser (its previous mark for this user is forgotten). Null when the setting is off. */
export async function rememberDevice(kernel: Kernel, user: UserRecord, client: ClientInfo): Promise<RememberedDevice | null> {
  const lifetimeMs = kernel.config.mfa.rememberDeviceMs;
  if (lifetimeMs === null) return null;
  const nowMs = kernel.clock.nowMs();
  const previous = markHashOf(kernel, client, user.id);
  if (previous) {
    const held = (await kernel.stores.devices.listDevicesOfUser(user.id)).find((d) => d.tokenHash === previous);
    if (held) await kernel.stores.devices.deleteDeviceOfUser(held.id, user.id);
  }
  const { token, tokenHash } = kernel.mfa.device.create(user.id);
  const device: TrustedDeviceRecord = {
    id: createPublicId(kernel.random),
    userId: user.id,
    tokenHash,
    uniquifier: user.uniquifier,
    createdAtMs: nowMs,
    expiresAtMs: nowMs + lifetimeMs,
    lastUsedAtMs: null,
    userAgent: summarizeUserAgent(client.userAgent).slice(0, 128),
  };
  await kernel.stores.devices.createDevice(device);
  kernel.emit({ type: 'mfa.device_remembered', userId: user.id, deviceId: device.id, ...origin(client), atMs: nowMs });
  return { token, expiresAtMs: device.expiresAtMs };
}

/** The principal's live remembered devices, newest first; `current` when `client` holds its mark. */
export async function listTrustedDevices(kernel: Kernel, principal: Principal, client?: ClientInfo): Promise<DeviceSummary[]> {
  const nowMs = kernel.clock.nowMs();
  const current = client ? markHashOf(kernel, client, principal.user.id) : undefined;
  const devices = await kernel.stores.devices.listDevicesOfUser(principal.user.id);
  return devices
    .filter((d) => d.expiresAtMs > nowMs && d.uniquifier === principal.user.uniquifier)
    .map((d) => ({
      id: d.id,
      created_at: new Date(d.createdAtMs).toISOString(),
      last_used_at: d.lastUsedAtMs === null ? null : new Date(d.lastUsedAtMs).toISOString(),
      expires_at: new Date(d.expiresAtMs).toISOString(),
      user_agent: d.userAgent,
      current: current !== undefined && d.tokenHash === current,
    }));
}

/** Forgets one of the principal's devices; another user's id answers exactly like an unknown one: 404. */
export async function forgetTrustedDevice(kernel: Kernel, principal: Principal, deviceId: string, client: ClientInfo): Promise<void> {
  if (!/^[0-9a-f]{32}$/.test(deviceId)) throw new AuthError('NOT_FOUND');
  if (!(await kernel.stores.devices.deleteDeviceOfUser(deviceId, principal.user.id))) throw new AuthError('NOT_FOUND');
  kernel.emit({ type: 'mfa.device_forgotten', userId: principal.user.id, deviceId, by: 'user', ...origin(client), atMs: kernel.clock.nowMs() });
}

/** Forgets every device of the user (password change or reset, no second factor left, admin reset, sign out everywhere); how many. */
export async function forgetTrustedDevicesOfUser(kernel: Kernel, userId: string, by: ForgetReason, client: ClientInfo, actorId?: string): Promise<number> {
  const count = await kernel.stores.devices.deleteDevicesOfUser(userId);
  if (count > 0) {
    kernel.emit({ type: 'mfa.device_forgotten', userId, deviceId: '*all*', by, count, ...(actorId ? { actorId } : {}), ...origin(client), atMs: kernel.clock.nowMs() });
  }
  return count;
}

