import { describe, expect, it } from 'vitest';
import { parsedUrl, webRequestFromNode } from './node-request.ts';

const node = { rawHeaders: ['Host', 'example.test', 'User-Agent', 'ua/1', ':authority', 'example.test', 'Accept', 'a', 'accept', 'b'] };

describe('webRequestFromNode', () => {
  it('is a Request with the given url and method, and the headers in arrival order (pseudo-headers left out)', () => {
    const request = webRequestFromNode('http://example.test/a?b=1', 'POST', node);
    expect(request).toBeInstanceOf(Request);
    expect(request.url).toBe('http://example.test/a?b=1');
    expect(request.method).toBe('POST');
    expect(request.headers.get('user-agent')).toBe('ua/1');
    expect(request.headers.get('accept')).toBe('a, b');
    expect([...request.headers.keys()]).toEqual(['accept', 'host', 'user-agent']);
    expect(request.headers).toBe(request.headers);
  });

  it('reads a method fetch refuses as GET, like the real Request built for it', () => {
    for (const method of ['CONNECT', 'TRACE', 'TRACK']) {
      const request = webRequestFromNode('http://example.test/', method, node);
      expect(request.method).toBe('GET');
      expect(request.signal).toBeInstanceOf(AbortSignal);
    }
  });

  it('answers the rest of Request from a real one, built once', () => {
    const request = webRequestFromNode('http://example.test/x', 'GET', node);
    expect(request.body).toBeNull();
    expect(request.bodyUsed).toBe(false);
    expect(request.signal).toBe(request.signal);
    const copy = request.clone();
    expect(copy.url).toBe('http://example.test/x');
    expect(copy.headers.get('user-agent')).toBe('ua/1');
  });
});

describe('parsedUrl', () => {
  it('is the URL as a Request would hold it, or undefined', () => {
    expect(parsedUrl('http://EXAMPLE.test:80/a/../b c')).toBe('http://example.test/b%20c');
    expect(parsedUrl('http://exa mple.test/')).toBeUndefined();
  });
});
