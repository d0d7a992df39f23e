#!/usr/bin/env node
// `npx portcullis …` / `npm run cli` in this repository: runs the compiled CLI (dist/cli/main.js).
// When dist/ is missing or older than src/ it is rebuilt first (npm run build) — or, in a development
// checkout whose dev dependencies include tsx, the sources run through tsx instead, so that editing
// and testing never wait for a build. Nothing here needs tsx at runtime. The published package has
// its own bin (dist/bin/portcullis.js, written by scripts/build.mjs), which only imports the CLI.
import { isStale, ensureBuilt } from '../scripts/build.mjs';

async function tsxIfInstalled() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return undefined;
  }
}

const tsx = isStale() ? await tsxIfInstalled() : undefined;
if (tsx) {
  tsx.register();
  await import('../src/cli/main.ts');
} else {
  if (!ensureBuilt()) process.exit(1);
  await import('../dist/cli/main.js');
}
