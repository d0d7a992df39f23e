/** @module Social sign-in: provider clients (OIDC discovery, GitHub), verified profiles, the signed flow cookie. */
export { createProviderClient, ProviderRefusal, type AuthorizationRequest, type CodeExchange, type ProviderClient, type ProviderFetch, type ProviderRefusalReason } from './provider-client.ts';
export { isVerifiedClaim, profileFromClaims, type ProviderProfile } from './profile.ts';
export { chooseGitHubEmail } from './github.ts';
export { FLOW_COOKIE, openFlow, sealFlow, type OAuthFlow } from './flow-cookie.ts';
export { calculatePKCECodeChallenge as pkceChallengeOf } from 'openid-client';
export { answerAsQuery, FORM_POST_HANDLE_TTL_MS, openAnswer, readFormPostAnswer, sealAnswer, type ProviderAnswer } from './form-post.ts';
