/**
 * @module Servers under test, each its own child process: spawn on a free loopback port, wait
 * until it answers, stop it (SIGTERM, then SIGKILL), and read its memory from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export interface ServerSpec {
  /** Shown in logs and used for the log file name. */
  readonly name: string;
  /** Path of the server file, relative to the repository root. */
  readonly script: string;
  readonly env?: Readonly<Record<string, string>>;
  /** A GET that answers 200 once the server can serve. */
  readonly readyPath: string;
  /** Extra flags for `node` (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
}

export interface RunningServer {
  readonly url: string;
  readonly pid: number;
  readonly logPath: string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function freePort(): Promise<number> {
  return new Promise((ready, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => ready(port));
    });
  });
}

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls `url` until it answers 200; throws when the child exits first or time runs out. */
export async function waitUntilAnswering(url: string, child: ChildProcess, timeoutMs: number, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before answering`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(intervalMs);
  }
  throw new Error(`no 200 from ${url} within ${timeoutMs} ms`);
}

export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      live.delete(child);
      return done();
    }
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      live.delete(child);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** Spawns `command args` with its output in `logPath`; the child is killed if the bench dies. */
export function spawnLogged(command: string, args: readonly string[], env: Readonly<Record<string, string>>, logPath: string): ChildProcess {
  const log = openSync(logPath, 'a');
  const child = spawn(command, [...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  closeSync(log);
  live.add(child);
  return child;
}

export async function startServer(spec: ServerSpec, workDir: string): Promise<RunningServer> {
  const port = await freePort();
  const logPath = join(workDir, `${spec.name}-${port}.log`);
  const isTs = spec.script.endsWith('.ts') || spec.script.endsWith('.tsx');
  const args = [...(spec.nodeArgs ?? []), ...(isTs ? ['--import', 'tsx'] : []), spec.script];
  const child = spawnLogged(process.execPath, args, { ...spec.env, PORT: String(port), HOST: '127.0.0.1' }, logPath);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(url + spec.readyPath, child, 60_000);
  } catch (error) {
    await stopChild(child);
    throw new Error(`${spec.name}: ${(error as Error).message}\n--- log ---\n${tail(logPath)}`);
  }
  return { url, pid: child.pid ?? -1, logPath, stop: () => stopChild(child) };
}

/** VmRSS of a process in MiB, from /proc/<pid>/status; NaN when unreadable. */
export function readRssMiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Direct children of a process (Linux: /proc/<pid>/task/<tid>/children). */
export function childPids(pid: number): number[] {
  const pids: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) pids.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return pids;
}

/** CPU seconds a process has used (all its threads), from /proc/<pid>/stat; NaN when unreadable. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * Resolves once the process has used at most one clock tick (10 ms) in each of two 100 ms samples in a row (or after
 * `timeoutMs`). A load generator stops sending, but the server still works through what is queued —
 * 50 logins are most of a second of hashing — and a measurement started at once would share the
 * machine with it.
 */
export async function waitUntilIdle(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  let last = cpuSeconds(pid);
  while (quiet < 2 && Date.now() < deadline) {
    await sleep(100);
    const now = cpuSeconds(pid);
    if (Number.isNaN(now)) return;
    quiet = now - last < 0.015 ? quiet + 1 : 0;
    last = now;
  }
}
