/**
 * @module `portcullis/testing`: what a store implementation must pass — the store conformance suite
 * (users, roles, sessions, audit) and the CounterStore conformance suite — and the fixed clock for
 * exact tests of expiries and lock-out curves. The suites register vitest tests (`describe`/`it`),
 * so vitest is an optional peer dependency, needed only by this entry point.
 *
 * ```ts
 * import { describeStoreConformance } from 'portcullis/testing';
 * describeStoreConformance('my store', async () => ({ stores: await openMyStores(), dispose: () => … }));
 * ```
 */
export { describeStoreConformance, type OpenedStores } from './store-conformance.ts';
export { describeCounterConformance } from './counter-conformance.ts';
export { describeMfaStoreConformance, type OpenedMfaStore } from './mfa-conformance.ts';
export { describeTrustedDeviceConformance, type OpenedTrustedDeviceStore } from './trusted-device-conformance.ts';
export { FixedClock, type Clock } from '../core/clock.ts';
