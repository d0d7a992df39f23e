#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/ (JavaScript + declarations) and makes dist/ a package of
// its own — package.json with the exports and bin pointing at the compiled files, README, static
// assets — so that `npm pack ./dist` (or `npm publish ./dist`) ships JavaScript, not TypeScript.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
cpSync(join(root, 'src/app/static'), join(dist, 'app/static'), { recursive: true });
// The hashing pool's worker is plain JavaScript (worker threads load it with Node's own loader).
cpSync(join(root, 'src/features/passwords/argon2-worker.mjs'), join(dist, 'features/passwords/argon2-worker.mjs'));
cpSync(join(root, 'README.md'), join(dist, 'README.md'));

const source = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const entry = (path) => ({ types: `./${path}.d.ts`, default: `./${path}.js` });
const published = {
  name: source.name,
  version: source.version,
  description: source.description,
  type: 'module',
  license: source.license,
  engines: source.engines,
  exports: { '.': entry('index'), './hono': entry('adapters/hono/index'), './express': entry('adapters/express/index') },
  bin: { portcullis: './bin/portcullis.js' },
  dependencies: source.dependencies,
  peerDependencies: { express: '^5.0.0' },
  peerDependenciesMeta: { express: { optional: true } },
};
writeFileSync(join(dist, 'package.json'), JSON.stringify(published, null, 2) + '\n');
mkdirSync(join(dist, 'bin'), { recursive: true });
writeFileSync(join(dist, 'bin/portcullis.js'), "#!/usr/bin/env node\nawait import('../cli/main.js');\n", { mode: 0o755 });
console.log('built dist/ (npm pack ./dist to make the package)');
