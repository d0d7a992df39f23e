#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/ (JavaScript + declarations) and makes dist/ a package of
// its own — package.json with the exports and bin pointing at the compiled files, README, static
// assets — so that `npm pack ./dist` (or `npm publish ./dist`) ships JavaScript, not TypeScript.
//
//   node scripts/build.mjs               build dist/ (always)
//   node scripts/build.mjs --if-stale    build dist/ only when it is missing or older than its sources
//                                        (`npm start` runs this first: a fresh clone builds once)
//   node scripts/build.mjs --out DIR     build into DIR instead (test/pack: never touches dist/)
//
// The build goes to a temporary directory that replaces dist/ when complete, under a lock (a
// directory made atomically), so two builds at once, or a server started from dist/ meanwhile,
// never see a half-written tree. dist/package.json's mtime is set to the build's *start*: a
// source saved during the build counts as newer, and the next --if-stale builds again.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(root, 'dist');
const LOCK = join(root, 'dist.lock');
const TSC = join(root, 'node_modules/typescript/bin/tsc');

/**
 * Optional peers of the published package. The drivers, loaded only when asked (portcullis/sql,
 * /redis, /mail), keep this repository's ranges — the reference server depends on them; express
 * for portcullis/express, fastify for portcullis/fastify; vitest for portcullis/testing (the conformance suites register tests).
 */
const DRIVERS = ['better-sqlite3', 'pg', 'ioredis', 'nodemailer'];
const OTHER_OPTIONAL_PEERS = { express: '^5.0.0', fastify: '^5.0.0', vitest: '^4.1.0' };
/** Needed only to develop this repository, never by the published package. */
const NOT_PUBLISHED = new Set(['tsx']);

const log = (line) => process.stderr.write(line + '\n');

/** Compiles into `out` (replacing it), writes the package's own package.json, bin and assets. */
export function build({ out = DIST } = {}) {
  const startedMs = Date.now();
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    // tsc's diagnostics go to stderr: the CLI may be building itself before printing JSON on stdout.
    execFileSync(process.execPath, [TSC, '-p', join(root, 'tsconfig.build.json'), '--outDir', tmp], { stdio: ['ignore', 2, 2] });
    cpSync(join(root, 'src/app/static'), join(tmp, 'app/static'), { recursive: true });
    // The hashing pool's worker is plain JavaScript (worker threads load it with Node's own loader).
    cpSync(join(root, 'src/features/passwords/argon2-worker.mjs'), join(tmp, 'features/passwords/argon2-worker.mjs'));
    cpSync(join(root, 'README.md'), join(tmp, 'README.md'));
    writeFileSync(join(tmp, 'package.json'), JSON.stringify(publishedManifest(), null, 2) + '\n');
    mkdirSync(join(tmp, 'bin'), { recursive: true });
    writeFileSync(join(tmp, 'bin/portcullis.js'), "#!/usr/bin/env node\nawait import('../cli/main.js');\n", { mode: 0o755 });
    utimesSync(join(tmp, 'package.json'), startedMs / 1000, startedMs / 1000);
    const old = `${out}.old-${process.pid}`;
    if (existsSync(out)) renameSync(out, old);
    renameSync(tmp, out);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The published package.json: compiled entry points, drivers as optional peers, no dev tooling. */
export function publishedManifest() {
  const source = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const entry = (path) => ({ types: `./${path}.d.ts`, default: `./${path}.js` });
  const range = (name) => source.dependencies?.[name] ?? source.devDependencies?.[name] ?? source.peerDependencies?.[name] ?? '*';
  const peers = { ...Object.fromEntries(DRIVERS.map((name) => [name, range(name)])), ...OTHER_OPTIONAL_PEERS };
  const dependencies = Object.fromEntries(Object.entries(source.dependencies ?? {}).filter(([name]) => !(name in peers) && !NOT_PUBLISHED.has(name)));
  return {
    name: source.name,
    version: source.version,
    description: source.description,
    type: 'module',
    license: source.license,
    engines: source.engines,
    exports: {
      '.': entry('index'),
      './hono': entry('adapters/hono/index'),
      './express': entry('adapters/express/index'),
      './fastify': entry('adapters/fastify/index'),
      './sql': entry('sql'),
      './redis': entry('redis'),
      './mail': entry('mail'),
      './testing': entry('testing/index'),
    },
    bin: { portcullis: './bin/portcullis.js' },
    dependencies,
    peerDependencies: peers,
    peerDependenciesMeta: Object.fromEntries(Object.keys(peers).map((name) => [name, { optional: true }])),
  };
}

/**
 * Newest modification time among the inputs that change what runs (test files excluded: they are
 * not built; README.md too: a docs edit should not rebuild before `npm start` — `npm run build`,
 * which publishing uses, always builds everything).
 */
function newestSourceMs() {
  let newest = 0;
  const visit = (path) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) if (!/\.test\.tsx?$/.test(name)) visit(join(path, name));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  visit(join(root, 'src'));
  for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs']) visit(join(root, file));
  return newest;
}

/** dist/ is missing, or some source is newer than the start of the build that made it. */
export function isStale() {
  const stamp = join(DIST, 'package.json');
  return !existsSync(stamp) || newestSourceMs() > statSync(stamp).mtimeMs;
}

function withLock(fn) {
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      // A builder that died leaves its lock behind: a build never takes 5 minutes.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 300_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {}
      Atomics.wait(sleep, 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Builds dist/ when stale. Returns true when dist/ is ready to run (fresh, or stale without a compiler). */
export function ensureBuilt() {
  if (!isStale()) return true;
  return withLock(() => {
    if (!isStale()) return true; // another process built it while we waited
    if (!existsSync(TSC)) {
      // Installed without dev dependencies (npm ci --omit=dev): no compiler to rebuild with.
      if (existsSync(join(DIST, 'package.json'))) {
        log('portcullis: dist/ is older than src/, and TypeScript is not installed to rebuild it (npm ci installs it); running the existing build');
        return true;
      }
      log('portcullis: dist/ is missing and TypeScript is not installed to build it: run `npm ci` (with dev dependencies), then `npm run build`');
      return false;
    }
    log('portcullis: building dist/ from src/ (npm run build) …');
    const started = Date.now();
    build();
    log(`portcullis: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return true;
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  if (args.includes('--if-stale')) {
    if (!ensureBuilt()) process.exit(1);
  } else if (outAt >= 0) {
    if (!args[outAt + 1]) throw new Error('--out needs a directory');
    build({ out: resolve(args[outAt + 1]) });
    log(`built ${args[outAt + 1]} (npm pack it to make the package)`);
  } else {
    withLock(() => build());
    log('built dist/ (npm pack ./dist to make the package)');
  }
}
