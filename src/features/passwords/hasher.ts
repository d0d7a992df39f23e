/**
 * @module argon2id through @node-rs/argon2 (native, no install script), computed off the event loop
 * in the hashing pool, so other requests keep flowing during a burst of logins.
 */
import { parseOptions } from '@node-rs/argon2';
import { hashPool, type HashPoolOptions } from './hash-pool.ts';

/** `Algorithm.Argon2id` of @node-rs/argon2 (an ambient const enum, which isolated modules cannot read). */
const ARGON2ID = 2;
/** `Version.V0x13` (argon2 1.3, "v=19"): the only version we write. */
const ARGON2_VERSION_0X13 = 1;

export interface Argon2Params {
  /** KiB of memory. */
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** OWASP's recommended argon2id parameters: m = 19 MiB, t = 2, p = 1. */
export const OWASP_ARGON2ID: Argon2Params = Object.freeze({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });

export interface PasswordHasher {
  /** Rejects with HashQueueFullError (503 BUSY) when the hashing queue is full. */
  hashPassword(password: string): Promise<string>;
  /**
   * False for a wrong password or an unreadable hash; never throws on bad input. Rejects with
   * HashQueueFullError (503 BUSY) when the hashing queue is full: nothing was checked, so it is
   * not a wrong password and must not count toward a lockout.
   */
  verifyPassword(passwordHash: string, password: string): Promise<boolean>;
  /**
   * Spends the same time as a real verification against nothing: called when the identity is
   * unknown, so that unknown and wrong-password failures cannot be told apart by timing.
   */
  verifyAgainstDummy(password: string): Promise<void>;
  /**
   * True when a stored hash is not what this hasher would write today: argon2id with other
   * m/t/p, another argon2 variant or version, a legacy format, or unreadable. Call it after a
   * successful verification and store a fresh hash. Optional only so that wrappers written
   * before it existed still type-check; createPasswordHasher always provides it.
   */
  needsRehash?(passwordHash: string): boolean;
}

/** The standalone form of PasswordHasher.needsRehash, against explicit parameters. */
export function passwordHashNeedsRehash(passwordHash: string, params: Argon2Params = OWASP_ARGON2ID): boolean {
  if (typeof passwordHash !== 'string' || !passwordHash.startsWith('$argon2id$')) return true;
  try {
    const stored = parseOptions(passwordHash);
    return (
      stored.algorithm !== ARGON2ID ||
      stored.version !== ARGON2_VERSION_0X13 ||
      stored.memoryCost !== params.memoryCost ||
      stored.timeCost !== params.timeCost ||
      stored.parallelism !== params.parallelism
    );
  } catch {
    return true;
  }
}

/** What createPasswordHasher returns: a PasswordHasher whose needsRehash is always there, and that can be closed. */
export type Argon2PasswordHasher = PasswordHasher & {
  needsRehash(passwordHash: string): boolean;
  /**
   * Lets go of the shared hashing pool: its threads stop once no other hasher of the same pool
   * settings holds it (work already handed over finishes first). Idempotent; afterwards every
   * hash and verification rejects. `auth.close()` does this for the hasher createAuth made.
   */
  close(): Promise<void>;
};

/**
 * argon2id with `params`, computed in the process's hashing pool (hash-pool.ts): worker threads, one
 * per core by default, at a lower scheduling priority than the event loop, behind a bounded queue.
 */
export function createPasswordHasher(params: Argon2Params = OWASP_ARGON2ID, pool: HashPoolOptions = {}): Argon2PasswordHasher {
  for (const [name, value] of Object.entries(params)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`argon2 ${name} must be a positive integer`);
  }
  const workers = hashPool(pool);
  const options = { algorithm: ARGON2ID, ...params };
  let dummyHash: Promise<string> | undefined;
  const hashPassword = (password: string) => workers.run({ op: 'hash', password, options });
  // An unreadable hash or a non-string is simply not a match (the worker answers false). A
  // rejection means the pool itself failed: it propagates (a 500), rather than passing for a
  // wrong password that would count toward the user's lockout.
  const verifyPassword = async (passwordHash: string, password: string) =>
    typeof passwordHash === 'string' && typeof password === 'string' && workers.run({ op: 'verify', hash: passwordHash, password });
  return {
    hashPassword,
    verifyPassword,
    async verifyAgainstDummy(password) {
      // A dummy refused by a full queue is forgotten: kept, it would answer BUSY for every unknown identity ever after.
      dummyHash ??= hashPassword('portcullis-dummy-password-for-timing').catch((error: unknown) => {
        dummyHash = undefined;
        throw error;
      });
      await verifyPassword(await dummyHash, password);
    },
    needsRehash: (passwordHash) => passwordHashNeedsRehash(passwordHash, params),
    close: () => workers.release(),
  };
}
