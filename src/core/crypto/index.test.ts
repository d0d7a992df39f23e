import { describe, expect, it } from 'vitest';
import { createPublicId, createRandomPool, createSecretToken, secureRandom } from './index.ts';

describe('secureRandom', () => {
  it('gives the length asked for, large or small', () => {
    for (const n of [1, 16, 32, 255, 256, 257, 4096, 10_000]) expect(secureRandom(n)).toHaveLength(n);
  });

  it('never hands out the same bytes twice, across many refills of its pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i++) seen.add(createPublicId());
    expect(seen.size).toBe(5_000);
    const tokens = new Set(Array.from({ length: 2_000 }, () => createSecretToken()));
    expect(tokens.size).toBe(2_000);
  });

  it('gives each caller its own copy: changing one result changes no other', () => {
    const a = secureRandom(32);
    const b = secureRandom(32);
    const copyOfB = Buffer.from(b);
    a.fill(0);
    expect(Buffer.from(b).equals(copyOfB)).toBe(true);
  });

  it('looks uniform: every byte value turns up in 64 KiB drawn in small pieces', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 2_048; i++) for (const byte of secureRandom(32)) counts[byte]!++;
    // 65,536 bytes over 256 values: 256 expected each; a count under 150 or over 370 is ~7 sigma away.
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.max(...counts)).toBeLessThan(370);
  });
});

describe('createRandomPool', () => {
  it('each pool is its own: bytes drawn from one are not the next bytes of another', () => {
    const a = createRandomPool();
    const b = createRandomPool();
    const fromA = new Set(Array.from({ length: 200 }, () => Buffer.from(a.random(16)).toString('hex')));
    for (let i = 0; i < 200; i++) expect(fromA.has(Buffer.from(b.random(16)).toString('hex'))).toBe(false);
  });

  it('wipe() leaves what was handed out alone, and the pool keeps giving full-length, fresh bytes after it', () => {
    const pool = createRandomPool();
    const first = pool.random(16);
    const copy = Buffer.from(first);
    pool.wipe();
    expect(Buffer.from(first).equals(copy)).toBe(true);
    const after = Array.from({ length: 300 }, () => pool.random(16));
    for (const bytes of after) expect(bytes).toHaveLength(16);
    expect(new Set(after.map((bytes) => Buffer.from(bytes).toString('hex'))).size).toBe(300);
  });
});
