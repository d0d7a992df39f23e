/** @module What every scenario hands back to the runner: a markdown section and its raw data. */
import type { RunContext } from '../lib/context.ts';

export interface ScenarioReport {
  readonly name: string;
  readonly title: string;
  /** Markdown: a short description, the table, notes. */
  readonly markdown: string;
  readonly data: unknown;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(ctx: RunContext): Promise<ScenarioReport>;
}
