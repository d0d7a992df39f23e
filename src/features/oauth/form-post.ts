/**
 * @module The form_post answer (OAuth 2.0 Form Post Response Mode — Sign in with Apple): what a
 * provider's page POSTs to the callback, read strictly, and the sealed handle that carries it on to
 * the same-site GET continuation, where the SameSite=Lax flow cookie rides again.
 *
 * The handle is AES-256-GCM under a key derived (HKDF) from SECRET_KEY, bound to the provider's
 * name (associated data) and to an expiry: the URL carries no readable authorization code, a handle
 * made for one provider does not open at another, and the flow treats its random IV as its one-time id.
 * What the handle carries is only ever checked against this browser's flow cookie afterwards:
 * anyone can make a handle by POSTing to the callback; only the state the flow cookie holds makes
 * one worth anything.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import type { RandomSource } from '../../core/crypto/index.ts';

/** What the provider answered, reduced to what the code exchange reads. */
export interface ProviderAnswer {
  readonly code: string | null;
  readonly state: string;
  /** RFC 9207 `iss` (mix-up defence), when the provider sends it. */
  readonly iss: string | null;
  readonly error: string | null;
}

/** How long the handle lives: the page of ours navigates on at once, so two minutes is plenty. */
export const FORM_POST_HANDLE_TTL_MS = 120_000;

const LIMITS = { code: 2048, state: 512, iss: 512, error: 128, error_description: 1024, error_uri: 1024, id_token: 16_384, user: 2048 } as const;
const NAME_PART = 64;

const isBoundedText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max && value.isWellFormed() && !value.includes('\u0000');

/**
 * Apple's `user` (first sign-in only): `{"name":{"firstName","lastName"},"email"}`. Untrusted: read
 * strictly and bounded, then dropped — Portcullis keeps no display name, and the e-mail that counts
 * is the one in the verified ID token, never this one.
 */
function isAcceptableUser(text: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const { name } = value as { name?: unknown };
  if (name === undefined) return true;
  if (name === null || typeof name !== 'object' || Array.isArray(name)) return false;
  return Object.values(name).every((part) => typeof part === 'string' && part.length <= NAME_PART);
}

/** The answer in a posted form, or the reason it is refused (an INVALID_INPUT message). */
export function readFormPostAnswer(fields: Readonly<Record<string, unknown>>): ProviderAnswer | { readonly refused: string } {
  for (const [key, max] of Object.entries(LIMITS)) {
    const value = fields[key];
    if (value !== undefined && !isBoundedText(value, max)) return { refused: `The provider's ${key} is malformed or too long` };
  }
  const { code, state, iss, error, user } = fields as Partial<Record<keyof typeof LIMITS, string>>;
  if (state === undefined) return { refused: "The provider's answer has no state" };
  if (code === undefined && error === undefined) return { refused: "The provider's answer has neither a code nor an error" };
  if (user !== undefined && !isAcceptableUser(user)) return { refused: "The provider's user is malformed" };
  return { code: code ?? null, state, iss: iss ?? null, error: error ?? null };
}

/** The answer as the query of the callback URL the code exchange reads (what a query-mode provider sends). */
export function answerAsQuery(answer: ProviderAnswer): URLSearchParams {
  const query = new URLSearchParams();
  if (answer.code !== null) query.set('code', answer.code);
  query.set('state', answer.state);
  if (answer.iss !== null) query.set('iss', answer.iss);
  if (answer.error !== null) query.set('error', answer.error);
  return query;
}

const INFO = 'portcullis/oauth-form-post/v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_HANDLE = 4096;

function keyOf(secretKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'portcullis', INFO, 32));
}

export function sealAnswer(secretKey: string, random: RandomSource, provider: string, answer: ProviderAnswer, expiresAtMs: number): string {
  const iv = Buffer.from(random(IV_BYTES));
  const cipher = createCipheriv('aes-256-gcm', keyOf(secretKey), iv);
  cipher.setAAD(Buffer.from(provider));
  const plain = Buffer.from(JSON.stringify({ ...answer, expiresAtMs }), 'utf8');
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]).toString('base64url');
}

/** The answer sealed for `provider` and its one-time id, unless the handle is not ours, for another provider, or expired. */
export function openAnswer(secretKey: string, provider: string, handle: string, nowMs: number): { readonly answer: ProviderAnswer; readonly id: string } | undefined {
  if (handle.length > MAX_HANDLE || !/^[\w-]+$/.test(handle)) return undefined;
  const bytes = Buffer.from(handle, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
  const iv = bytes.subarray(0, IV_BYTES);
  let parsed: Partial<Record<keyof ProviderAnswer | 'expiresAtMs', unknown>>;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secretKey), iv);
    decipher.setAAD(Buffer.from(provider));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
    parsed = JSON.parse(plain.toString('utf8')) as typeof parsed;
  } catch {
    return undefined;
  }
  const { code, state, iss, error, expiresAtMs } = parsed;
  if (typeof expiresAtMs !== 'number' || expiresAtMs <= nowMs || typeof state !== 'string') return undefined;
  const textOrNull = (value: unknown) => (typeof value === 'string' ? value : null);
  // The IV is random per handle and authenticated by GCM: the same handle, however it is spelled, has one id.
  return { answer: { code: textOrNull(code), state, iss: textOrNull(iss), error: textOrNull(error) }, id: iv.toString('hex') };
}
