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

async function readLimited(request: Request, limitBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limitBytes) throw new AuthError('PAYLOAD_TOO_LARGE');
  if (declared !== null && /^\d+$/.test(declared)) {
    // A declared length within the limit: the HTTP parser delivers exactly that many bytes, so the
    // body is read in one piece (@hono/node-server reads it straight off the socket, without the
    // web-stream machinery, which cost a sixth of a login on the event loop). Checked again anyway.
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > limitBytes) throw new AuthError('PAYLOAD_TOO_LARGE');
    return bytes;
  }
  // No length (chunked): read piece by piece and stop at the limit.
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel().catch(() => undefined);
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
