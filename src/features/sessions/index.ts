/** @module Server-side sessions: issue, evaluate (expiry, idle, uniquifier, protection), freshness. */
export { issueSession, type IssuedSession, type SessionAssurance, type SessionPolicy } from './issue.ts';
export { evaluateSession, sessionFingerprint, type SessionVerdict } from './evaluate.ts';
export { checkFreshness, type FreshnessRule, type FreshnessVerdict } from './freshness.ts';
