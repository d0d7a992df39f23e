/** @module Development secret: generated once and kept in the data directory, so sessions survive restarts. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function loadOrCreateDevSecret(dataDir: string): string {
  const path = join(dataDir, 'secret.key');
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length >= 43) return existing;
  } catch {
    // first start: create it below
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(path, secret + '\n', { mode: 0o600 });
  return secret;
}

const PEM_BLOCK = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/g;

/** The PEM private keys in a file, in order: the first signs, the others still verify. */
export function readSigningKeyFile(path: string): string[] {
  const keys = readFileSync(path, 'utf8').match(PEM_BLOCK) ?? [];
  if (keys.length === 0) throw new Error(`Invalid configuration: ACCESS_TOKEN_KEY_FILE has no PKCS#8 private key (${path})`);
  return keys;
}

/** Development: an Ed25519 access-token key generated once and kept beside the database. */
export async function loadOrCreateDevSigningKeys(dataDir: string, generate: () => Promise<string>): Promise<string[]> {
  const path = join(dataDir, 'access-token-keys.pem');
  try {
    return readSigningKeyFile(path);
  } catch {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, (await generate()) + '\n', { mode: 0o600 });
    return readSigningKeyFile(path);
  }
}
