// `node --import ./scripts/built.mjs dist/…`: what `npm start`, `start:cluster` and `migrate` run.
// Before Node loads the entry point, dist/ is rebuilt if it is missing or older than src/ (see
// build.mjs; about 80 ms to find it fresh, ~10 s to build) — one process, no separate prestart step.
import { ensureBuilt } from './build.mjs';

if (!ensureBuilt()) process.exit(1);
