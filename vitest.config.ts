/**
 * @module Test projects: `unit` (pure, no database), `sqlite` and `postgres` (the same store and
 * HTTP tests, once per database, chosen by PORTCULLIS_TEST_DB — see src/testing/test-database.ts), and
 * `browser` (Debian's Chromium via playwright-core against the real server — see test/browser/harness.ts).
 */
import { defineConfig } from 'vitest/config';

const DATABASE_TESTS = ['src/**/*.store.test.ts', 'test/http/**/*.test.ts', 'test/security/**/*.test.ts', 'test/adapters/**/*.test.ts'];

export default defineConfig({
  test: {
    // Forks, not threads: better-sqlite3 is a native module and is happiest one per process.
    pool: 'forks',
    // The JSON report lets .ci/run print one plain "N passed, N failed" closing line.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.{ts,tsx}', 'test/lint/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'src/**/*.http.test.ts', 'src/**/*.store.test.ts'],
        },
      },
      {
        extends: true,
        // test/server and test/cli start real processes (SQLite file, sockets, TLS), and test/frontdoor
        // runs scripts/test-services.sh (what `npm test` runs first): once is enough.
        test: {
          name: 'sqlite',
          include: [...DATABASE_TESTS, 'test/server/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/frontdoor/**/*.test.ts'],
          env: { PORTCULLIS_TEST_DB: 'sqlite' },
        },
      },
      {
        extends: true,
        test: { name: 'postgres', include: DATABASE_TESTS, env: { PORTCULLIS_TEST_DB: 'postgres' } },
      },
      {
        extends: true,
        // Several real server processes on one PostgreSQL + Redis, and private PostgreSQL/Redis
        // instances restarted under load (test/scale/services.ts): never the shared ones.
        test: { name: 'scale', include: ['test/scale/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
      },
      {
        extends: true,
        // The built package installed in an empty project from its tarball (test/pack): slow, so alone.
        test: { name: 'pack', include: ['test/pack/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000 },
      },
      {
        extends: true,
        // Real Chromium against the real server (test/browser/harness.ts). One file at a time, after
        // the other projects: each file starts its own server and browser, and they are heavy.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          env: { PORTCULLIS_TEST_DB: 'sqlite' },
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
