/** The development outbox: JSON lines in a file (directories created), read back newest first. */
import { mkdtemp, readFile, rm, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../core/clock.ts';
import { createOutboxMailer, readOutbox } from './index.ts';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'portcullis-outbox-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('createOutboxMailer / readOutbox', () => {
  it('creates missing directories and appends one JSON object a line', async () => {
    const path = join(directory, 'deep', 'er', 'outbox.jsonl');
    const clock = new FixedClock(Date.UTC(2030, 0, 2, 3, 4, 5));
    const mailer = createOutboxMailer(path, clock);
    await mailer.send({ to: 'a@example.test', subject: 'First', text: 'Link: https://x.test/r?token=a&b=c' });
    clock.advanceMs(1_000);
    await mailer.send({ to: 'b@example.test', subject: 'Second', text: 'plain', html: '<p>html</p>' });
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { at: '2030-01-02T03:04:05.000Z', to: 'a@example.test', subject: 'First', text: 'Link: https://x.test/r?token=a&b=c' },
      { at: '2030-01-02T03:04:06.000Z', to: 'b@example.test', subject: 'Second', text: 'plain', html: '<p>html</p>' },
    ]);
  });

  it('reads newest first, up to the limit, skipping torn or foreign lines', async () => {
    const path = join(directory, 'outbox.jsonl');
    const mailer = createOutboxMailer(path, new FixedClock());
    for (let index = 1; index <= 5; index += 1) {
      await mailer.send({ to: `u${index}@example.test`, subject: `Message ${index}`, text: `body ${index}` });
      if (index === 3) await appendFile(path, '{"torn": \nnot json\n[1,2]\n');
    }
    const newest = await readOutbox(path, 3);
    expect(newest.map((entry) => entry.subject)).toEqual(['Message 5', 'Message 4', 'Message 3']);
    expect((await readOutbox(path, 100)).map((entry) => entry.to)).toEqual([5, 4, 3, 2, 1].map((n) => `u${n}@example.test`));
  });

  it('an absent outbox reads as empty', async () => {
    await expect(readOutbox(join(directory, 'missing.jsonl'), 10)).resolves.toEqual([]);
  });

  it('concurrent sends all land, one line each', async () => {
    const path = join(directory, 'outbox.jsonl');
    const mailer = createOutboxMailer(path);
    await Promise.all(Array.from({ length: 50 }, (_, index) => mailer.send({ to: `c${index}@example.test`, subject: `s${index}`, text: 't'.repeat(500) })));
    const entries = await readOutbox(path, 1_000);
    expect(entries).toHaveLength(50);
    expect(new Set(entries.map((entry) => entry.to)).size).toBe(50);
  });

  it('refuses a header-injecting message', async () => {
    const mailer = createOutboxMailer(join(directory, 'outbox.jsonl'));
    await expect(mailer.send({ to: 'a@example.test\nBcc: b@example.test', subject: 's', text: 't' })).rejects.toThrow(TypeError);
  });
});
