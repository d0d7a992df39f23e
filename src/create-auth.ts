/**
 * @module The composition root: configuration + stores + features + flows → Auth. The only file
 * that sees everything; src/http and the adapters (Hono, Express, Fastify) serve HTTP on the Auth below.
 */
import { pino } from 'pino';
import { resolveClientAddress } from './core/client-ip.ts';
import { systemClock, } from './core/clock.ts';
import { parseConfig, type AuthConfig } from './core/config.ts';
import { cookieName, readCookie, serializeCookie } from './core/cookies.ts';
import { createRandomPool, createSecretToken } from './core/crypto/index.ts';
import { fanOut, type EventSink } from './core/events.ts';
import { truncateUserAgent, type ClientInfo } from './core/request-context.ts';
import type { ApiTokenRecord, TokenFamilyRecord, } from './core/stores.ts';
import { createMemoryCounterStore } from './stores/memory/counter-store.ts';
import { createInFlightLimit, rateLimitHeaders, } from './features/ratelimit/index.ts';
import { consumeRateLimit } from './flows/rate-limit.ts';
import { createAudit, type SecurityLogger } from './features/audit/index.ts';
import { createCsrfToken, isSameOriginRequest, verifyCsrfToken, } from './features/csrf/index.ts';
import { toPublicUser } from './features/identity/index.ts';
import { createPasswordHasher, createPasswordPolicy, hashPoolOptions, createPwnedPasswordsCheck, type PasswordHasher, } from './features/passwords/index.ts';
import { hasAllPermissions, hasAllRoles, hasAnyRole, isOwnerOrAdmin } from './features/rbac/index.ts';
import { findUser, grantRole, listUsers, revokeRole, revokeUserCredentials, revokeUserSessions, setUserActive, unlockUser, upsertRole } from './flows/administer-users.ts';
import { importUser } from './flows/import-user.ts';
import { MECHANISM_ORDER, authenticateBasic, authenticateSession } from './flows/authenticate.ts';
import { isPrincipalFresh } from './flows/freshness.ts';
import type { Kernel, KernelCaches, Mechanism, Principal, TokenSigning, UserState } from './flows/kernel.ts';
import { authenticateBearer, refreshTokenPair, revokeRefreshToken, signInForTokens, type TokenPair } from './flows/tokens.ts';
import { createApiToken, listApiTokens, revokeApiToken, type ApiTokenSummary } from './flows/api-tokens.ts';
import { createAccessTokenCodec, generateSigningKeyPem, importSigningKeys, type SigningKeySet, type AccessTokenCodec } from './features/tokens/index.ts';
import { createTtlCache } from './core/ttl-cache.ts';
import { createAuthMetrics, type AuthMetrics } from './features/metrics/index.ts';
import { announcing, applyInvalidations, } from './core/invalidation.ts';
import { listSessions, revokeOtherSessions, revokeSession, type SessionSummary } from './flows/manage-sessions.ts';
import { readSignInInput, signIn } from './flows/sign-in.ts';
import { signOut } from './flows/sign-out.ts';
import { checkNewPassword, createUser, readSignUpInput, signUp } from './flows/sign-up.ts';
import { changePassword } from './flows/change-password.ts';
import { RESET_REQUESTED_MESSAGE, requestPasswordReset, resetPassword } from './flows/password-reset.ts';
import { setNewPassword } from './flows/set-password.ts';
import { createBackgroundTasks } from './core/background.ts';
import { AuthError } from './core/errors.ts';
import type { MailMessage, } from './features/mail/index.ts';
import type { StartedSession } from './flows/start-session.ts';
import { readVerifyInput, verifyPassword } from './flows/verify.ts';
import { confirmEmail, resendConfirmation } from './flows/confirm-email.ts';
import { registerGenerically } from './flows/generic-sign-up.ts';
import { confirmEmailChange, requestEmailChange } from './flows/change-email.ts';
import { requestEmailSignIn, verifyEmailSignIn } from './flows/email-signin.ts';
import { createProviderClient, FLOW_COOKIE } from './features/oauth/index.ts';
import { completeSocialSignIn, startSocialSignIn, type SocialProviders } from './flows/social-sign-in.ts';
import { acceptFormPost } from './flows/social-form-post.ts';
import { listIdentities, unlinkIdentity } from './flows/social-identities.ts';
import { completeSecondFactor, pendingPasskeyOptions, pendingSecondFactorMethods } from './flows/finish-first-factor.ts';
import { confirmTotp, mfaStatus, regenerateRecoveryCodes, removeTotp, resetSecondFactors, setUpTotp } from './flows/mfa-enrolment.ts';
import { readSecondFactorInput } from './flows/second-factor-check.ts';
import { assuranceRequirement, stepUp, stepUpPasskeyOptions } from './flows/step-up.ts';
import { passkeyCreationOptions, registerPasskey, removePasskey, renamePasskey } from './flows/passkeys.ts';
import { passwordlessOptions, signInWithPasskey } from './flows/passkey-sign-in.ts';
import { listPasskeys } from './flows/mfa-enrolment.ts';
import { createDeviceMarkCodec, createPasskeyChallengeCodec, createPendingCodec, createSecretSealer, PASSKEY_CHALLENGE_TTL_MS, relyingPartyOf } from './features/mfa/index.ts';
import { forgetTrustedDevice, listTrustedDevices } from './flows/trusted-devices.ts';
import { readFlag } from './core/input.ts';

