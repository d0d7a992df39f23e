/**
 * @module One load run with autocannon's programmatic API. Latencies are recorded here from each
 * response (sub-millisecond, every status) rather than from autocannon's whole-millisecond histogram.
 */
import autocannon from 'autocannon';
import { percentileOfSorted } from './stats.ts';

export interface LoadTarget {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The status every answer should have; a run where fewer than 99 % do is flagged invalid. */
  readonly expectStatus: number;
}

export interface LoadSettings {
  readonly durationSeconds: number;
  readonly connections: number;
  /** Requests per second across all connections; absent: each connection sends as fast as it is answered. */
  readonly overallRate?: number;
  /**
   * Seconds of load before the measured window, in the same run: answers that arrive earlier are not
   * counted. For slow requests (a login takes half a second under 50 connections) a run that starts
   * from nothing in flight would otherwise count its own ramp-up as lost throughput.
   */
  readonly settleSeconds?: number;
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly responses: number;
  /** Every answer received, the settling ones included (what the server did work for). */
  readonly answered: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  /** Share of answers with the expected status (0..1). */
  readonly expectedShare: number;
  readonly errors: number;
}

class LatencyLog {
  #values = new Float64Array(1 << 16);
  #length = 0;
  push(ms: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = ms;
  }
  sorted(): Float64Array {
    return this.#values.slice(0, this.#length).sort();
  }
}

export async function runLoad(target: LoadTarget, settings: LoadSettings): Promise<LoadResult> {
  const settleMs = (settings.settleSeconds ?? 0) * 1000;
  const latencies = new LatencyLog();
  const statusCounts: Record<string, number> = {};
  let responses = 0;
  let answered = 0;
  const instance = autocannon({
    url: target.url,
    method: target.method ?? 'GET',
    connections: settings.connections,
    duration: settings.durationSeconds + settleMs / 1000,
    timeout: 10,
    ...(settings.overallRate !== undefined ? { overallRate: settings.overallRate } : {}),
    ...(target.headers ? { headers: { ...target.headers } } : {}),
    ...(target.body !== undefined ? { body: target.body } : {}),
  });
  const measureFrom = performance.now() + settleMs;
  let measureUntil = Number.POSITIVE_INFINITY;
  instance.on('response', (_client: unknown, status: number, _bytes: number, responseTimeMs: number) => {
    answered++;
    const now = performance.now();
    if (now < measureFrom || now > measureUntil) return;
    latencies.push(responseTimeMs);
    statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    responses++;
  });
  instance.on('done', () => {
    measureUntil = performance.now();
  });
  const result = await instance;
  measureUntil = Math.min(measureUntil, performance.now());
  const measuredSeconds = (measureUntil - measureFrom) / 1000;
  const sorted = latencies.sorted();
  return {
    requestsPerSecond: measuredSeconds > 0 ? responses / measuredSeconds : 0,
    p50Ms: percentileOfSorted(sorted, 50),
    p99Ms: percentileOfSorted(sorted, 99),
    responses,
    answered,
    statusCounts,
    expectedShare: responses > 0 ? (statusCounts[String(target.expectStatus)] ?? 0) / responses : 0,
    errors: result.errors + result.timeouts,
  };
}

/** Load that is not measured: JIT, caches and pools settle before the real run. */
export async function warmUp(target: LoadTarget, settings: LoadSettings & { warmupSeconds: number }): Promise<void> {
  await runLoad(target, { connections: settings.connections, durationSeconds: settings.warmupSeconds });
}
