/** @module Helpers for passkey tests: register a passkey through the routes with a software authenticator, and drive the assertion ceremonies. */
import { expect } from 'vitest';
import { PUBLIC_ORIGIN, type Client, type JsonResult } from './harness.ts';
import { SoftwareAuthenticator, type AssertionOverrides, type AuthenticatorOptions, type CreationOptionsJSON, type RequestOptionsJSON } from './passkey-authenticator.ts';

export interface PasskeyBody {
  id: string;
  name: string;
  created: string;
  last_used: string | null;
}

export function newAuthenticator(options: Partial<AuthenticatorOptions> = {}): SoftwareAuthenticator {
  return new SoftwareAuthenticator({ origin: PUBLIC_ORIGIN, ...options });
}

/** Registration through the routes (the client's session must be fresh); fails loudly unless it worked. */
export async function registerPasskey(client: Client, authenticator: SoftwareAuthenticator, name?: string): Promise<{ passkey: PasskeyBody; recovery_codes?: string[] }> {
  const options = await client.json<CreationOptionsJSON>('/auth/passkeys/register/options', { method: 'POST', json: {}, csrf: true });
  expect(options.res.status, JSON.stringify(options.body)).toBe(200);
  const response = authenticator.create(options.body);
  const registered = await client.json<{ passkey: PasskeyBody; recovery_codes?: string[]; csrf_token: string }>('/auth/passkeys/register', {
    method: 'POST',
    json: { response, ...(name !== undefined ? { name } : {}) },
    csrf: true,
  });
  expect(registered.res.status, JSON.stringify(registered.body)).toBe(201);
  client.csrfToken = registered.body.csrf_token;
  return registered.body;
}

/** The pending sign-in's assertion options (`POST /auth/mfa/passkey/options`). */
export async function secondFactorOptions(client: Client): Promise<JsonResult<RequestOptionsJSON>> {
  return client.json<RequestOptionsJSON>('/auth/mfa/passkey/options', { method: 'POST', json: {} });
}

/** The second factor by passkey for the client's pending sign-in: options, assertion, verify. */
export async function verifyWithPasskey(client: Client, authenticator: SoftwareAuthenticator, overrides: AssertionOverrides = {}) {
  const options = await secondFactorOptions(client);
  expect(options.res.status, JSON.stringify(options.body)).toBe(200);
  const response = authenticator.get(options.body, overrides);
  return client.json<{ user?: { id: string }; csrf_token?: string; code?: string }>('/auth/mfa/verify', { method: 'POST', json: { method: 'passkey', response } });
}

/** Passwordless: options (binding the client's pre-session) and the assertion. */
export async function passwordlessOptions(client: Client): Promise<RequestOptionsJSON> {
  const options = await client.json<RequestOptionsJSON>('/auth/passkeys/login/options', { method: 'POST', json: {} });
  expect(options.res.status, JSON.stringify(options.body)).toBe(200);
  return options.body;
}

export async function passwordlessLogin(client: Client, response: unknown, extra: Record<string, unknown> = {}) {
  const result = await client.json<{ user?: { id: string; email: string }; csrf_token?: string; code?: string; mfa_required?: boolean }>('/auth/passkeys/login', {
    method: 'POST',
    json: { response, ...extra },
  });
  if (result.res.status === 200 && typeof result.body.csrf_token === 'string') client.csrfToken = result.body.csrf_token;
  return result;
}
