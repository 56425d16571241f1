// client_secret_basic: RFC 6749 §2.3.1 form-urlencodes the client id and secret before Base64, so
// `my-app` is sent as `my%2Dapp`; a real OpenID Provider tried here does not decode them and
// answers invalid_client. quirks.basicAuthEncoding 'plain' sends them as they are.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

const CLIENT_ID = 'my-app.v2';
const CLIENT_SECRET = "s3cr3t-with_(marks)'";

let provider: ScriptedProvider;

beforeAll(async () => {
  provider = await startScriptedProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
});

afterAll(async () => {
  await provider.close();
});

/** The credentials of the last token request, as the provider received them. */
function lastBasicCredentials(): string {
  const token = provider.requests.filter((request) => request.path === '/token').at(-1);
  const header = String(token?.headers.authorization ?? '');
  expect(header).toMatch(/^Basic /);
  return Buffer.from(header.slice(6), 'base64').toString('utf8');
}

describe('quirks.basicAuthEncoding', () => {
  it.each([
    ['form-urlencoded', 'my%2Dapp%2Ev2:s3cr3t%2Dwith%5F%28marks%29%27'],
    ['plain', `${CLIENT_ID}:${CLIENT_SECRET}`],
  ] as const)('%s: signs in, sending the credentials as %s', async (encoding, expected) => {
    provider.reset();
    await withTestApp(
      {
        oauth: () => ({
          issuer: provider.issuer,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          quirks: { basicAuthEncoding: encoding },
        }),
      },
      async (app) => {
        const agent = browser(app.url);
        await agent.get(pathOf(await authorize(provider, await startLogin(agent)))).expect(303);
        await agent.get('/me').expect(200);
        expect(lastBasicCredentials()).toBe(expected);
      },
    );
  });
});
