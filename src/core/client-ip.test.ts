import { describe, expect, it } from 'vitest';
import { clientBucket, clientNetwork, resolveClientAddress } from './client-ip.ts';
import { isTrustedPeer, parseTrustProxy, type TrustProxy, type TrustProxyHeader } from './trust-proxy.ts';

function trust(text: string): TrustProxy {
  const parsed = parseTrustProxy(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

const headers = (init: Record<string, string> = {}) => new Headers(init);
const resolve = (peer: string, init: Record<string, string>, trustProxy: TrustProxy, peerSecure = false, header: TrustProxyHeader = 'x-forwarded-for') =>
  resolveClientAddress(peer, peerSecure, headers(init), trustProxy, header);
const viaForwarded = (peer: string, init: Record<string, string>, trustProxy: TrustProxy, peerSecure = false) => resolve(peer, init, trustProxy, peerSecure, 'forwarded');

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

  it.each(['10.0.0.0/33', '::1/129', '10.0.0/8', 'proxy.internal', '10.0.0.0/x', '10.0.0.0/-1', '10.0.0.0/', '10.0.0.0/8/8', '010.0.0.0/8', '0x0a.0.0.0/8', 'fe80::1%eth0/128', '::ffff:10.0.0.0/129'])('refuses %j with a message', (text) => {
    expect(parseTrustProxy(text)).toEqual(expect.stringContaining('bad entry'));
  });

  it('judges every spelling of one address alike, peers and list entries', () => {
    const list = trust('loopback, 10.0.0.0/8, 2001:db8::/32');
    for (const spelling of ['127.0.0.1', '::ffff:127.0.0.1', '::FFFF:7F00:1', '0:0:0:0:0:ffff:7f00:0001', '::ffff:127.0.0.1%eth0', '::1', '0:0:0:0:0:0:0:1', '0000::0001']) {
      expect(isTrustedPeer(list, spelling), spelling).toBe(true);
    }
    for (const spelling of ['10.1.2.3', '::ffff:a01:203', '::ffff:10.1.2.3', '2001:DB8:FFFF::1', '2001:0db8:0000::1%2']) expect(isTrustedPeer(list, spelling), spelling).toBe(true);
    for (const spelling of ['11.0.0.1', '::ffff:b00:1', '::ffff:11.0.0.1', '2001:db9::1', '::a01:203']) expect(isTrustedPeer(list, spelling), spelling).toBe(false);
    // The same range written as IPv4-mapped IPv6 is the IPv4 range.
    const mapped = trust('::ffff:10.0.0.0/104, ::FFFF:C633:6407');
    for (const spelling of ['10.200.0.1', '::ffff:ac8:1', '198.51.100.7', '::ffff:198.51.100.7']) expect(isTrustedPeer(mapped, spelling), spelling).toBe(true);
    expect(isTrustedPeer(mapped, '11.0.0.1')).toBe(false);
    // An IPv6 range that covers the mapped block covers IPv4 too: ::/0 is everyone.
    expect(isTrustedPeer(trust('::/0'), '203.0.113.9')).toBe(true);
    expect(isTrustedPeer(trust('::ffff:0:0/96'), '203.0.113.9')).toBe(true);
    expect(isTrustedPeer(trust('::ffff:0:0/80'), '203.0.113.9')).toBe(true);
  });

  it('never trusts text that is not exactly one address', () => {
    const list = trust('0.0.0.0/0, ::/0');
    for (const text of ['', 'unknown', '_hidden', '127.1', '0x7f.0.0.1', '0177.0.0.1', '127.0.0.1:80', '[::1]', '127.0.0.1, 10.0.0.1']) expect(isTrustedPeer(list, text), text).toBe(false);
  });
});

