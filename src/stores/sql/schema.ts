/** @module Kysely table types. Times are integer milliseconds; booleans are 0/1 (SQLite has no boolean). */
import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  email: string;
  email_key: string;
  username: string | null;
  username_key: string | null;
  password_hash: string;
  active: number;
  uniquifier: string;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
  email_confirmed_at: number | null;
}

export interface RolesTable {
  name: string;
  description: string;
}

export interface RolePermissionsTable {
  role_name: string;
  permission: string;
}

export interface UserRolesTable {
  user_id: string;
  role_name: string;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  uniquifier: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  fresh_at: number;
  grace_until: number;
  remember: number;
  ip: string;
  user_agent: string;
  fingerprint: string;
  /** Defaults (1, 'pwd', 0) for rows written before migration 0006 and by code that does not set them. */
  aal: Generated<number>;
  amr: Generated<string>;
  factor_at: Generated<number>;
}

export interface AuditEventsTable {
  id: string;
  at: number;
  event: string;
  user_id: string | null;
  actor_id: string | null;
  identity: string | null;
  ip: string;
  user_agent: string;
  reason: string | null;
  detail: string;
}

export interface TokenFamiliesTable {
  id: string;
  user_id: string;
  uniquifier: string;
  created_at: number;
  expires_at: number;
}

export interface RefreshTokensTable {
  token_hash: string;
  family_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  hint: string;
  uniquifier: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  last_used_ip: string | null;
}

export interface ResetTokensTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface UserIdentitiesTable {
  id: string;
  user_id: string;
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
  email_verified: number;
  created_at: number;
  last_used_at: number | null;
}

export interface MfaPasskeysTable {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  counter: number;
  transports: string;
  name: string;
  device_type: string;
  backed_up: number;
  created_at: number;
  last_used_at: number | null;
}

export interface MfaTotpTable {
  user_id: string;
  sealed_secret: string;
  created_at: number;
  confirmed_at: number | null;
  last_step: number;
}

export interface MfaRecoveryCodesTable {
  user_id: string;
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

export interface MfaTrustedDevicesTable {
  id: string;
  user_id: string;
  token_hash: string;
  uniquifier: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
  user_agent: string;
}

export interface OneTimeTokensTable {
  token_hash: string;
  purpose: string;
  user_id: string;
  binding: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface Database {
  user_identities: UserIdentitiesTable;
  mfa_totp: MfaTotpTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  mfa_passkeys: MfaPasskeysTable;
  mfa_trusted_devices: MfaTrustedDevicesTable;
  one_time_tokens: OneTimeTokensTable;
  reset_tokens: ResetTokensTable;
  token_families: TokenFamiliesTable;
  refresh_tokens: RefreshTokensTable;
  api_tokens: ApiTokensTable;
  audit_events: AuditEventsTable;
  users: UsersTable;
  roles: RolesTable;
  role_permissions: RolePermissionsTable;
  user_roles: UserRolesTable;
  sessions: SessionsTable;
}
