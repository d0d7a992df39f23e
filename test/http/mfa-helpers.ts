/** @module Helpers for multi-factor tests: enrol a TOTP app the way a user does, and compute its codes from the secret shown. */
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import { expect } from 'vitest';
import { PASSWORD, type Client, type TestApp } from './harness.ts';

export interface EnrolledTotp {
  readonly secret: Uint8Array;
  readonly recoveryCodes: string[];
}

/** The code an authenticator app shows at the test clock's time (`offsetSteps` steps later or earlier). */
export function totpCode(t: TestApp, secret: Uint8Array, offsetSteps = 0): string {
  const step = Math.floor(t.clock.nowMs() / 30_000) + offsetSteps;
  return generateHOTP(secret, BigInt(step), 6);
}

/** Signs up a user, sets up TOTP through the routes and confirms it; the clock moves one step on so the next code is new. */
export async function enrolTotp(t: TestApp, client: Client): Promise<EnrolledTotp> {
  const setup = await client.json<{ secret: string; otpauth_url: string; qr_svg: string }>('/auth/mfa/totp/setup', { method: 'POST', json: {}, csrf: true });
  expect(setup.res.status).toBe(200);
  const secret = decodeBase32IgnorePadding(setup.body.secret);
  const confirm = await client.json<{ recovery_codes: string[] }>('/auth/mfa/totp/confirm', { method: 'POST', json: { code: totpCode(t, secret) }, csrf: true });
  expect(confirm.res.status).toBe(200);
  t.clock.advanceMs(30_000);
  return { secret, recoveryCodes: confirm.body.recovery_codes };
}

/** A new client at its own address whose password login is answered with the second-factor step. */
export async function pendingSignIn(t: TestApp, email: string, options: Parameters<TestApp['client']>[0] = {}): Promise<Client> {
  const client = t.client(options);
  const { res, body } = await client.json<{ mfa_required?: boolean }>('/auth/login', { json: { email, password: PASSWORD } });
  expect(res.status).toBe(200);
  expect(body.mfa_required).toBe(true);
  return client;
}
