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
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly responses: number;
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
  const latencies = new LatencyLog();
  const instance = autocannon({
    url: target.url,
    method: target.method ?? 'GET',
    connections: settings.connections,
    duration: settings.durationSeconds,
    timeout: 10,
    ...(target.headers ? { headers: { ...target.headers } } : {}),
    ...(target.body !== undefined ? { body: target.body } : {}),
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => latencies.push(responseTimeMs));
  const result = await instance;
  const statusCounts: Record<string, number> = {};
  let responses = 0;
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
    statusCounts[status] = count;
    responses += count;
  }
  const sorted = latencies.sorted();
  return {
    requestsPerSecond: result.duration > 0 ? responses / result.duration : 0,
    p50Ms: percentileOfSorted(sorted, 50),
    p99Ms: percentileOfSorted(sorted, 99),
    responses,
    statusCounts,
    expectedShare: responses > 0 ? (statusCounts[String(target.expectStatus)] ?? 0) / responses : 0,
    errors: result.errors + result.timeouts,
  };
}

/** Load that is not measured: JIT, caches and pools settle before the real run. */
export async function warmUp(target: LoadTarget, settings: LoadSettings & { warmupSeconds: number }): Promise<void> {
  await runLoad(target, { connections: settings.connections, durationSeconds: settings.warmupSeconds });
}
