/** @module Unit tests: which methods CSRF concerns, and where a request's token is found. */
import { describe, expect, it } from 'vitest';
import { isUnsafeMethod, presentedCsrfToken } from './csrf-token.ts';

const noForm = () => Promise.reject(new Error('the form must not be read'));

describe('isUnsafeMethod', () => {
  it('POST, PUT, PATCH, DELETE (any case) are unsafe; GET, HEAD, OPTIONS are not', () => {
    for (const method of ['POST', 'put', 'Patch', 'DELETE']) expect(isUnsafeMethod(method), method).toBe(true);
    for (const method of ['GET', 'HEAD', 'OPTIONS']) expect(isUnsafeMethod(method), method).toBe(false);
  });
});

describe('presentedCsrfToken', () => {
  it('takes X-CSRF-Token first and never reads the body then', async () => {
    const headers = new Headers({ 'x-csrf-token': 'from-header', 'content-type': 'application/x-www-form-urlencoded' });
    expect(await presentedCsrfToken(headers, noForm)).toBe('from-header');
  });

  it('reads the csrf_token field of an urlencoded form (with parameters)', async () => {
    const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' });
    expect(await presentedCsrfToken(headers, async () => ({ csrf_token: 'from-form' }))).toBe('from-form');
  });

  it('never parses JSON, text/plain or multipart bodies for a token', async () => {
    for (const type of ['application/json', 'text/plain', 'multipart/form-data; boundary=x']) {
      expect(await presentedCsrfToken(new Headers({ 'content-type': type }), noForm), type).toBeUndefined();
    }
    expect(await presentedCsrfToken(new Headers(), noForm)).toBeUndefined();
  });
});
