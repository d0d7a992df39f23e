/** @module Unit tests of the /dev/mail gate: loopback on every hop, unparsable counts as remote. */
import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, isLoopbackOnlyRequest } from './loopback-only.ts';

const headers = (init: Record<string, string> = {}) => new Headers(init);

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.8.9.10', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])('%s is loopback', (address) => {
    expect(isLoopbackAddress(address)).toBe(true);
  });
  it.each(['10.0.0.1', '0.0.0.0', '::', '::ffff:10.0.0.1', '2001:db8::1', 'localhost', '2130706433', '0x7f.0.0.1', '', 'unknown'])('%s is not', (address) => {
    expect(isLoopbackAddress(address)).toBe(false);
  });
});

describe('isLoopbackOnlyRequest', () => {
  it('needs the peer, the resolved client and every forwarded address to be loopback', () => {
    expect(isLoopbackOnlyRequest('127.0.0.1', '127.0.0.1', headers())).toBe(true);
    expect(isLoopbackOnlyRequest(undefined, '::1', headers())).toBe(true);
    expect(isLoopbackOnlyRequest('203.0.113.9', '127.0.0.1', headers())).toBe(false);
    expect(isLoopbackOnlyRequest('127.0.0.1', '203.0.113.9', headers())).toBe(false);
    expect(isLoopbackOnlyRequest('127.0.0.1', '127.0.0.1', headers({ 'x-forwarded-for': '127.0.0.1, ::1' }))).toBe(true);
    expect(isLoopbackOnlyRequest('127.0.0.1', '127.0.0.1', headers({ 'x-forwarded-for': '127.0.0.1:5000' }))).toBe(true);
    expect(isLoopbackOnlyRequest('127.0.0.1', '127.0.0.1', headers({ 'x-forwarded-for': '127.0.0.1, 10.0.0.1' }))).toBe(false);
    expect(isLoopbackOnlyRequest('127.0.0.1', '127.0.0.1', headers({ 'x-real-ip': '10.0.0.1' }))).toBe(false);
    expect(isLoopbackOnlyRequest('127.0.0.1', '127.0.0.1', headers({ forwarded: 'for="[::1]:80";proto=https, for=127.0.0.1' }))).toBe(true);
    expect(isLoopbackOnlyRequest('127.0.0.1', '127.0.0.1', headers({ forwarded: 'proto=https;by=10.0.0.1' }))).toBe(true);
    expect(isLoopbackOnlyRequest('127.0.0.1', '127.0.0.1', headers({ forwarded: 'by=127.0.0.1;FOR=198.51.100.7' }))).toBe(false);
    expect(isLoopbackOnlyRequest('127.0.0.1', '127.0.0.1', headers({ forwarded: 'for=unknown' }))).toBe(false);
  });
});
