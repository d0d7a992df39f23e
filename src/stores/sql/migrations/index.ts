/** @module The ordered migration set; names sort in order of application. */
import type { Migration, MigrationProvider } from 'kysely';
import { identityAndSessions } from './0001-identity-and-sessions.ts';
import { auditEvents } from './0002-audit-events.ts';
import { tokens } from './0003-tokens.ts';
import { passwordReset } from './0004-password-reset.ts';
import { verifiedIdentity } from './0005-verified-identity.ts';
import { multiFactor } from './0006-multi-factor.ts';
import { userIdentities } from './0007-user-identities.ts';
import { passkeys } from './0008-passkeys.ts';
import { trustedDevices } from './0009-trusted-devices.ts';

const MIGRATIONS: Record<string, Migration> = {
  '0001-identity-and-sessions': identityAndSessions,
  '0002-audit-events': auditEvents,
  '0003-tokens': tokens,
  '0004-password-reset': passwordReset,
  '0005-verified-identity': verifiedIdentity,
  '0006-multi-factor': multiFactor,
  '0007-user-identities': userIdentities,
  '0008-passkeys': passkeys,
  '0009-trusted-devices': trustedDevices,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
