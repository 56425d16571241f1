import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenClient } from '../../src/token-client/index.js';
import {
  basicCredentials,
  bearerToken,
  isFormEncoded,
  parseForm,
  randomToken,
  sendJson,
  sendOAuthError,
  startSimulatorServer,
  type RecordedRequest,
  type SimulatorRequest,
  type SimulatorServer,
} from '../../simulators/simulator-server.js';

const CLIENT_ID = 'reporting';
// Characters that RFC 6749 §2.3.1 form-encodes inside the Basic header.
const CLIENT_SECRET = 's3cret:with spaces&more';

let server: SimulatorServer;
let log: RecordedRequest[];

afterEach(async () => {
  await server.close();
});

/** RFC 6749 §2.3.1: client_id and client_secret are form-encoded before the Basic encoding. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replaceAll('+', ' '));
}

function clientOf(req: SimulatorRequest, form: URLSearchParams): { id?: string; secret?: string } {
  const basic = basicCredentials(req);
  if (basic) return { id: formDecode(basic.user), secret: formDecode(basic.password) };
  return { id: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined };
}

/** A minimal RFC 6749 §4.4 token endpoint, and an API that wants its tokens. */
async function startClientCredentialsServer(): Promise<void> {
  const issued = new Set<string>();
  log = [];
  server = await startSimulatorServer(
    (req, res: ServerResponse) => {
      if (req.method === 'POST' && req.path === '/oauth/token') {
        if (!isFormEncoded(req)) return sendOAuthError(res, 400, 'invalid_request', 'form body');
        const form = parseForm(req.body);
        if (form.get('grant_type') !== 'client_credentials') {
          return sendOAuthError(res, 400, 'unsupported_grant_type', 'client_credentials only');
        }
        const client = clientOf(req, form);
        if (client.id !== CLIENT_ID || client.secret !== CLIENT_SECRET) {
          return sendOAuthError(res, 401, 'invalid_client', 'client authentication failed', {
            'www-authenticate': 'Basic realm="token"',
          });
        }
        const token = randomToken();
        issued.add(token);
        return sendJson(res, 200, {
          access_token: token,
          token_type: 'Bearer',
          expires_in: 300,
          scope: form.get('scope') ?? '',
        });
      }
      if (req.path === '/reports') {
        const token = bearerToken(req);
        if (token === undefined || !issued.has(token)) {
          return sendOAuthError(res, 401, 'invalid_token', 'bad token');
        }
        return sendJson(res, 200, { reports: [] });
      }
      sendOAuthError(res, 404, 'not_found', 'no such endpoint');
    },
    { log },
  );
}

function tokenRequests(): RecordedRequest[] {
  return log.filter((r) => r.path === '/oauth/token');
}

describe('client credentials grant', () => {
  it('asks for a token with the standard form body and client_secret_basic, then calls the API', async () => {
    await startClientCredentialsServer();
    const client = createTokenClient({
      grant: 'client_credentials',
      tokenEndpoint: `${server.url}/oauth/token`,
      apiBaseURL: server.url,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      scope: 'reports:read',
      tokenParams: { audience: 'https://api.example.com' },
    });

    const response = await client.fetch('/reports');

    expect(response.status).toBe(200);
    const [request] = tokenRequests();
    expect(request?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.headers.authorization).toMatch(/^Basic /);
    expect(Object.fromEntries(parseForm(request!.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'reports:read',
      audience: 'https://api.example.com',
    });
  });

  it('sends the client in the form body with client_secret_post', async () => {
    await startClientCredentialsServer();
    const client = createTokenClient({
      grant: 'client_credentials',
      tokenEndpoint: `${server.url}/oauth/token`,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      tokenEndpointAuthMethod: 'client_secret_post',
    });

    await client.getAccessToken();

    const [request] = tokenRequests();
    expect(request?.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(parseForm(request!.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
  });

  it('fails once with a typed error when the client secret is wrong, then makes no request', async () => {
    await startClientCredentialsServer();
    const client = createTokenClient({
      grant: 'client_credentials',
      tokenEndpoint: `${server.url}/oauth/token`,
      clientId: CLIENT_ID,
      clientSecret: 'wrong',
    });

    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'invalid_client',
      message: expect.stringMatching(
        /^the token endpoint rejected the client credentials of "reporting" \(invalid_client\); check "options.clientId" and "options.clientSecret"/,
      ),
    });
    await expect(client.fetch(`${server.url}/reports`)).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
    });
    expect(tokenRequests()).toHaveLength(1);
    expect(log.filter((r) => r.path === '/reports')).toHaveLength(0);
  });
});
