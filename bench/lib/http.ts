/** @module Setup requests (sign-up, log-in) made once per server before it is measured. */

export const USER_AGENT = 'portcullis-bench/1';

/** `name=value` of the named cookie in the response's Set-Cookie headers. */
export function cookieFrom(res: Response, name: string): string {
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(';', 1)[0] ?? '';
    if (pair.startsWith(`${name}=`) && pair.length > name.length + 1) return pair;
  }
  throw new Error(`no ${name} cookie in the answer (${res.status})`);
}

export async function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
  return fetch(url, {
    method: init.method ?? 'GET',
    headers: { 'user-agent': USER_AGENT, ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
    redirect: 'manual',
    signal: AbortSignal.timeout(15_000),
  });
}

/** Throws unless the answer has the status (and, when given, a body containing `mustContain`). */
export async function expectAnswer(res: Response, status: number, what: string, mustContain?: string): Promise<string> {
  const text = await res.text();
  if (res.status !== status || (mustContain !== undefined && !text.includes(mustContain))) {
    throw new Error(`${what}: expected ${status}${mustContain ? ` with ${mustContain}` : ''}, got ${res.status} ${text.slice(0, 200)}`);
  }
  return text;
}
