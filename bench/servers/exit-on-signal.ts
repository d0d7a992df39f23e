/** @module Bench servers exit cleanly on SIGTERM/SIGINT, so that `--cpu-prof` profiles get written. */
export function exitOnSignal(cleanup?: () => Promise<unknown> | unknown): void {
  const exit = () => {
    const timer = setTimeout(() => process.exit(0), 2_000);
    Promise.resolve(cleanup?.())
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        process.exit(0);
      });
  };
  process.once('SIGTERM', exit);
  process.once('SIGINT', exit);
}

export function listenPort(): number {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('PORT must be set');
  return port;
}

export const HOST = process.env.HOST ?? '127.0.0.1';
