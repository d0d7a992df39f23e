/**
 * @module One change at a time to the ways an account signs in (its passkeys and linked
 * identities): deleting a passkey, unlinking an identity, registering a passkey under the cap.
 *
 * Each of those reads what the account holds, decides ("not the last way in", "fewer than 20"),
 * then writes — and the passkeys and identities live in two stores. Two such changes at once both
 * read the same picture: two deletes of a password-less account's last two ways in both saw
 * another one left. So they take turns under a short per-account lock on the counter store (the
 * atomic reservation; Redis across processes), whatever stores hold the data. A holder that dies
 * frees it when its window ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthError } from '../core/errors.ts';
import type { Kernel } from './kernel.ts';

/** Longer than any change under it takes; only a crashed holder keeps it this long. */
const LOCK_WINDOW_MS = 10_000;
/** How long a change waits for its turn before answering 503 BUSY. */
const WAIT_MS = 3_000;
const RETRY_MS = 15;

/** Runs `change` while no other change to `userId`'s sign-in methods runs (any process). */
export async function withSignInMethodsLock<T>(kernel: Kernel, userId: string, change: () => Promise<T>): Promise<T> {
  const key = `sign-in-methods:${userId}`;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const turn = await kernel.counters.reserve(key, 1, LOCK_WINDOW_MS);
    if (turn.granted) {
      try {
        return await change();
      } finally {
        await kernel.counters.release(key, turn).catch(() => undefined);
      }
    }
    if (Date.now() >= deadline) throw new AuthError('BUSY');
    await sleep(RETRY_MS + Math.floor(Math.random() * RETRY_MS));
  }
}
