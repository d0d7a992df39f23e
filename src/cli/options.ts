/** @module Option parsers shared by the commands; a bad value is a usage error (exit 2). */
import { InvalidArgumentError } from 'commander';

export type Env = Readonly<Record<string, string | undefined>>;

/** For repeatable options: `--role a --role b` → `['a', 'b']`. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A whole number ≥ min (and ≤ 100,000), for `--limit`, `--offset`, `--processes`. */
export function parseCount(flag: string, min = 1): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < min || n > 100_000) throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to 100000`);
    return n;
  };
}
