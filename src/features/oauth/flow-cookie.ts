/**
 * @module The short-lived cookie that carries one sign-in through the provider: which provider it
 * was started for, its state, nonce and PKCE verifier, the `next` page, and — when the user is
 * linking from the account page — whose session asked. Signed (HMAC with the app's secret): the
 * browser holds it but cannot change a byte of it. SameSite=Lax, because the provider sends the
 * browser back with a top-level cross-site GET, which Strict cookies do not ride.
 */
import { constantTimeEqual, hmacBase64Url } from '../../core/crypto/index.ts';

export interface OAuthFlow {
  readonly provider: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Already judged safe by the redirect validator when the flow started; judged again at the end. */
  readonly next: string | null;
  /** A link started from the account page: the user and the (fresh) session that asked. */
  readonly link: { readonly userId: string; readonly sessionId: string } | null;
  readonly expiresAtMs: number;
}

export const FLOW_COOKIE = 'portcullis_oauth';

const KEY_LABEL = 'portcullis oauth flow cookie v1';
const MAX_COOKIE_LENGTH = 3000;

function keyOf(secretKey: string): string {
  return hmacBase64Url(secretKey, KEY_LABEL);
}

export function sealFlow(secretKey: string, flow: OAuthFlow): string {
  const body = Buffer.from(JSON.stringify(flow), 'utf8').toString('base64url');
  return `${body}.${hmacBase64Url(keyOf(secretKey), body)}`;
}

const isText = (value: unknown, max = 512): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;

/** The flow in a cookie value, when it is ours, intact and unexpired; otherwise undefined. */
export function openFlow(secretKey: string, value: string | undefined, nowMs: number): OAuthFlow | undefined {
  if (!value || value.length > MAX_COOKIE_LENGTH) return undefined;
  const dot = value.indexOf('.');
  if (dot <= 0) return undefined;
  const body = value.slice(0, dot);
  if (!constantTimeEqual(value.slice(dot + 1), hmacBase64Url(keyOf(secretKey), body))) return undefined;
  let parsed: Partial<Record<keyof OAuthFlow, unknown>>;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    return undefined;
  }
  const { provider, state, nonce, codeVerifier, next, link, expiresAtMs } = parsed;
  if (!isText(provider, 32) || !isText(state) || !isText(nonce) || !isText(codeVerifier)) return undefined;
  if (typeof expiresAtMs !== 'number' || expiresAtMs <= nowMs) return undefined;
  if (next !== null && !isText(next, 2048)) return undefined;
  const linked = link as { userId?: unknown; sessionId?: unknown } | null;
  if (linked !== null && (typeof linked !== 'object' || !isText(linked.userId, 64) || !isText(linked.sessionId, 64))) return undefined;
  return { provider, state, nonce, codeVerifier, next, link: linked ? { userId: linked.userId as string, sessionId: linked.sessionId as string } : null, expiresAtMs };
}
