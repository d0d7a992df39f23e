/** @module `Authorization: Bearer <token>` — the only place a token is read from (never the query string). */

/** The token of a well-formed Bearer header; undefined for other schemes or malformed values. */
export function parseBearer(header: string | null): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer ([\w.~+/-]{20,4096}=*)$/i.exec(header.trim());
  return match?.[1];
}
