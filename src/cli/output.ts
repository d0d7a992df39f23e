/** @module What commands print: plain lines and aligned tables for people, JSON for scripts. */

export function writeLine(text = ''): void {
  process.stdout.write(text + '\n');
}

export function writeWarning(text: string): void {
  process.stderr.write(`warning: ${text}\n`);
}

export function writeJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Columns padded to their widest cell; the last column is not padded. */
export function writeTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  writeLine(format(header));
  for (const row of rows) writeLine(format(row));
}

/** `2026-01-02 03:04` in UTC, or `-`. */
export function formatTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}
