/** @module The views hook's types and defaults live in the request core; re-exported for Hono apps. */
import { http } from '../../index.ts';

export const defaultViews = http.defaultViews;
export const escapeHtml = http.escapeHtml;
export type AuthViews = http.AuthViews;
export type FormView = http.FormView;
export type ErrorView = http.ErrorView;
export type HtmlContent = http.HtmlContent;
