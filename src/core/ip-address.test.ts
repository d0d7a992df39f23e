import { describe, expect, it } from 'vitest';
import { canonicalIPv4, formatIp, normalizeIp, parseIp } from './ip-address.ts';

const canonical = (text: string) => {
  const address = parseIp(text);
  return address ? formatIp(address) : undefined;
};

describe('parseIp', () => {
  it.each([
    ['198.51.100.7', '198.51.100.7'],
    ['0.0.0.0', '0.0.0.0'],
    [' 203.0.113.5 ', '203.0.113.5'],
    ['::ffff:198.51.100.7', '198.51.100.7'],
    ['::FFFF:198.51.100.7', '198.51.100.7'],
    ['::ffff:c633:6407', '198.51.100.7'],
    ['::ffff:C633:6407', '198.51.100.7'],
    ['0:0:0:0:0:ffff:c633:6407', '198.51.100.7'],
    ['0000:0000:0000:0000:0000:FFFF:C633:6407', '198.51.100.7'],
    ['0:0:0:0:0:ffff:198.51.100.7', '198.51.100.7'],
    ['::ffff:c633:6407%eth0', '198.51.100.7'],
    ['::ffff:0:0', '0.0.0.0'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    // IPv4-compatible (deprecated) and NAT64 addresses are IPv6, not the IPv4 client.
    ['::198.51.100.7', '::c633:6407'],
    ['64:ff9b::198.51.100.7', '64:ff9b::c633:6407'],
  ])('reads %j as %s', (text, expected) => {
    expect(canonical(text)).toBe(expected);
  });

  it.each(['', 'unknown', '_hidden', 'localhost', '1.2.3', '127.1', '0x7f.0.0.1', '0177.0.0.1', '010.0.0.1', '198.51.100.007', '256.0.0.1', '::ffff:010.0.0.1', '::ffff:1.2.3', '198.51.100.7:80', '[::1]', '[::1]:80', '::1/128', '1.2.3.4, 5.6.7.8', '::g', '1:2:3:4:5:6:7:8:9'])(
    'refuses %j',
    (text) => {
      expect(parseIp(text)).toBeUndefined();
    },
  );
});

describe('normalizeIp', () => {
  it('unmaps IPv4-mapped IPv6, trims and lower-cases', () => {
    expect(normalizeIp('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(normalizeIp(' ::FFFF:203.0.113.5 ')).toBe('203.0.113.5');
    expect(normalizeIp('::ffff:cb00:7105')).toBe('203.0.113.5');
    expect(normalizeIp('2001:DB8::1')).toBe('2001:db8::1');
    expect(normalizeIp('203.0.113.5')).toBe('203.0.113.5');
  });

  it('leaves text that is not one address trimmed and lower-cased', () => {
    expect(normalizeIp(' Unknown ')).toBe('unknown');
    expect(normalizeIp('0177.0.0.1')).toBe('0177.0.0.1');
  });
});

describe('canonicalIPv4 (the fast path)', () => {
  const inputs = [
    '198.51.100.7', '0.0.0.0', '255.255.255.255', '127.0.0.1', '::ffff:198.51.100.7', '::FFFF:198.51.100.7', '::fFfF:10.0.0.1',
    ' 203.0.113.5', '203.0.113.5 ', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1.2.3.4.', '.1.2.3', '1..2.3', '01.2.3.4', '1.2.3.00',
    '1.2.3.0', '1234.1.1.1', '0x7f.0.0.1', '::ffff:01.2.3.4', '::ffff:1.2.3', '::ffff:', '::ffff:c633:6407', '::1', '',
    'unknown', '1.2.3.4%eth0', '::ffff:1.2.3.4%1', '１.2.3.4',
  ];
  it.each(inputs)('%j: canonical text where the general parser gives the same, else undefined', (text) => {
    const fast = canonicalIPv4(text);
    if (fast !== undefined) expect(fast).toBe(normalizeIp(text));
    const address = parseIp(text);
    // Every exact plain or mapped dotted quad takes the fast path.
    if (address && text === text.trim() && /^(::ffff:)?[\d.]+$/i.test(text)) expect(fast).toBe(formatIp(address));
  });
});
