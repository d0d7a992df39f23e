// argon2id in one thread of the hashing pool (hash-pool.ts). Plain JavaScript on purpose: a worker
// thread loads its file with Node's own loader, so this file runs unchanged under tsx, vitest and
// the compiled package (the build copies it next to hash-pool.js).
//
// The thread first lowers its own scheduling priority (on Linux the nice value belongs to a thread,
// so the event loop keeps its own): when the machine is busy, the kernel runs the event loop and
// every other request first, and hashing takes the cycles left over.
import { getPriority, setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/argon2';

const niceness = workerData?.niceness ?? 0;
if (niceness > 0 && process.platform === 'linux') {
  try {
    setPriority(Math.min(19, getPriority() + niceness));
  } catch {
    // Not allowed here (a sandbox without setpriority): hashing still works at normal priority.
  }
}

/**
 * One task: { op: 'hash', password, options } → PHC string; { op: 'verify', hash, password } →
 * boolean, false for an unreadable hash too. So a rejected task always means the pool failed
 * (a worker died), never a wrong password.
 */
export default function run(task) {
  if (task.op === 'hash') return hashSync(task.password, task.options);
  try {
    return verifySync(task.hash, task.password);
  } catch {
    return false;
  }
}
