/** @module Measuring a target: warm up, load, and the medians of several rounds. */
import type { RunContext } from './context.ts';
import { runLoad, warmUp, type LoadResult, type LoadTarget } from './load.ts';
import { cpuSeconds } from './process.ts';
import { median } from './stats.ts';

/** A load run, and the server's CPU time per answer (every thread, /proc) when its pid is given. */
export interface Measurement extends LoadResult {
  /** Server CPU milliseconds per answer during the measured run; NaN when not measured. */
  readonly cpuMsPerAnswer: number;
}

export async function measure(ctx: RunContext, target: LoadTarget, serverPid?: number): Promise<Measurement> {
  const settings = { connections: ctx.config.connections, durationSeconds: ctx.config.durationSeconds };
  await warmUp(target, { ...settings, warmupSeconds: ctx.config.warmupSeconds });
  const before = serverPid === undefined ? Number.NaN : cpuSeconds(serverPid);
  const result = await runLoad(target, settings);
  const used = serverPid === undefined ? Number.NaN : cpuSeconds(serverPid) - before;
  return { ...result, cpuMsPerAnswer: (used * 1000) / Math.max(result.answered, 1) };
}

export interface Summary {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Median over the rounds of the server's CPU µs per answer (NaN when not measured). */
  readonly cpuUsPerAnswer: number;
  /** Every round answered with the expected status (≥ 99 %) and without socket errors. */
  readonly valid: boolean;
  readonly rounds: readonly LoadResult[];
}

export function summarize(rounds: readonly LoadResult[]): Summary {
  return {
    requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    cpuUsPerAnswer: median(rounds.map((r) => ('cpuMsPerAnswer' in r ? (r as Measurement).cpuMsPerAnswer * 1000 : Number.NaN))),
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
  const cpu = 'cpuMsPerAnswer' in result && Number.isFinite((result as Measurement).cpuMsPerAnswer) ? `, ${((result as Measurement).cpuMsPerAnswer * 1000).toFixed(1)} µs CPU/answer` : '';
  return `${Math.round(result.requestsPerSecond)} req/s${cpu}, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms [${statuses}${result.errors ? ` errors×${result.errors}` : ''}]`;
}
