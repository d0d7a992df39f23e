/**
 * @module TrustedDeviceStore in process memory (one process; tests and embedded use). Each
 * operation runs to completion without awaiting in between, so a check and its write are one step,
 * as the SQL store's conditional UPDATE is.
 */
import type { TrustedDeviceRecord, TrustedDeviceStore } from '../../core/stores.ts';

export function createMemoryTrustedDeviceStore(): TrustedDeviceStore {
  const byHash = new Map<string, TrustedDeviceRecord>();
  const remove = (keep: (d: TrustedDeviceRecord) => boolean) => {
    let removed = 0;
    for (const [hash, device] of byHash) {
      if (keep(device)) continue;
      byHash.delete(hash);
      removed += 1;
    }
    return removed;
  };
  return {
    async createDevice(device) {
      if (byHash.has(device.tokenHash) || [...byHash.values()].some((d) => d.id === device.id)) throw new Error('duplicate trusted device');
      byHash.set(device.tokenHash, { ...device });
    },
    async useDevice(tokenHash, userId, uniquifier, nowMs) {
      const device = byHash.get(tokenHash);
      if (!device || device.userId !== userId || device.uniquifier !== uniquifier || device.expiresAtMs <= nowMs) return undefined;
      const used = { ...device, lastUsedAtMs: nowMs };
      byHash.set(tokenHash, used);
      return used;
    },
    async listDevicesOfUser(userId) {
      return [...byHash.values()]
        .filter((d) => d.userId === userId)
        .sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : 1));
    },
    async deleteDeviceOfUser(id, userId) {
      return remove((d) => !(d.id === id && d.userId === userId)) === 1;
    },
    async deleteDevicesOfUser(userId) {
      return remove((d) => d.userId !== userId);
    },
    async deleteExpiredDevices(nowMs) {
      return remove((d) => d.expiresAtMs > nowMs);
    },
  };
}
