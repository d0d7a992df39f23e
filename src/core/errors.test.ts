import { describe, expect, it } from 'vitest';
import { AuthError, ERROR_CODES, isAuthError, StoreUnavailableError, UniqueViolationError, type ErrorCode } from './errors.ts';

/** The table as published; codes and statuses never change once published. */
const PUBLISHED: Record<string, { status: number; message: string }> = {
  UNAUTHENTICATED: { status: 401, message: 'Authentication required' },
  INVALID_CREDENTIALS: { status: 401, message: 'Invalid credentials' },
  REAUTH_REQUIRED: { status: 401, message: 'Re-authentication required' },
  FORBIDDEN: { status: 403, message: 'Forbidden' },
  CSRF_FAILED: { status: 403, message: 'CSRF validation failed' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  INVALID_INPUT: { status: 400, message: 'Invalid input' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large' },
  RATE_LIMITED: { status: 429, message: 'Too many requests. Try again later.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'Service temporarily unavailable' },
  BUSY: { status: 503, message: 'Server busy. Try again shortly.' },
  INTERNAL: { status: 500, message: 'Internal server error' },
};

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe('ERROR_CODES', () => {
  it.each(Object.entries(PUBLISHED))('%s keeps its published status and message', (code, entry) => {
    expect(ERROR_CODES[code as ErrorCode]).toEqual(entry);
  });

  it.each(codes)('%s is UPPER_SNAKE with a 4xx/5xx status and a message', (code) => {
    expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
    const { status, message } = ERROR_CODES[code];
    expect(Number.isInteger(status) && status >= 400 && status <= 599).toBe(true);
    expect(message.trim()).not.toBe('');
  });

  it.each([
    ['UNAUTHENTICATED', 401, '{"error":"Authentication required","code":"UNAUTHENTICATED"}'],
    ['FORBIDDEN', 403, '{"error":"Forbidden","code":"FORBIDDEN"}'],
    ['REAUTH_REQUIRED', 401, '{"error":"Re-authentication required","code":"REAUTH_REQUIRED"}'],
    ['CSRF_FAILED', 403, '{"error":"CSRF validation failed","code":"CSRF_FAILED"}'],
    ['RATE_LIMITED', 429, '{"error":"Too many requests. Try again later.","code":"RATE_LIMITED"}'],
    ['INVALID_CREDENTIALS', 401, '{"error":"Invalid credentials","code":"INVALID_CREDENTIALS"}'],
    ['BUSY', 503, '{"error":"Server busy. Try again shortly.","code":"BUSY"}'],
  ] as const)('%s serialises to the exact body of API.md', (code, status, body) => {
    const error = new AuthError(code);
    expect(error.status).toBe(status);
    expect(JSON.stringify(error)).toBe(body);
  });
});

describe('AuthError', () => {
  it.each(codes)('%s takes its status and message from the table', (code) => {
    const error = new AuthError(code);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AuthError');
    expect(error.code).toBe(code);
    expect(error.status).toBe(ERROR_CODES[code].status);
    expect(error.message).toBe(ERROR_CODES[code].message);
    expect(error.toJSON()).toEqual({ error: ERROR_CODES[code].message, code });
    expect(Object.keys(error.toJSON()).sort()).toEqual(['code', 'error']);
  });

  it('allows a message override, as for documents ownership', () => {
    const error = new AuthError('FORBIDDEN', { message: 'You can only update docs you own' });
    expect(error.status).toBe(403);
    expect(JSON.stringify(error)).toBe('{"error":"You can only update docs you own","code":"FORBIDDEN"}');
  });

  it('adds fields for bad input', () => {
    const error = new AuthError('INVALID_INPUT', { fields: { email: 'E-mail is required' } });
    expect(error.toJSON()).toEqual({ error: 'Invalid input', code: 'INVALID_INPUT', fields: { email: 'E-mail is required' } });
  });

  it('never serialises the cause, the stack or Retry-After', () => {
    const cause = new Error('SELECT * FROM users WHERE password_hash = $1');
    const error = new AuthError('INTERNAL', { cause, retryAfterSeconds: 30 });
    expect(error.cause).toBe(cause);
    expect(error.retryAfterSeconds).toBe(30);
    const body = JSON.stringify(error);
    expect(body).toBe('{"error":"Internal server error","code":"INTERNAL"}');
    expect(body).not.toContain('SELECT');
    expect(body).not.toContain('at ');
  });

  it('a refusal (4xx) carries no stack trace; a real error (5xx) keeps its own, and the global limit is left as it was', () => {
    const limit = Error.stackTraceLimit;
    const refusal = new AuthError('UNAUTHENTICATED');
    expect(refusal.stack).toBe('AuthError: Authentication required');
    expect(refusal).toBeInstanceOf(Error);
    expect(new AuthError('INTERNAL').stack).toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error('after').stack).toMatch(/\n\s+at /);
  });

  it('isAuthError tells AuthErrors from other errors', () => {
    expect(isAuthError(new AuthError('FORBIDDEN'))).toBe(true);
    expect(isAuthError(new Error('Forbidden'))).toBe(false);
    expect(isAuthError({ code: 'FORBIDDEN', status: 403 })).toBe(false);
    expect(isAuthError(undefined)).toBe(false);
  });

  it('store errors are not AuthErrors and keep their key or cause', () => {
    expect(new UniqueViolationError('email').key).toBe('email');
    expect(isAuthError(new UniqueViolationError('email'))).toBe(false);
    const cause = new Error('ECONNREFUSED');
    expect(new StoreUnavailableError(cause).cause).toBe(cause);
  });
});
