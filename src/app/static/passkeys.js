// Passkeys in the reference app's pages (docs/mfa.md): the plain WebAuthn API, with the base64url
// conversion between the server's JSON (the shape @simplewebauthn/server speaks) and the browser's
// ArrayBuffers written out here — a static script (CSP: script-src 'self'), no inline code, no
// dependency. Every page works without it; the passkey buttons are hidden until it runs.
//
// Elements it drives (data attributes set by the pages):
//   [data-passkey-register]       form with `name`: create a passkey (POST /auth/passkeys/register/options, …/register)
//   [data-passkey-rename]         form with `name`: PATCH /auth/passkeys/:id
//   [data-passkey-delete]         button: DELETE /auth/passkeys/:id (asks to re-authenticate when the server says so)
//   [data-passkey-second-factor]  button: the second step with a passkey (POST /auth/mfa/passkey/options, /auth/mfa/verify)
//   [data-passkey-step-up]        button: re-authenticate with a passkey (POST /auth/mfa/passkey/options, /auth/verify)
//   [data-passkey-login]          button: passwordless sign-in (POST /auth/passkeys/login/options, /auth/passkeys/login);
//                                 on the same page, an input with autocomplete="… webauthn" gets conditional UI
//   [data-passkey-error]          where a failure is told (role="alert")

const toBase64url = (buffer) => {
  const bytes = new Uint8Array(buffer);
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

const fromBase64url = (text) => {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
};

const descriptors = (list) => (list ?? []).map((d) => ({ ...d, id: fromBase64url(d.id) }));

/** Server creation options (JSON) → what navigator.credentials.create takes. */
const creationOptions = (json) => ({
  ...json,
  challenge: fromBase64url(json.challenge),
  user: { ...json.user, id: fromBase64url(json.user.id) },
  excludeCredentials: descriptors(json.excludeCredentials),
});

/** Server request options (JSON) → what navigator.credentials.get takes. */
const requestOptions = (json) => ({ ...json, challenge: fromBase64url(json.challenge), allowCredentials: descriptors(json.allowCredentials) });

const attachment = (credential) => credential.authenticatorAttachment ?? undefined;

/** A new credential → RegistrationResponseJSON. */
function registrationJson(credential) {
  const r = credential.response;
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: attachment(credential),
    clientExtensionResults: credential.getClientExtensionResults(),
    response: {
      clientDataJSON: toBase64url(r.clientDataJSON),
      attestationObject: toBase64url(r.attestationObject),
      transports: typeof r.getTransports === 'function' ? r.getTransports() : [],
    },
  };
}

/** An assertion → AuthenticationResponseJSON. */
function authenticationJson(credential) {
  const r = credential.response;
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: attachment(credential),
    clientExtensionResults: credential.getClientExtensionResults(),
    response: {
      clientDataJSON: toBase64url(r.clientDataJSON),
      authenticatorData: toBase64url(r.authenticatorData),
      signature: toBase64url(r.signature),
      userHandle: r.userHandle ? toBase64url(r.userHandle) : undefined,
    },
  };
}

/** The page's CSRF token (every page has one in a form). */
const csrfToken = () => document.querySelector('input[name="csrf_token"]')?.value ?? '';

/** JSON to the server with the session's CSRF token; resolves to { status, body }. */
async function send(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = {};
  }
  return { status: res.status, body: json };
}

function tell(message) {
  const box = document.querySelector('[data-passkey-error]');
  if (!box) return;
  box.textContent = message;
  box.hidden = message === '';
}

/** A refusal as a sentence: the server's own message, or what the browser said. */
function failure(error) {
  if (error && error.name === 'NotAllowedError') return 'The passkey request was cancelled or timed out.';
  if (error && error.name === 'InvalidStateError') return 'This device already holds a passkey for your account.';
  return (error && error.message) || 'Something went wrong with the passkey. Try again.';
}

/** A JSON answer that is not 2xx: re-authentication sends the browser to /verify; anything else is told. */
function refused(answer, here) {
  if (answer.body.code === 'REAUTH_REQUIRED') {
    window.location.assign(`/verify?next=${encodeURIComponent(here)}`);
    return new Error('');
  }
  return new Error(answer.body.error || `The server answered ${answer.status}.`);
}

/**
 * Where to go after a sign-in: a same-origin path, resolved the way the browser will resolve it (its
 * URL parser drops tabs and newlines: "/\t/evil.example" is "//evil.example"). Anything else: `fallback`.
 */
function safeNext(value, fallback) {
  if (typeof value !== 'string' || !value.startsWith('/') || /[\s\\]/.test(value)) return fallback;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) < 0x20 || value.charCodeAt(i) === 0x7f) return fallback;
  try {
    const url = new URL(value, window.location.origin);
    if (url.origin !== window.location.origin || url.pathname.startsWith('//')) return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}
const here = () => window.location.pathname + window.location.search;
/** Only the next the server judged and rendered (`data-next`); never the address bar's raw `?next=`. */
const nextOf = (element) => safeNext(element.dataset.next, '/');

