/** @module Social sign-in on the pages: provider buttons (login, register) and the account page's linked accounts. */
import { PostButton, UtcTime } from './parts.tsx';

export type ProviderButton = { readonly name: string; readonly label: string };

/** A linked provider account as the account page lists it. */
export type IdentityView = { id: string; provider: string; email: string | null; created: string; lastUsed: string | null };

/** "Continue with …" links: a plain GET starts the sign-in (nothing secret in the page, nothing to forge). */
export function SocialButtons(props: { providers: readonly ProviderButton[]; next: string | null }) {
  if (props.providers.length === 0) return null;
  const query = props.next ? `?next=${encodeURIComponent(props.next)}` : '';
  return (
    <div class="social-signin">
      <p class="divider">
        <span>or</span>
      </p>
      <ul class="social-buttons" role="list">
        {props.providers.map((provider) => (
          <li>
            <a class="btn btn-secondary btn-block" href={`/auth/oauth/${provider.name}${query}`}>
              Continue with {provider.label}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function LinkedAccounts(props: { identities: readonly IdentityView[]; providers: readonly ProviderButton[]; csrfToken: string }) {
  if (props.providers.length === 0 && props.identities.length === 0) return null;
  const labelOf = (name: string) => props.providers.find((provider) => provider.name === name)?.label ?? name;
  return (
    <section class="card" aria-labelledby="linked-heading">
      <div class="section-header">
        <div>
          <h2 id="linked-heading">Linked accounts</h2>
          <p class="muted">Other ways to sign in. Linking one needs a recent login; the last way in cannot be removed.</p>
        </div>
      </div>
      {props.identities.length === 0 ? (
        <p class="empty">No linked accounts.</p>
      ) : (
        <ul class="linked-accounts" role="list">
          {props.identities.map((identity) => (
            <li class="linked-account">
              <span>
                <strong>{labelOf(identity.provider)}</strong>
                {identity.email ? <span class="muted"> · {identity.email}</span> : null}
                <span class="muted">
                  {' '}
                  · linked <UtcTime iso={identity.created} />
                </span>
              </span>
              <PostButton
                action={`/auth/identities/${encodeURIComponent(identity.id)}/unlink`}
                csrfToken={props.csrfToken}
                label="Unlink"
                variant="danger"
                size="small"
                ariaLabel={`Unlink ${labelOf(identity.provider)}`}
              />
            </li>
          ))}
        </ul>
      )}
      {props.providers.length > 0 ? (
        <div class="button-row">
          {props.providers.map((provider) => (
            <PostButton action={`/auth/identities/${provider.name}/link`} csrfToken={props.csrfToken} label={`Link ${provider.label}`} next="/account" />
          ))}
        </div>
      ) : null}
    </section>
  );
}
