/** @module IP address text → one canonical address (ipaddr.js), so that every spelling of a client is that client. */
import ipaddr from 'ipaddr.js';
import type { IPv4, IPv6 } from 'ipaddr.js';

export type IpAddress = IPv4 | IPv6;

/** A dotted quad in plain decimal, no leading zeros: `010` is 8 to inet_aton and 10 to most parsers. */
const STRICT_DOTTED_QUAD = /^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/;
const DOTTED_TAIL = /:([^:]*\.[^:]*)$/;
const ZONE_ID = /^[\w.-]+$/;
/** What a dual-stack socket reports for every IPv4 peer: read without the general IPv6 parser. */
const MAPPED_DOTTED = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

function parseDottedQuad(text: string): IPv4 | undefined {
  if (!STRICT_DOTTED_QUAD.test(text)) return undefined;
  const octets = text.split('.').map(Number);
  return octets.every((octet) => octet <= 255) ? new ipaddr.IPv4(octets) : undefined;
}

/** True when `text[from…]` is exactly a strict dotted quad (as STRICT_DOTTED_QUAD, octets ≤ 255). */
function isStrictDottedQuadFrom(text: string, from: number): boolean {
  let groups = 0;
  let digits = 0;
  let value = 0;
  for (let i = from; i <= text.length; i++) {
    const ch = i < text.length ? text.charCodeAt(i) : 46; /* . ends the last group */
    if (ch >= 48 && ch <= 57) {
      if (digits === 1 && value === 0) return false; // leading zero
      value = value * 10 + (ch - 48);
      if (++digits > 3 || value > 255) return false;
    } else if (ch === 46 && digits > 0) {
      if (++groups > 4) return false;
      digits = 0;
      value = 0;
    } else {
      return false;
    }
  }
  return groups === 4;
}

/**
 * The fast path for what nearly every socket reports: a plain IPv4 address, or the IPv4-mapped
 * `::ffff:a.b.c.d` of a dual-stack socket, as its canonical text — without a regular expression,
 * an array or ipaddr.js. Undefined for anything else (then `parseIp` decides), so the answer is
 * always the one `normalizeIp` would give.
 */
export function canonicalIPv4(text: string): string | undefined {
  if (isStrictDottedQuadFrom(text, 0)) return text;
  if (text.length > 7 && text.charCodeAt(6) === 58 && /^::ffff:$/i.test(text.slice(0, 7)) && isStrictDottedQuadFrom(text, 7)) return text.slice(7);
  return undefined;
}

/**
 * Parses one address as it appears on a socket or in a forwarding header, or undefined when it is
 * not exactly one address. IPv4-mapped IPv6 (`::ffff:198.51.100.7`, `::ffff:c633:6407`, any case,
 * leading zeros, a zone id) becomes the IPv4 address; zone ids are dropped (they name an interface
 * on the host, not the client). IPv4 must be a plain four-part decimal: the shorthand and octal or
 * hex forms ipaddr.js also accepts (`1.2.3`, `0x7f.1`, `010.0.0.1`) mean different addresses to
 * different parsers, and no proxy writes them.
 */
export function parseIp(text: string): IpAddress | undefined {
  const value = text.trim();
  if (!value.includes(':')) return parseDottedQuad(value);
  const mapped = MAPPED_DOTTED.exec(value)?.[1];
  if (mapped !== undefined) return parseDottedQuad(mapped);
  const [withoutZone = '', zone, extra] = value.split('%');
  if (extra !== undefined || (zone !== undefined && !ZONE_ID.test(zone))) return undefined;
  let hex = withoutZone;
  const dottedTail = DOTTED_TAIL.exec(hex)?.[1];
  if (dottedTail !== undefined) {
    // ipaddr.js reads `::a.b.c.d` (IPv4-compatible) as IPv4-mapped, but `::c633:6407` as IPv6:
    // as hex groups, both spellings of one address are read alike.
    const tail = parseDottedQuad(dottedTail);
    if (!tail) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = tail.octets;
    hex = `${hex.slice(0, -dottedTail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  let address: IPv6;
  try {
    address = ipaddr.IPv6.parse(hex);
  } catch {
    return undefined;
  }
  return address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
}

/** The canonical text of an address: dotted IPv4, RFC 5952 IPv6 (lower case, shortest `::`). */
export function formatIp(address: IpAddress): string {
  return isIPv6(address) ? address.toRFC5952String() : address.toString();
}

export function isIPv6(address: IpAddress): address is IPv6 {
  return address.kind() === 'ipv6';
}

/**
 * Canonical text for anything that parses as one address; anything else trimmed and lower-cased
 * (so `unknown` stays recognisably not an address).
 */
export function normalizeIp(text: string): string {
  const address = parseIp(text);
  return address ? formatIp(address) : text.trim().toLowerCase();
}
