/**
 * @module The remembered-device mark (MFA_REMEMBER_DEVICE): the value of a long-lived cookie that
 * lets one browser skip the second factor at its user's later sign-ins. It is a random secret (256
 * bits) and an HMAC over the user's id and that secret, under a key derived from SECRET_KEY: a
 * forged or tampered mark, or one presented for another user, fails here before any lookup. The
 * store keeps only the secret's SHA-256 (revocable, listed with the sessions).
 */
import { hkdfSync } from 'node:crypto';
import { constantTimeEqual, createSecretToken, hmacBase64Url, sha256Hex, type RandomSource } from '../../core/crypto/index.ts';

export interface DeviceMarkCodec {
  /** A new mark for `userId`: `token` goes in the cookie and nowhere else; `tokenHash` in the store. */
  create(userId: string): { readonly token: string; readonly tokenHash: string };
  /** The stored hash the mark stands for, if its signature holds for `userId`; undefined otherwise. */
  read(token: string, userId: string): string | undefined;
}

const SECRET = /^[\w-]{43}$/;

export function createDeviceMarkCodec(secretKey: string, random: RandomSource): DeviceMarkCodec {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'portcullis', 'portcullis/trusted-device/v1', 32));
  const sign = (userId: string, secret: string) => hmacBase64Url(key, `${userId}\n${secret}`);
  return {
    create(userId) {
      const secret = createSecretToken(random);
      return { token: `${secret}.${sign(userId, secret)}`, tokenHash: sha256Hex(secret) };
    },
    read(token, userId) {
      if (token.length > 128) return undefined;
      const [secret, mac, ...rest] = token.split('.');
      if (!secret || !mac || rest.length > 0 || !SECRET.test(secret)) return undefined;
      return constantTimeEqual(mac, sign(userId, secret)) ? sha256Hex(secret) : undefined;
    },
  };
}
