/** @module The remembered-device mark: bound to its user, refused when forged or tampered with. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDeviceMarkCodec } from './device-mark.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));
const codec = createDeviceMarkCodec('k'.repeat(48), random);

describe('device mark', () => {
  it('reads back as the hash it was stored under, for its user only', () => {
    const { token, tokenHash } = codec.create('user-a');
    expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(token).not.toContain(tokenHash);
    expect(codec.read(token, 'user-a')).toBe(tokenHash);
    expect(codec.read(token, 'user-b')).toBeUndefined();
  });

  it('refuses a tampered secret or signature, a mark under another key, and junk', () => {
    const { token } = codec.create('user-a');
    const [secret = '', mac = ''] = token.split('.');
    const flip = (text: string) => `${text.slice(0, -1)}${text.endsWith('A') ? 'B' : 'A'}`;
    expect(codec.read(`${flip(secret)}.${mac}`, 'user-a')).toBeUndefined();
    expect(codec.read(`${secret}.${flip(mac)}`, 'user-a')).toBeUndefined();
    expect(codec.read(secret, 'user-a')).toBeUndefined();
    expect(codec.read(`${token}.x`, 'user-a')).toBeUndefined();
    expect(codec.read('', 'user-a')).toBeUndefined();
    expect(codec.read('x'.repeat(5000), 'user-a')).toBeUndefined();
    const other = createDeviceMarkCodec('o'.repeat(48), random);
    expect(other.read(token, 'user-a')).toBeUndefined();
  });
});
