/**
 * @module The development outbox: messages appended to a JSON-lines file instead of sent,
 * so a newcomer can finish a password reset with no mail server (the app lists them at
 * /dev/mail). One `appendFile` per message: small appends to a local file do not interleave,
 * so concurrent sends need no lock.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { systemClock, type Clock } from '../../core/clock.ts';
import { assertMailMessage, type Mailer } from './message.ts';

export interface OutboxEntry {
  /** ISO 8601 time the message was "sent". */
  readonly at: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

export function createOutboxMailer(path: string, clock: Clock = systemClock): Mailer {
  if (typeof path !== 'string' || path === '') throw new TypeError('outbox path must be a file path');
  let directoryReady: Promise<unknown> | undefined;
  return {
    async send(message) {
      assertMailMessage(message);
      directoryReady ??= mkdir(dirname(path), { recursive: true });
      await directoryReady;
      const entry: OutboxEntry = {
        at: new Date(clock.nowMs()).toISOString(),
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
      };
      await appendFile(path, `${JSON.stringify(entry)}\n`, 'utf8');
    },
  };
}

/** The newest `limit` messages, newest first; an absent outbox is empty; torn lines are skipped. */
export async function readOutbox(path: string, limit = 50): Promise<OutboxEntry[]> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: OutboxEntry[] = [];
  const lines = content.split('\n');
  for (let index = lines.length - 1; index >= 0 && entries.length < limit; index -= 1) {
    const entry = parseEntry(lines[index] ?? '');
    if (entry) entries.push(entry);
  }
  return entries;
}

function parseEntry(line: string): OutboxEntry | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null) return undefined;
    const { at, to, subject, text, html } = value as Record<string, unknown>;
    if (typeof at !== 'string' || typeof to !== 'string' || typeof subject !== 'string' || typeof text !== 'string') return undefined;
    return { at, to, subject, text, ...(typeof html === 'string' ? { html } : {}) };
  } catch {
    return undefined;
  }
}
