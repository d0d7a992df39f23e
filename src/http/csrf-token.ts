/** @module Which requests CSRF concerns (unsafe methods) and where their token is: the header, else an urlencoded form field. */

/** The methods a browser may send cross-site that change state. */
export const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isUnsafeMethod(method: string): boolean {
  return UNSAFE_METHODS.has(method.toUpperCase());
}

/**
 * The token a request presents: `X-CSRF-Token`, else the `csrf_token` field of an urlencoded form.
 * The form is read only then (a JSON or multipart body is never parsed for it).
 */
export async function presentedCsrfToken(headers: Headers, readForm: () => Promise<Readonly<Record<string, unknown>>>): Promise<unknown> {
  const header = headers.get('x-csrf-token');
  if (header !== null) return header;
  if (!headers.get('content-type')?.toLowerCase().startsWith('application/x-www-form-urlencoded')) return undefined;
  return (await readForm()).csrf_token;
}
