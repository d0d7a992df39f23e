/** @module The one encoding of a redirect target for the `Location` header: ASCII only, as a URL serializer writes it. */

/**
 * Bytes a `Location` value must not carry raw: C0 controls, space, DEL and everything past ASCII.
 * Node writes header values as Latin-1, so `¿` (U+00BF) would leave as the raw byte 0xBF, which
 * no browser reads as UTF-8; characters past U+00FF were already escaped by Hono, the rest not.
 */
// eslint-disable-next-line no-control-regex
const NOT_URL_ASCII = /[\u0000-\u0020\u007f-\uffff]+/g;

/**
 * Percent-encodes every byte of a redirect target that is not printable ASCII, as UTF-8 (what the
 * WHATWG URL serializer does with a path: `¿` → `%C2%BF`). Existing `%XX` escapes and the
 * structure (`/`, `?`, `#`, `&`) are left alone, so the result is idempotent; a lone surrogate
 * becomes U+FFFD (`%EF%BF%BD`), as in the URL standard.
 */
export function encodeLocation(target: string): string {
  return target.replace(NOT_URL_ASCII, (run) => encodeURIComponent(run.toWellFormed()));
}
