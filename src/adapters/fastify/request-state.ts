/**
 * @module Node ⇄ Web for Fastify, in one place: the Web `Request` the request core reads (headers
 * and URL; the body from what Fastify parsed), the core's state on the Fastify request, and a core
 * `Response` written back through `reply`.
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { http, type PeerInfo } from '../../index.ts';

const STATE = Symbol('portcullis.fastify.state');
type WithState = FastifyRequest & { [STATE]?: http.RequestState };

export function peerOf(request: FastifyRequest): PeerInfo {
  const socket = request.raw.socket;
  return { address: socket.remoteAddress ?? '', secure: (socket as Partial<TLSSocket>).encrypted === true };
}

/**
 * The request as the core reads it: method, URL and headers, converted once and lazily
 * (http.webRequestFromNode); the body comes from Fastify's parser.
 */
export function webRequestOf(request: FastifyRequest, peer: PeerInfo): Request {
  const scheme = peer.secure ? 'https' : 'http';
  const path = request.raw.url ?? '/';
  const authority = request.raw.headers[':authority'];
  const candidate = `${scheme}://${request.raw.headers.host ?? (typeof authority === 'string' ? authority : 'localhost')}${path}`;
  const url = http.parsedUrl(candidate) ?? http.parsedUrl(`${scheme}://localhost${path}`) ?? `${scheme}://localhost/`;
  return http.webRequestFromNode(url, request.method, request.raw);
}

export function attachState(request: FastifyRequest, state: http.RequestState): void {
  (request as WithState)[STATE] = state;
}

export function findState(request: FastifyRequest): http.RequestState | undefined {
  return (request as WithState)[STATE];
}

export function stateOf(request: FastifyRequest): http.RequestState {
  const state = findState(request);
  if (!state) throw new Error('Portcullis plugin is not registered: await app.register(pc.plugin) before the routes');
  return state;
}

function bytesOf(body: unknown, contentType: string | null): Buffer | null {
  if (body === undefined || body === null) return null;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded' && typeof body === 'object') {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(body)) for (const item of Array.isArray(value) ? value : [value]) form.append(key, String(item));
    return Buffer.from(form.toString(), 'utf8');
  }
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** The body as the core parses it (JSON or urlencoded, size-limited), from what Fastify's parser kept. */
export function readFastifyBody(request: FastifyRequest, state: http.RequestState): Promise<http.BodyFields> {
  const contentType = state.request.headers.get('content-type');
  const bytes = bytesOf(request.body, contentType);
  if (!bytes || bytes.byteLength === 0) return Promise.resolve({});
  const web = new Request(state.request.url, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body: bytes as unknown as BodyInit });
  return http.readBody(web, state.auth.config.bodyLimitBytes);
}

/** Writes a core Response (finished: security headers, cookies) through `reply`. */
export async function sendResponse(core: http.HttpCore<FastifyRequest>, state: http.RequestState, reply: FastifyReply, response: Response): Promise<FastifyReply> {
  core.finishResponse(state, response.headers);
  state.headers.length = 0;
  state.cookies.length = 0;
  reply.code(response.status);
  for (const [name, value] of response.headers) if (name !== 'set-cookie') reply.header(name, value);
  for (const cookie of response.headers.getSetCookie()) reply.header('set-cookie', cookie);
  if (response.body === null) return reply.send();
  return reply.send(Buffer.from(await response.arrayBuffer()));
}
