/** @module What only Hono knows about a request: the socket behind it (@hono/node-server bindings). */
import type { Context } from 'hono';
import type { PeerInfo, http } from '../../index.ts';

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string; encrypted?: boolean }; readableEnded?: boolean; httpVersionMajor?: number };
  outgoing?: { setHeader?: unknown; headersSent?: boolean };
}

/**
 * The socket's peer (@hono/node-server bindings). Without them (Bun, Deno, Workers, `app.request()`)
 * the peer is unknown — `0.0.0.0`, never loopback: a loopback default would let every caller's own
 * X-Forwarded-For be believed under TRUST_PROXY=loopback and open the loopback-only gates.
 */
export function peerOf(c: Context): PeerInfo {
  const socket = (c.env as NodeBindings | undefined)?.incoming?.socket;
  const secure = socket ? socket.encrypted === true : c.req.url.startsWith('https:');
  return { address: socket?.remoteAddress ?? '0.0.0.0', secure };
}

/**
 * True when part of this request's body is still on the socket (@hono/node-server): the answer
 * must then close the connection, or the next request on it would be read from the middle of this
 * body. False without Node bindings (`app.request()`).
 */
export function bodyLeftOnSocket(c: Context): boolean {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  // HTTP/1 only: HTTP/2 forbids `Connection` and resets just the stream, never the connection.
  return incoming?.readableEnded === false && incoming.httpVersionMajor === 1;
}

/**
 * The Node response @hono/node-server will write this request's Response to, while nothing is
 * written yet: the core sets its headers there, once, before the body (`core.finish`). Undefined
 * without Node bindings.
 */
export function headerSinkOf(c: Context): http.HeaderSink | undefined {
  const outgoing = (c.env as NodeBindings | undefined)?.outgoing;
  return outgoing && typeof outgoing.setHeader === 'function' && outgoing.headersSent === false ? (outgoing as http.HeaderSink) : undefined;
}