export type { Mechanism, Principal, StartedSession, SessionSummary, TokenPair, ApiTokenSummary };
export type { RegistrationPending } from './flows/sign-up.ts';
export type {
  Auth,
  AuthAccess,
  AuthAdmin,
  AuthEvents,
  AuthHttp,
  AuthIdentity,
  AuthMfa,
  AuthPasskeys,
  AuthPasswords,
  AuthSessions,
  AuthSocial,
  AuthTokens,
  AuthenticationMemo,
  CreateAuthOptions,
  CsrfRequest,
  DeviceSummary,
  FirstFactorOutcome,
  ImportUserInput,
  MfaStatus,
  PasskeySummary,
  PendingSecondFactor,
  RegisteredPasskeyResult,
  RememberedDevice,
  SecondFactorMethod,
  TotpSetup,
  PeerInfo,
  UserSummary,
} from './auth.ts';
import type { Auth, AuthenticationMemo, CreateAuthOptions } from './auth.ts';
export { RESET_REQUESTED_MESSAGE } from './flows/password-reset.ts';

/** The hasher with its work timed into the metrics (when they are on). */
function timedHasher(hasher: PasswordHasher, metrics: AuthMetrics | undefined): PasswordHasher {
  if (!metrics) return hasher;
  return {
    ...hasher,
    hashPassword: (password) => metrics.observeHash('hash', () => hasher.hashPassword(password)),
    verifyPassword: (hash, password) => metrics.observeHash('verify', () => hasher.verifyPassword(hash, password)),
    verifyAgainstDummy: (password) => metrics.observeHash('verify', () => hasher.verifyAgainstDummy(password)),
  };
}

/** Keys are imported (or, without configuration, generated) once, on first use. */
function createTokenSigning(pems: readonly string[] | undefined, claims: { issuer: string; audience: string }): TokenSigning {
  let keys: Promise<SigningKeySet> | undefined;
  let codec: Promise<AccessTokenCodec> | undefined;
  const loadKeys = () => (keys ??= pems && pems.length > 0 ? importSigningKeys(pems) : generateSigningKeyPem().then((pem) => importSigningKeys([pem])));
  return {
    keys: loadKeys,
    codec: () => (codec ??= loadKeys().then((set) => createAccessTokenCodec(set, claims))),
  };
}

const SESSION_COOKIE = 'portcullis_session';
const PRE_SESSION_COOKIE = 'portcullis_pre';
const PENDING_SIGN_IN_COOKIE = 'portcullis_mfa';
const DEVICE_MARK_COOKIE = 'portcullis_device';


function defaultSecurityLogger(environment: AuthConfig['environment']): SecurityLogger {
  return pino({ name: 'security', level: environment === 'test' ? 'silent' : 'info' });
}

