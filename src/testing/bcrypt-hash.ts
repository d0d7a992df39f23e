/**
 * @module Real bcrypt hashes for tests (bcryptjs), in the variants other systems write: `$2b$`
 * (passlib, Node), `$2a$` (Devise, older libraries), `$2y$` (PHP). The three prefixes name the same
 * algorithm for ordinary passwords; they differ only in the history of the bugs they mark as fixed.
 */
import bcrypt from 'bcryptjs';

export async function bcryptHash(password: string, options: { cost?: number; version?: '2a' | '2b' | '2y' } = {}): Promise<string> {
  const hashed = await bcrypt.hash(password, options.cost ?? 10);
  return `$${options.version ?? '2b'}$${hashed.slice(4)}`;
}
