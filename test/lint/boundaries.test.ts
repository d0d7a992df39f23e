/**
 * @module The import arrows of ARCHITECTURE.md are enforced by Biome (biome.jsonc): in a scratch tree every
 * forbidden import is reported and every allowed one passes; the real tree has no boundary violation; and
 * each named exception still matches an import that exists (a fixed violation must drop its exception).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIOME = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
const RULE = 'lint/style/noRestrictedImports';

interface Diagnostic {
  readonly category: string;
  readonly message: string;
  readonly location: { readonly path: string; readonly start: { readonly line: number } };
}

/** Runs `biome lint` in `cwd` and returns the boundary diagnostics as `path:line`. */
function boundaryViolations(cwd: string, extraArgs: readonly string[] = []): string[] {
  const run = spawnSync(process.execPath, [BIOME, 'lint', '--reporter=json', '--max-diagnostics=none', ...extraArgs, '.'], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.error) throw run.error;
  const report = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] };
  return report.diagnostics
    .filter((d) => d.category === RULE)
    .map((d) => `${d.location.path}:${d.location.start.line}`)
    .sort();
}

const BAD = true;
const OK = false;
/** One fixture line: a statement that imports `specifier`, and whether the arrows forbid it there. */
type Line = readonly [statement: string, forbidden: boolean];
const imp = (specifier: string, forbidden: boolean): Line => [`import '${specifier}';`, forbidden];

/** Files of a scratch tree laid out like src/, one import per line. */
const FIXTURES: Record<string, readonly Line[]> = {
  'src/core/x.ts': [
    imp('./errors.ts', OK),
    imp('./crypto/index.ts', OK),
    imp('zod', OK),
    imp('node:crypto', OK),
    imp('../features/sessions/index.ts', BAD),
    imp('../auth.ts', BAD),
    imp('hono', BAD),
    imp('hono/jsx', BAD),
    imp('kysely', BAD),
    imp('portcullis', BAD),
  ],
  'src/core/crypto/x.ts': [imp('../errors.ts', OK), imp('../../stores/sql/index.ts', BAD)],
  'src/features/sessions/x.ts': [
    imp('./evaluate.ts', OK),
    imp('../../core/errors.ts', OK),
    imp('jose', OK),
    // The headline arrow: a feature never imports another feature, in any import form.
    imp('../tokens/index.ts', BAD),
    ["import type { Token } from '../tokens/index.ts';", BAD],
    ["export * from '../tokens/index.ts';", BAD],
    ["export const later = () => import('../tokens/index.ts');", BAD],
    imp('../../stores/memory/counter-store.ts', BAD),
    imp('../../flows/sign-in.ts', BAD),
    imp('../../create-auth.ts', BAD),
    imp('ioredis', BAD),
    imp('express', BAD),
  ],
  'src/features/passwords/legacy/x.ts': [imp('../hasher.ts', OK), imp('../../../core/clock.ts', OK), imp('../../sessions/index.ts', BAD)],
  // Tests beside the code are not a layer.
  'src/features/sessions/x.test.ts': [imp('../tokens/index.ts', OK), imp('../../testing/test-database.ts', OK)],
  'src/stores/sql/x.ts': [
    imp('./schema.ts', OK),
    imp('../../core/stores.ts', OK),
    imp('../../core/errors.ts', OK),
    imp('../../core/clock.ts', OK),
    imp('kysely', OK),
    imp('../../core/config.ts', BAD),
    imp('../memory/counter-store.ts', BAD),
    imp('../../features/sessions/index.ts', BAD),
    imp('hono', BAD),
  ],
  'src/stores/sql/migrations/x.ts': [imp('../schema.ts', OK), imp('../../../core/stores.ts', OK), imp('../../redis/counter-store.ts', BAD)],
  'src/flows/x.ts': [
    imp('./kernel.ts', OK),
    imp('../core/errors.ts', OK),
    imp('../features/sessions/index.ts', OK),
    imp('../features/sessions/evaluate.ts', BAD),
    imp('../stores/sql/index.ts', BAD),
    imp('../create-auth.ts', BAD),
    imp('../adapters/hono/index.ts', BAD),
    imp('pg', BAD),
  ],
  'src/flows/steps/x.ts': [imp('../kernel.ts', OK), imp('../../features/rbac/index.ts', OK), imp('../../features/rbac/roles.ts', BAD)],
  // src/http may not exist yet: its rule is already there.
  'src/http/x.ts': [
    imp('./routes.ts', OK),
    imp('../core/errors.ts', OK),
    imp('../auth.ts', OK),
    imp('../features/csrf/index.ts', BAD),
    imp('../create-auth.ts', BAD),
    imp('../adapters/hono/index.ts', BAD),
    imp('hono', BAD),
  ],
  'src/http/guards/x.ts': [imp('../routes.ts', OK), imp('../../core/cookies.ts', OK), imp('../../flows/sign-in.ts', BAD)],
  'src/adapters/fastify/x.ts': [
    imp('./routes.ts', OK),
    imp('../../index.ts', OK),
    imp('../../auth.ts', OK),
    imp('fastify', OK),
    imp('../../core/errors.ts', BAD),
    imp('../../features/csrf/index.ts', BAD),
    imp('../../create-auth.ts', BAD),
    imp('../hono/index.ts', BAD),
    imp('pg', BAD),
  ],
  // The adapters have no exception left (the request core lives in src/http).
  'src/adapters/hono/new-file.ts': [imp('../../core/errors.ts', BAD)],
  'src/adapters/hono/guards.ts': [imp('../../core/errors.ts', BAD), imp('../../index.ts', OK)],
  // Exceptions are per file and per specifier: cli/serve.ts alone may load app/start.ts.
  'src/cli/serve.ts': [imp('../app/start.ts', OK), imp('../app/server.tsx', BAD)],
  'src/cli/users.ts': [imp('../app/start.ts', BAD), imp('../app/settings.ts', OK)],
  'src/app/x.ts': [
    imp('../index.ts', OK),
    imp('../adapters/hono/index.ts', OK),
    imp('hono', OK),
    imp('../adapters/hono/routes.ts', BAD),
    imp('../core/errors.ts', BAD),
    imp('../create-auth.ts', BAD),
  ],
  'src/app/views/pages/x.tsx': [imp('../../../index.ts', OK), imp('../parts.tsx', OK), imp('../../../features/identity/index.ts', BAD)],
  'src/cli/x.ts': [imp('../index.ts', OK), imp('../flows/sign-in.ts', BAD), imp('../stores/sql/index.ts', BAD), imp('../app/start.ts', BAD)],
  'src/create-auth.ts': [
    imp('./core/config.ts', OK),
    imp('./features/csrf/index.ts', OK),
    imp('./flows/sign-in.ts', OK),
    imp('./stores/memory/counter-store.ts', OK),
    imp('./features/csrf/presented-token.ts', BAD),
    imp('./adapters/hono/index.ts', BAD),
    imp('./app/start.ts', BAD),
  ],
  'src/index.ts': [imp('./create-auth.ts', OK), imp('./stores/sql/index.ts', OK), imp('./app/start.ts', BAD), imp('./adapters/hono/index.ts', BAD)],
};

