/** @module The in-process TrustedDeviceStore against the TrustedDeviceStore conformance suite. */
import { randomBytes } from 'node:crypto';
import { describeTrustedDeviceConformance } from '../../testing/trusted-device-conformance.ts';
import { createMemoryTrustedDeviceStore } from './trusted-device-store.ts';

describeTrustedDeviceConformance('memory', async () => ({
  devices: createMemoryTrustedDeviceStore(),
  newUserId: async () => `u-${randomBytes(6).toString('hex')}`,
  dispose: async () => undefined,
}));
