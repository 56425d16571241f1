import { describe, expect, it } from 'vitest';
import { createTokenClient, type OAuthTokenClientOptions } from '../../src/token-client/index.js';

const password = {
  grant: 'password',
  tokenEndpoint: 'https://api.algoreg.com/api/v1/token',
  username: 'api@acme.com',
  password: 'my_password',
} as const;

function create(options: unknown): () => unknown {
  return () => createTokenClient(options as OAuthTokenClientOptions);
}

function refused(message: string | RegExp, code = 'ERR_INVALID_ARG_VALUE'): object {
  return {
    name: 'TypeError',
    code,
    message: typeof message === 'string' ? message : expect.stringMatching(message),
  };
}

describe('createTokenClient() options', () => {
  it('accepts each grant with its required options', () => {
    expect(createTokenClient(password).grant).toBe('password');
    expect(
      createTokenClient({
        grant: 'client_credentials',
        tokenEndpoint: 'https://auth.example.com/token',
        clientId: 'c',
        clientSecret: 's',
      }).grant,
    ).toBe('client_credentials');
    expect(createTokenClient({ grant: 'basic', username: 'u', password: 'p' }).grant).toBe('basic');
  });

  it('hints at "grant" when it is misspelt', () => {
    const { grant, ...rest } = password;
    expect(create({ ...rest, grnat: grant })).toThrow(
      expect.objectContaining(refused('unknown option "grnat"; did you mean "grant"?')),
    );
  });

  it('hints at the grant value when it is misspelt', () => {
    expect(create({ ...password, grant: 'pasword' })).toThrow(
      expect.objectContaining(
        refused(
          '"options.grant" must be "password", "client_credentials" or "basic"; did you mean "password"?',
        ),
      ),
    );
  });

  it('hints at a misspelt option', () => {
    expect(create({ ...password, refreshLeway: 30 })).toThrow(
      expect.objectContaining(
        refused('unknown option "refreshLeway"; did you mean "refreshLeeway"?'),
      ),
    );
  });

  it('refuses an option that belongs to another grant', () => {
    expect(
      create({ grant: 'basic', username: 'u', password: 'p', tokenEndpoint: 'https://x/t' }),
    ).toThrow(
      expect.objectContaining(
        refused('option "tokenEndpoint" does not apply to grant "basic"; remove it'),
      ),
    );
  });

  it('refuses a plain-http token endpoint off loopback', () => {
    expect(create({ ...password, tokenEndpoint: 'http://api.algoreg.com/api/v1/token' })).toThrow(
      expect.objectContaining(refused(/^"options.tokenEndpoint" must use https:\/\//)),
    );
    expect(
      create({
        ...password,
        tokenEndpoint: 'http://api.algoreg.com/api/v1/token',
        allowInsecureHttp: true,
      }),
    ).not.toThrow();
    expect(create({ ...password, tokenEndpoint: 'http://127.0.0.1:8080/token' })).not.toThrow();
    expect(create({ ...password, tokenEndpoint: 'http://localhost/token' })).not.toThrow();
  });

  it('refuses to send credentials over plain http off loopback from client.fetch()', async () => {
    const client = createTokenClient({ grant: 'basic', username: 'u', password: 'p' });
    await expect(client.fetch('http://api.algoreg.com/api/v1/me')).rejects.toMatchObject(
      refused(/refuses to send credentials over plain http/),
    );
    await expect(client.fetch('/api/v1/me')).rejects.toMatchObject(
      refused(/needs an absolute URL/, 'ERR_INVALID_URL'),
    );
  });

  it('requires the credentials of each grant', () => {
    expect(create({ ...password, password: '' })).toThrow(
      expect.objectContaining(refused('"options.password" must be a non-empty string')),
    );
    expect(
      create({ grant: 'client_credentials', tokenEndpoint: 'https://x/t', clientId: 'c' }),
    ).toThrow(
      expect.objectContaining(
        refused(
          /^"options.clientSecret" is required with grant "client_credentials"; or authenticate without a shared secret: set "options.clientPrivateKey" \(private_key_jwt\) or "options.clientCertificate" \(tls_client_auth\)$/,
          'ERR_MISSING_OPTION',
        ),
      ),
    );
    expect(create({ ...password, clientSecret: 's' })).toThrow(
      expect.objectContaining(refused(/needs "options.clientId"/, 'ERR_MISSING_OPTION')),
    );
  });

  it('refuses a Basic username with a colon (RFC 7617)', () => {
    expect(create({ grant: 'basic', username: 'a:b', password: 'p' })).toThrow(
      expect.objectContaining(refused('"options.username" must be free of ":" for HTTP Basic')),
    );
  });

  it('refuses token parameters the client sets itself', () => {
    expect(create({ ...password, tokenParams: { client_id: 'x' } })).toThrow(
      expect.objectContaining(refused(/free of "client_id"/)),
    );
    expect(create({ ...password, tokenParams: { audience: 1 } })).toThrow(
      expect.objectContaining(refused(/"audience" is number/)),
    );
  });

  it('checks the numbers and enumerations', () => {
    expect(create({ ...password, credentialsCooldown: -1 })).toThrow(
      expect.objectContaining(
        refused('"options.credentialsCooldown" must be a finite number >= 0'),
      ),
    );
    expect(create({ ...password, credentialsCooldown: Infinity })).not.toThrow();
    expect(create({ ...password, timeout: 0 })).toThrow(
      expect.objectContaining(refused('"options.timeout" must be a finite number >= 1')),
    );
    expect(create({ ...password, tokenRequestFormat: 'xml' })).toThrow(
      expect.objectContaining(refused('"options.tokenRequestFormat" must be "json" or "form"')),
    );
    expect(
      create({
        grant: 'client_credentials',
        tokenEndpoint: 'https://x/t',
        clientId: 'c',
        clientSecret: 's',
        tokenEndpointAuthMethod: 'none',
      }),
    ).toThrow(expect.objectContaining(refused(/tokenEndpointAuthMethod/)));
  });

  it('hints at a misspelt quirk', () => {
    expect(create({ ...password, quirk: {} })).toThrow(
      expect.objectContaining(refused('unknown option "quirk"; did you mean "quirks"?')),
    );
    expect(create({ ...password, quirks: { lockedErorrs: ['account_locked'] } })).toThrow(
      expect.objectContaining(
        refused('unknown option "quirks.lockedErorrs"; did you mean "quirks.lockedErrors"?'),
      ),
    );
  });

  it('checks the type of each quirk', () => {
    expect(create({ ...password, quirks: 'json' })).toThrow(
      expect.objectContaining(refused('"options.quirks" must be an object')),
    );
    expect(create({ ...password, quirks: { credentialsErrors: 'invalid_credentials' } })).toThrow(
      expect.objectContaining(
        refused('"options.quirks.credentialsErrors" must be an array of non-empty "error" values'),
      ),
    );
    expect(create({ ...password, quirks: { lockedErrors: [403] } })).toThrow(
      expect.objectContaining(
        refused(
          '"options.quirks.lockedErrors" must be an array of non-empty "error" values (found number)',
        ),
      ),
    );
    expect(create({ ...password, quirks: { lockedErrors: [''] } })).toThrow(
      expect.objectContaining(refused(/\(found an empty string\)$/)),
    );
    expect(create({ ...password, quirks: { unlockHint: '' } })).toThrow(
      expect.objectContaining(refused('"options.quirks.unlockHint" must be a non-empty string')),
    );
    expect(create({ ...password, quirks: { defaultExpiresIn: 0 } })).toThrow(
      expect.objectContaining(
        refused('"options.quirks.defaultExpiresIn" must be a finite number >= 1'),
      ),
    );
    expect(
      create({
        ...password,
        quirks: {
          credentialsErrors: ['invalid_credentials'],
          lockedErrors: ['account_locked'],
          unlockHint: 'contact support',
          defaultExpiresIn: 3600,
        },
      }),
    ).not.toThrow();
  });

  it('refuses a token lifetime quirk for HTTP Basic, which has no token', () => {
    expect(
      create({ grant: 'basic', username: 'u', password: 'p', quirks: { defaultExpiresIn: 60 } }),
    ).toThrow(
      expect.objectContaining(
        refused('option "quirks.defaultExpiresIn" does not apply to grant "basic"; remove it'),
      ),
    );
  });

  it('refuses something other than an object', () => {
    expect(create(undefined)).toThrow(
      expect.objectContaining(refused('"options" must be an object', 'ERR_INVALID_ARG_TYPE')),
    );
  });
});
