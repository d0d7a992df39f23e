/**
 * Attack cases: hashes in an import file are attacker-controllable. Over-cap work factors
 * must verify false without being computed (were they obeyed, these tests would hang until
 * their timeout or exhaust memory), and malformed hashes must verify false, never throw.
 */
import { pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LEGACY_HASH_CAPS, verifyLegacyHash } from './index.ts';

const HEX64 = 'ab'.repeat(32);
const B64_32 = Buffer.alloc(32, 7).toString('base64');
const BCRYPT_BODY = '.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a';

describe('work caps refuse denial-of-service hashes', () => {
  it.each([
    ['Werkzeug pbkdf2 with 4 billion iterations', `pbkdf2:sha256:4000000000$salt$${HEX64}`],
    ['Werkzeug pbkdf2 one over the cap', `pbkdf2:sha256:${LEGACY_HASH_CAPS.maxPbkdf2Iterations + 1}$salt$${HEX64}`],
    ['Werkzeug pbkdf2 with 0 iterations', `pbkdf2:sha256:0$salt$${HEX64}`],
    ['Django pbkdf2 with 2^31 iterations', `pbkdf2_sha256$2147483648$salt$${B64_32}`],
    ['passlib pbkdf2 with 10^9 rounds', `$pbkdf2-sha256$1000000000$c2FsdA$${'A'.repeat(43)}`],
    ['Werkzeug scrypt N=2^30', `scrypt:1073741824:8:1$salt$${'ab'.repeat(64)}`],
    ['Werkzeug scrypt N=2^16 r=32 (256 MiB)', `scrypt:65536:32:1$salt$${'ab'.repeat(64)}`],
    ['Werkzeug scrypt p=1000', `scrypt:16384:8:1000$salt$${'ab'.repeat(64)}`],
    ['Werkzeug scrypt N not a power of two', `scrypt:30000:8:1$salt$${'ab'.repeat(64)}`],
    ['Django scrypt N=2^24', `scrypt$16777216$salt$8$1$${Buffer.alloc(64).toString('base64')}`],
    ['bcrypt cost 31', `$2b$31$${BCRYPT_BODY}`],
    ['bcrypt cost 16', `$2b$16$${BCRYPT_BODY}`],
    ['Django argon2 with 4 GiB of memory', 'argon2$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q'],
    ['Django argon2 with t=1000', 'argon2$argon2id$v=19$m=8,t=1000,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q'],
    ['Django argon2 with p=255', 'argon2$argon2id$v=19$m=8160,t=1,p=255$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q'],
    ['a 1 MB hash', `pbkdf2:sha256:1000$${'s'.repeat(1_000_000)}$${HEX64}`],
  ])('%s verifies false', async (_label, hash) => {
    await expect(verifyLegacyHash(hash, 'password')).resolves.toBe(false);
  });

  it('a PBKDF2 output longer than one digest is refused (its cost would grow with the length)', async () => {
    const longKey = pbkdf2Sync('password', 'salt', 1_000, 64 * 1_000, 'sha256').toString('hex');
    await expect(verifyLegacyHash(`pbkdf2:sha256:1000$salt$${longKey}`, 'password')).resolves.toBe(false);
    const exact = pbkdf2Sync('password', 'salt', 1_000, 32, 'sha256').toString('hex');
    await expect(verifyLegacyHash(`pbkdf2:sha256:1000$salt$${exact}`, 'password')).resolves.toBe(true);
  });
});

describe('malformed hashes verify false without throwing', () => {
  const good = `pbkdf2:sha256:1000$salt$${pbkdf2Sync('pw', 'salt', 1_000, 32, 'sha256').toString('hex')}`;
  it.each([
    ['unknown PBKDF2 digest', good.replace('sha256', 'md5')],
    ['iterations not a number', good.replace('1000', 'lots')],
    ['negative iterations', good.replace('1000', '-1000')],
    ['empty salt', good.replace('$salt$', '$$')],
    ['hash not hex', `${good.slice(0, -2)}zz`],
    ['odd-length hex', good.slice(0, -1)],
    ['extra segment', `${good}$extra`],
    ['NUL inside', good.replace('salt', 'sa\u0000lt')],
    ['Werkzeug scrypt missing parameters', `scrypt:32768:8$salt$${'ab'.repeat(64)}`],
    ['Werkzeug scrypt short output', `scrypt:16384:8:1$salt$${HEX64}`],
    ['passlib bad alphabet', '$pbkdf2-sha256$1212$4vjV83LK+jQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ'],
    ['passlib empty checksum', '$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$'],
    ['bcrypt body too short', `$2b$10$${BCRYPT_BODY.slice(0, 40)}`],
    ['bcrypt body with bad characters', `$2b$10$${BCRYPT_BODY.slice(0, -1)}!`],
    ['Django pbkdf2 non-canonical base64', `pbkdf2_sha256$1000$salt$${B64_32.replace('=', '')}`],
    ['Django pbkdf2 wrong length', `pbkdf2_sha256$1000$salt$${Buffer.alloc(20).toString('base64')}`],
    ['Django argon2 not a PHC string', 'argon2$garbage'],
    ['Django argon2 unknown variant', 'argon2$argon2x$v=19$m=8,t=1,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q'],
    ['Django argon2 broken salt', 'argon2$argon2id$v=19$m=8,t=1,p=1$!!!$YC9+jJCrQhs5R6db7LlN8Q'],
    ['Django bcrypt_sha256 without bcrypt', 'bcrypt_sha256$nothing'],
    ['Django scrypt missing fields', `scrypt$16384$salt$8$${Buffer.alloc(64).toString('base64')}`],
  ])('%s', async (_label, hash) => {
    await expect(verifyLegacyHash(hash, 'pw')).resolves.toBe(false);
  });

  it('the well-formed control case verifies', async () => {
    await expect(verifyLegacyHash(good, 'pw')).resolves.toBe(true);
  });
});
