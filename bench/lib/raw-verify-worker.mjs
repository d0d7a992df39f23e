// One thread of the bench's raw argon2id rate (raw-argon2.ts): @node-rs/argon2's synchronous
// verify in a loop for the seconds it is asked, then the count of those finished in time (as
// raw-argon2.ts counts the others). No Portcullis code runs here.
// Plain JavaScript so the thread starts with Node's own loader (no tsx in worker threads).
import { parentPort } from 'node:worker_threads';
import { verifySync } from '@node-rs/argon2';

parentPort.on('message', ({ seconds, hash, password }) => {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  while (performance.now() < until) {
    if (!verifySync(hash, password)) throw new Error('a verification of the right password failed');
    if (performance.now() <= until) done++;
  }
  parentPort.postMessage(done);
});
