// responseMode: 'form_post' (issue 9): the provider posts the answer back across sites. The
// callback accepts that POST for such a provider only, checks it as a GET, and the pending-login
// cookie is made to arrive on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { completeLogin, startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';

let op: TestProvider;
let app: TestApp;
let queryApp: TestApp;

const options = (responseMode?: 'form_post') => () => ({
  issuer: op.issuer,
  clientId: TEST_CLIENT.client_id,
  clientSecret: TEST_CLIENT.client_secret,
  ...(responseMode === undefined ? {} : { responseMode }),
});

beforeAll(async () => {
  op = await startTestProvider();
  app = await startTestApp({ oauth: options('form_post') });
  queryApp = await startTestApp({ oauth: options() });
  await op.setClient({
    ...TEST_CLIENT,
    redirect_uris: [`${app.url}/callback`, `${queryApp.url}/callback`],
  });
});

afterAll(async () => {
  await app.close();
  await queryApp.close();
  await op.close();
});

/** What the provider's auto-submitted form posts: its fields, as a form body. */
async function providerForm(agent: Agent): Promise<{ path: string; form: string }> {
  const authorization = await startLogin(agent);
  expect(authorization.searchParams.get('response_mode')).toBe('form_post');
  const posted = await completeLogin(authorization);
  return { path: posted.pathname, form: posted.searchParams.toString() };
}

function post(agent: Agent, path: string, form: string) {
  return agent.post(path).type('form').send(form);
}

describe("responseMode: 'form_post'", () => {
  it('signs in through the POST the provider makes, with the same checks as a GET', async () => {
    const agent = browser(app.url);
    const { path, form } = await providerForm(agent);
    const done = await post(agent, path, form).expect(303);
    expect(done.headers.location).toBe('/');
    expect(done.headers['cache-control']).toBe('no-store');
    expect((await agent.get('/me').expect(200)).body.sub).toBe('alice');
    // The pending login was spent: the same POST again is refused, without a token request.
    const replay = await post(agent, path, form).set('Accept', 'application/json').expect(400);
    expect(replay.body.code).toBe('OAUTH_NO_TRANSACTION');
  });

  it('sends the pending-login cookie on a cross-site POST: SameSite=None; Secure over https', async () => {
    // Over plain http (this app) a Secure cookie would never come back: no SameSite attribute.
    const login = await browser(app.url).get('/login').expect(303);
    const local = (login.headers['set-cookie'] as unknown as string[]).find((c) =>
      c.startsWith('oauth_login_'),
    );
    expect(local).toMatch(/Path=\/callback/);
    expect(local).toMatch(/HttpOnly/);
    expect(local).not.toMatch(/SameSite/i);

    const secureApp = await startTestApp({
      oauth: () => ({ ...options('form_post')(), baseURL: 'https://app.example.com' }),
    });
    try {
      const secure = await browser(secureApp.url).get('/login').expect(303);
      const cookie = (secure.headers['set-cookie'] as unknown as string[]).find((c) =>
        c.startsWith('oauth_login_'),
      );
      expect(cookie).toMatch(/SameSite=None/);
      expect(cookie).toMatch(/Secure/);
      expect(cookie).toMatch(/Path=\/callback/);
    } finally {
      await secureApp.close();
    }
  });

  it("refuses a forged cross-site POST carrying someone else's state, and its owner can still complete it", async () => {
    const owner = browser(app.url);
    const { path, form } = await providerForm(owner);
    const victim = browser(app.url);
    await startLogin(victim); // a login of the victim's own is pending
    const forged = await post(victim, path, form).set('Accept', 'application/json').expect(400);
    expect(forged.body.code).toBe('OAUTH_STATE_MISMATCH');
    await victim.get('/me').expect(401);
    // The code was not spent by the forged POST: the owner's own POST still signs in.
    await post(owner, path, form).expect(303);
    await owner.get('/me').expect(200);
  });

  it('refuses a POST that is not a bounded form, or that also carries a query', async () => {
    const agent = browser(app.url);
    const { path, form } = await providerForm(agent);
    const json = await agent
      .post(path)
      .set('Accept', 'application/json')
      .send(Object.fromEntries(new URLSearchParams(form)));
    expect(json.status).toBe(400);
    expect(json.body.code).toBe('OAUTH_INVALID_CALLBACK');
    const huge = await post(agent, path, `${form}&pad=${'x'.repeat(20_000)}`).set(
      'Accept',
      'application/json',
    );
    expect(huge.status).toBe(400);
    expect(huge.body.code).toBe('OAUTH_INVALID_CALLBACK');
    const both = await post(agent, `${path}?${form}`, form).set('Accept', 'application/json');
    expect(both.status).toBe(400);
    expect(both.body.code).toBe('OAUTH_INVALID_CALLBACK');
    // None of them spent the pending login.
    await post(agent, path, form).expect(303);
  });

  it('refuses a POST callback for a provider that answers with a redirect', async () => {
    const agent = browser(queryApp.url);
    const authorization = await startLogin(agent);
    expect(authorization.searchParams.get('response_mode')).toBeNull();
    const back = await completeLogin(authorization);
    const response = await post(agent, back.pathname, back.searchParams.toString()).set(
      'Accept',
      'application/json',
    );
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET');
    expect(response.body.code).toBe('OAUTH_METHOD_NOT_ALLOWED');
  });
});

describe('responseMode by default', () => {
  it.each([
    [['form_post'], 'form_post'],
    [['query', 'form_post'], null],
  ])(
    'is form_post only for a provider whose response_modes_supported is %j',
    async (offered, expected) => {
      const provider = await startScriptedProvider();
      provider.script.discovery = { set: { response_modes_supported: offered } };
      const scripted = await startTestApp({
        oauth: () => ({
          issuer: provider.issuer,
          clientId: provider.clientId,
          clientSecret: provider.clientSecret,
        }),
      });
      try {
        const authorization = await startLogin(browser(scripted.url));
        expect(authorization.searchParams.get('response_mode')).toBe(expected);
      } finally {
        await scripted.close();
        await provider.close();
      }
    },
  );
});
