import { describe, expect, it } from 'vitest';
import { clientNetwork, resolveClientAddress } from './client-ip.ts';
import { isTrustedPeer, normalizeIp, parseTrustProxy, type TrustProxy } from './trust-proxy.ts';

function trust(text: string): TrustProxy {
  const parsed = parseTrustProxy(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

const headers = (init: Record<string, string> = {}) => new Headers(init);
const resolve = (peer: string, init: Record<string, string>, trustProxy: TrustProxy, peerSecure = false) =>
  resolveClientAddress(peer, peerSecure, headers(init), trustProxy);

describe('parseTrustProxy', () => {
  it.each(['false', 'FALSE', '0', 'none', ' false '])('reads %j as trusting no one', (text) => {
    expect(trust(text)).toEqual({ kind: 'none' });
  });

  it('reads a hop count', () => {
    expect(trust('2')).toEqual({ kind: 'hops', hops: 2 });
  });

  it('reads loopback and CIDR lists, a bare address as a single host', () => {
    const loopback = trust('loopback');
    expect(isTrustedPeer(loopback, '127.0.0.1')).toBe(true);
    expect(isTrustedPeer(loopback, '127.255.0.9')).toBe(true);
    expect(isTrustedPeer(loopback, '::1')).toBe(true);
    expect(isTrustedPeer(loopback, '10.0.0.1')).toBe(false);

    const list = trust('10.0.0.0/8, 2001:db8::/32, 192.0.2.10, loopback');
    expect(isTrustedPeer(list, '10.200.3.4')).toBe(true);
    expect(isTrustedPeer(list, '2001:db8:ffff::1')).toBe(true);
    expect(isTrustedPeer(list, '192.0.2.10')).toBe(true);
    expect(isTrustedPeer(list, '192.0.2.11')).toBe(false);
    expect(isTrustedPeer(list, '127.0.0.1')).toBe(true);
    expect(isTrustedPeer(list, '11.0.0.1')).toBe(false);
    expect(isTrustedPeer(list, 'not-an-ip')).toBe(false);
  });

  it.each(['10.0.0.0/33', '::1/129', '10.0.0/8', 'proxy.internal', '10.0.0.0/x', '10.0.0.0/-1'])('refuses %j with a message', (text) => {
    expect(parseTrustProxy(text)).toEqual(expect.stringContaining('bad entry'));
  });
});

describe('normalizeIp', () => {
  it('unmaps IPv4-mapped IPv6, trims and lower-cases', () => {
    expect(normalizeIp('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(normalizeIp(' ::FFFF:203.0.113.5 ')).toBe('203.0.113.5');
    expect(normalizeIp('2001:DB8::1')).toBe('2001:db8::1');
    expect(normalizeIp('203.0.113.5')).toBe('203.0.113.5');
  });
});

describe('resolveClientAddress', () => {
  const spoof = { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https' };

  it('ignores X-Forwarded-* entirely when no proxy is trusted', () => {
    expect(resolve('198.51.100.7', spoof, trust('false'))).toEqual({ ip: '198.51.100.7', secure: false });
    expect(resolve('198.51.100.7', { 'x-forwarded-proto': 'http' }, trust('false'), true)).toEqual({ ip: '198.51.100.7', secure: true });
  });

  it('ignores X-Forwarded-* from a peer outside the trusted list', () => {
    expect(resolve('198.51.100.7', spoof, trust('loopback'))).toEqual({ ip: '198.51.100.7', secure: false });
    expect(resolve('11.0.0.1', spoof, trust('10.0.0.0/8'))).toEqual({ ip: '11.0.0.1', secure: false });
  });

  it('takes the right-most address that is not a trusted proxy; a spoofed left part never wins', () => {
    const t = trust('loopback, 10.0.0.0/8');
    expect(resolve('127.0.0.1', { 'x-forwarded-for': '198.51.100.7' }, t).ip).toBe('198.51.100.7');
    expect(resolve('127.0.0.1', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7' }, t).ip).toBe('198.51.100.7');
    expect(resolve('127.0.0.1', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.1.2.3, 10.0.0.9' }, t).ip).toBe('198.51.100.7');
    expect(resolve('10.0.0.5', { 'x-forwarded-for': '1.1.1.1,10.0.0.3 , 10.0.0.4' }, t).ip).toBe('1.1.1.1');
  });

  it('reads multiple X-Forwarded-For headers as one list', () => {
    const h = new Headers();
    h.append('x-forwarded-for', '6.6.6.6');
    h.append('x-forwarded-for', '198.51.100.7');
    expect(resolveClientAddress('127.0.0.1', false, h, trust('loopback')).ip).toBe('198.51.100.7');
  });

  it('falls back to the left-most hop when the whole chain is trusted', () => {
    expect(resolve('10.0.0.5', { 'x-forwarded-for': '10.0.0.3, 10.0.0.4' }, trust('10.0.0.0/8')).ip).toBe('10.0.0.3');
  });

  it('stops at a hop that is not an IP address rather than believe what lies beyond it', () => {
    expect(resolve('127.0.0.1', { 'x-forwarded-for': '6.6.6.6, unknown' }, trust('loopback')).ip).toBe('127.0.0.1');
    expect(resolve('127.0.0.1', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7:4711' }, trust('loopback')).ip).toBe('127.0.0.1');
    expect(resolve('127.0.0.1', { 'x-forwarded-for': '' }, trust('loopback')).ip).toBe('127.0.0.1');
  });

  it('believes X-Forwarded-Proto from a trusted peer only', () => {
    const t = trust('loopback');
    expect(resolve('127.0.0.1', { 'x-forwarded-proto': 'https' }, t)).toEqual({ ip: '127.0.0.1', secure: true });
    expect(resolve('127.0.0.1', { 'x-forwarded-proto': 'HTTPS, http' }, t).secure).toBe(true);
    expect(resolve('127.0.0.1', { 'x-forwarded-proto': 'http' }, t, true).secure).toBe(false);
    expect(resolve('127.0.0.1', {}, t, true).secure).toBe(true);
    expect(resolve('127.0.0.1', {}, t, false).secure).toBe(false);
    expect(resolve('127.0.0.1', { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https' }, t)).toEqual({ ip: '198.51.100.7', secure: true });
  });

  it('counts hops from the right with a hop count', () => {
    const chain = { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.0.0.2' };
    expect(resolve('10.0.0.1', chain, trust('1')).ip).toBe('10.0.0.2');
    expect(resolve('10.0.0.1', chain, trust('2')).ip).toBe('198.51.100.7');
    expect(resolve('10.0.0.1', chain, trust('3')).ip).toBe('6.6.6.6');
    expect(resolve('10.0.0.1', chain, trust('9')).ip).toBe('6.6.6.6');
    expect(resolve('10.0.0.1', {}, trust('1')).ip).toBe('10.0.0.1');
    expect(resolve('10.0.0.1', { 'x-forwarded-for': 'garbage' }, trust('1')).ip).toBe('10.0.0.1');
    expect(resolve('10.0.0.1', chain, { kind: 'hops', hops: 0 }).ip).toBe('10.0.0.1');
  });

  it('normalises IPv4-mapped IPv6 for the peer and the forwarded hops', () => {
    expect(resolve('::ffff:198.51.100.7', spoof, trust('false')).ip).toBe('198.51.100.7');
    // The mapped loopback peer is the loopback proxy: its header is believed.
    expect(resolve('::ffff:127.0.0.1', { 'x-forwarded-for': '::FFFF:198.51.100.7' }, trust('loopback')).ip).toBe('198.51.100.7');
    expect(resolve('::ffff:127.0.0.1', { 'x-forwarded-for': '198.51.100.7, ::ffff:127.0.0.2' }, trust('loopback')).ip).toBe('198.51.100.7');
    expect(resolve('2001:DB8::7', {}, trust('false')).ip).toBe('2001:db8::7');
  });

  it('never returns an empty address', () => {
    expect(resolve('', {}, trust('false')).ip).toBe('0.0.0.0');
  });
});

describe('clientNetwork', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0/24'],
    ['203.0.113.1', '203.0.113.0/24'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::', 'fe80:0:0:0::/64'],
  ])('puts %s in %s', (ip, network) => {
    expect(clientNetwork(ip)).toBe(network);
  });

  it('gives one network for neighbours and two for strangers', () => {
    expect(clientNetwork('198.51.100.7')).toBe(clientNetwork('198.51.100.200'));
    expect(clientNetwork('198.51.100.7')).not.toBe(clientNetwork('198.51.101.7'));
    expect(clientNetwork('2001:db8:0:0:1::1')).toBe(clientNetwork('2001:db8::2:0:0:1'));
    expect(clientNetwork('2001:db8:0:1::1')).not.toBe(clientNetwork('2001:db8:0:2::1'));
  });

  it('puts an IPv4 client reached over IPv6 (mapped) in its IPv4 /24 once resolved', () => {
    const { ip } = resolve('::ffff:198.51.100.7', {}, trust('false'));
    expect(clientNetwork(ip)).toBe('198.51.100.0/24');
  });

  it('returns anything that is not an IP unchanged', () => {
    expect(clientNetwork('unknown')).toBe('unknown');
  });
});
