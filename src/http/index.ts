/**
 * @module The framework-free request core: Web `Request` → `Response`. Adapters (Hono, Express,
 * Fastify) translate to and from it and decide nothing; `handler(auth)` serves the auth routes to
 * anything that speaks fetch.
 */
export { handler, type FetchHandler, type HandlerOptions, type PeerDetails } from './handler.ts';
export { createHttpCore, type HttpCore, type HttpCoreOptions } from './core.ts';
export type { BegunRequest, HeaderSink, TransportOptions } from './lifecycle.ts';
export type { AuthRoute, RouteParams } from './routes.ts';
export { bodyOf, type RequestState, type RequestExtras } from './state.ts';
export { readBodyFields as readBody, OVERSIZE_DRAIN_BYTES, type BodyFields } from '../core/input.ts';
export { identify } from './mechanisms.ts';
export { enforceCsrf, TOKEN_ENDPOINT_BODY_MESSAGE, type CsrfRule } from './csrf.ts';
export { required, roles, anyRole, permissions, fresh, rateLimit, unauthCsrf, assertOwnerOrAdmin, type Guard, type RequiredOptions, type FreshOptions } from './guards.ts';
export { csrfTokenFor, setFlash, takeFlash } from './cookies.ts';
export { clientErrorCodeFor, isJsonRequest, redirectAfterPost } from './respond.ts';
export { encodeLocation } from '../core/location.ts';
export { parsedUrl, webHeadersFrom, webRequestFromNode, type NodeHeaderLines } from './node-request.ts';
export { defaultViews, escapeHtml, type AuthViews, type FormView, type ErrorView, type HtmlContent } from './views.ts';
