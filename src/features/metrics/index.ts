/**
 * @module Prometheus metrics (prom-client) from the security events: logins by result, lock-outs,
 * rate-limit hits, CSRF failures, token reuse; active sessions on scrape; password-hash durations.
 * One registry per Auth (never the global one), so several instances in one process do not clash.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventSink } from '../../core/events.ts';

export interface AuthMetrics {
  readonly sink: EventSink;
  /** Times one password hash or verification. */
  observeHash<T>(operation: 'hash' | 'verify', work: () => Promise<T>): Promise<T>;
  /** Prometheus text exposition of every metric. */
  render(): Promise<{ body: string; contentType: string }>;
}

export function createAuthMetrics(options: { countActiveSessions: () => Promise<number>; processMetrics?: boolean }): AuthMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'portcullis_process_' });
  const logins = new Counter({ name: 'portcullis_logins_total', help: 'Password logins by result and mechanism', labelNames: ['result', 'via'], registers: [registry] });
  const lockouts = new Counter({ name: 'portcullis_lockouts_total', help: 'Identities locked after repeated failures', registers: [registry] });
  const rateLimited = new Counter({ name: 'portcullis_rate_limited_total', help: 'Requests refused by a rate limit', labelNames: ['route'], registers: [registry] });
  const csrfFailures = new Counter({ name: 'portcullis_csrf_failures_total', help: 'Requests refused by the CSRF check', labelNames: ['reason'], registers: [registry] });
  const tokenEvents = new Counter({ name: 'portcullis_token_events_total', help: 'API token events (issued, refreshed, reuse, rejected)', labelNames: ['event'], registers: [registry] });
  const hashSeconds = new Histogram({
    name: 'portcullis_password_hash_seconds',
    help: 'Duration of argon2id hashes and verifications',
    labelNames: ['operation'],
    buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  new Gauge({
    name: 'portcullis_active_sessions',
    help: 'Sessions neither expired nor idle',
    registers: [registry],
    async collect() {
      this.set(await options.countActiveSessions());
    },
  });
  return {
    sink(event) {
      switch (event.type) {
        case 'login.succeeded':
          logins.inc({ result: 'success', via: event.via });
          break;
        case 'login.failed':
          logins.inc({ result: event.reason === 'locked' || event.reason === 'ip_budget' || event.reason === 'client_busy' ? 'refused' : 'failure', via: event.via });
          break;
        case 'login.locked':
          lockouts.inc();
          break;
        case 'rate.limited':
          rateLimited.inc({ route: event.route });
          break;
        case 'csrf.failed':
          csrfFailures.inc({ reason: event.reason });
          break;
        case 'token.issued':
        case 'token.refreshed':
        case 'token.reuse':
        case 'token.rejected':
          tokenEvents.inc({ event: event.type.slice('token.'.length) });
          break;
        default:
          break;
      }
    },
    async observeHash(operation, work) {
      const end = hashSeconds.startTimer({ operation });
      try {
        return await work();
      } finally {
        end();
      }
    },
    async render() {
      return { body: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
