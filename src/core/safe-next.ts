/**
 * @module Safe `next`: only a same-origin relative path is honoured (no `//host`, no `/\host`,
 * no scheme, no control characters), judged both as sent and as a browser resolves it (dot
 * segments, backslashes, encoded slashes, stripped tabs), checked after percent-decoding, else the fallback.
 */


// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const MAX_DECODE_ROUNDS = 5;

/** Any origin will do: a path that starts with `/` resolves the same against every base, PUBLIC_URL included. */
const BASE = 'http://portcullis.invalid';

/** Percent-decodes until stable; undefined when malformed or still changing after the last round (deliberate nesting). */
function decodeFully(value: string): string | undefined {
  let current = value;
  for (let i = 0; i <= MAX_DECODE_ROUNDS; i++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return undefined;
    }
    if (decoded === current) return current;
    current = decoded;
  }
  return undefined;
}

/** A path that a browser, or a later layer that decodes it, would read as `//host` or `/\host`. */
function looksProtocolRelative(path: string): boolean {
  return path.startsWith('//') || path.startsWith('/\\');
}

/**
 * Where a browser really goes: `new URL` removes dot segments, turns `\` into `/` and drops tabs
 * and newlines, so `/..//evil.example` lands on the path `//evil.example` — same origin for now,
 * but one relative redirect (or one server that echoes its path) away from `evil.example`.
 */
function resolvesSafely(candidate: string): boolean {
  let url: URL;
  try {
    url = new URL(candidate, BASE);
  } catch {
    return false;
  }
  if (url.origin !== BASE) return false;
  if (looksProtocolRelative(url.pathname)) return false;
  // `%2F` survives URL parsing: `/.%2e/%2Fevil` resolves to `/%2Fevil`, which reads `//evil` once decoded.
  const decodedPath = decodeFully(url.pathname);
  return decodedPath !== undefined && !looksProtocolRelative(decodedPath);
}

export function isSafeNext(next: string): boolean {
  if (next.length === 0 || next.length > 2048) return false;
  if (!next.isWellFormed()) return false;
  const decoded = decodeFully(next);
  if (decoded === undefined) return false;
  for (const candidate of [next, decoded]) {
    if (!candidate.startsWith('/')) return false;
    if (looksProtocolRelative(candidate)) return false;
    if (candidate.includes('\\')) return false;
    if (CONTROL.test(candidate)) return false;
    if (!resolvesSafely(candidate)) return false;
  }
  return true;
}

/** Returns `next` when it is a safe local path, otherwise `fallback`. */
export function safeNext(next: unknown, fallback: string): string {
  return typeof next === 'string' && isSafeNext(next) ? next : fallback;
}
