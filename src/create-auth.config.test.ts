/** createAuth refuses bad options through the one schema, before it touches a store (the issue's own examples). */
import { describe, expect, it } from 'vitest';
import { ConfigError } from './core/config.ts';
import type { Stores } from './core/stores.ts';
import { createAuth } from './create-auth.ts';

const SECRET = 'q3N0c2VjcmV0LWZvci10ZXN0cy1vbmx5LTlKd1pYeEZ2bVR6aDhAIVJrYmRnTHU2';
/** Never reached: configuration is judged first. */
const stores = {} as Stores;

describe('createAuth options', () => {
  it.each([
    [{ rateLimits: { login: { count: -5 } } }, 'rateLimits.login.count (AUTH_RATE_LIMIT_LOGIN) must be a whole number from 1 to 1000000000 (got -5)'],
    [{ lockout: { threshold: 0 } }, 'lockout.threshold (AUTH_LOCKOUT_THRESHOLD) must be a whole number from 1 to 1000000 (got 0)'],
    [{ bodyLimitBytes: -1 }, 'bodyLimitBytes must be a whole number of bytes from 1024 (1 KiB) to 104857600 (100 MiB) (got -1)'],
  ])('refuses %j with one line naming the option (and its variable)', (options, detail) => {
    expect(() => createAuth({ stores, secretKey: SECRET, ...options })).toThrow(ConfigError);
    expect(() => createAuth({ stores, secretKey: SECRET, ...options })).toThrow(`Invalid configuration: ${detail}`);
  });
});
