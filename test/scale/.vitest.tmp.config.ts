import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { pool: 'forks', root: '/work/main', include: ['test/scale/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } });
