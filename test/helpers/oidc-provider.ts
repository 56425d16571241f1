/**
 * A real OpenID Provider (`oidc-provider` 9) for the test suite, plus a browser-less driver for
 * its development login and consent pages.
 *
 * Testing against the real thing, rather than a mock, is what proves the relying party
 * interoperates: discovery, PKCE, RFC 9207 `iss`, ID token validation and refresh rotation are
 * all enforced by a certified implementation.
 *
 * The parts live in `./oidc-provider/`, one per file: `provider.ts` (start and stop),
 * `configuration.ts`, `fixtures.ts` (the default client and accounts), `storage.ts`,
 * `pages.ts`, `server-lifecycle.ts`, `notices.ts`, `cookie-jar.ts` and `browser.ts`.
 */
export { completeLogin, completeLogout } from './oidc-provider/browser.js';
export type { CompleteLoginOptions } from './oidc-provider/browser.js';
export { CookieJar } from './oidc-provider/cookie-jar.js';
export { TEST_ACCOUNTS, TEST_CLIENT } from './oidc-provider/fixtures.js';
export type { TestClientMetadata } from './oidc-provider/fixtures.js';
export { startTestProvider } from './oidc-provider/provider.js';
export type {
  RecordedRequest,
  TestProvider,
  TestProviderOptions,
} from './oidc-provider/provider.js';
