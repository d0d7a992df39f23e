/** @module `npm start`: the reference server, configured by environment variables (API.md). */
import { ConfigError } from '../index.ts';
import { startServer } from './start.ts';

try {
  const server = await startServer(process.env);
  const { log } = server;
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  // One clear line naming the problem; no stack trace for configuration mistakes.
  const message = error instanceof ConfigError || (error instanceof Error && error.message.startsWith('Invalid configuration')) ? error.message : `Failed to start: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(message + '\n');
  process.exit(1);
}
