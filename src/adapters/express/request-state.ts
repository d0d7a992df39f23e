/**
 * @module Node ⇄ Web for Express, in one place: the Web `Request` the request core reads (headers
 * and URL; the body on demand), the core's state on the Express request (never module state), and
 * a core `Response` written back to Express's `res`.
 */
import type { TLSSocket } from 'node:tls';
import type { Request, Response as ExpressResponse } from 'express';
import { AuthError, http, type PeerInfo } from '../../index.ts';

const STATE = Symbol('portcullis.express.state');
type WithState = Request & { [STATE]?: http.RequestState };

export function peerOf(req: Request): PeerInfo {
  return { address: req.socket.remoteAddress ?? '', secure: (req.socket as Partial<TLSSocket>).encrypted === true };
}

/** The URL as a Web Request would hold it (parsed and serialised: the core reads paths off it). */
function urlOf(req: Request, secure: boolean): string {
  const scheme = secure ? 'https' : 'http';
  const path = req.originalUrl || req.url;
  return http.parsedUrl(`${scheme}://${req.headers.host ?? 'localhost'}${path}`) ?? http.parsedUrl(`${scheme}://localhost${path}`) ?? `${scheme}://localhost/`;
}

/**
 * The request as the core reads it: method, URL (mount points included) and headers, converted
 * once and lazily (http.webRequestFromNode); the body is read on demand.
 */
export function webRequestOf(req: Request, peer: PeerInfo): globalThis.Request {
  return http.webRequestFromNode(urlOf(req, peer.secure), req.method, req);
}

export function attachState(req: Request, state: http.RequestState): void {
  (req as WithState)[STATE] = state;
}

export function stateOf(req: Request): http.RequestState {
  const state = (req as WithState)[STATE];
  if (!state) throw new Error('Portcullis middleware is not installed: app.use(pc.middleware) before the routes');
  return state;
}

export function findState(req: Request): http.RequestState | undefined {
  return (req as WithState)[STATE];
}

/** The path of the request as the client sent it (mount points included), without the query. */
export function fullPathOf(req: Request): string {
  const url = req.originalUrl || req.url;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Reads at most `limitBytes`; past the limit keeps reading without storing (as body-parser does) so
 * that the client sees the 413, but only up to OVERSIZE_DRAIN_BYTES more: then it stops, and the 413
 * closes the connection (a 1 GB upload costs a few MB, not 1 GB).
 */
function readLimited(req: Request, limitBytes: number): Promise<Buffer> {
  const declaredBytes = Number(req.headers['content-length'] ?? 0);
  if (declaredBytes > limitBytes + http.OVERSIZE_DRAIN_BYTES) return Promise.reject(new AuthError('PAYLOAD_TOO_LARGE'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (outcome: () => void) => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      outcome();
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total <= limitBytes) chunks.push(chunk);
      else if (total > limitBytes + http.OVERSIZE_DRAIN_BYTES) {
        // Stop reading (never destroy: the socket must still carry the 413).
        req.pause();
        finish(() => reject(new AuthError('PAYLOAD_TOO_LARGE')));
      }
    };
    const onEnd = () => finish(() => (total > limitBytes ? reject(new AuthError('PAYLOAD_TOO_LARGE')) : resolve(Buffer.concat(chunks))));
    const onError = (error: Error) => finish(() => reject(error));
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/**
 * A body that `express.json()` / `express.urlencoded()` (or raw/text) already consumed, written back
 * as bytes, so that the core parses every body the same way; null when there is nothing to rebuild.
 */
function reserializedBody(req: Request): Buffer | null {
  const body: unknown = req.body;
  if (body === undefined) return null;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded' && body !== null && typeof body === 'object') {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(body)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item !== 'string') throw new Error('Portcullis: mount the auth routes and guards before express.urlencoded({ extended: true })');
        form.append(key, item);
      }
    }
    return Buffer.from(form.toString(), 'utf8');
  }
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/**
 * The body as the core parses it (JSON or urlencoded, size-limited): what a body parser already read,
 * else read here — and then left in `req.body`, as `express.urlencoded()` would have.
 */
export async function readExpressBody(req: Request, state: http.RequestState): Promise<http.BodyFields> {
  const consumed = req.readableEnded;
  const bytes = consumed ? reserializedBody(req) : await readLimited(req, state.auth.config.bodyLimitBytes);
  if (!bytes || bytes.byteLength === 0) return {};
  const contentType = state.request.headers.get('content-type');
  const parsed = await http.readBody(new Request(state.request.url, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body: bytes as unknown as BodyInit }), state.auth.config.bodyLimitBytes);
  if (!consumed && req.body === undefined) req.body = parsed;
  return parsed;
}

/** True when part of the body is still unread on an HTTP/1 socket. */
export function bodyLeftOnSocket(req: Request): boolean {
  return !req.readableEnded && req.httpVersionMajor === 1;
}

/** Moves what the core collected for the response (cookies, headers) onto Express's `res` now. */
export function flushPending(state: http.RequestState, res: ExpressResponse): void {
  if (res.headersSent) return;
  for (const [name, value] of state.headers) if (!res.hasHeader(name)) res.setHeader(name, value);
  state.headers.length = 0;
  for (const cookie of state.cookies) res.append('Set-Cookie', cookie);
  state.cookies.length = 0;
}

/** Writes a core Response (finished: security headers, cookies) to `res`; cookies the app set earlier stay first. */
export async function sendResponse(core: http.HttpCore<Request>, state: http.RequestState, res: ExpressResponse, response: globalThis.Response): Promise<void> {
  core.finishResponse(state, response.headers);
  state.headers.length = 0;
  state.cookies.length = 0;
  res.statusCode = response.status;
  for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) {
    const earlier = res.getHeader('set-cookie');
    res.setHeader('Set-Cookie', [...(earlier === undefined ? [] : Array.isArray(earlier) ? earlier : [String(earlier)]), ...cookies]);
  }
  if (response.body === null || state.request.method === 'HEAD') {
    res.end();
    return;
  }
  res.end(Buffer.from(await response.arrayBuffer()));
}
