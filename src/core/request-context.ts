/** @module What the kernel knows about one request's client, resolved once at the edge. */

export interface ClientInfo {
  readonly ip: string;
  readonly userAgent: string;
  /** Arrived over HTTPS, directly or via a trusted proxy. */
  readonly secure: boolean;
  /**
   * The remembered-device cookie's value, when MFA_REMEMBER_DEVICE is on and the request carries
   * one. A secret: never log it, never put it in an event (events take `origin(client)`).
   */
  readonly deviceMark?: string;
}

/** JSON when the body is JSON, or when the client accepts JSON and not HTML (API.md). */
export function wantsJson(headers: Headers): boolean {
  const type = headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return true;
  const accept = headers.get('accept')?.toLowerCase() ?? '';
  return accept.includes('json') && !accept.includes('text/html');
}

export function truncateUserAgent(userAgent: string | null): string {
  return (userAgent ?? '').slice(0, 512);
}
