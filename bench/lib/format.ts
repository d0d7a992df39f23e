/** @module Markdown tables: numbers rounded the same way everywhere. */

export function formatRate(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';
}

export function formatMs(value: number): string {
  return Number.isFinite(value) ? value.toFixed(value < 10 ? 2 : 1) : '—';
}

export function formatCpu(microseconds: number): string {
  return Number.isFinite(microseconds) ? microseconds.toFixed(1) : '—';
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(value < 0.1 ? 3 : 2)}×` : '—';
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