describe('the import arrows (biome.jsonc)', () => {
  let scratch: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'portcullis-boundaries-'));
    copyFileSync(join(ROOT, 'biome.jsonc'), join(scratch, 'biome.jsonc'));
    for (const [path, lines] of Object.entries(FIXTURES)) {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      writeFileSync(join(scratch, path), `${lines.map(([statement]) => statement).join('\n')}\n`);
    }
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('reports every forbidden import and only those', () => {
    const expected = Object.entries(FIXTURES)
      .flatMap(([path, lines]) => lines.map(([, forbidden], i) => (forbidden ? `${path}:${i + 1}` : '')))
      .filter(Boolean)
      .sort();
    // The scratch tree is not a git checkout: no ignore file to read.
    expect(boundaryViolations(scratch, ['--vcs-enabled=false'])).toEqual(expected);
  });

  it('finds no violation in the real tree (the known ones are named exceptions)', () => {
    expect(boundaryViolations(ROOT)).toEqual([]);
  });

  it('keeps no stale exception: each allowed specifier is still imported, and the layer rule is restated unchanged', () => {
    const config = JSON.parse(
      readFileSync(join(ROOT, 'biome.jsonc'), 'utf8')
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('//'))
        .join('\n'),
    ) as { overrides: Override[] };
    const boundary = config.overrides.filter((o) => o.linter?.rules?.style?.noRestrictedImports);
    const exceptions = boundary.filter(isException);
    expect(exceptions.length).toBeGreaterThan(0);
    for (const exception of exceptions) {
      expect(exception.includes, 'one file per exception').toHaveLength(1);
      const [file] = exception.includes as [string];
      const layer = boundary.find((o) => o !== exception && o.includes[0]!.includes('*') && globToRegExp(o.includes[0]!).test(file));
      expect(layer, `no layer override covers ${file}`).toBeDefined();
      const [own, ...ownRest] = patternsOf(exception);
      const [base, ...baseRest] = patternsOf(layer!);
      expect(ownRest, file).toEqual(baseRest);
      expect(own!.message, file).toBe(base!.message);
      expect(own!.group.slice(0, base!.group.length), file).toEqual(base!.group);
      const allowed = own!.group.slice(base!.group.length);
      expect(allowed.length, file).toBeGreaterThan(0);
      const source = readFileSync(join(ROOT, file), 'utf8');
      for (const pattern of allowed) {
        expect(pattern.startsWith('!'), `${file}: ${pattern}`).toBe(true);
        expect(source, `${file} no longer imports ${pattern.slice(1)}: delete the exception`).toContain(`'${pattern.slice(1)}'`);
      }
    }
  });
});

interface PatternGroup {
  readonly group: readonly string[];
  readonly message: string;
}
interface Override {
  readonly includes: readonly string[];
  readonly linter?: { rules?: { style?: { noRestrictedImports?: { options: { patterns: PatternGroup[] } } } } };
}

/** An exception names concrete files (no glob) under src/. */
function isException(override: Override): boolean {
  return override.includes.every((glob) => !glob.includes('*') && glob.startsWith('src/')) && !/^src\/(create-auth|auth|index)\.ts$/.test(override.includes[0]!);
}

function patternsOf(override: Override): PatternGroup[] {
  return override.linter!.rules!.style!.noRestrictedImports!.options.patterns;
}

/** The globs of the layer overrides use `*` only (one path segment). */
function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}$`);
}
