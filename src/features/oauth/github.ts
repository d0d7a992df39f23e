/**
 * @module GitHub is OAuth 2.0 without ID tokens: who signed in comes from its API with the access
 * token — `/user` for the stable numeric id (the subject), `/user/emails` for an address GitHub
 * has verified (the primary one first). A login name can change hands; the id never does.
 */
import { OAUTH_PRESETS } from '../../core/oauth-presets.ts';
import { readProviderEmail, type ProviderProfile } from './profile.ts';

interface GitHubEmail {
  readonly email?: unknown;
  readonly verified?: unknown;
  readonly primary?: unknown;
}

/** The primary verified address, else any verified one, else the primary (unverified), else none. */
export function chooseGitHubEmail(emails: readonly GitHubEmail[]): { email: string | null; verified: boolean } {
  const usable = emails.filter((entry) => readProviderEmail(entry.email) !== null);
  const pick =
    usable.find((entry) => entry.primary === true && entry.verified === true) ??
    usable.find((entry) => entry.verified === true) ??
    usable.find((entry) => entry.primary === true);
  if (!pick) return { email: null, verified: false };
  return { email: readProviderEmail(pick.email), verified: pick.verified === true };
}

async function getJson(url: string, accessToken: string, fetchImpl: (url: string, init: RequestInit) => Promise<Response>): Promise<unknown> {
  const response = await fetchImpl(url, {
    headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/vnd.github+json', 'User-Agent': 'portcullis' },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`GitHub API answered ${response.status}`);
  return response.json();
}

export async function readGitHubProfile(
  accessToken: string,
  issuer: string,
  fetchImpl: (url: string, init: RequestInit) => Promise<Response>,
): Promise<ProviderProfile> {
  const { user, emails } = OAUTH_PRESETS.github.endpoints;
  const [account, list] = await Promise.all([getJson(user, accessToken, fetchImpl), getJson(emails, accessToken, fetchImpl)]);
  const id = (account as { id?: unknown } | null)?.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw new Error('GitHub user without a numeric id');
  const chosen = chooseGitHubEmail(Array.isArray(list) ? (list as GitHubEmail[]) : []);
  return { issuer, subject: String(id), email: chosen.email, emailVerified: chosen.email !== null && chosen.verified };
}
