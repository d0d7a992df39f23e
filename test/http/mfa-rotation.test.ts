/**
 * @module SECRET_KEY rotation with TOTP secrets sealed at rest: with the old key in
 * SECRET_KEY_PREVIOUS a secret sealed under it still opens, and is re-sealed under the new key at
 * its next use; afterwards the old key is not needed. Without it the old secret does not open
 * (the user recovers with a recovery code). Through the library, on the test database.
 */
import { randomBytes } from 'node:crypto';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock, createAuth, type Auth, type ClientInfo } from '../../src/index.ts';
import { openTestStores, type TestStores } from '../../src/testing/test-database.ts';
import { PASSWORD } from './harness.ts';

const CLIENT: ClientInfo = { ip: '198.51.100.40', userAgent: 'rotation-test', secure: false };
const OLD_KEY = randomBytes(48).toString('base64url');
const NEW_KEY = randomBytes(48).toString('base64url');

describe('SECRET_KEY rotation and sealed TOTP secrets', () => {
  let opened: TestStores;
  const clock = new FixedClock();
  const auths: Auth[] = [];
  const make = (secretKey: string, previousSecretKeys: string[] = []) => {
    const auth = createAuth({ stores: opened.stores, clock, secretKey, previousSecretKeys, environment: 'test', publicOrigin: 'http://localhost:3000' });
    auths.push(auth);
    return auth;
  };
  const code = (secret: Uint8Array) => generateHOTP(secret, BigInt(Math.floor(clock.nowMs() / 30_000)), 6);

  beforeAll(async () => {
    opened = await openTestStores();
  });
  afterAll(async () => {
    for (const auth of auths) await auth.close();
    await opened?.dispose();
  });

  async function signInWithCode(auth: Auth, email: string, secret: Uint8Array): Promise<boolean> {
    const outcome = await auth.sessions.signIn({ email, password: PASSWORD }, CLIENT);
    if (outcome.kind !== 'second-factor') throw new Error('expected the second-factor step');
    try {
      await auth.mfa.completeSignIn(outcome.pending.token, { method: 'totp', code: code(secret) }, CLIENT);
      return true;
    } catch {
      return false;
    }
  }

  it('the previous key opens old secrets and they are re-sealed under the new key on use', async () => {
    const before = make(OLD_KEY);
    const email = `rotate.${randomBytes(3).toString('hex')}@example.com`;
    const started = await before.sessions.register({ email, password: PASSWORD }, CLIENT);
    const setup = await before.mfa.setUpTotp(started.principal);
    const secret = decodeBase32IgnorePadding(setup.secret);
    const { recoveryCodes } = await before.mfa.confirmTotp(started.principal, { code: code(secret) }, CLIENT);
    const sealedOld = (await opened.stores.mfa.findTotp(started.principal.user.id))?.sealedSecret;

    // The new key alone cannot open it: the code is refused (nothing re-sealed), a recovery code still works.
    clock.advanceMs(30_000);
    const withoutPrevious = make(NEW_KEY);
    expect(await signInWithCode(withoutPrevious, email, secret)).toBe(false);
    expect((await opened.stores.mfa.findTotp(started.principal.user.id))?.sealedSecret).toBe(sealedOld);

    // With SECRET_KEY_PREVIOUS it opens, and the use re-seals it under the new key.
    clock.advanceMs(30_000);
    const rotated = make(NEW_KEY, [OLD_KEY]);
    expect(await signInWithCode(rotated, email, secret)).toBe(true);
    const sealedNew = (await opened.stores.mfa.findTotp(started.principal.user.id))?.sealedSecret;
    expect(sealedNew).not.toBe(sealedOld);

    // From now on the old key is not needed.
    clock.advanceMs(30_000);
    expect(await signInWithCode(make(NEW_KEY), email, secret)).toBe(true);
    expect(recoveryCodes).toHaveLength(10);
  });
});
