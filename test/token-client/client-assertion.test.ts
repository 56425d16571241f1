// The client credentials grant with a client assertion instead of a secret on the wire:
// private_key_jwt (RFC 7523 §2.2) with keys the provider has registered, and client_secret_jwt;
// against oidc-provider, which verifies each assertion for real.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenClient } from '../../src/token-client/index.js';
import type { OAuthTokenClientOptions } from '../../src/token-client/index.js';
import { startTestProvider } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';

const SECRET = 'reporting-client-secret-0123456789abcdefghijkl';

const rsaKey = (): KeyObject => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const registered = rsaKey();
const ecRegistered = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const unknown = rsaKey();

let op: TestProvider;

function publicJwk(key: KeyObject, kid: string, alg: string) {
  return { ...createPublicKey(key).export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

beforeAll(async () => {
  op = await startTestProvider({ clientCredentials: true, clients: [] });
  await op.setClient({
    client_id: 'reporting-jwt',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: {
      keys: [
        publicJwk(registered, 'reporting-2026-12', 'PS256'),
        publicJwk(ecRegistered, 'reporting-ec', 'ES256'),
      ],
    },
  });
  await op.setClient({
    client_id: 'reporting-secret-jwt',
    client_secret: SECRET,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_jwt',
  });
});

afterAll(async () => {
  await op.close();
});

/** The token requests' form bodies, as the client sent them. */
function recordingFetch(bodies: URLSearchParams[]): typeof fetch {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    if (typeof init?.body === 'string' || init?.body instanceof URLSearchParams) {
      bodies.push(new URLSearchParams(init.body));
    }
    return fetch(url, init);
  }) as typeof fetch;
}

function tokenEndpoint(): string {
  return `${op.issuer}/token`;
}

function clientOf(
  extra: Partial<Extract<OAuthTokenClientOptions, { grant: 'client_credentials' }>>,
): Extract<OAuthTokenClientOptions, { grant: 'client_credentials' }> {
  return {
    grant: 'client_credentials',
    tokenEndpoint: tokenEndpoint(),
    clientId: 'reporting-jwt',
    ...extra,
  };
}

async function issuedTo(token: string): Promise<string | undefined> {
  const stored = await op.provider.ClientCredentials.find(token);
  return stored?.clientId;
}

describe('private_key_jwt', () => {
  it('gets a token with an assertion the provider verifies, signed by the first key', async () => {
    const bodies: URLSearchParams[] = [];
    const client = createTokenClient(
      clientOf({
        // Rotation: the newest key signs; the provider does not know the older one any more.
        clientPrivateKey: [
          { key: registered, alg: 'PS256', kid: 'reporting-2026-12' },
          { key: unknown, alg: 'PS256', kid: 'reporting-2026-06' },
        ],
        fetch: recordingFetch(bodies),
      }),
    );

    const token = await client.getAccessToken();

    expect(await issuedTo(token)).toBe('reporting-jwt');
    const [body] = bodies;
    expect(body?.get('client_assertion_type')).toBe(
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    expect(body?.has('client_secret')).toBe(false);
    const assertion = body?.get('client_assertion') ?? '';
    expect(decodeProtectedHeader(assertion)).toMatchObject({
      alg: 'PS256',
      kid: 'reporting-2026-12',
    });
    // RFC 7523 §3: the token endpoint's URL identifies the provider when no issuer is given.
    expect(decodeJwt(assertion)).toMatchObject({
      iss: 'reporting-jwt',
      sub: 'reporting-jwt',
      aud: tokenEndpoint(),
    });
  });

  it('defaults to private_key_jwt with a clientPrivateKey alone, and signs ES256 with a P-256 key', async () => {
    const bodies: URLSearchParams[] = [];
    const client = createTokenClient(
      clientOf({
        clientPrivateKey: { ...(await exportJWK(ecRegistered)), kid: 'reporting-ec' },
        fetch: recordingFetch(bodies),
      }),
    );

    expect(await issuedTo(await client.getAccessToken())).toBe('reporting-jwt');
    expect(decodeProtectedHeader(bodies[0]?.get('client_assertion') ?? '').alg).toBe('ES256');
  });

  it('addresses the assertion to clientAssertionAudience, e.g. the issuer', async () => {
    const bodies: URLSearchParams[] = [];
    const client = createTokenClient(
      clientOf({
        tokenEndpointAuthMethod: 'private_key_jwt',
        clientPrivateKey: { key: registered, alg: 'PS256', kid: 'reporting-2026-12' },
        clientAssertionAudience: op.issuer,
        fetch: recordingFetch(bodies),
      }),
    );

    expect(await issuedTo(await client.getAccessToken())).toBe('reporting-jwt');
    expect(decodeJwt(bodies[0]?.get('client_assertion') ?? '').aud).toBe(op.issuer);
  });

  it('fails once with OAUTH_CREDENTIALS_REJECTED when the provider does not know the key, then makes no request', async () => {
    const client = createTokenClient(
      clientOf({ clientPrivateKey: { key: unknown, alg: 'PS256', kid: 'reporting-2026-12' } }),
    );
    op.resetCounts();

    await expect(client.getAccessToken()).rejects.toMatchObject({
      name: 'OAuthError',
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'invalid_client',
      message: expect.stringContaining(
        'check "options.clientId" and "options.clientPrivateKey" against the keys the provider has registered for the client',
      ),
    });
    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
    });
    expect(op.count('/token')).toBe(1);
  });
});

describe('client_secret_jwt', () => {
  it('gets a token with an assertion signed with the client secret, which never travels', async () => {
    const bodies: URLSearchParams[] = [];
    const client = createTokenClient(
      clientOf({
        clientId: 'reporting-secret-jwt',
        clientSecret: SECRET,
        tokenEndpointAuthMethod: 'client_secret_jwt',
        fetch: recordingFetch(bodies),
      }),
    );

    expect(await issuedTo(await client.getAccessToken())).toBe('reporting-secret-jwt');
    const body = bodies[0];
    expect(body?.has('client_secret')).toBe(false);
    expect(decodeProtectedHeader(body?.get('client_assertion') ?? '').alg).toBe('HS256');
  });

  it('is refused with OAUTH_CREDENTIALS_REJECTED when the secret is wrong', async () => {
    const client = createTokenClient(
      clientOf({
        clientId: 'reporting-secret-jwt',
        clientSecret: `${SECRET}-wrong`,
        tokenEndpointAuthMethod: 'client_secret_jwt',
      }),
    );

    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'invalid_client',
      message: expect.stringContaining('check "options.clientId" and "options.clientSecret"'),
    });
  });
});
