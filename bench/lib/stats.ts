/** @module Medians and percentiles over small samples (rounds) and large ones (latencies). */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile of an already sorted array; `p` in 0..100. */
export function percentileOfSorted(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Round-robin orders: round r starts at peer r and, on odd rounds, walks backwards. */
export function alternatingOrder<T>(items: readonly T[], round: number): T[] {
  const n = items.length;
  const rotated = items.map((_, i) => items[(i + round) % n]!);
  return round % 2 === 1 ? rotated.reverse() : rotated;
}
