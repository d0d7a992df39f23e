import { describe, expect, it } from 'vitest';
import { AuthError, type ErrorCode } from './errors.ts';
import { OVERSIZE_DRAIN_BYTES, readBodyFields } from './input.ts';

const URL_ = 'http://app.example/auth/login';
const LIMIT = 1024;

const post = (body: BodyInit, contentType?: string, extra: Record<string, string> = {}) =>
  new Request(URL_, { method: 'POST', body, headers: { ...(contentType ? { 'content-type': contentType } : {}), ...extra } });
const json = (text: string) => post(text, 'application/json');
const form = (text: string) => post(text, 'application/x-www-form-urlencoded');

async function rejection(request: Request, limit = LIMIT): Promise<AuthError> {
  try {
    await readBodyFields(request, limit);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    return error as AuthError;
  }
  throw new Error('expected readBodyFields to reject');
}

async function expectCode(request: Request, code: ErrorCode, limit = LIMIT): Promise<void> {
  const error = await rejection(request, limit);
  expect(error.code).toBe(code);
  expect(error.status).toBe(code === 'INVALID_INPUT' ? 400 : 413);
}

/** A body with no Content-Length: the size is only known by reading it. */
function streamed(chunks: readonly Uint8Array[], contentType = 'application/json', extraHeaders: Record<string, string> = {}) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[pulled++];
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  }, { highWaterMark: 0 });
  const headers = { 'content-type': contentType, ...extraHeaders };
  const request = new Request(URL_, { method: 'POST', body: stream, headers, duplex: 'half' } as RequestInit);
  return { request, pulledChunks: () => pulled };
}

describe('readBodyFields: JSON that is not a plain object', () => {
  it.each([
    ['malformed', '{"email": '],
    ['trailing garbage', '{"a":1} x'],
    ['single quotes', "{'a':1}"],
    ['array', '[{"email":"a@b.c"}]'],
    ['string', '"email"'],
    ['number', '42'],
    ['true', 'true'],
    ['null', 'null'],
  ])('%s → INVALID_INPUT', async (_label, text) => {
    await expectCode(json(text), 'INVALID_INPUT');
  });
});

describe('readBodyFields: prototype pollution', () => {
  it.each([
    ['__proto__', '{"__proto__":{"admin":true}}'],
    ['constructor', '{"constructor":{"prototype":{"admin":true}}}'],
    ['prototype', '{"prototype":{"admin":true}}'],
    ['nested __proto__', '{"user":{"profile":{"__proto__":{"admin":true}}}}'],
    ['__proto__ in an array', '{"items":[{"__proto__":{"admin":true}}]}'],
    ['nested constructor', '{"a":{"constructor":1}}'],
    ['escaped __proto__', '{"\\u005f_proto__":{"admin":true}}'],
  ])('JSON key %s → INVALID_INPUT, and nothing is polluted', async (_label, text) => {
    await expectCode(json(text), 'INVALID_INPUT');
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('admin');
  });

  it.each(['__proto__=x', 'constructor=x', 'prototype=x', 'a=1&__proto__%5Badmin%5D=1&__proto__=1', '%5F%5Fproto%5F%5F=x'])(
    'form key in %j → INVALID_INPUT',
    async (text) => {
      await expectCode(form(text), 'INVALID_INPUT');
      expect(Object.prototype).not.toHaveProperty('admin');
    },
  );
});

describe('readBodyFields: encodings and content types', () => {
  it.each([
    ['a lone 0xFF byte', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]],
    ['an overlong slash', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]],
    ['an encoded surrogate', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]],
    ['a truncated sequence', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d]],
  ])('invalid UTF-8 (%s) → INVALID_INPUT', async (_label, bytes) => {
    await expectCode(post(new Uint8Array(bytes), 'application/json'), 'INVALID_INPUT');
    await expectCode(post(new Uint8Array([0x61, 0x3d, ...bytes.slice(6)]), 'application/x-www-form-urlencoded'), 'INVALID_INPUT');
  });

  it('text/plain carrying JSON is refused (the CSRF smuggling vector)', async () => {
    await expectCode(post('{"email":"a@b.c","password":"x"}', 'text/plain'), 'INVALID_INPUT');
    await expectCode(post('{"email":"a@b.c","password":"x"}', 'text/plain; charset=utf-8'), 'INVALID_INPUT');
  });

  it('a string body without an explicit type (fetch says text/plain) is refused', async () => {
    await expectCode(new Request(URL_, { method: 'POST', body: '{"a":1}' }), 'INVALID_INPUT');
  });

  it('multipart/form-data is refused', async () => {
    const data = new FormData();
    data.append('email', 'a@b.c');
    data.append('password', 'x');
    await expectCode(new Request(URL_, { method: 'POST', body: data }), 'INVALID_INPUT');
  });

  it.each(['application/json-patch+json', 'application/jsonx', 'text/json', 'application/xml'])('%s is refused', async (type) => {
    await expectCode(post('{"a":1}', type), 'INVALID_INPUT');
  });
});

