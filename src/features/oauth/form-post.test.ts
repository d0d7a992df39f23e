import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { answerAsQuery, openAnswer, readFormPostAnswer, sealAnswer, type ProviderAnswer } from './index.ts';

const SECRET = 'q3N0c2VjcmV0LWZvci10ZXN0cy1vbmx5LTlKd1pYeEZ2bVR6aDhAIVJrYmRnTHU2';
const random = (n: number) => Uint8Array.from(randomBytes(n));
const answer: ProviderAnswer = { code: 'c0de', state: 's'.repeat(43), iss: 'https://appleid.apple.com', error: null };

describe('readFormPostAnswer', () => {
  it('reads code, state, iss and error, and drops the rest (id_token, Apple\'s user)', () => {
    const user = JSON.stringify({ name: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'ada@example.com' });
    expect(readFormPostAnswer({ code: 'c0de', state: answer.state, iss: answer.iss, id_token: 'a.b.c', user })).toEqual(answer);
    expect(readFormPostAnswer({ error: 'user_cancelled_authorize', state: 'x' })).toEqual({ code: null, state: 'x', iss: null, error: 'user_cancelled_authorize' });
  });

  it('refuses an answer without state, without code or error, with oversized or malformed fields', () => {
    for (const fields of [
      { code: 'c' },
      { state: 's' },
      { code: '', state: 's' },
      { code: 'c', state: 's'.repeat(513) },
      { code: 'c'.repeat(2049), state: 's' },
      { code: 'c', state: 's', id_token: 'x'.repeat(16_385) },
      { code: 'c', state: 's\u0000' },
      { code: 'c', state: 's', user: 'x'.repeat(2049) },
      { code: 'c', state: 's', user: 'not json' },
      { code: 'c', state: 's', user: 'null' },
      { code: 'c', state: 's', user: '{"name":["Ada"]}' },
      { code: 'c', state: 's', user: '{"name":{"firstName":{"nested":true}}}' },
    ]) {
      expect(readFormPostAnswer(fields), JSON.stringify(fields).slice(0, 80)).toHaveProperty('refused');
    }
  });
});

describe('the sealed answer handle', () => {
  it('opens for its provider until it expires, with the same one-time id however often it is opened', () => {
    const handle = sealAnswer(SECRET, random, 'apple', answer, 2_000);
    expect(handle).toMatch(/^[\w-]+$/);
    expect(handle).not.toContain('c0de');
    const opened = openAnswer(SECRET, 'apple', handle, 1_000);
    expect(opened?.answer).toEqual(answer);
    expect(openAnswer(SECRET, 'apple', handle, 1_500)?.id).toBe(opened?.id);
    expect(openAnswer(SECRET, 'apple', handle, 2_000)).toBeUndefined();
    expect(answerAsQuery(answer).toString()).toBe(`code=c0de&state=${answer.state}&iss=${encodeURIComponent(answer.iss ?? '')}`);
  });

  it('does not open for another provider, under another secret, or changed by one byte', () => {
    const handle = sealAnswer(SECRET, random, 'apple', answer, 2_000);
    expect(openAnswer(SECRET, 'other', handle, 1_000)).toBeUndefined();
    expect(openAnswer(`${SECRET}x`, 'apple', handle, 1_000)).toBeUndefined();
    const bytes = Buffer.from(handle, 'base64url');
    for (const at of [0, 13, bytes.length - 1]) {
      const changed = Buffer.from(bytes);
      changed[at] = (changed[at] ?? 0) ^ 1;
      expect(openAnswer(SECRET, 'apple', changed.toString('base64url'), 1_000)).toBeUndefined();
    }
    for (const junk of ['', 'junk', 'a.b', 'A'.repeat(5000)]) expect(openAnswer(SECRET, 'apple', junk, 1_000)).toBeUndefined();
  });
});
