/** @module Whether a request comes from this machine on every hop: what /dev/mail is served to. */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms; anything that is not a plain IP address is not loopback. */
export function isLoopbackAddress(address: string): boolean {
  if (isIP(address) === 0) return false;
  return ipaddr.process(address).range() === 'loopback';
}

/** One node of a forwarding header as an address: quotes, `[v6]` brackets and an IPv4 `:port` removed. */
function forwardedNodeAddress(node: string): string {
  let address = node.trim().replace(/^"|"$/g, '');
  if (address.startsWith('[')) return address.slice(1, address.indexOf(']') === -1 ? undefined : address.indexOf(']'));
  if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  return address;
}

/**
 * Every address the forwarding headers name, whoever sent them: `X-Forwarded-For`, `X-Real-IP` and
 * `Forwarded`'s `for=` nodes (`unknown` and `_hidden` included, so they count as "not loopback").
 */
function forwardedAddresses(headers: Headers): string[] {
  const nodes: string[] = [];
  for (const name of ['x-forwarded-for', 'x-real-ip']) nodes.push(...(headers.get(name)?.split(',') ?? []));
  const forwarded = headers.get('forwarded');
  if (forwarded !== null) {
    for (const match of forwarded.matchAll(/(?:^|[;,])\s*for\s*=\s*("[^"]*"|[^;,]*)/gi)) nodes.push(match[1] ?? '');
  }
  return nodes.map(forwardedNodeAddress);
}

/**
 * True only when the socket peer, the resolved client and every address a forwarding header names are
 * loopback. The resolved client alone is not enough: a reverse proxy on this machine (TRUST_PROXY off)
 * makes every visitor look like 127.0.0.1 but names the real one in X-Forwarded-For, and a hop-count
 * TRUST_PROXY lets any peer choose the client it is resolved to.
 * `peerAddress` is undefined only when the app runs without a socket (in-process `app.request()`).
 */
export function isLoopbackOnlyRequest(peerAddress: string | undefined, clientIp: string, headers: Headers): boolean {
  if (peerAddress !== undefined && !isLoopbackAddress(peerAddress)) return false;
  if (!isLoopbackAddress(clientIp)) return false;
  return forwardedAddresses(headers).every(isLoopbackAddress);
}
