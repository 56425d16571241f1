// The token endpoint answers the code exchange with garbage, errors, redirects or silence. The
// middleware must refuse each answer with a stable code, never follow a redirect (which would
// carry the code, the verifier and the client secret elsewhere), and never hang.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefused, HOSTILE_TIMEOUT, startHostile } from './hostile-harness.js';
import type { Hostile } from './hostile-harness.js';
import type { TokenScript } from '../helpers/scripted-provider.js';

let h: Hostile;

beforeAll(async () => {
  h = await startHostile({ oauth: { ...HOSTILE_TIMEOUT } });
});
afterAll(() => h.close());
beforeEach(() => h.provider.reset());

function answer(script: TokenScript): () => void {
  return () => {
    h.provider.script.token = script;
  };
}

const INVALID_RESPONSE = { status: 502, code: 'OAUTH_INVALID_RESPONSE' };

describe('malformed token responses', () => {
  it('refuses a 200 answer with an HTML page', async () => {
    await expectRefused(h, INVALID_RESPONSE, {
      arrange: answer({ headers: { 'content-type': 'text/html' }, body: '<html>login</html>' }),
    });
  });

  it('refuses a JSON array', async () => {
    await expectRefused(h, INVALID_RESPONSE, {
      arrange: answer({ body: (honest) => [honest] }),
    });
  });

  it('refuses truncated JSON', async () => {
    await expectRefused(h, INVALID_RESPONSE, {
      arrange: answer({ body: (honest) => JSON.stringify(honest).slice(0, 40) }),
    });
  });

  it('refuses a response without access_token', async () => {
    await expectRefused(h, INVALID_RESPONSE, {
      arrange: answer({ set: { access_token: undefined } }),
    });
  });

  it('refuses an access_token that is not a string', async () => {
    await expectRefused(h, INVALID_RESPONSE, { arrange: answer({ set: { access_token: 12345 } }) });
  });

  it('refuses token_type mac', async () => {
    await expectRefused(h, INVALID_RESPONSE, { arrange: answer({ set: { token_type: 'mac' } }) });
  });

  it('refuses a response without id_token when openid was asked for', async () => {
    await expectRefused(
      h,
      { status: 502, code: 'OAUTH_ID_TOKEN_INVALID' },
      { arrange: answer({ set: { id_token: undefined } }) },
    );
  });
});

describe('error answers', () => {
  it('refuses invalid_grant with the provider error kept', async () => {
    const { fresh } = await expectRefused(
      h,
      { status: 400, code: 'OAUTH_INVALID_GRANT' },
      {
        arrange: answer({
          status: 400,
          body: { error: 'invalid_grant', error_description: 'code expired' },
        }),
      },
    );
    expect(fresh.body).toMatchObject({ error: 'invalid_grant', error_description: 'code expired' });
  });

  it('refuses a 401 with WWW-Authenticate (client authentication failed) as a configuration problem', async () => {
    await expectRefused(
      h,
      { status: 500, code: 'OAUTH_CLIENT_REJECTED' },
      {
        arrange: answer({
          status: 401,
          headers: { 'www-authenticate': 'Basic realm="op", error="invalid_client"' },
          body: { error: 'invalid_client' },
        }),
      },
    );
  });

  it('answers 503 when the token endpoint answers 500', async () => {
    await expectRefused(
      h,
      { status: 503, code: 'OAUTH_PROVIDER_UNAVAILABLE' },
      { arrange: answer({ status: 500, body: { error: 'server_error' } }) },
    );
  });

  it('answers 503 when the token endpoint answers a 500 HTML page', async () => {
    await expectRefused(
      h,
      { status: 503, code: 'OAUTH_PROVIDER_UNAVAILABLE' },
      {
        arrange: answer({
          status: 500,
          headers: { 'content-type': 'text/html' },
          body: '<h1>oops</h1>',
        }),
      },
    );
  });

  it('answers 503 with Retry-After passed on when the token endpoint answers 429', async () => {
    const { fresh, signedIn } = await expectRefused(
      h,
      { status: 503, code: 'OAUTH_RATE_LIMITED' },
      { arrange: answer({ status: 429, headers: { 'retry-after': '30' }, body: '' }) },
    );
    expect(fresh.headers['retry-after']).toBe('30');
    expect(signedIn?.headers['retry-after']).toBe('30');
  });

  it('answers 503 with Retry-After for a 429 carrying an OAuth error body', async () => {
    const { fresh } = await expectRefused(
      h,
      { status: 503, code: 'OAUTH_RATE_LIMITED' },
      {
        arrange: answer({
          status: 429,
          headers: { 'retry-after': '7' },
          body: { error: 'slow_down' },
        }),
      },
    );
    expect(fresh.headers['retry-after']).toBe('7');
  });
});

describe('redirects and silence', () => {
  let elsewhere: Server;
  let elsewhereUrl: string;
  const received: string[] = [];

  beforeAll(async () => {
    elsewhere = createServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        elsewhere.closeAllConnections();
        elsewhere.close(() => resolve());
      }),
  );

  it.each([302, 307, 308])(
    'never follows a %i from the token endpoint to another host',
    async (status) => {
      received.length = 0;
      await expectRefused(h, INVALID_RESPONSE, {
        arrange: answer({ status, headers: { location: `${elsewhereUrl}/token` }, body: '' }),
      });
      expect(received).toEqual([]);
    },
  );

  it('answers 504 when the token endpoint does not answer within the timeout', async () => {
    await expectRefused(
      h,
      { status: 504, code: 'OAUTH_PROVIDER_TIMEOUT' },
      { arrange: answer({ hang: true }) },
    );
  });

  it('answers 503 when the token endpoint drops the connection', async () => {
    await expectRefused(
      h,
      { status: 503, code: 'OAUTH_PROVIDER_UNAVAILABLE' },
      { arrange: answer({ drop: true }) },
    );
  });
});
