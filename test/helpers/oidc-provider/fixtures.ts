/** The default client and accounts of the test provider, shared by every test file. */
import type { ClientMetadata, ResponseType } from 'oidc-provider';

export interface TestClientMetadata extends ClientMetadata {
  client_id: 'test-client';
  client_secret: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  token_endpoint_auth_method: 'client_secret_basic';
  grant_types: string[];
  response_types: ResponseType[];
}

/**
 * The default confidential client. Frozen (arrays included): it is shared by every test file,
 * so copy it (`{ ...TEST_CLIENT, redirect_uris: [...] }`) rather than mutate it.
 * The redirect URIs are placeholders on port 1, where nothing listens.
 */
export const TEST_CLIENT: Readonly<TestClientMetadata> = deepFreeze({
  client_id: 'test-client',
  client_secret: 'test-client-secret-0123456789abcdefghijklmnop',
  redirect_uris: ['http://127.0.0.1:1/callback'],
  post_logout_redirect_uris: ['http://127.0.0.1:1/'],
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
});

/** Default accounts; `sub` is the key. */
export const TEST_ACCOUNTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> =
  deepFreeze({
    alice: {
      name: 'Alice Example',
      given_name: 'Alice',
      family_name: 'Example',
      preferred_username: 'alice',
      email: 'alice@example.com',
      email_verified: true,
      locale: 'en-GB',
    },
    bob: {
      name: 'Bob Example',
      given_name: 'Bob',
      family_name: 'Example',
      preferred_username: 'bob',
      email: 'bob@example.com',
      email_verified: false,
    },
  });

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
