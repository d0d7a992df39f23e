/**
 * @module The pending sign-in: what a correct first factor yields when a second one is due. It is
 * a signed, short-lived value for its own cookie — never a session, so no guard and no route but
 * the second-factor ones can read it. It names the user, the user's uniquifier at sign-in (a
 * password change or revocation kills it), when it dies, and how the first factor was proved.
 * Its id keys its own attempt budget (budget.ts) and its single use.
 */
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { createPublicId, type RandomSource } from '../../core/crypto/index.ts';

export type FirstFactor = 'pwd' | 'email' | 'oidc' | 'passkey';
const FIRST_FACTORS: readonly FirstFactor[] = ['pwd', 'email', 'oidc', 'passkey'];

export interface PendingSignIn {
  readonly id: string;
  readonly userId: string;
  /** A digest of the user's uniquifier then: a changed uniquifier kills the pending sign-in. */
  readonly uniquifierDigest: string;
  readonly remember: boolean;
  readonly firstFactor: FirstFactor;
  readonly expiresAtMs: number;
}

export interface PendingCodec {
  create(input: { userId: string; uniquifier: string; remember: boolean; firstFactor: FirstFactor; nowMs: number }): { token: string; pending: PendingSignIn };
  /** The pending sign-in the token stands for, if its signature holds and it has not expired. */
  read(token: string, nowMs: number): PendingSignIn | undefined;
  matchesUniquifier(pending: PendingSignIn, uniquifier: string): boolean;
}

const digestOf = (uniquifier: string) => createHash('sha256').update(`pending:${uniquifier}`).digest('base64url').slice(0, 22);

export function createPendingCodec(secretKey: string, ttlMs: number, random: RandomSource): PendingCodec {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'portcullis', 'portcullis/pending-sign-in/v1', 32));
  const sign = (body: string) => createHmac('sha256', key).update(body).digest();
  return {
    create({ userId, uniquifier, remember, firstFactor, nowMs }) {
      const pending: PendingSignIn = { id: createPublicId(random), userId, uniquifierDigest: digestOf(uniquifier), remember, firstFactor, expiresAtMs: nowMs + ttlMs };
      const body = Buffer.from(JSON.stringify([pending.id, userId, pending.uniquifierDigest, remember ? 1 : 0, firstFactor, pending.expiresAtMs])).toString('base64url');
      return { token: `${body}.${sign(body).toString('base64url')}`, pending };
    },
    read(token, nowMs) {
      if (token.length > 1024) return undefined;
      const [body, mac, ...rest] = token.split('.');
      if (!body || !mac || rest.length > 0) return undefined;
      const expected = sign(body);
      const given = Buffer.from(mac, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let fields: unknown;
      try {
        fields = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        return undefined;
      }
      if (!Array.isArray(fields) || fields.length !== 6) return undefined;
      const [id, userId, uniquifierDigest, remember, firstFactor, expiresAtMs] = fields as unknown[];
      if (typeof id !== 'string' || typeof userId !== 'string' || typeof uniquifierDigest !== 'string') return undefined;
      if (!FIRST_FACTORS.includes(firstFactor as FirstFactor) || typeof expiresAtMs !== 'number' || nowMs >= expiresAtMs) return undefined;
      return { id, userId, uniquifierDigest, remember: remember === 1, firstFactor: firstFactor as FirstFactor, expiresAtMs };
    },
    matchesUniquifier: (pending, uniquifier) => pending.uniquifierDigest === digestOf(uniquifier),
  };
}
