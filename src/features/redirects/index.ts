/**
 * @module Safe `next`: only a same-origin relative path is honoured (no `//host`, no `/\host`,
 * no scheme, no control characters), checked after percent-decoding, else the fallback.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const MAX_DECODE_ROUNDS = 5;

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

export function isSafeNext(next: string): boolean {
  if (next.length === 0 || next.length > 2048) return false;
  if (!next.isWellFormed()) return false;
  const decoded = decodeFully(next);
  if (decoded === undefined) return false;
  for (const candidate of [next, decoded]) {
    if (!candidate.startsWith('/')) return false;
    if (candidate.startsWith('//') || candidate.startsWith('/\\')) return false;
    if (candidate.includes('\\')) return false;
    if (CONTROL.test(candidate)) return false;
  }
  try {
    const base = 'http://portcullis.invalid';
    return new URL(next, base).origin === base;
  } catch {
    return false;
  }
}

/** Returns `next` when it is a safe local path, otherwise `fallback`. */
export function safeNext(next: unknown, fallback: string): string {
  return typeof next === 'string' && isSafeNext(next) ? next : fallback;
}