function onClick(selector, run) {
  for (const element of document.querySelectorAll(selector)) {
    element.hidden = false;
    element.addEventListener('click', async (event) => {
      event.preventDefault();
      tell('');
      element.disabled = true;
      try {
        await run(element);
      } catch (error) {
        if (error?.message !== '') tell(failure(error));
      } finally {
        element.disabled = false;
      }
    });
  }
}

function onSubmit(selector, run) {
  for (const form of document.querySelectorAll(selector)) {
    form.hidden = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      tell('');
      const button = form.querySelector('button[type="submit"]');
      if (button) button.disabled = true;
      try {
        await run(form);
      } catch (error) {
        if (error?.message !== '') tell(failure(error));
      } finally {
        if (button) button.disabled = false;
      }
    });
  }
}

/** Shows recovery codes handed out with a first factor (shown this once). */
function showRecoveryCodes(codes) {
  const box = document.querySelector('[data-passkey-recovery-codes]');
  if (!box || !Array.isArray(codes)) return false;
  const list = box.querySelector('ol') ?? box.appendChild(document.createElement('ol'));
  list.replaceChildren(
    ...codes.map((code) => {
      const item = document.createElement('li');
      const text = document.createElement('code');
      text.textContent = code;
      item.append(text);
      return item;
    }),
  );
  box.hidden = false;
  return true;
}

const supported = typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;

if (supported) {
  onSubmit('[data-passkey-register]', async (form) => {
    const name = form.querySelector('input[name="name"]')?.value ?? '';
    const options = await send('POST', '/auth/passkeys/register/options', {});
    if (options.status !== 200) throw refused(options, here());
    const credential = await navigator.credentials.create({ publicKey: creationOptions(options.body) });
    const answer = await send('POST', '/auth/passkeys/register', { name, response: registrationJson(credential) });
    if (answer.status !== 201) throw refused(answer, here());
    // The first factor comes with recovery codes, shown here once; otherwise the list is reloaded.
    if (!showRecoveryCodes(answer.body.recovery_codes)) window.location.assign(`${window.location.pathname}?passkey=added`);
  });

  onSubmit('[data-passkey-rename]', async (form) => {
    const name = form.querySelector('input[name="name"]')?.value ?? '';
    const answer = await send('PATCH', `/auth/passkeys/${encodeURIComponent(form.dataset.passkeyRename)}`, { name });
    if (answer.status !== 200) throw refused(answer, here());
    window.location.assign(`${window.location.pathname}?passkey=renamed`);
  });

  onClick('[data-passkey-delete]', async (button) => {
    const answer = await send('DELETE', `/auth/passkeys/${encodeURIComponent(button.dataset.passkeyDelete)}`);
    if (answer.status !== 204) throw refused(answer, here());
    window.location.assign(`${window.location.pathname}?passkey=removed`);
  });

  onClick('[data-passkey-second-factor]', async (button) => {
    const options = await send('POST', '/auth/mfa/passkey/options', {});
    if (options.status !== 200) throw refused(options, here());
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options.body) });
    const remember = document.querySelector('input[name="remember_device"]')?.checked === true;
    const answer = await send('POST', '/auth/mfa/verify', { method: 'passkey', response: authenticationJson(credential), remember_device: remember });
    if (answer.status !== 200) throw refused(answer, here());
    window.location.assign(nextOf(button));
  });

  onClick('[data-passkey-step-up]', async (button) => {
    const options = await send('POST', '/auth/mfa/passkey/options', {});
    if (options.status !== 200) throw refused(options, here());
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options.body) });
    const answer = await send('POST', '/auth/verify', { method: 'passkey', response: authenticationJson(credential) });
    if (answer.status !== 200) throw refused(answer, here());
    window.location.assign(nextOf(button));
  });

  /** Passwordless: the options, the assertion (modal or conditional), the sign-in. */
  const signInWithPasskey = async (element, mediation, signal) => {
    const options = await send('POST', '/auth/passkeys/login/options', {});
    if (options.status !== 200) throw refused(options, here());
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options.body), ...(mediation ? { mediation } : {}), ...(signal ? { signal } : {}) });
    if (!credential) return;
    const answer = await send('POST', '/auth/passkeys/login', { response: authenticationJson(credential), next: nextOf(element) });
    if (answer.status !== 200) throw refused(answer, here());
    // A second factor may still be due (an account whose passkey is its first factor only).
    window.location.assign(answer.body.mfa_required ? `/login/second-factor?next=${encodeURIComponent(nextOf(element))}` : nextOf(element));
  };

  let conditional;
  const loginButtons = document.querySelectorAll('[data-passkey-login]');
  onClick('[data-passkey-login]', async (button) => {
    // The button's modal request replaces the pending conditional one.
    conditional?.abort();
    await signInWithPasskey(button, undefined, undefined);
  });

  const autofill = document.querySelector('input[autocomplete~="webauthn"]');
  if (autofill && loginButtons.length > 0 && typeof PublicKeyCredential.isConditionalMediationAvailable === 'function') {
    PublicKeyCredential.isConditionalMediationAvailable().then((available) => {
      if (!available) return;
      conditional = new AbortController();
      signInWithPasskey(loginButtons[0], 'conditional', conditional.signal).catch((error) => {
        if (error?.name !== 'AbortError' && error?.message !== '') tell(failure(error));
      });
    });
  }
}
