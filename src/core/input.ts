/**
 * @module Reading request bodies safely: size-limited before parsing, JSON only when declared
 * JSON, forms only when declared forms, no prototype keys, no ill-formed Unicode.
 */
import { AuthError, type FieldErrors } from './errors.ts';

export type BodyFields = Readonly<Record<string, unknown>>;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function invalid(message: string, fields?: FieldErrors): AuthError {
  return new AuthError('INVALID_INPUT', { message, ...(fields ? { fields } : {}) });
}

/**
 * How much of an over-limit body is still read, and thrown away, before the 413 goes out. A client
 * that is still sending when the server stops reading and closes gets a TCP reset, which can wipe
 * the 413 from its buffers ("socket hang up"), and a keep-alive connection with half a body left on
 * it is dead for the next request. Within this bound the 413 leaves on a clean connection; past it
 * the adapter closes the connection (`Connection: close`), so a 1 GB upload costs a few MB, not 1 GB.
 */
export const OVERSIZE_DRAIN_BYTES = 4 * 1024 * 1024;

/** Reads and discards what is left of a body, at most `budgetBytes`; true when the body ended within it. */
async function drainBody(reader: ReadableStreamDefaultReader<Uint8Array>, budgetBytes: number): Promise<boolean> {
  let left = budgetBytes;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      return false; // the client went away: nothing left to answer cleanly
    }
    if (chunk.done) return true;
    left -= chunk.value.byteLength;
    // Never `cancel()`: on a Node request that tears the socket down before the 413 is written.
    if (left < 0) return false;
  }
}

async function readLimited(request: Request, limitBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limitBytes) {
    // Small enough to swallow: read it off the wire so the client sees the 413 (see OVERSIZE_DRAIN_BYTES).
    if (request.body && Number(declared) <= limitBytes + OVERSIZE_DRAIN_BYTES) await drainBody(request.body.getReader(), limitBytes + OVERSIZE_DRAIN_BYTES);
    throw new AuthError('PAYLOAD_TOO_LARGE');
  }
  if (declared !== null && /^\d+$/.test(declared)) {
    // A declared length within the limit: the HTTP parser delivers exactly that many bytes, so the
    // body is read in one piece (@hono/node-server reads it straight off the socket, without the
    // web-stream machinery, which cost a sixth of a login on the event loop). Checked again anyway.
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > limitBytes) throw new AuthError('PAYLOAD_TOO_LARGE');
    return bytes;
  }
  // No length (chunked): read piece by piece and stop keeping bytes at the limit.
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await drainBody(reader, OVERSIZE_DRAIN_BYTES - (total - limitBytes));
      throw new AuthError('PAYLOAD_TOO_LARGE');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid('Request body is not valid UTF-8');
  }
}

function parseJsonObject(text: string): BodyFields {
  let badKey = false;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) badKey = true;
      return v;
    });
  } catch {
    throw invalid('Malformed JSON');
  }
  if (badKey) throw invalid('Forbidden key in request body');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('Request body must be a JSON object');
  return value as BodyFields;
}

function parseForm(text: string): BodyFields {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of new URLSearchParams(text)) {
    if (FORBIDDEN_KEYS.has(key)) throw invalid('Forbidden key in request body');
    if (!(key in fields)) fields[key] = value;
  }
  return fields;
}

/** The media type of a request, lower-cased, without parameters. */
export function mediaType(request: Request): string | undefined {
  return request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/**
 * Reads a JSON object or an urlencoded form, at most `limitBytes`. Anything else is refused
 * (a `text/plain` body that looks like JSON is never parsed: that is how CSRF smuggles JSON).
 */
export async function readBodyFields(request: Request, limitBytes: number): Promise<BodyFields> {
  const type = mediaType(request);
  const bytes = await readLimited(request, limitBytes);
  if (bytes.byteLength === 0) return {};
  const text = decodeUtf8(bytes);
  if (type === 'application/json') return parseJsonObject(text);
  if (type === 'application/x-www-form-urlencoded') return parseForm(text);
  throw invalid('Unsupported content type: send application/json or an urlencoded form');
}

export interface TextRule {
  readonly maxLength: number;
  readonly minLength?: number;
  /** Allow control characters other than NUL (only passwords do). */
  readonly allowControl?: boolean;
  readonly label: string;
  /** The message when longer than maxLength (e.g. a raw pre-check naming the real limit). */
  readonly tooLongMessage?: string;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Checks one untrusted field; returns the string or an error message for `fields`. */
export function checkText(value: unknown, rule: TextRule): { ok: true; value: string } | { ok: false; message: string } {
  if (value === undefined || value === null || value === '') return { ok: false, message: `${rule.label} is required` };
  if (typeof value !== 'string') return { ok: false, message: `${rule.label} must be a string` };
  if (!value.isWellFormed()) return { ok: false, message: `${rule.label} contains invalid Unicode` };
  if (value.includes('\u0000') || (!rule.allowControl && CONTROL.test(value))) {
    return { ok: false, message: `${rule.label} contains control characters` };
  }
  const length = [...value].length;
  if (length > rule.maxLength) return { ok: false, message: rule.tooLongMessage ?? `${rule.label} must be at most ${rule.maxLength} characters` };
  if (rule.minLength !== undefined && length < rule.minLength) {
    return { ok: false, message: `${rule.label} must be at least ${rule.minLength} characters` };
  }
  return { ok: true, value };
}

/** Reads an optional boolean-ish flag from JSON (`true`) or a form (`on`, `1`, `true`). */
export function readFlag(value: unknown): boolean {
  return value === true || value === 'on' || value === '1' || value === 'true';
}

/** Collects field checks and throws one INVALID_INPUT listing every bad field. */
export class FieldCollector {
  readonly #errors: Record<string, string> = {};
  text(name: string, value: unknown, rule: TextRule): string {
    const result = checkText(value, rule);
    if (result.ok) return result.value;
    this.#errors[name] ??= result.message;
    return '';
  }
  add(name: string, message: string): void {
    this.#errors[name] ??= message;
  }
  throwIfAny(): void {
    if (Object.keys(this.#errors).length > 0) throw invalid('Invalid input', { ...this.#errors });
  }
}
