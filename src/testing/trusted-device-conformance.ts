/**
 * @module The TrustedDeviceStore conformance suite: memory, SQLite and PostgreSQL pass it unchanged.
 * A use is one atomic conditional write: it names the user and uniquifier it must match, and a
 * deleted (forgotten) device is never used again — however the use and the deletion race.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrustedDeviceRecord, TrustedDeviceStore } from '../core/stores.ts';
import { DAY, hex, sha256, T0 } from './conformance/fixtures.ts';

export interface OpenedTrustedDeviceStore {
  readonly devices: TrustedDeviceStore;
  /** A user the store may hang devices on (SQL stores need the row to exist). */
  newUserId(): Promise<string>;
  dispose(): Promise<void>;
}

function device(userId: string, overrides: Partial<TrustedDeviceRecord> = {}): TrustedDeviceRecord {
  return {
    id: hex(16),
    userId,
    tokenHash: sha256(hex()),
    uniquifier: 'uniq-1',
    createdAtMs: T0,
    expiresAtMs: T0 + 30 * DAY,
    lastUsedAtMs: null,
    userAgent: 'Firefox on Linux',
    ...overrides,
  };
}

export function describeTrustedDeviceConformance(name: string, open: () => Promise<OpenedTrustedDeviceStore>): void {
  describe(`TrustedDeviceStore conformance: ${name}`, () => {
    let opened: OpenedTrustedDeviceStore | undefined;
    const store = () => opened!.devices;
    const user = () => opened!.newUserId();
    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.dispose();
    });

    it('stores a device and lists it for its user only, newest first', async () => {
      const [a, b] = [await user(), await user()];
      const older = device(a);
      const newer = device(a, { createdAtMs: T0 + 1 });
      await store().createDevice(older);
      await store().createDevice(newer);
      await store().createDevice(device(b));
      expect(await store().listDevicesOfUser(a)).toEqual([newer, older]);
      expect(await store().listDevicesOfUser(b)).toHaveLength(1);
    });

    it('a use matches the token hash, the user, the uniquifier and the lifetime, and records when', async () => {
      const [a, b] = [await user(), await user()];
      const d = device(a);
      await store().createDevice(d);
      expect(await store().useDevice(d.tokenHash, b, d.uniquifier, T0 + 1)).toBeUndefined();
      expect(await store().useDevice(d.tokenHash, a, 'uniq-2', T0 + 1)).toBeUndefined();
      expect(await store().useDevice(sha256('other'), a, d.uniquifier, T0 + 1)).toBeUndefined();
      expect(await store().useDevice(d.tokenHash, a, d.uniquifier, d.expiresAtMs)).toBeUndefined();
      // None of the refused uses touched it.
      expect((await store().listDevicesOfUser(a))[0]?.lastUsedAtMs).toBeNull();
      expect(await store().useDevice(d.tokenHash, a, d.uniquifier, T0 + 5)).toEqual({ ...d, lastUsedAtMs: T0 + 5 });
      expect((await store().listDevicesOfUser(a))[0]?.lastUsedAtMs).toBe(T0 + 5);
      // Used again later: still good until it expires.
      expect((await store().useDevice(d.tokenHash, a, d.uniquifier, d.expiresAtMs - 1))?.lastUsedAtMs).toBe(d.expiresAtMs - 1);
    });

    it('deletes one device only for its owner, all of a user, and the expired ones', async () => {
      const [a, b] = [await user(), await user()];
      const [one, two, expired] = [device(a), device(a), device(a, { expiresAtMs: T0 + 10 })];
      const other = device(b, { expiresAtMs: T0 + 10 });
      for (const d of [one, two, expired, other]) await store().createDevice(d);
      expect(await store().deleteDeviceOfUser(one.id, b)).toBe(false);
      expect(await store().deleteDeviceOfUser(one.id, a)).toBe(true);
      expect(await store().deleteDeviceOfUser(one.id, a)).toBe(false);
      expect(await store().useDevice(one.tokenHash, a, one.uniquifier, T0 + 1)).toBeUndefined();
      expect(await store().deleteExpiredDevices(T0 + 10)).toBeGreaterThanOrEqual(2);
      expect((await store().listDevicesOfUser(a)).map((d) => d.id)).toEqual([two.id]);
      expect(await store().listDevicesOfUser(b)).toEqual([]);
      expect(await store().deleteDevicesOfUser(a)).toBe(1);
      expect(await store().listDevicesOfUser(a)).toEqual([]);
    });

    it('racing uses and a deletion: once the deletion has returned, no use succeeds', async () => {
      const a = await user();
      const d = device(a);
      await store().createDevice(d);
      const uses = Array.from({ length: 20 }, (_, i) => store().useDevice(d.tokenHash, a, d.uniquifier, T0 + i + 1));
      const deletion = store().deleteDevicesOfUser(a);
      const results = await Promise.all([...uses, deletion]);
      expect(results.at(-1)).toBe(1);
      expect(await store().useDevice(d.tokenHash, a, d.uniquifier, T0 + 100)).toBeUndefined();
      expect(await store().listDevicesOfUser(a)).toEqual([]);
    });
  });
}
