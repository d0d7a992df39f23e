/** @module Small readers over a Hono context: peer address, body (parsed once), JSON or browser. */
import type { Context } from 'hono';
import { readBodyFields, type BodyFields } from '../../core/input.ts';
import { wantsJson } from '../../core/request-context.ts';
import type { PeerInfo } from '../../create-auth.ts';
import { stateOf } from './variables.ts';

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string; encrypted?: boolean }; readableEnded?: boolean; httpVersionMajor?: number };
}

/** The socket's peer (@hono/node-server bindings); `app.request()` without bindings is loopback. */
export function peerOf(c: Context): PeerInfo {
  const socket = (c.env as NodeBindings | undefined)?.incoming?.socket;
  const secure = socket ? socket.encrypted === true : new URL(c.req.url).protocol === 'https:';
  return { address: socket?.remoteAddress ?? '127.0.0.1', secure };
}

/** The request body as fields, read and size-checked once however many steps ask. */
export function bodyOf(c: Context): Promise<BodyFields> {
  const state = stateOf(c);
  state.body ??= readBodyFields(c.req.raw, state.auth.config.bodyLimitBytes);
  return state.body;
}

/**
 * True when part of this request's body is still on the socket (@hono/node-server, or Express
 * through the bridge): the answer must then close the connection, or the next request on it would
 * be read from the middle of this body. False without Node bindings (`app.request()`).
 */
export function bodyLeftOnSocket(c: Context): boolean {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  // HTTP/1 only: HTTP/2 forbids `Connection` and resets just the stream, never the connection.
  return incoming?.readableEnded === false && incoming.httpVersionMajor === 1;
}

export function isJsonRequest(c: Context): boolean {
  return wantsJson(c.req.raw.headers);
}

export const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The path and query of this request, for `?next=`. */
export function currentPath(c: Context): string {
  const url = new URL(c.req.url);
  return url.pathname + url.search;
}
