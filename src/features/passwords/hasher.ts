/**
 * @module argon2id through @node-rs/argon2: native, async (runs on libuv's thread pool, so
 * other requests keep flowing during a burst of logins), no install script.
 */
import { hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id` of @node-rs/argon2 (an ambient const enum, which isolated modules cannot read). */
const ARGON2ID = 2;

export interface Argon2Params {
  /** KiB of memory. */
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** OWASP's recommended argon2id parameters: m = 19 MiB, t = 2, p = 1. */
export const OWASP_ARGON2ID: Argon2Params = Object.freeze({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });

export interface PasswordHasher {
  hashPassword(password: string): Promise<string>;
  /** False for a wrong password or an unreadable hash; never throws on bad input. */
  verifyPassword(passwordHash: string, password: string): Promise<boolean>;
  /**
   * Spends the same time as a real verification against nothing: called when the identity is
   * unknown, so that unknown and wrong-password failures cannot be told apart by timing.
   */
  verifyAgainstDummy(password: string): Promise<void>;
}

export function createPasswordHasher(params: Argon2Params = OWASP_ARGON2ID): PasswordHasher {
  const options = { algorithm: ARGON2ID, ...params };
  let dummyHash: Promise<string> | undefined;
  const hashPassword = (password: string) => hash(password, options);
  const verifyPassword = async (passwordHash: string, password: string) => {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  };
  return {
    hashPassword,
    verifyPassword,
    async verifyAgainstDummy(password) {
      dummyHash ??= hashPassword('portcullis-dummy-password-for-timing');
      await verifyPassword(await dummyHash, password);
    },
  };
}
