/**
 * @module Sealing second-factor secrets at rest: AES-256-GCM under a key derived (HKDF-SHA-256)
 * from SECRET_KEY, bound to the user (as associated data, so a sealed secret copied onto another
 * account does not open). A database dump alone yields no TOTP secret. The sealed text names
 * its key (`kid`), so after a rotation the previous key (SECRET_KEY_PREVIOUS) still opens old
 * secrets, and the caller re-seals them under the current key on their next use.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import type { RandomSource } from '../../core/crypto/index.ts';

const VERSION = 'v1';
const INFO = 'portcullis/mfa-secret/v1';

interface SealingKey {
  readonly id: string;
  readonly key: Buffer;
}

export interface SecretSealer {
  seal(userId: string, plain: Uint8Array): string;
  /** The secret, and whether it was sealed under an older key (re-seal it); undefined when it does not open. */
  open(userId: string, sealed: string): { readonly secret: Uint8Array; readonly stale: boolean } | undefined;
}

function deriveKey(secretKey: string): SealingKey {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'portcullis', INFO, 32));
  const id = createHash('sha256').update(key).update('kid').digest('base64url').slice(0, 8);
  return { id, key };
}

/** `current` seals; `previous` keys (newest first) only open. */
export function createSecretSealer(current: string, previous: readonly string[], random: RandomSource): SecretSealer {
  const sealing = deriveKey(current);
  const opening = [sealing, ...previous.map(deriveKey)];
  return {
    seal(userId, plain) {
      const iv = Buffer.from(random(12));
      const cipher = createCipheriv('aes-256-gcm', sealing.key, iv);
      cipher.setAAD(Buffer.from(userId));
      const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return [VERSION, sealing.id, iv.toString('base64url'), body.toString('base64url')].join('.');
    },
    open(userId, sealed) {
      const [version, id, ivText, bodyText, ...rest] = sealed.split('.');
      if (version !== VERSION || !id || !ivText || !bodyText || rest.length > 0) return undefined;
      const key = opening.find((k) => k.id === id);
      if (!key) return undefined;
      const iv = Buffer.from(ivText, 'base64url');
      const body = Buffer.from(bodyText, 'base64url');
      if (iv.length !== 12 || body.length <= 16) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.key, iv);
        decipher.setAAD(Buffer.from(userId));
        decipher.setAuthTag(body.subarray(body.length - 16));
        const plain = Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
        return { secret: Uint8Array.from(plain), stale: key !== sealing };
      } catch {
        return undefined;
      }
    },
  };
}