export function createAuth(options: CreateAuthOptions): Auth {
  const {
    stores,
    counters: givenCounters,
    clock = systemClock,
    random: givenRandom,
    hasher: givenHasher,
    mailer,
    passwordValidators,
    transformLegacyPassword,
    tokenSigningKeys,
    invalidationBus,
    metrics: metricsEnabled,
    onEvent,
    securityLogger,
    oauthFetch,
    ...configOptions
  } = options;
  const config = parseConfig(configOptions);
  // What this Auth opens itself, it owns and releases on close(); what it was given stays the caller's.
  const ownRandom = givenRandom ? undefined : createRandomPool();
  const random = givenRandom ?? ownRandom!.random;
  const counters = givenCounters ?? createMemoryCounterStore();
  const logger = securityLogger ?? defaultSecurityLogger(config.environment);
  const reportSinkError = (error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'audit write failed');
  const trail = createAudit({ store: stores.audit, logger, clock, onError: reportSinkError, random, aggregation: { ipv6PrefixLength: config.ipv6PrefixLength } });
  const sinks: EventSink[] = [trail.sink];
  if (onEvent) sinks.push(...(Array.isArray(onEvent) ? onEvent : [onEvent as EventSink]));
  const emit = fanOut(sinks, reportSinkError);
  const cacheOptions = { ttlMs: config.tokens.stateCacheTtlMs, maxEntries: 50_000, clock };
  const localCaches = {
    users: createTtlCache<UserState>(cacheOptions),
    families: createTtlCache<TokenFamilyRecord>(cacheOptions),
    apiTokens: createTtlCache<ApiTokenRecord>(cacheOptions),
  };
  if (invalidationBus) applyInvalidations(invalidationBus, localCaches);
  const caches: KernelCaches = {
    users: announcing('users', localCaches.users, invalidationBus),
    families: announcing('families', localCaches.families, invalidationBus),
    apiTokens: announcing('apiTokens', localCaches.apiTokens, invalidationBus),
  };
  const signing = createTokenSigning(tokenSigningKeys, { issuer: config.tokens.issuer ?? config.publicOrigin, audience: config.tokens.audience ?? config.publicOrigin });
  const metrics = metricsEnabled
    ? createAuthMetrics({ countActiveSessions: () => stores.sessions.countActiveSessions(clock.nowMs(), config.session.idleTimeoutMs) })
    : undefined;
  if (metrics) sinks.push(metrics.sink);
  const ownHasher = givenHasher ? undefined : createPasswordHasher(config.password.argon2, hashPoolOptions(config.password.hashing));
  const hasher = timedHasher(givenHasher ?? ownHasher!, metrics);
  const { breachCheck } = config.password;
  const policy = createPasswordPolicy({
    normalization: config.password.normalization,
    minLength: config.password.minLength,
    maxLength: config.password.maxLength,
    minStrength: config.password.minStrength,
    extraValidators: [
      ...(breachCheck === 'off'
        ? []
        : [createPwnedPasswordsCheck({ url: config.password.breachCheckUrl, timeoutMs: config.password.breachCheckTimeoutMs, failClosed: breachCheck === 'fail-closed' })]),
      ...(passwordValidators ?? []),
    ],
  });
  const background = createBackgroundTasks((error) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'background task failed'));
  const sendMail = (message: MailMessage) =>
    background.run(async () => {
      if (!mailer) {
        logger.warn({ to: message.to, subject: message.subject }, 'no mailer configured: message dropped');
        return;
      }
      await mailer.send(message);
    });
  const checksInFlight = createInFlightLimit(config.lockout.clientChecksInFlight);
  const mfa = {
    pending: createPendingCodec(config.secretKey, config.mfa.pendingTtlMs, random),
    device: createDeviceMarkCodec(config.secretKey, random),
    sealer: createSecretSealer(config.secretKey, config.previousSecretKeys, random),
    budget: { attemptsPerSignIn: config.mfa.attemptsPerSignIn, attemptBudget: config.mfa.attemptBudget, pendingTtlMs: config.mfa.pendingTtlMs },
    // The RP ID and origin come from PUBLIC_URL alone, never from a request's Host or Origin.
    passkeys: {
      rp: relyingPartyOf(config.publicOrigin, config.mfa.issuer),
      challenges: createPasskeyChallengeCodec(config.secretKey, PASSKEY_CHALLENGE_TTL_MS, random),
      challengeTtlMs: PASSKEY_CHALLENGE_TTL_MS,
    },
  };
  const kernel: Kernel = { config, stores, counters, checksInFlight, clock, random, hasher, policy, transformLegacyPassword, sendMail, background: background.run, caches, signing, mfa, emit };
  const allowedOrigins = [config.publicOrigin, ...config.csrf.trustedOrigins];
  const csrfMechanisms = new Set<Mechanism>(config.csrf.mechanisms);
  const sessionCookieNameFor = (client: ClientInfo) => cookieName(SESSION_COOKIE, client.secure);
  const deviceCookieNameFor = (client: Pick<ClientInfo, 'secure'>) => cookieName(DEVICE_MARK_COOKIE, client.secure);
  const remembersDevices = config.mfa.rememberDeviceMs !== null;
  const cookieBase = (client: ClientInfo) => ({ httpOnly: true, secure: client.secure, sameSite: config.session.sameSite, path: '/' }) as const;

  async function authenticate(headers: Headers, client: ClientInfo, via: readonly Mechanism[], memo?: AuthenticationMemo): Promise<Principal | null> {
    for (const mechanism of MECHANISM_ORDER) {
      if (!via.includes(mechanism)) continue;
      if (mechanism === 'session') {
        const lookup = () => {
          const token = readCookie(headers.get('cookie'), sessionCookieNameFor(client));
          return token ? authenticateSession(kernel, token, client) : Promise.resolve(null);
        };
        if (memo && !memo.session) memo.session = lookup();
        const principal = await (memo?.session ?? lookup());
        if (principal) return principal;
      } else if (mechanism === 'token') {
        const principal = await authenticateBearer(kernel, headers.get('authorization'), client);
        if (principal) return principal;
      } else if (mechanism === 'basic') {
        const principal = await authenticateBasic(kernel, headers.get('authorization'), client);
        if (principal) return principal;
      }
    }
    return null;
  }

  /** A sign-in from a browser that held a session: that session ends once the new one exists. */
  async function endPreviousSession(previous: Principal | null | undefined, started: StartedSession): Promise<StartedSession> {
    if (previous?.session) await stores.sessions.deleteSession(previous.session.id);
    return started;
  }

  const social: SocialProviders = {
    clients: new Map(config.oauth.providers.map((provider) => [provider.name, createProviderClient(provider, oauthFetch)])),
    redirectUri: (name) => `${config.publicOrigin}${config.basePath}/oauth/${name}/callback`,
  };
  const providerButtons = Object.freeze(config.oauth.providers.map(({ name, label }) => Object.freeze({ name, label })));
  const flowCookieNameFor = (client: ClientInfo) => cookieName(FLOW_COOKIE, client.secure);
  // Lax: the provider sends the browser back with a top-level cross-site GET, which a Strict cookie does not ride.
  const flowCookieBase = (client: ClientInfo) => ({ httpOnly: true, secure: client.secure, sameSite: 'Lax', path: '/' }) as const;

  const flush = async () => {
    await background.flush();
    await trail.flush();
  };
  let closing: Promise<void> | undefined;

  return {
    config,
    http: {
      resolveClient(peer, headers) {
        const { ip, secure } = resolveClientAddress(peer.address, peer.secure, headers, config.trustProxy, config.trustProxyHeader);
        const client: ClientInfo = { ip, secure, userAgent: truncateUserAgent(headers.get('user-agent')) };
        // The remembered-device mark rides along only where a first factor may use it (MFA_REMEMBER_DEVICE on).
        const deviceMark = remembersDevices ? readCookie(headers.get('cookie'), deviceCookieNameFor(client)) : undefined;
        return deviceMark ? { ...client, deviceMark } : client;
      },
      authenticate,
      hasSessionCookie: (headers, client) => readCookie(headers.get('cookie'), sessionCookieNameFor(client)) !== undefined,
      sessionCookie(started, client) {
        const session = started.principal.session;
        const maxAgeSeconds = session?.remember ? (session.expiresAtMs - clock.nowMs()) / 1000 : undefined;
        return serializeCookie(sessionCookieNameFor(client), started.token, {
          ...cookieBase(client),
          ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}),
        });
      },
      clearSessionCookie: (client) => serializeCookie(sessionCookieNameFor(client), '', { ...cookieBase(client), maxAgeSeconds: 0 }),
      preSession(headers, client) {
        const name = cookieName(PRE_SESSION_COOKIE, client.secure);
        const existing = readCookie(headers.get('cookie'), name);
        if (existing && /^[\w-]{43}$/.test(existing)) return { id: existing, setCookie: null };
        const id = createSecretToken(random);
        return { id, setCookie: serializeCookie(name, id, cookieBase(client)) };
      },
      csrfToken: (binding) => createCsrfToken(config.secretKey, binding),
      checkCsrf({ headers, path, token, principal, client, originOnly }) {
        let reason: 'origin' | 'token' | undefined;
        if (!isSameOriginRequest(headers, allowedOrigins)) reason = 'origin';
        else if (originOnly) reason = undefined;
        else if (principal?.session) {
          if (!verifyCsrfToken(config.secretKey, { kind: 'session', sessionId: principal.session.id }, token)) reason = 'token';
        } else {
          const pre = readCookie(headers.get('cookie'), cookieName(PRE_SESSION_COOKIE, client.secure));
          if (!pre || !verifyCsrfToken(config.secretKey, { kind: 'pre-session', id: pre }, token)) reason = 'token';
        }
        if (reason === undefined) return true;
        const userId = principal?.user.id;
        emit({ type: 'csrf.failed', path: path.slice(0, 200), reason, ...(userId ? { userId } : {}), ip: client.ip, userAgent: client.userAgent, atMs: clock.nowMs() });
        return false;
      },
      needsCsrf: (via) => csrfMechanisms.has(via),
      xsrfCookie: (token, client) =>
        config.csrf.xsrfCookie ? serializeCookie('XSRF-TOKEN', token, { httpOnly: false, secure: client.secure, sameSite: 'Strict', path: '/' }) : null,
      pendingSignInCookie: (pending, client) =>
        serializeCookie(cookieName(PENDING_SIGN_IN_COOKIE, client.secure), pending.token, {
          ...cookieBase(client),
          maxAgeSeconds: Math.max(1, Math.floor((pending.expiresAtMs - clock.nowMs()) / 1000)),
        }),
      clearPendingSignInCookie: (client) => serializeCookie(cookieName(PENDING_SIGN_IN_COOKIE, client.secure), '', { ...cookieBase(client), maxAgeSeconds: 0 }),
      readPendingSignIn: (headers, client) => readCookie(headers.get('cookie'), cookieName(PENDING_SIGN_IN_COOKIE, client.secure)),
      deviceMarkCookie: (device, client) =>
        serializeCookie(deviceCookieNameFor(client), device.token, {
          ...cookieBase(client),
          maxAgeSeconds: Math.max(1, Math.floor((device.expiresAtMs - clock.nowMs()) / 1000)),
        }),
      clearDeviceMarkCookie: (client) => serializeCookie(deviceCookieNameFor(client), '', { ...cookieBase(client), maxAgeSeconds: 0 }),
      clearXsrfCookie: () => (config.csrf.xsrfCookie ? 'XSRF-TOKEN=; Path=/; Max-Age=0; SameSite=Strict' : null),
      async rateLimit(route, rule, client) {
        const decision = await consumeRateLimit(kernel, route, rule, client);
        return { decision, headers: rateLimitHeaders(decision, rule) };
      },
    },
    sessions: {
      register: async (body, client, previous) => {
        const input = readSignUpInput(body, kernel);
        const outcome = config.identity.genericResponses ? await registerGenerically(kernel, input, client) : await signUp(kernel, input, client);
        return 'pending' in outcome ? outcome : endPreviousSession(previous, outcome);
      },
      login: async (body, client, previous) => {
        const outcome = await signIn(kernel, readSignInInput(body, kernel), client);
        if (outcome.kind !== 'session') throw new AuthError('MFA_REQUIRED');
        return endPreviousSession(previous, outcome.started);
      },
      signIn: async (body, client, previous) => {
        const outcome = await signIn(kernel, readSignInInput(body, kernel), client);
        if (outcome.kind === 'session') await endPreviousSession(previous, outcome.started);
        return outcome;
      },
      logout: (principal, client) => signOut(kernel, principal, client),
      verify: (principal, body, client) =>
        (body.code !== undefined || body.method === 'passkey') && body.password === undefined
          ? stepUp(kernel, principal, readSecondFactorInput(body), client)
          : verifyPassword(kernel, principal, readVerifyInput(body, kernel).password, client),
      isFresh: (principal, rule) =>
        isPrincipalFresh(kernel, principal, {
          withinMs: rule?.withinMs ?? config.freshnessMs,
          graceMs: rule?.graceMs ?? config.freshnessGraceMs,
          ...(rule?.level ? { level: rule.level } : {}),
        }),
      list: (principal) => listSessions(kernel, principal),
      devices: (principal, client) => listTrustedDevices(kernel, principal, client),
      forgetDevice: (principal, id, client) => forgetTrustedDevice(kernel, principal, id, client),
      revoke: (principal, id, client) => revokeSession(kernel, principal, id, client),
      revokeOthers: (principal, client) => revokeOtherSessions(kernel, principal, client),
    },
    access: {
      hasAllRoles: (p, roles) => hasAllRoles(p.authorization, roles),
      hasAnyRole: (p, roles) => hasAnyRole(p.authorization, roles),
      hasAllPermissions: (p, permissions) => hasAllPermissions(p.authorization, permissions),
      isOwnerOrAdmin: (p, ownerId) => isOwnerOrAdmin(p.user.id, p.authorization, ownerId),
      publicUser: (p) => toPublicUser(p.user, p.authorization),
    },
    passwords: {
      change: (principal, body, client) => changePassword(kernel, principal, body, client),
      requestReset: (body, client) => {
        requestPasswordReset(kernel, body, client, background.run);
        return { message: RESET_REQUESTED_MESSAGE };
      },
      reset: (body, client) => resetPassword(kernel, body, client),
    },
    identity: {
      async confirm(body, client, previous) {
        const { user, started } = await confirmEmail(kernel, body, client);
        if (started) await endPreviousSession(previous, started);
        return { user: toPublicUser(user, started?.principal.authorization ?? (await stores.roles.authorizationOfUser(user.id))), started };
      },
      resendConfirmation: (body, client) => resendConfirmation(kernel, body, client),
      showsConfirmationBanner: (principal) => config.identity.confirmation === 'optional' && principal.user.emailConfirmedAtMs === null,
      requestEmailChange: (principal, body, client) => requestEmailChange(kernel, principal, body, client),
      async confirmEmailChange(body, client) {
        const user = await confirmEmailChange(kernel, body, client);
        return toPublicUser(user, await stores.roles.authorizationOfUser(user.id));
      },
      requestEmailSignIn: (body, client, preSessionId) => requestEmailSignIn(kernel, body, client, preSessionId),
      async verifyEmailSignIn(body, client, preSessionId, previous) {
        const outcome = await verifyEmailSignIn(kernel, body, client, preSessionId);
        if (outcome.kind === 'session') await endPreviousSession(previous, outcome.started);
        return outcome;
      },
    },
    tokens: {
      issue: (body, client) => signInForTokens(kernel, body, client),
      refresh: (body, client) => refreshTokenPair(kernel, body, client),
      revokeRefresh: (body, client) => revokeRefreshToken(kernel, body, client),
      jwks: async () => (await signing.keys()).jwks,
      createApiToken: (principal, body, client) => createApiToken(kernel, principal, body, client),
      listApiTokens: (principal) => listApiTokens(kernel, principal),
      revokeApiToken: (principal, id, client) => revokeApiToken(kernel, principal, id, client),
    },
    admin: {
      listUsers: (query) => listUsers(kernel, query),
      findUser: (query) => findUser(kernel, query),
      listRoles: () => stores.roles.listRoles(),
      upsertRole: (actor, role, client) => upsertRole(kernel, actor, role, client),
      grantRole: (actor, userId, role, client) => grantRole(kernel, actor, userId, role, client),
      revokeRole: (actor, userId, role, client) => revokeRole(kernel, actor, userId, role, client),
      setUserActive: (actor, userId, active, client) => setUserActive(kernel, actor, userId, active, client),
      unlockUser: (actor, userId, client) => unlockUser(kernel, actor, userId, client),
      revokeUserCredentials: (actor, userId, client) => revokeUserCredentials(kernel, actor, userId, client),
      revokeUserSessions: (actor, userId, client) => revokeUserSessions(kernel, actor, userId, client),
      createUser: async (input, client) => {
        // An operator's account: its address counts as confirmed.
        const user = await createUser(kernel, readSignUpInput({ email: input.email, username: input.username ?? undefined, password: input.password }, kernel), client, { confirmed: true });
        return toPublicUser(user, await stores.roles.authorizationOfUser(user.id));
      },
      importUser: async (input, client) => {
        const { user, format } = await importUser(kernel, input, client);
        return { user: toPublicUser(user, await stores.roles.authorizationOfUser(user.id)), format };
      },
      setPassword: async (userId, password, client) => {
        const user = await stores.users.findUserById(userId);
        if (!user) throw new AuthError('NOT_FOUND');
        await checkNewPassword(kernel, password, { email: user.email, username: user.username }, 'password');
        await setNewPassword(kernel, user, password, 'admin', client);
      },
      resetSecondFactors: (actor, userId, client) => resetSecondFactors(kernel, actor, userId, client),
      listAudit: async (query) => {
        await trail.flush();
        return stores.audit.listAuditRecords(query);
      },
    },
    social: {
      providers: () => providerButtons,
      start: (name, next, client) => startSocialSignIn(kernel, social, name, { next, link: null }, client),
      startLink: (principal, name, next, client) => {
        if (!principal.session) throw new AuthError('UNAUTHENTICATED');
        return startSocialSignIn(kernel, social, name, { next, link: { userId: principal.user.id, sessionId: principal.session.id } }, client);
      },
      async callback(name, answer, flowCookie, client, previous) {
        const result = await completeSocialSignIn(kernel, social, name, answer, flowCookie, client);
        if (result.kind === 'signed-in') await endPreviousSession(previous, result.started);
        return result;
      },
      acceptFormPost: (name, fields, client) => acceptFormPost(kernel, social, name, fields, client),
      identities: (principal) => listIdentities(kernel, principal),
      unlink: (principal, id, client) => unlinkIdentity(kernel, principal, id, client),
      flowCookie: (started, client) => serializeCookie(flowCookieNameFor(client), started.flowCookie, { ...flowCookieBase(client), maxAgeSeconds: started.maxAgeSeconds }),
      readFlowCookie: (headers, client) => readCookie(headers.get('cookie'), flowCookieNameFor(client)),
      clearFlowCookie: (client) => serializeCookie(flowCookieNameFor(client), '', { ...flowCookieBase(client), maxAgeSeconds: 0 }),
    },
    mfa: {
      status: (principal) => mfaStatus(kernel, principal),
      setUpTotp: (principal) => setUpTotp(kernel, principal),
      confirmTotp: (principal, body, client) => confirmTotp(kernel, principal, body, client),
      removeTotp: (principal, client) => removeTotp(kernel, principal, client),
      regenerateRecoveryCodes: (principal, client) => regenerateRecoveryCodes(kernel, principal, client),
      pendingMethods: (token) => pendingSecondFactorMethods(kernel, token),
      requirement: (principal) => assuranceRequirement(kernel, principal),
      completeSignIn: async (token, body, client, previous) => {
        const input = readSecondFactorInput(body);
        const started = await completeSecondFactor(kernel, token, input, client, { rememberDevice: remembersDevices && readFlag(body.remember_device) });
        await endPreviousSession(previous, started);
        return started;
      },
    },
    passkeys: {
      available: () => kernel.mfa.passkeys.rp !== undefined,
      creationOptions: (principal) => passkeyCreationOptions(kernel, principal),
      register: (principal, body, client) => registerPasskey(kernel, principal, body, client),
      list: (principal) => listPasskeys(kernel, principal),
      rename: (principal, id, body, client) => renamePasskey(kernel, principal, id, body, client),
      remove: (principal, id, client) => removePasskey(kernel, principal, id, client),
      secondFactorOptions: (token) => pendingPasskeyOptions(kernel, token),
      stepUpOptions: (principal) => stepUpPasskeyOptions(kernel, principal),
      signInOptions: (preSessionId) => passwordlessOptions(kernel, preSessionId),
      async signIn(body, client, preSessionId, previous) {
        const outcome = await signInWithPasskey(kernel, body, client, preSessionId);
        if (outcome.kind === 'session') await endPreviousSession(previous, outcome.started);
        return outcome;
      },
    },
    events: {
      on(sink) {
        sinks.push(sink);
        return () => {
          const at = sinks.indexOf(sink);
          if (at >= 0) sinks.splice(at, 1);
        };
      },
    },
    ping: () => stores.ping(),
    renderMetrics: () => metrics?.render(),
    flush,
    close: () =>
      (closing ??= (async () => {
        await flush();
        ownRandom?.wipe();
        await Promise.all([ownHasher?.close(), givenCounters ? undefined : counters.close()]);
      })()),
  };
}
