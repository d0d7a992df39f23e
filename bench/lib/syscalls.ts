/**
 * @module System calls per request: `strace -c -f` attached to a running server (every thread)
 * while a load runs, its summary divided by the answers. strace slows the server down many times
 * over, so the rate under it means nothing; the count per answer does.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SyscallCount {
  readonly name: string;
  readonly calls: number;
  readonly errors: number;
}

/** True when `strace` can be run here (it needs ptrace on the server's process). */
export function straceAvailable(): boolean {
  return ['/usr/bin/strace', '/bin/strace', '/usr/local/bin/strace'].some((path) => existsSync(path));
}

/** The rows of `strace -c`'s summary table (the `total` row left out). */
export function parseStraceSummary(text: string): SyscallCount[] {
  const rows: SyscallCount[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?([a-z_0-9]+)\s*$/.exec(line);
    if (!match || match[3] === 'total') continue;
    rows.push({ name: match[3]!, calls: Number(match[1]), errors: Number(match[2] ?? 0) });
  }
  return rows.sort((a, b) => b.calls - a.calls);
}

/** Attaches `strace -c -f` to `pid` for as long as `during` runs; returns its counts. */
export async function countSyscalls<T>(pid: number, outputPath: string, during: () => Promise<T>): Promise<{ counts: SyscallCount[]; result: T }> {
  const tracer = spawn('strace', ['-c', '-f', '-o', outputPath, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((done) => tracer.once('exit', () => done()));
  let attached = false;
  tracer.stderr.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('attached')) attached = true;
  });
  for (let waited = 0; !attached && waited < 3_000; waited += 50) await sleep(50);
  // strace announces each thread as it attaches: give the last ones a moment.
  await sleep(200);
  let result: T;
  try {
    result = await during();
  } finally {
    tracer.kill('SIGINT');
    await exited;
  }
  return { counts: parseStraceSummary(existsSync(outputPath) ? readFileSync(outputPath, 'utf8') : ''), result };
}
