/**
 * The keys each kind of provider option may have, for validation and typo hints; a compile-time
 * check ties each list to its public type.
 */
import type {
  OAuthCustomProvider,
  OAuthOAuth2Provider,
  OAuthOidcProvider,
} from './provider-types.js';

// The key lists are tied to the public types: a key added to a type and forgotten here (or the
// reverse) fails the type-check, so typo hints and validation cannot drift from the docs.
const CLIENT_KEYS = [
  'label',
  'clientId',
  'clientSecret',
  'scope',
  'tokenEndpointAuthMethod',
  'authorizationParams',
  'quirks',
  'mapUser',
  'allowInsecureHttp',
  'allow',
  'clientPrivateKey',
  'clientCertificate',
  'fetch',
] as const;
export const OIDC_KEYS = [
  'type',
  'issuer',
  'fetchUserInfo',
  'verifyIdTokenSignature',
  'pushedAuthorizationRequests',
  'requestObjects',
  'dpop',
  'profile',
  'allowLoopbackHttpInTests',
  'responseMode',
  ...CLIENT_KEYS,
] as const satisfies readonly (keyof OAuthOidcProvider)[];
export const OAUTH2_KEYS = [
  'type',
  'authorizationEndpoint',
  'tokenEndpoint',
  'profileEndpoint',
  'fetchProfile',
  'issuer',
  'pkce',
  'revocationEndpoint',
  ...CLIENT_KEYS,
] as const satisfies readonly (keyof OAuthOAuth2Provider)[];
export const CUSTOM_KEYS = [
  'type',
  'label',
  'adapter',
  'mapUser',
  'scope',
  'authorizationParams',
  'allowInsecureHttp',
  'allow',
  'fetch',
] as const satisfies readonly (keyof OAuthCustomProvider)[];

/** Compile-time proof that every key of each type is listed. */
type Unlisted<T, K extends readonly PropertyKey[]> = Exclude<keyof T, K[number]>;
const everyKeyListed: Record<
  | Unlisted<OAuthOidcProvider, typeof OIDC_KEYS>
  | Unlisted<OAuthOAuth2Provider, typeof OAUTH2_KEYS>
  | Unlisted<OAuthCustomProvider, typeof CUSTOM_KEYS>,
  never
> = {};
void everyKeyListed;

/** The keys a provider may have, for the single-provider form's typo hints. */
export const PROVIDER_KEYS: readonly string[] = [
  ...new Set<string>([...OIDC_KEYS, ...OAUTH2_KEYS, ...CUSTOM_KEYS]),
];
