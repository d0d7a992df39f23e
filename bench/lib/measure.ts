/** @module Measuring a target: warm up, load, and the medians of several rounds. */
import type { RunContext } from './context.ts';
import { runLoad, warmUp, type LoadResult, type LoadTarget } from './load.ts';
import { median } from './stats.ts';

export async function measure(ctx: RunContext, target: LoadTarget): Promise<LoadResult> {
  const settings = { connections: ctx.config.connections, durationSeconds: ctx.config.durationSeconds };
  await warmUp(target, { ...settings, warmupSeconds: ctx.config.warmupSeconds });
  return runLoad(target, settings);
}

export interface Summary {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Every round answered with the expected status (≥ 99 %) and without socket errors. */
  readonly valid: boolean;
  readonly rounds: readonly LoadResult[];
}

export function summarize(rounds: readonly LoadResult[]): Summary {
  return {
    requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    valid: rounds.length > 0 && rounds.every((r) => r.expectedShare >= 0.99 && r.errors === 0),
    rounds,
  };
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export function describeRound(result: LoadResult): string {
  const statuses = Object.entries(result.statusCounts)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  return `${Math.round(result.requestsPerSecond)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms [${statuses}${result.errors ? ` errors×${result.errors}` : ''}]`;
}
