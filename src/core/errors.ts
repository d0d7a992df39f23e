/** @module AuthError and the ERROR_CODES table: the single source of error codes, statuses and messages. */

/** Every error a client can see. Codes never change once published (see docs/errors.md). */
export const ERROR_CODES = {
  UNAUTHENTICATED: { status: 401, message: 'Authentication required' },
  INVALID_CREDENTIALS: { status: 401, message: 'Invalid credentials' },
  REAUTH_REQUIRED: { status: 401, message: 'Re-authentication required' },
  MFA_REQUIRED: { status: 401, message: 'A second factor is required' },
  FORBIDDEN: { status: 403, message: 'Forbidden' },
  CSRF_FAILED: { status: 403, message: 'CSRF validation failed' },
  MFA_ENROLLMENT_REQUIRED: { status: 403, message: 'Set up a second factor first' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  INVALID_INPUT: { status: 400, message: 'Invalid input' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large' },
  RATE_LIMITED: { status: 429, message: 'Too many requests. Try again later.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'Service temporarily unavailable' },
  BUSY: { status: 503, message: 'Server busy. Try again shortly.' },
  INTERNAL: { status: 500, message: 'Internal server error' },
  SOCIAL_SIGNIN_FAILED: { status: 401, message: 'Signing in with the provider did not work. Please try again.' },
  SOCIAL_ACCOUNT_EXISTS: { status: 409, message: 'An account with this e-mail address already exists. Sign in to it first, then link the provider from your account page.' },
  IDENTITY_TAKEN: { status: 409, message: 'This provider account is already linked to another account.' },
  LAST_SIGN_IN_METHOD: { status: 409, message: 'This is your only way to sign in. Set a password or link another provider first.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Field name → message for a human, as in `{"fields": {...}}` of an INVALID_INPUT body. */
export type FieldErrors = Readonly<Record<string, string>>;

export interface AuthErrorOptions {
  /** Overrides the table's message (e.g. "You can only update docs you own"). */
  message?: string;
  fields?: FieldErrors;
  /** Seconds, for 429 and 503 responses (sent as Retry-After). */
  retryAfterSeconds?: number;
  /** Internal cause, for logs only; never sent to a client. */
  cause?: unknown;
}

/** The one error type. Raise it from app code too: it maps to the same JSON or HTML everywhere. */
export class AuthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: FieldErrors | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, options: AuthErrorOptions = {}) {
    // A refusal (4xx) is expected control flow — an attacker's flood makes one per request — and
    // capturing its stack trace was the dearest part of answering it. Real errors (5xx) keep theirs.
    const stackTraceLimit = Error.stackTraceLimit;
    if (ERROR_CODES[code].status < 500) Error.stackTraceLimit = 0;
    try {
      super(options.message ?? ERROR_CODES[code].message, { cause: options.cause });
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.name = 'AuthError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The documented JSON body: `{"error", "code"}` and, for bad input, `fields`. */
  toJSON(): { error: string; code: ErrorCode; fields?: FieldErrors } {
    return this.fields ? { error: this.message, code: this.code, fields: this.fields } : { error: this.message, code: this.code };
  }
}

export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError;
}

/** Raised by stores when a unique key is already taken; flows turn it into a field error. */
export class UniqueViolationError extends Error {
  constructor(readonly key: 'email' | 'username' | 'other') {
    super(`unique violation on ${key}`);
    this.name = 'UniqueViolationError';
  }
}

/** Raised by stores when the database cannot be reached; maps to 503. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('store unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}