describe('readBodyFields: size limits', () => {
  it('a declared Content-Length past the limit and the drain bound → PAYLOAD_TOO_LARGE before reading', async () => {
    const { request, pulledChunks } = streamed([new TextEncoder().encode('{}')], 'application/json', { 'content-length': String(LIMIT + OVERSIZE_DRAIN_BYTES + 1) });
    await expectCode(request, 'PAYLOAD_TOO_LARGE');
    expect(pulledChunks()).toBe(0);
  });

  it('a declared Content-Length over the limit but within the drain bound → read to its end (and dropped), then PAYLOAD_TOO_LARGE', async () => {
    const chunk = new Uint8Array(400).fill(0x20);
    const { request, pulledChunks } = streamed(Array.from({ length: 100 }, () => chunk), 'application/json', { 'content-length': String(100 * 400) });
    await expectCode(request, 'PAYLOAD_TOO_LARGE');
    expect(pulledChunks()).toBe(101); // every chunk, and the end: the connection is clean for the 413
  });

  it('a body over the limit with a true Content-Length → PAYLOAD_TOO_LARGE', async () => {
    await expectCode(json(JSON.stringify({ a: 'x'.repeat(LIMIT) })), 'PAYLOAD_TOO_LARGE');
  });

  it('a streamed body without Content-Length over the limit → PAYLOAD_TOO_LARGE, read to its end when that is within the drain bound', async () => {
    const chunk = new Uint8Array(400).fill(0x20);
    const { request, pulledChunks } = streamed(Array.from({ length: 100 }, () => chunk));
    expect(request.headers.get('content-length')).toBeNull();
    await expectCode(request, 'PAYLOAD_TOO_LARGE');
    expect(pulledChunks()).toBe(101);
  });

  it('an endless streamed body: reading stops at the limit plus the drain bound', async () => {
    const chunkBytes = 64 * 1024;
    const chunk = new Uint8Array(chunkBytes).fill(0x20);
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(chunk);
      },
    }, { highWaterMark: 0 });
    const request = new Request(URL_, { method: 'POST', body: endless, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
    await expectCode(request, 'PAYLOAD_TOO_LARGE');
    expect(pulled * chunkBytes).toBeGreaterThan(OVERSIZE_DRAIN_BYTES);
    expect(pulled * chunkBytes).toBeLessThanOrEqual(LIMIT + OVERSIZE_DRAIN_BYTES + 2 * chunkBytes);
  });

  it('a Content-Length that lies (too small) does not get past the limit', async () => {
    const big = JSON.stringify({ a: 'x'.repeat(LIMIT * 4) });
    await expectCode(post(big, 'application/json', { 'content-length': '10' }), 'PAYLOAD_TOO_LARGE');
  });

  it('an over-limit form is refused the same way', async () => {
    await expectCode(form('a=' + 'x'.repeat(LIMIT)), 'PAYLOAD_TOO_LARGE');
  });

  it('an over-limit body of an unsupported type is PAYLOAD_TOO_LARGE', async () => {
    await expectCode(post('x'.repeat(LIMIT + 1), 'text/plain'), 'PAYLOAD_TOO_LARGE');
  });

  it('a streamed body within the limit is read', async () => {
    const { request } = streamed([new TextEncoder().encode('{"a":'), new TextEncoder().encode('"b"}')]);
    await expect(readBodyFields(request, LIMIT)).resolves.toEqual({ a: 'b' });
  });
});

describe('readBodyFields: errors carry no internals', () => {
  it('a malformed JSON error says nothing of the parser', async () => {
    const error = await rejection(json('{"password":"hunter2",'));
    expect(JSON.stringify(error.toJSON())).not.toContain('hunter2');
    expect(Object.keys(error.toJSON()).sort()).toEqual(['code', 'error']);
  });
});
