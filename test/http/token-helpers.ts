/**
 * @module Helpers for the API-token HTTP tests: getting a token pair, sending a Bearer request,
 * reading and forging JWTs by hand (no Portcullis code), and reading the audit trail of one client.
 */
import { exportPKCS8, generateKeyPair } from 'jose';
import { expect } from 'vitest';
import { PASSWORD, nextIp, uniqueEmail, type Client, type PublicUserBody, type TestApp } from './harness.ts';

export const UNAUTHENTICATED = { error: 'Authentication required', code: 'UNAUTHENTICATED' } as const;
export const INVALID_CREDENTIALS = { error: 'Invalid credentials', code: 'INVALID_CREDENTIALS' } as const;
export const RATE_LIMITED = { error: 'Too many requests. Try again later.', code: 'RATE_LIMITED' } as const;
export const CSRF_FAILED = { error: 'CSRF validation failed', code: 'CSRF_FAILED' } as const;
export const REAUTH_REQUIRED = { error: 'Re-authentication required', code: 'REAUTH_REQUIRED' } as const;
export const NOT_FOUND = { error: 'Not found', code: 'NOT_FOUND' } as const;

export interface TokenPairBody {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

export interface Account {
  readonly email: string;
  readonly user: PublicUserBody;
  /** The client that registered: it holds a (fresh) session cookie. */
  readonly browser: Client;
}

/** Registers a new account through the API; its client stays logged in. */
export async function createAccount(t: TestApp, fields: Record<string, unknown> = {}): Promise<Account> {
  const browser = t.client();
  const email = (fields.email as string | undefined) ?? uniqueEmail('tok');
  const user = await browser.signUp({ email, ...fields });
  return { email, user, browser };
}

/** `POST /auth/token` from a cookie-less client at a new IP (so that rate limits never bite by accident). */
export async function requestTokens(t: TestApp, body: unknown, ip = nextIp()): Promise<{ res: Response; body: Record<string, unknown> }> {
  return t.client({ ip }).json('/auth/token', { json: body });
}

export async function issueTokens(t: TestApp, email: string, password = PASSWORD): Promise<TokenPairBody> {
  const { res, body } = await requestTokens(t, { email, password });
  if (res.status !== 200) throw new Error(`POST /auth/token answered ${res.status}: ${JSON.stringify(body)}`);
  return body as unknown as TokenPairBody;
}

/** A user holding one of every credential: two browser sessions, an access/refresh pair and a personal access token. */
export interface CredentialedAccount {
  email: string;
  userId: string;
  browser: Client;
  other: Client;
  access: string;
  refreshToken: string;
  pat: string;
}

/** Registers `prefix…@` with `password`, logs in a second client, takes a token pair and mints a PAT. */
export async function accountWithEveryCredential(t: TestApp, prefix: string, password: string): Promise<CredentialedAccount> {
  const email = uniqueEmail(prefix);
  const browser = t.client();
  const user = await browser.signUp({ email, password });
  const other = t.client();
  expect((await other.login({ email, password })).res.status).toBe(200);
  const pair = await issueTokens(t, email, password);
  const minted = await browser.json<{ token: string }>('/auth/api-tokens', { json: { name: 'ci' }, csrf: true });
  expect(minted.res.status).toBe(201);
  return { email, userId: user.id, browser, other, access: pair.access_token, refreshToken: pair.refresh_token, pat: minted.body.token };
}

export async function refresh(t: TestApp, refreshToken: unknown, ip = nextIp()): Promise<{ res: Response; body: Record<string, unknown> }> {
  return t.client({ ip }).json('/auth/token/refresh', { json: { refresh_token: refreshToken } });
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** `GET /auth/me` with only this Authorization header (no cookie), from `ip`. */
export async function meWith(t: TestApp, authorization: string, ip = nextIp()): Promise<{ res: Response; body: Record<string, unknown> }> {
  return t.client({ ip }).json('/auth/me', { headers: { authorization } });
}

export async function expectUnauthenticated(result: { res: Response; body: unknown }): Promise<void> {
  expect(result.res.status).toBe(401);
  expect(result.body).toEqual(UNAUTHENTICATED);
}

/** `token.rejected` (or another event) written for requests from this client IP. */
export async function auditAt(t: TestApp, ip: string, event = 'token.rejected'): Promise<Array<{ event: string; reason: string | null; userId: string | null }>> {
  const { records } = await t.auth.admin.listAudit({ event, ip, offset: 0, limit: 50 });
  return records.map((r) => ({ event: r.event, reason: r.reason, userId: r.userId }));
}

export function b64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeSegment(segment: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The header and payload of a compact JWT, decoded by hand. */
export function readJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; parts: string[] } {
  const parts = token.split('.');
  return { header: decodeSegment(parts[0]), payload: decodeSegment(parts[1]), parts };
}

/** A fresh Ed25519 key as PKCS#8 PEM, for `tokenSigningKeys`. */
export async function newSigningKeyPem(): Promise<string> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return exportPKCS8(privateKey);
}

export const nowSeconds = (t: TestApp): number => Math.floor(t.clock.nowMs() / 1000);
