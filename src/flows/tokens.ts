/**
 * @module API tokens: a credential login yields an access/refresh pair; refresh rotates inside a
 * family, and presenting a used refresh token kills the whole family (OAuth 2.0 Security BCP).
 * Bearer requests are verified by signature plus a cached check of user and family state.
 */
import { createPublicId, sha256Hex } from '../core/crypto/index.ts';
import { AuthError } from '../core/errors.ts';
import type { TokenRejection } from '../core/events.ts';
import { FieldCollector, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { RefreshTokenRecord, TokenFamilyRecord, UserRecord } from '../core/stores.ts';
import { EMAIL_MAX_LENGTH } from '../features/identity/index.ts';
import { createOpaqueToken, opaqueKind, parseBearer } from '../features/tokens/index.ts';
import { checkCredentials, credentialFailure } from './credentials.ts';
import { loadUserState, origin, type Kernel, type Principal, readPresentedPassword } from './kernel.ts';
import { secondFactorMethods } from './second-factor-check.ts';

export interface TokenPair {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly token_type: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expires_in: number;
}

function rejected(kernel: Kernel, reason: TokenRejection, client: ClientInfo, userId?: string): null {
  kernel.emit({ type: 'token.rejected', reason, ...(userId ? { userId } : {}), ...origin(client), atMs: kernel.clock.nowMs() });
  return null;
}

function refreshRecord(kernel: Kernel, family: TokenFamilyRecord, nowMs: number): { token: string; record: RefreshTokenRecord } {
  const { token, tokenHash } = createOpaqueToken('refresh', kernel.random);
  const expiresAtMs = Math.min(nowMs + kernel.config.tokens.refreshIdleMs, family.expiresAtMs);
  return { token, record: { tokenHash, familyId: family.id, createdAtMs: nowMs, expiresAtMs, usedAtMs: null } };
}

async function accessToken(kernel: Kernel, userId: string, familyId: string, nowMs: number): Promise<{ access_token: string; expires_in: number }> {
  const ttlMs = kernel.config.tokens.accessTtlMs;
  const codec = await kernel.signing.codec();
  return { access_token: await codec.sign({ userId, familyId, nowMs, ttlMs }), expires_in: Math.round(ttlMs / 1000) };
}

/** A new family for a user who just proved their password. */
export async function issueTokenPair(kernel: Kernel, user: UserRecord, client: ClientInfo): Promise<TokenPair> {
  const nowMs = kernel.clock.nowMs();
  const family: TokenFamilyRecord = {
    id: createPublicId(kernel.random),
    userId: user.id,
    uniquifier: user.uniquifier,
    createdAtMs: nowMs,
    expiresAtMs: nowMs + kernel.config.tokens.refreshTtlMs,
  };
  const refresh = refreshRecord(kernel, family, nowMs);
  await kernel.stores.tokens.createFamily(family, refresh.record);
  kernel.emit({ type: 'token.issued', userId: user.id, sessionId: family.id, ...origin(client), atMs: nowMs });
  return { ...(await accessToken(kernel, user.id, family.id, nowMs)), refresh_token: refresh.token, token_type: 'Bearer' };
}

/** `POST /auth/token`: e-mail (or username) and password → a pair; same lockout as every login. */
export async function signInForTokens(kernel: Kernel, body: BodyFields, client: ClientInfo): Promise<TokenPair> {
  const fields = new FieldCollector();
  const key = body.email !== undefined ? 'email' : 'username';
  const identity = fields.text(key, body[key], { label: key === 'email' ? 'E-mail or username' : 'Username', maxLength: EMAIL_MAX_LENGTH }).trim();
  const password = readPresentedPassword(fields, kernel, 'password', body.password, 'Password');
  fields.throwIfAny();
  const result = await checkCredentials(kernel, identity, password, client, 'token');
  if (!result.ok) throw credentialFailure(kernel, identity, result, 'token', client);
  // No second step exists here: an account with a second factor gets no tokens from its password alone.
  if ((await secondFactorMethods(kernel, result.user.id)).length > 0) throw new AuthError('MFA_REQUIRED');
  return issueTokenPair(kernel, result.user, client);
}

async function killFamily(kernel: Kernel, family: TokenFamilyRecord): Promise<void> {
  await kernel.stores.tokens.deleteFamily(family.id);
  kernel.caches.families.invalidate(family.id);
}

/** `POST /auth/token/refresh`: rotate. Reuse of a rotated token — or a lost race — ends the family. */
export async function refreshTokenPair(kernel: Kernel, body: BodyFields, client: ClientInfo): Promise<TokenPair> {
  const presented = body.refresh_token;
  const unauthenticated = new AuthError('UNAUTHENTICATED');
  if (typeof presented !== 'string' || opaqueKind(presented) !== 'refresh') {
    rejected(kernel, typeof presented === 'string' && presented.includes('.') ? 'access_as_refresh' : 'malformed', client);
    throw unauthenticated;
  }
  const tokenHash = sha256Hex(presented);
  const found = await kernel.stores.tokens.findRefreshToken(tokenHash);
  if (!found) throw (rejected(kernel, 'unknown', client), unauthenticated);
  const { token, family } = found;
  const nowMs = kernel.clock.nowMs();
  if (token.usedAtMs !== null) {
    await killFamily(kernel, family);
    kernel.emit({ type: 'token.reuse', userId: family.userId, sessionId: family.id, ...origin(client), atMs: nowMs });
    throw unauthenticated;
  }
  if (token.expiresAtMs <= nowMs || family.expiresAtMs <= nowMs) {
    await killFamily(kernel, family);
    throw (rejected(kernel, 'expired', client, family.userId), unauthenticated);
  }
  const state = await loadUserState(kernel, family.userId);
  if (!state || !state.user.active || state.user.uniquifier !== family.uniquifier) {
    await killFamily(kernel, family);
    throw (rejected(kernel, 'user_changed', client, family.userId), unauthenticated);
  }
  const next = refreshRecord(kernel, family, nowMs);
  if (!(await kernel.stores.tokens.rotateRefreshToken(tokenHash, nowMs, next.record))) {
    // Someone else rotated this token first: two holders of one refresh token means it leaked.
    await killFamily(kernel, family);
    kernel.emit({ type: 'token.reuse', userId: family.userId, sessionId: family.id, ...origin(client), atMs: nowMs });
    throw unauthenticated;
  }
  kernel.emit({ type: 'token.refreshed', userId: family.userId, sessionId: family.id, ...origin(client), atMs: nowMs });
  return { ...(await accessToken(kernel, family.userId, family.id, nowMs)), refresh_token: next.token, token_type: 'Bearer' };
}

/** `POST /auth/token/revoke` (RFC 7009): always answers the same; a known refresh token ends its family. */
export async function revokeRefreshToken(kernel: Kernel, body: BodyFields, client: ClientInfo): Promise<void> {
  const presented = body.refresh_token;
  if (typeof presented !== 'string' || opaqueKind(presented) !== 'refresh') return;
  const found = await kernel.stores.tokens.findRefreshToken(sha256Hex(presented));
  if (!found) return;
  await killFamily(kernel, found.family);
  kernel.emit({ type: 'token.revoked', userId: found.family.userId, sessionId: found.family.id, ...origin(client), atMs: kernel.clock.nowMs() });
}

const API_TOKEN_TOUCH_INTERVAL_MS = 60_000;

async function authenticateApiToken(kernel: Kernel, token: string, client: ClientInfo): Promise<Principal | null> {
  const tokenHash = sha256Hex(token);
  const record = await kernel.caches.apiTokens.get(tokenHash, () => kernel.stores.tokens.findApiTokenByHash(tokenHash));
  if (!record) return rejected(kernel, 'unknown', client);
  const nowMs = kernel.clock.nowMs();
  if (record.expiresAtMs !== null && record.expiresAtMs <= nowMs) return rejected(kernel, 'expired', client, record.userId);
  const state = await loadUserState(kernel, record.userId);
  if (!state || !state.user.active || state.user.uniquifier !== record.uniquifier) return rejected(kernel, 'user_changed', client, record.userId);
  if (record.lastUsedAtMs === null || nowMs - record.lastUsedAtMs >= API_TOKEN_TOUCH_INTERVAL_MS) {
    await kernel.stores.tokens.touchApiToken(record.id, nowMs, client.ip);
    kernel.caches.apiTokens.invalidate(tokenHash);
  }
  return { user: state.user, authorization: state.authorization, via: 'token', session: null };
}

/**
 * `Authorization: Bearer …` → a Principal (access token or personal access token), or null with
 * an audit event saying why. No header at all is simply null (another mechanism may apply).
 */
export async function authenticateBearer(kernel: Kernel, header: string | null, client: ClientInfo): Promise<Principal | null> {
  if (header === null || !/^bearer(\s|$)/i.test(header.trim())) return null;
  const token = parseBearer(header);
  if (!token) return rejected(kernel, 'malformed', client);
  const kind = opaqueKind(token);
  if (kind === 'api') return authenticateApiToken(kernel, token, client);
  if (kind === 'refresh') return rejected(kernel, 'refresh_as_access', client);
  const claims = await (await kernel.signing.codec()).verify(token, kernel.clock.nowMs());
  if (!claims) return rejected(kernel, 'invalid_signature_or_claims', client);
  const [state, family] = await Promise.all([
    loadUserState(kernel, claims.userId),
    kernel.caches.families.get(claims.familyId, () => kernel.stores.tokens.findFamily(claims.familyId)),
  ]);
  if (!family || family.userId !== claims.userId) return rejected(kernel, 'revoked', client, claims.userId);
  if (!state || !state.user.active || state.user.uniquifier !== family.uniquifier) return rejected(kernel, 'user_changed', client, claims.userId);
  return { user: state.user, authorization: state.authorization, via: 'token', session: null };
}