describe('resolveClientAddress (TRUST_PROXY_HEADER=x-forwarded-for, the default)', () => {
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
    expect(resolveClientAddress('127.0.0.1', false, h, trust('loopback'), 'x-forwarded-for').ip).toBe('198.51.100.7');
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

  it('never reads Forwarded: not its for= and not its proto=', () => {
    const t = trust('loopback');
    expect(resolve('127.0.0.1', { forwarded: 'for=6.6.6.6;proto=https' }, t)).toEqual({ ip: '127.0.0.1', secure: false });
    expect(resolve('127.0.0.1', { forwarded: 'for=6.6.6.6;proto=https', 'x-forwarded-for': '198.51.100.7' }, t)).toEqual({ ip: '198.51.100.7', secure: false });
    expect(resolve('127.0.0.1', { forwarded: 'for=127.0.0.1', 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https' }, t)).toEqual({ ip: '198.51.100.7', secure: true });
    expect(resolve('10.0.0.1', { forwarded: 'for=6.6.6.6' }, trust('1')).ip).toBe('10.0.0.1');
  });

  it('returns every hop in canonical form', () => {
    const t = trust('loopback');
    expect(resolve('127.0.0.1', { 'x-forwarded-for': '::ffff:c633:6407' }, t).ip).toBe('198.51.100.7');
    expect(resolve('127.0.0.1', { 'x-forwarded-for': '2001:0DB8:0000:0000:0000:0000:0000:0001%eth0' }, t).ip).toBe('2001:db8::1');
    expect(resolve('127.0.0.1', { 'x-forwarded-for': '198.51.100.7, ::FFFF:7F00:2' }, t).ip).toBe('198.51.100.7');
    expect(resolve('0:0:0:0:0:ffff:c633:6407', {}, trust('false')).ip).toBe('198.51.100.7');
    expect(resolve('::ffff:7f00:1', { 'x-forwarded-for': '198.51.100.7' }, t).ip).toBe('198.51.100.7');
  });

  it('never reads an ambiguous dotted quad as an address', () => {
    const t = trust('loopback');
    expect(resolve('127.0.0.1', { 'x-forwarded-for': '6.6.6.6, 0177.0.0.1' }, t).ip).toBe('127.0.0.1');
    expect(resolve('127.0.0.1', { 'x-forwarded-for': '198.51.100.7, 127.1' }, t).ip).toBe('127.0.0.1');
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

describe('resolveClientAddress (TRUST_PROXY_HEADER=forwarded)', () => {
  const t = trust('loopback, 10.0.0.0/8');

  it('ignores Forwarded entirely when the peer is not trusted', () => {
    expect(viaForwarded('198.51.100.7', { forwarded: 'for=6.6.6.6;proto=https' }, t)).toEqual({ ip: '198.51.100.7', secure: false });
    expect(viaForwarded('198.51.100.7', { forwarded: 'for=6.6.6.6;proto=http' }, trust('false'), true)).toEqual({ ip: '198.51.100.7', secure: true });
  });

  it('takes the right-most for= that is not a trusted proxy, and the scheme its proxy wrote', () => {
    expect(viaForwarded('127.0.0.1', { forwarded: 'for=198.51.100.7;proto=https' }, t)).toEqual({ ip: '198.51.100.7', secure: true });
    expect(viaForwarded('127.0.0.1', { forwarded: 'for=6.6.6.6;proto=http, for=198.51.100.7;proto=https' }, t)).toEqual({ ip: '198.51.100.7', secure: true });
    // A client's own element claiming HTTPS never counts: the edge proxy's element says http.
    expect(viaForwarded('127.0.0.1', { forwarded: 'for=6.6.6.6;proto=https, for=198.51.100.7;proto=http' }, t)).toEqual({ ip: '198.51.100.7', secure: false });
    expect(viaForwarded('10.0.0.5', { forwarded: 'for=6.6.6.6, for=198.51.100.7;proto=https, for=10.0.0.9;proto=http' }, t)).toEqual({ ip: '198.51.100.7', secure: true });
    expect(viaForwarded('127.0.0.1', { forwarded: 'For=198.51.100.7;Proto=HTTPS;by=_edge;host="auth.example.com"' }, t)).toEqual({ ip: '198.51.100.7', secure: true });
  });

  it('reads quoted, bracketed and ported nodes', () => {
    expect(viaForwarded('127.0.0.1', { forwarded: 'for="198.51.100.7:4711"' }, t).ip).toBe('198.51.100.7');
    expect(viaForwarded('127.0.0.1', { forwarded: 'for=198.51.100.7:4711' }, t).ip).toBe('198.51.100.7');
    expect(viaForwarded('127.0.0.1', { forwarded: 'for="[2001:DB8:cafe::17]:4711"' }, t).ip).toBe('2001:db8:cafe::17');
    expect(viaForwarded('127.0.0.1', { forwarded: 'for="[2001:db8::17]"' }, t).ip).toBe('2001:db8::17');
    expect(viaForwarded('127.0.0.1', { forwarded: 'for="[::ffff:c633:6407]"' }, t).ip).toBe('198.51.100.7');
    expect(viaForwarded('127.0.0.1', { forwarded: 'for="2001:db8::17"' }, t).ip).toBe('2001:db8::17');
  });

  it('reads multiple Forwarded headers as one list', () => {
    const h = new Headers();
    h.append('forwarded', 'for=6.6.6.6');
    h.append('forwarded', 'for=198.51.100.7');
    expect(resolveClientAddress('127.0.0.1', false, h, t, 'forwarded').ip).toBe('198.51.100.7');
  });

  it('stops at an element that is not one readable address rather than believe what lies beyond it', () => {
    for (const forwarded of [
      'for=6.6.6.6, for=unknown',
      'for=6.6.6.6, for=_hidden',
      'for=6.6.6.6, proto=https',
      'for=6.6.6.6, for=198.51.100.7;for=198.51.100.8',
      'for=6.6.6.6, for="198.51.100.7',
      'for=6.6.6.6, for=[2001:db8::1',
      'for=6.6.6.6, for="[198.51.100.7]"',
      'for=6.6.6.6, for=0177.0.0.1',
      'for=6.6.6.6, garbage',
      'for=6.6.6.6, ',
    ]) {
      expect(viaForwarded('127.0.0.1', { forwarded }, t).ip, forwarded).toBe('127.0.0.1');
    }
  });

  it('never lets a quoted comma swallow the element the proxy appended', () => {
    expect(viaForwarded('127.0.0.1', { forwarded: 'for="6.6.6.6, for=127.0.0.1", for=198.51.100.7' }, t).ip).toBe('198.51.100.7');
    // Past a trusted hop, the stray quote makes the forged part unreadable: the walk stops at the trusted hop.
    expect(viaForwarded('127.0.0.1', { forwarded: 'for="6.6.6.6, for=10.0.0.3' }, t).ip).toBe('10.0.0.3');
  });

  it('keeps the socket scheme when no readable proto= was written', () => {
    expect(viaForwarded('127.0.0.1', {}, t, true)).toEqual({ ip: '127.0.0.1', secure: true });
    expect(viaForwarded('127.0.0.1', { forwarded: 'for=198.51.100.7' }, t, true)).toEqual({ ip: '198.51.100.7', secure: true });
    expect(viaForwarded('127.0.0.1', { forwarded: 'for=198.51.100.7;proto=http' }, t, true)).toEqual({ ip: '198.51.100.7', secure: false });
  });

  it('never reads X-Forwarded-For or X-Forwarded-Proto', () => {
    expect(viaForwarded('127.0.0.1', { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https' }, t)).toEqual({ ip: '127.0.0.1', secure: false });
    expect(viaForwarded('127.0.0.1', { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', forwarded: 'for=198.51.100.7' }, t)).toEqual({ ip: '198.51.100.7', secure: false });
  });

  it('counts hops from the right with a hop count', () => {
    const chain = { forwarded: 'for=6.6.6.6, for=198.51.100.7;proto=https, for=10.0.0.2' };
    expect(viaForwarded('10.0.0.1', chain, trust('1'))).toEqual({ ip: '10.0.0.2', secure: false });
    expect(viaForwarded('10.0.0.1', chain, trust('2'))).toEqual({ ip: '198.51.100.7', secure: true });
    expect(viaForwarded('10.0.0.1', chain, trust('9')).ip).toBe('6.6.6.6');
    expect(viaForwarded('10.0.0.1', { forwarded: 'for=unknown' }, trust('1')).ip).toBe('10.0.0.1');
  });
});

describe('clientBucket', () => {
  it('puts every spelling of one IPv4 client in its IPv4 bucket', () => {
    for (const spelling of ['198.51.100.7', '::ffff:198.51.100.7', '::FFFF:198.51.100.7', '::ffff:c633:6407', '::FFFF:C633:6407', '0:0:0:0:0:ffff:c633:6407', '0000:0000:0000:0000:0000:ffff:c633:6407', '::ffff:c633:6407%eth0', ' 198.51.100.7 ']) {
      expect(clientBucket(spelling), spelling).toBe('198.51.100.7');
    }
    // Distinct IPv4 clients written as mapped hex are distinct buckets, not one ::/64.
    expect(clientBucket('::ffff:c612:9')).toBe('198.18.0.9');
    expect(clientBucket('::ffff:c612:a')).toBe('198.18.0.10');
  });

  it('puts every spelling of one IPv6 client in its /64 (or the configured prefix)', () => {
    for (const spelling of ['2001:db8:1:2::9', '2001:DB8:1:2::9', '2001:0db8:0001:0002:0000:0000:0000:0009', '2001:db8:1:2:0:0:0:9', 'fe80::1%eth0'.replace('fe80::1', '2001:db8:1:2::9')]) {
      expect(clientBucket(spelling), spelling).toBe('2001:db8:1:2::/64');
    }
    expect(clientBucket('2001:db8:1:2:ffff::1')).toBe('2001:db8:1:2::/64');
    expect(clientBucket('2001:db8:1:2::9', 48)).toBe('2001:db8:1::/48');
    expect(clientBucket('2001:db8:1:2ff::9', 56)).toBe('2001:db8:1:200::/56');
    expect(clientBucket('2001:db8::9', 128)).toBe('2001:db8:0:0:0:0:0:9::/128');
  });

  it('returns anything that is not an address trimmed and lower-cased', () => {
    expect(clientBucket(' Unknown ')).toBe('unknown');
  });
});
