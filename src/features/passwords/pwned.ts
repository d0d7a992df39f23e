/**
 * @module Have I Been Pwned's Pwned Passwords range API, with k-anonymity: only the first 5
 * hex characters of the password's SHA-1 leave the machine; the service answers every
 * suffix it knows under that prefix, and the comparison happens here. `Add-Padding: true`
 * asks for decoy entries (count 0) so the response size does not reveal the prefix either.
 */
import { createHash } from 'node:crypto';
import type { PasswordValidator } from './validator.ts';

export interface PwnedPasswordsOptions {
  /** The range endpoint; the 5-character prefix is appended. Configurable for a mirror or a test. */
  readonly url?: string;
  /** Whole request, body included. Short: this runs while a user waits on a form. */
  readonly timeoutMs?: number;
  /** When the service cannot answer: false (default) accepts the password, true refuses it. */
  readonly failClosed?: boolean;
  readonly fetch?: typeof globalThis.fetch;
}

export const PWNED_UNAVAILABLE_MESSAGE =
  'We could not check this password against known data breaches just now. Please try again in a moment.';

/** Responses are ~1,000 lines of 40 bytes; anything far larger is not the range API. */
const MAX_RESPONSE_CHARS = 1_000_000;

export function createPwnedPasswordsCheck(options: PwnedPasswordsOptions = {}): PasswordValidator {
  const url = options.url ?? 'https://api.pwnedpasswords.com/range/';
  const timeoutMs = options.timeoutMs ?? 1_500;
  const failClosed = options.failClosed ?? false;
  const fetchRange = options.fetch ?? globalThis.fetch;
  const protocol = URL.canParse(url) ? new URL(url).protocol : '';
  if (protocol !== 'https:' && protocol !== 'http:') throw new TypeError('pwned passwords url must be an http(s) URL');
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('timeoutMs must be a positive number');
  if (typeof fetchRange !== 'function') throw new TypeError('fetch must be a function');

  const unavailable = () => (failClosed ? PWNED_UNAVAILABLE_MESSAGE : undefined);

  return async function checkPwnedPasswords(password) {
    const sha1 = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
    const prefix = sha1.slice(0, 5);
    const suffix = sha1.slice(5);
    let body: string;
    try {
      const response = await fetchRange(`${url}${prefix}`, {
        headers: { 'Add-Padding': 'true', 'User-Agent': 'portcullis-password-check' },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        return unavailable();
      }
      body = await response.text();
    } catch {
      return unavailable();
    }
    if (body.length > MAX_RESPONSE_CHARS) return unavailable();
    const count = countFor(body, suffix);
    if (count === 0) return undefined;
    return `This password has appeared ${count.toLocaleString('en-US')} time${count === 1 ? '' : 's'} in known data breaches (Have I Been Pwned), so attackers try it early. Choose a different one.`;
  };
}

/** The count of `suffix` in a range response (`SUFFIX:COUNT` lines); padding entries count 0. */
export function countFor(body: string, suffix: string): number {
  for (const line of body.split('\n')) {
    const separator = line.indexOf(':');
    if (separator < 0 || line.slice(0, separator).trim().toUpperCase() !== suffix) continue;
    const count = Number.parseInt(line.slice(separator + 1).trim(), 10);
    return Number.isSafeInteger(count) && count > 0 ? count : 0;
  }
  return 0;
}
