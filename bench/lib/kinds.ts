/**
 * @module Several kinds of request against ONE Portcullis server per round, with bare node:http
 * measured in the same round: the loop `rejections` and `tokens` share. All targets are prepared
 * (logins, tokens) before any is measured, so a flood cannot spend a budget another one needs.
 */
import type { RunContext } from './context.ts';
import type { LoadResult, LoadTarget } from './load.ts';
import { describeRound, log, measure } from './measure.ts';
import { nodeHttpPeer, portcullisSqliteSpec } from './peers.ts';
import { startServer } from './process.ts';
import { alternatingOrder } from './stats.ts';
import { measurePeerOnce } from '../scenarios/auth-get.ts';

export interface RequestKind {
  readonly key: string;
  readonly label: string;
  target(url: string): Promise<LoadTarget>;
}

/** Results by kind key, plus `nodeHttpPeer.key` for the baseline. */
export async function measureKindsOnOneServer(ctx: RunContext, scenario: string, kinds: readonly RequestKind[]): Promise<Map<string, LoadResult[]>> {
  const results = new Map<string, LoadResult[]>([[nodeHttpPeer.key, []], ...kinds.map((k) => [k.key, []] as [string, LoadResult[]])]);
  for (let round = 0; round < ctx.config.rounds; round++) {
    const node = await measurePeerOnce(ctx, nodeHttpPeer);
    results.get(nodeHttpPeer.key)!.push(node);
    log(`${scenario} round ${round + 1} node-http: ${describeRound(node)}`);
    const server = await startServer(portcullisSqliteSpec(ctx), ctx.workDir);
    try {
      const targets = new Map<string, LoadTarget>();
      for (const kind of kinds) targets.set(kind.key, await kind.target(server.url));
      for (const kind of alternatingOrder(kinds, round)) {
        const result = await measure(ctx, targets.get(kind.key)!, server.pid);
        results.get(kind.key)!.push(result);
        log(`${scenario} round ${round + 1} ${kind.key}: ${describeRound(result)}`);
      }
    } finally {
      await server.stop();
    }
  }
  return results;
}
