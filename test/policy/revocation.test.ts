// RFC 7009: when a session ends, its refresh token and then its access token are revoked at the
// provider. Against oidc-provider (revocation and introspection on), and against the package's
// scripted provider for a revocation endpoint that is down, slow or missing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, withTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider, pathOf, startLogin } from '../helpers/login.js';
import { CookieJar, startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

const BASIC = `Basic ${Buffer.from(`${TEST_CLIENT.client_id}:${TEST_CLIENT.client_secret}`).toString('base64')}`;

async function providerPost(url: string, form: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
}

describe('revocation at oidc-provider', () => {
  let op: TestProvider;
  let app: TestApp;
  let keeping: TestApp;

  beforeAll(async () => {
    op = await startTestProvider();
    const options = (revokeOnLogout: boolean) => () => ({
      issuer: op.issuer,
      clientId: TEST_CLIENT.client_id,
      clientSecret: TEST_CLIENT.client_secret,
      revokeOnLogout,
    });
    app = await startTestApp({ oauth: options(true) });
    keeping = await startTestApp({ oauth: options(false) });
    await op.setClient({
      ...TEST_CLIENT,
      redirect_uris: [`${app.url}/callback`, `${keeping.url}/callback`],
      post_logout_redirect_uris: [`${app.url}/`, `${keeping.url}/`],
    });
  });

  afterAll(async () => {
    await app.close();
    await keeping.close();
    await op.close();
  });

  async function signedInTokens(target: TestApp) {
    const agent = browser(target.url);
    await loginThroughProvider(agent, { jar: new CookieJar() });
    const tokens = (await agent.get('/session').expect(200)).body.oauth.tokens as {
      accessToken: string;
      refreshToken: string;
    };
    expect(tokens.refreshToken).toBeTypeOf('string');
    return { agent, tokens };
  }

  async function refreshWorks(refreshToken: string): Promise<{ status: number; error?: string }> {
    const response = await providerPost(`${op.issuer}/token`, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    const body = (await response.json()) as { error?: string };
    return { status: response.status, ...(body.error === undefined ? {} : { error: body.error }) };
  }

  async function active(token: string): Promise<boolean> {
    const response = await providerPost(`${op.issuer}/introspect`, { token });
    return ((await response.json()) as { active: boolean }).active;
  }

  it('revokes the refresh and access tokens at POST /logout', async () => {
    const { agent, tokens } = await signedInTokens(app);
    expect(await active(tokens.accessToken)).toBe(true);
    await agent.post('/logout').set('Origin', app.url).expect(303);
    expect(await refreshWorks(tokens.refreshToken)).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
    expect(await active(tokens.accessToken)).toBe(false);
  });

  it('revokes them at req.oauth.logout() too', async () => {
    const { agent, tokens } = await signedInTokens(app);
    await agent.post('/local-logout').expect(200);
    expect(await refreshWorks(tokens.refreshToken)).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
  });

  it('leaves them valid with revokeOnLogout: false', async () => {
    const { agent, tokens } = await signedInTokens(keeping);
    await agent.post('/logout').set('Origin', keeping.url).expect(303);
    expect((await refreshWorks(tokens.refreshToken)).status).toBe(200);
  });
});

describe('a revocation endpoint that fails never blocks the logout', () => {
  let provider: ScriptedProvider;

  beforeAll(async () => {
    provider = await startScriptedProvider();
  });
  afterAll(async () => {
    await provider.close();
  });
  beforeEach(() => provider.reset());

  async function logoutWith(
    setup: () => void,
  ): Promise<{ status: number; ms: number; logs: string }> {
    let result = { status: 0, ms: 0, logs: '' };
    await withTestApp(
      {
        oauth: () => ({
          issuer: provider.issuer,
          clientId: provider.clientId,
          clientSecret: provider.clientSecret,
          timeout: 500,
        }),
      },
      async (app) => {
        const agent = browser(app.url);
        await agent.get(pathOf(await authorize(provider, await startLogin(agent)))).expect(303);
        setup();
        const started = Date.now();
        const response = await agent.post('/logout').set('Origin', app.url);
        result = { status: response.status, ms: Date.now() - started, logs: app.logs.join('\n') };
        expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
      },
    );
    return result;
  }

  it('revokes the refresh token, then the access token', async () => {
    const { status } = await logoutWith(() => {});
    expect(status).toBe(303);
    const hints = provider.requests
      .filter((r) => r.path === '/revoke')
      .map((r) => r.form?.get('token_type_hint'));
    expect(hints).toEqual(['refresh_token', 'access_token']);
  });

  it.each([
    ['answers 500', { status: 500, body: { error: 'server_error' } }],
    ['drops the connection', { drop: true }],
  ])('logs out when the revocation endpoint %s', async (_what, script) => {
    const result = await logoutWith(() => {
      provider.script.revocation = script as never;
    });
    expect(result.status).toBe(303);
    expect(result.logs).toContain('could not revoke the tokens');
  });

  it('logs out within the provider timeout when the revocation endpoint hangs', async () => {
    const result = await logoutWith(() => {
      provider.script.revocation = { hang: true };
    });
    expect(result.status).toBe(303);
    expect(result.ms).toBeLessThan(5_000);
    expect(result.logs).toContain('could not revoke the tokens');
  });

  it('waits for both revocations at most one provider timeout, however slow each answer', async () => {
    // Each answer alone is within the 500 ms timeout; one after the other they are not.
    const result = await logoutWith(() => {
      provider.script.revocation = { delayMs: 400 };
    });
    expect(result.status).toBe(303);
    expect(result.logs).toContain('within the timeout (500 ms); the session ended without waiting');
    // The second revocation was still sent, after the answer to the first.
    await expect.poll(() => provider.count('/revoke'), { timeout: 2_000 }).toBe(2);
  });

  it('still revokes the access token when revoking the refresh token failed', async () => {
    const result = await logoutWith(() => {
      provider.script.revocation = {
        times: 1,
        status: 503,
        body: { error: 'temporarily_unavailable' },
      };
    });
    expect(result.status).toBe(303);
    expect(result.logs).toContain('could not revoke the tokens');
    const hints = provider.requests
      .filter((r) => r.path === '/revoke')
      .map((r) => r.form?.get('token_type_hint'));
    expect(hints).toEqual(['refresh_token', 'access_token']);
  });

  it('sends nothing when the provider has no revocation endpoint, and says so in the log', async () => {
    provider.script.discovery = { set: { revocation_endpoint: undefined } };
    const result = await logoutWith(() => {});
    expect(result.status).toBe(303);
    expect(provider.count('/revoke')).toBe(0);
    expect(result.logs).toContain('has no revocation_endpoint');
  });
});
