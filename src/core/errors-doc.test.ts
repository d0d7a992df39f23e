/** Keeps docs/errors.md and the ERROR_CODES table in step (a published code never drifts). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './errors.ts';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (.+?) \|$/gm)].map((m) => ({ code: m[1], status: Number(m[2]), message: m[3] }));

describe('docs/errors.md', () => {
  it('lists every code of ERROR_CODES with its status and message', () => {
    const table = Object.entries(ERROR_CODES).map(([code, { status, message }]) => ({ code, status, message }));
    expect(rows).toEqual(table);
  });
});
