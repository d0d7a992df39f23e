/**
 * @module Per-request state on an Express request (never module state): the resolved client, the
 * headers as Web `Headers`, the memoised principal, and the urlencoded form when a guard needs it.
 */
import type { TLSSocket } from 'node:tls';
import type { Request } from 'express';
import { OVERSIZE_DRAIN_BYTES } from '../../core/input.ts';
import { AuthError, type Auth, type ClientInfo, type PeerInfo, type Principal } from '../../index.ts';

export interface ExpressAuthState {
  readonly auth: Auth;
  readonly client: ClientInfo;
  readonly headers: Headers;
  /** Memoised session lookup: at most one per request. */
  sessionPrincipal: Promise<Principal | null> | undefined;
  principal: Principal | null;
  form: Promise<Readonly<Record<string, unknown>>> | undefined;
  /** The pre-session for CSRF tokens on anonymous pages; `setCookie` is cleared once sent. */
  preSession: { id: string; setCookie: string | null } | undefined;
  /** The principal (null: an anonymous form) for whom this request passed the CSRF gate; unset until then. */
  csrfPassedFor?: Principal | null;
}

const STATE = Symbol('portcullis.express.state');
type WithState = Request & { [STATE]?: ExpressAuthState };

/** Node's headers as Web `Headers` (what the framework-free Auth reads), in arrival order. */
export function webHeadersOf(req: Request): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  return headers;
}

export function peerOf(req: Request): PeerInfo {
  return { address: req.socket.remoteAddress ?? '', secure: (req.socket as Partial<TLSSocket>).encrypted === true };
}

export function attachState(req: Request, state: ExpressAuthState): void {
  (req as WithState)[STATE] = state;
}

export function stateOf(req: Request): ExpressAuthState {
  const state = (req as WithState)[STATE];
  if (!state) throw new Error('Portcullis middleware is not installed: app.use(pc.middleware) before the routes');
  return state;
}

/** The path of the request as the client sent it (mount points included), without the query. */
export function fullPathOf(req: Request): string {
  const url = req.originalUrl || req.url;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function parseForm(text: string): Record<string, unknown> {
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of new URLSearchParams(text)) if (!(key in fields)) fields[key] = value;
  return fields;
}

/**
 * Reads at most `limitBytes` and keeps them; past the limit keeps reading without storing (as
 * body-parser does) so that the client sees the 413, but only up to OVERSIZE_DRAIN_BYTES more: then
 * it stops, and the 413 closes the connection (a 1 GB upload costs a few MB, not 1 GB).
 */
function readLimited(req: Request, limitBytes: number): Promise<string> {
  const declaredBytes = Number(req.headers['content-length'] ?? 0);
  if (declaredBytes > limitBytes + OVERSIZE_DRAIN_BYTES) return Promise.reject(new AuthError('PAYLOAD_TOO_LARGE'));
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
      else if (total > limitBytes + OVERSIZE_DRAIN_BYTES) {
        // Stop reading (never destroy: the socket must still carry the 413).
        req.pause();
        finish(() => reject(new AuthError('PAYLOAD_TOO_LARGE')));
      }
    };
    const onEnd = () => finish(() => (total > limitBytes ? reject(new AuthError('PAYLOAD_TOO_LARGE')) : resolve(Buffer.concat(chunks).toString('utf8'))));
    const onError = (error: Error) => finish(() => reject(error));
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/**
 * The urlencoded form of this request: `req.body` when a body parser already ran, otherwise
 * read here (size-limited) and left in `req.body`, as `express.urlencoded()` would have.
 */
export function formOf(req: Request): Promise<Readonly<Record<string, unknown>>> {
  const state = stateOf(req);
  state.form ??= (async () => {
    const body: unknown = req.body;
    if (typeof body === 'string') return parseForm(body);
    if (Buffer.isBuffer(body)) return parseForm(body.toString('utf8'));
    if (body !== null && typeof body === 'object') return body as Record<string, unknown>;
    if (req.readableEnded) return {};
    const fields = parseForm(await readLimited(req, state.auth.config.bodyLimitBytes));
    req.body = fields;
    return fields;
  })();
  return state.form;
}
