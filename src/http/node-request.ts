/**
 * @module A Web `Request` view of a Node request (Express, Fastify: `IncomingMessage`), converted
 * once and only as far as it is read: `url` and `method` are the strings given, `headers` a Web
 * `Headers` built on first read from `rawHeaders`, and only what else a caller touches (`body`,
 * `signal`, `clone()`, …) builds a real undici `Request`. Building that `Request` for every
 * request was most of what an adapter added to a bare Express or Fastify route (URL parsing and
 * the Request's own initialisation, ~12 µs of ~60). It is an `instanceof Request`.
 */

/** What is read of a Node request: its header lines as they arrived (name, value, name, value, …). */
export interface NodeHeaderLines {
  readonly rawHeaders: readonly string[];
}

/** Node's headers as Web `Headers`, in arrival order; HTTP/2 pseudo-headers (`:path`, …) are not header fields. */
export function webHeadersFrom(rawHeaders: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.charCodeAt(0) !== 58 /* : */) headers.append(name, rawHeaders[i + 1] as string);
  }
  return headers;
}

/** Methods fetch refuses (forbidden methods): read as GET, as the real Request built for them always was. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

class NodeBackedRequest {
  readonly #url: string;
  readonly #method: string;
  readonly #rawHeaders: readonly string[];
  #headers: Headers | undefined;
  #real: Request | undefined;

  constructor(url: string, method: string, rawHeaders: readonly string[]) {
    this.#url = url;
    this.#method = FORBIDDEN_METHODS.has(method.toUpperCase()) ? 'GET' : method;
    this.#rawHeaders = rawHeaders;
  }

  get url(): string {
    return this.#url;
  }

  get method(): string {
    return this.#method;
  }

  get headers(): Headers {
    this.#headers ??= webHeadersFrom(this.#rawHeaders);
    return this.#headers;
  }

  /** The real Request, for anything beyond url, method and headers. */
  realRequest(): Request {
    if (!this.#real) {
      try {
        this.#real = new Request(this.#url, { method: this.#method, headers: this.headers });
      } catch {
        // A method fetch refuses: safe for every check that follows.
        this.#real = new Request(this.#url, { method: 'GET', headers: this.headers });
      }
    }
    return this.#real;
  }
}

// Every other member of Request reads the real one (its getters and methods check their receiver).
for (const key of Object.getOwnPropertyNames(Request.prototype)) {
  if (key === 'constructor' || key === 'url' || key === 'method' || key === 'headers') continue;
  const descriptor = Object.getOwnPropertyDescriptor(Request.prototype, key);
  if (!descriptor) continue;
  if (descriptor.get) {
    Object.defineProperty(NodeBackedRequest.prototype, key, {
      configurable: true,
      get(this: NodeBackedRequest) {
        return Reflect.get(this.realRequest(), key);
      },
    });
  } else if (typeof descriptor.value === 'function') {
    Object.defineProperty(NodeBackedRequest.prototype, key, {
      configurable: true,
      writable: true,
      value(this: NodeBackedRequest, ...args: unknown[]) {
        const real = this.realRequest();
        return (Reflect.get(real, key) as (...a: unknown[]) => unknown).apply(real, args);
      },
    });
  }
}
Object.setPrototypeOf(NodeBackedRequest.prototype, Request.prototype);

/**
 * The Web `Request` the core reads, for a Node request with this URL and method. `url` must be
 * absolute and already in the URL parser's serialisation (`new URL(…).href`), as a real Request's
 * would be. The body is not part of it: adapters hand the core their own body reader
 * (`RequestExtras.readBody`).
 */
export function webRequestFromNode(url: string, method: string, node: NodeHeaderLines): Request {
  return new NodeBackedRequest(url, method, node.rawHeaders) as unknown as Request;
}

/** `text` as the URL parser serialises it (what `new Request(text).url` would be), or undefined when it is no URL. */
export function parsedUrl(text: string): string | undefined {
  try {
    return new URL(text).href;
  } catch {
    return undefined;
  }
}
