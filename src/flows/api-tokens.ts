/**
 * @module Personal access tokens: made only from a fresh session (the route's guard), shown once,
 * stored hashed, named, optionally expiring; listed without their secret and revocable.
 */
import { createPublicId } from '../core/crypto/index.ts';
import { AuthError } from '../core/errors.ts';
import { FieldCollector, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { ApiTokenRecord } from '../core/stores.ts';
import { createOpaqueToken } from '../features/tokens/index.ts';
import { origin, type Kernel, type Principal } from './kernel.ts';

const MAX_TOKENS_PER_USER = 50;
const MAX_EXPIRY_DAYS = 3650;
const DAY_MS = 86_400_000;

export interface ApiTokenSummary {
  readonly id: string;
  readonly name: string;
  /** The token's first characters, to recognise it; never enough to use it. */
  readonly hint: string;
  readonly created_at: string;
  readonly expires_at: string | null;
  readonly last_used_at: string | null;
  readonly last_used_ip: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function summary(t: ApiTokenRecord): ApiTokenSummary {
  return { id: t.id, name: t.name, hint: t.hint, created_at: iso(t.createdAtMs) as string, expires_at: iso(t.expiresAtMs), last_used_at: iso(t.lastUsedAtMs), last_used_ip: t.lastUsedIp };
}

/** `name` (1–100 characters) and optional `expires_in` days (1–3650; JSON number or form text). */
function readInput(body: BodyFields): { name: string; expiresInDays: number | null } {
  const fields = new FieldCollector();
  const name = fields.text('name', body.name, { label: 'Name', maxLength: 100 }).trim();
  let expiresInDays: number | null = null;
  const raw = body.expires_in;
  if (raw !== undefined && raw !== null && raw !== '') {
    const days = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS) fields.add('expires_in', `Expiry must be a whole number of days from 1 to ${MAX_EXPIRY_DAYS}`);
    else expiresInDays = days;
  }
  if (body.name !== undefined && typeof body.name === 'string' && name === '') fields.add('name', 'Name is required');
  fields.throwIfAny();
  return { name, expiresInDays };
}

export async function createApiToken(kernel: Kernel, principal: Principal, body: BodyFields, client: ClientInfo): Promise<{ token: string; summary: ApiTokenSummary }> {
  const { name, expiresInDays } = readInput(body);
  const existing = await kernel.stores.tokens.listApiTokensOfUser(principal.user.id);
  if (existing.length >= MAX_TOKENS_PER_USER) {
    throw new AuthError('INVALID_INPUT', { fields: { name: `You have ${MAX_TOKENS_PER_USER} tokens already: revoke one first` } });
  }
  const nowMs = kernel.clock.nowMs();
  const { token, tokenHash, hint } = createOpaqueToken('api', kernel.random);
  const record: ApiTokenRecord = {
    id: createPublicId(kernel.random),
    userId: principal.user.id,
    name,
    tokenHash,
    hint,
    uniquifier: principal.user.uniquifier,
    createdAtMs: nowMs,
    expiresAtMs: expiresInDays === null ? null : nowMs + expiresInDays * DAY_MS,
    lastUsedAtMs: null,
    lastUsedIp: null,
  };
  await kernel.stores.tokens.createApiToken(record);
  kernel.emit({ type: 'api_token.created', userId: principal.user.id, sessionId: record.id, name, ...origin(client), atMs: nowMs });
  return { token, summary: summary(record) };
}

export async function listApiTokens(kernel: Kernel, principal: Principal): Promise<ApiTokenSummary[]> {
  const tokens = await kernel.stores.tokens.listApiTokensOfUser(principal.user.id);
  return tokens.filter((t) => t.uniquifier === principal.user.uniquifier).map(summary);
}

/** Another user's token id answers exactly like an unknown one: 404. */
export async function revokeApiToken(kernel: Kernel, principal: Principal, id: string, client: ClientInfo): Promise<void> {
  if (!/^[0-9a-f]{32}$/.test(id)) throw new AuthError('NOT_FOUND');
  const tokens = await kernel.stores.tokens.listApiTokensOfUser(principal.user.id);
  const target = tokens.find((t) => t.id === id);
  if (!target || !(await kernel.stores.tokens.deleteApiTokenOfUser(id, principal.user.id))) throw new AuthError('NOT_FOUND');
  kernel.caches.apiTokens.invalidate(target.tokenHash);
  kernel.emit({ type: 'api_token.revoked', userId: principal.user.id, sessionId: id, name: target.name, ...origin(client), atMs: kernel.clock.nowMs() });
}
