/**
 * @module What one bench run shares: a temporary work directory (SQLite files, logs), secrets,
 * and a PostgreSQL schema + Redis key prefix of its own, created on first use and removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { BenchConfig } from './config.ts';

export interface RunContext {
  readonly config: BenchConfig;
  readonly workDir: string;
  readonly secret: string;
  readonly redisPrefix: string;
  /** A fresh file path in the work directory. */
  freshPath(stem: string, extension: string): string;
  /** DATABASE_URL of this run's own PostgreSQL schema (created on first call). */
  postgresUrl(): Promise<string>;
  /** Another schema of its own (dropped at the end), e.g. one per table size in `scale`. */
  extraPostgresUrl(name: string): Promise<string>;
  dispose(): Promise<void>;
}

export function createRunContext(config: BenchConfig): RunContext {
  const workDir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
  const tag = randomBytes(4).toString('hex');
  const schema = `bench_${tag}`;
  const redisPrefix = `portcullis-bench-${tag}`;
  let counter = 0;
  let schemaUrl: Promise<string> | undefined;
  const extraSchemas: string[] = [];
  const urlFor = (name: string) => `${config.postgresUrl}${config.postgresUrl.includes('?') ? '&' : '?'}options=-c%20search_path%3D${name}`;

  async function withPg<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: config.postgresUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  return {
    config,
    workDir,
    secret: randomBytes(48).toString('base64'),
    redisPrefix,
    freshPath: (stem, extension) => join(workDir, `${stem}-${++counter}.${extension}`),
    postgresUrl() {
      schemaUrl ??= withPg((c) => c.query(`create schema ${schema}`)).then(() => {
        const separator = config.postgresUrl.includes('?') ? '&' : '?';
        return `${config.postgresUrl}${separator}options=-c%20search_path%3D${schema}`;
      });
      return schemaUrl;
    },
    async extraPostgresUrl(name) {
      const extra = `${schema}_${name.replace(/[^a-z0-9_]/gi, '_')}`;
      await withPg((c) => c.query(`create schema ${extra}`));
      extraSchemas.push(extra);
      return urlFor(extra);
    },
    async dispose() {
      for (const extra of extraSchemas) {
        await withPg((c) => c.query(`drop schema if exists ${extra} cascade`)).catch((error: unknown) => console.error(`could not drop schema ${extra}: ${String(error)}`));
      }
      if (schemaUrl) {
        await schemaUrl.catch(() => undefined);
        await withPg((c) => c.query(`drop schema if exists ${schema} cascade`)).catch((error: unknown) => console.error(`could not drop schema ${schema}: ${String(error)}`));
        const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
        try {
          await redis.connect();
          let cursor = '0';
          do {
            const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
            cursor = next;
            if (keys.length > 0) await redis.del(...keys);
          } while (cursor !== '0');
        } catch (error) {
          console.error(`could not clear Redis keys ${redisPrefix}*: ${String(error)}`);
        } finally {
          redis.disconnect();
        }
      }
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
