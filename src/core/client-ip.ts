/** @module The client's address and scheme, believing forwarding headers only from trusted proxies. */
import { isIP } from 'node:net';
import { isTrustedPeer, normalizeIp, type TrustProxy } from './trust-proxy.ts';

export interface ClientAddress {
  /** The client's IP as far as it can be trusted; never empty. */
  readonly ip: string;
  /** Whether the client's request arrived over HTTPS (directly or via a trusted proxy). */
  readonly secure: boolean;
}

function forwardedFor(headers: Headers): string[] {
  const raw = headers.get('x-forwarded-for');
  if (!raw) return [];
  return raw.split(',').map((part) => normalizeIp(part));
}

/**
 * Resolves the client from the socket peer and, when the peer is trusted, `X-Forwarded-For`:
 * the right-most address that is not itself a trusted proxy. A spoofed left part never wins.
 */
export function resolveClientAddress(peerAddress: string, peerSecure: boolean, headers: Headers, trust: TrustProxy): ClientAddress {
  const peer = normalizeIp(peerAddress || '0.0.0.0');
  if (trust.kind === 'none' || !isTrustedPeer(trust, peer)) return { ip: peer, secure: peerSecure };
  const chain = forwardedFor(headers);
  const proto = headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  const secure = proto === undefined ? peerSecure : proto === 'https';
  if (chain.length === 0) return { ip: peer, secure };
  if (trust.kind === 'hops') {
    const hops = [...chain, peer];
    const candidate = hops[Math.max(0, hops.length - 1 - trust.hops)] ?? peer;
    return { ip: isIP(candidate) ? candidate : peer, secure };
  }
  let client = peer;
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i] ?? '';
    if (!isIP(hop)) break;
    client = hop;
    if (!isTrustedPeer(trust, hop)) break;
  }
  return { ip: client, secure };
}

/** The client's network: /24 for IPv4, /64 for IPv6 — what session protection binds to. */
export function clientNetwork(ip: string): string {
  if (isIP(ip) === 4) return ip.split('.').slice(0, 3).join('.') + '.0/24';
  if (isIP(ip) === 6) {
    const [head = '', tail = ''] = ip.split('::');
    const headParts = head ? head.split(':') : [];
    const tailParts = tail ? tail.split(':') : [];
    const missing = ip.includes('::') ? 8 - headParts.length - tailParts.length : 0;
    const groups = [...headParts, ...Array<string>(missing).fill('0'), ...tailParts];
    return groups.slice(0, 4).map((g) => g || '0').join(':') + '::/64';
  }
  return ip;
}
