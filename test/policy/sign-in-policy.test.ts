// What the application decides at sign-in: `allow` rules (top level and per provider) and the
// `onSignIn` hook. Every refusal is checked for what it must not do: write a sign-in, touch an
// existing one, keep the tokens just issued, or say on the page which rule failed.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OAuthOidcProvider, OAuthSharedOptions, OAuthSignInHook } from '../../src/index.js';
import { withTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

let provider: ScriptedProvider;

beforeAll(async () => {
  provider = await startScriptedProvider();
});
afterAll(async () => {
  await provider.close();
});
beforeEach(() => {
  provider.reset();
  provider.subject = 'alice';
  provider.claims = {
    email: 'alice@example.com',
    email_verified: true,
    realm_access: { roles: ['viewer', 'trader'] },
    groups: ['ops'],
  };
});

type Extra = Partial<Omit<OAuthSharedOptions & OAuthOidcProvider, 'baseURL'>>;

function withApp(extra: Extra, test: (app: TestApp) => Promise<void>): Promise<void> {
  return withTestApp(
    {
      oauth: () => ({
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        ...extra,
      }),
    },
    test,
  );
}

/** One login attempt through the real routes; the callback's response. */
async function attempt(agent: Agent, html = false) {
  const callback = await authorize(provider, await startLogin(agent));
  const request = agent.get(pathOf(callback));
  return html ? request.set('Accept', 'text/html') : request;
}

/** A refusal: 403, no sign-in written, the tokens just issued revoked, nothing said on the page of the rule. */
async function expectRefused(app: TestApp, agent: Agent, message: RegExp): Promise<void> {
  const revocations = provider.count('/revoke');
  const response = await attempt(agent);
  expect(response.status, response.text).toBe(403);
  expect(response.body.code).toBe('OAUTH_SIGN_IN_REFUSED');
  expect(response.body.message).toMatch(message);
  expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
  expect((await agent.get('/session').expect(200)).body.oauth?.tokens).toBeUndefined();
  // The refresh token, then the access token.
  expect(provider.count('/revoke') - revocations).toBe(2);
  expect(app.logs.join('\n')).not.toMatch(/access_token|refresh_token/);
}

describe('allow', () => {
  it('refuses an email outside the allowed domains, and says which rule only in the log', async () => {
    await withApp({ allow: { emailDomains: ['bank.example'] } }, async (app) => {
      await expectRefused(app, browser(app.url), /not allowed to sign in/);
      expect(app.logs.join('\n')).toContain('allow.emailDomains');
      const page = await attempt(browser(app.url), true);
      expect(page.status).toBe(403);
      expect(page.text).not.toContain('emailDomains');
      expect(page.text).not.toContain('example.com');
    });
  });

  it('accepts an allowed domain, whatever its case', async () => {
    await withApp({ allow: { emailDomains: ['EXAMPLE.com'] } }, async (app) => {
      const agent = browser(app.url);
      expect((await attempt(agent)).status).toBe(303);
      await agent.get('/me').expect(200);
    });
  });

  it('refuses an unverified email when emailVerified is required', async () => {
    provider.claims = { ...provider.claims, email_verified: false };
    await withApp({ allow: { emailVerified: true } }, async (app) => {
      await expectRefused(app, browser(app.url), /not allowed/);
      expect(app.logs.join('\n')).toContain('allow.emailVerified');
    });
  });

  it('checks nested claims by dotted path, and array claims by membership', async () => {
    await withApp(
      { allow: { claims: { 'realm_access.roles': 'trader', groups: ['risk', 'ops'] } } },
      async (app) => {
        const agent = browser(app.url);
        expect((await attempt(agent)).status).toBe(303);
      },
    );
    await withApp({ allow: { claims: { 'realm_access.roles': 'admin' } } }, async (app) => {
      await expectRefused(app, browser(app.url), /not allowed/);
      expect(app.logs.join('\n')).toContain('allow.claims.realm_access.roles');
    });
    await withApp({ allow: { claims: { 'missing.path': 'x' } } }, async (app) => {
      await expectRefused(app, browser(app.url), /not allowed/);
    });
  });

  it("applies a provider's own rules on top of the top-level ones", async () => {
    const options = (rules: { emailDomains: string[] }) => ({
      allow: { emailVerified: true },
      providers: {
        main: {
          issuer: provider.issuer,
          clientId: provider.clientId,
          clientSecret: provider.clientSecret,
          allow: rules,
        },
      },
      defaultProvider: 'main',
    });
    await withTestApp({ oauth: () => options({ emailDomains: ['example.com'] }) }, async (app) => {
      const agent = browser(app.url);
      expect((await attempt(agent)).status).toBe(303);
    });
    await withTestApp(
      { oauth: () => options({ emailDomains: ['other.example'] }) },
      async (app) => {
        await expectRefused(app, browser(app.url), /not allowed/);
        expect(app.logs.join('\n')).toContain('providers.main.allow.emailDomains');
      },
    );
  });

  it('leaves an existing sign-in untouched when a later sign-in in the same browser is refused', async () => {
    await withApp({ allow: { claims: { groups: 'ops' } } }, async (app) => {
      const agent = browser(app.url);
      expect((await attempt(agent)).status).toBe(303);
      const before = (await agent.get('/session').expect(200)).body;
      provider.subject = 'mallory';
      provider.claims = { groups: ['guests'] };
      const response = await attempt(agent);
      expect(response.status).toBe(403);
      const after = (await agent.get('/session').expect(200)).body;
      expect(after.id).toBe(before.id);
      expect(after.oauth.user).toEqual(before.oauth.user);
      expect(after.oauth.tokens).toEqual(before.oauth.tokens);
      expect((await agent.get('/me').expect(200)).body.sub).toBe('alice');
    });
  });

  it('refuses rules that cannot work at creation, with a hint', async () => {
    const create = (allow: unknown) => () =>
      withApp({ allow } as Extra, async () => {
        /* never reached */
      });
    await expect(create({ emailDomain: ['x.example'] })()).rejects.toThrow(
      'did you mean "allow.emailDomains"?',
    );
    await expect(create({ emailDomains: [] })()).rejects.toThrow('"options.allow.emailDomains"');
    await expect(create({ claims: { roles: { nested: true } } })()).rejects.toThrow(
      '"options.allow.claims.roles"',
    );
  });
});

describe('onSignIn', () => {
  it('refuses with the message the hook chose, escaped on the page', async () => {
    const onSignIn: OAuthSignInHook = async () => ({ refuse: 'Trading accounts <b>only</b>' });
    await withApp({ onSignIn }, async (app) => {
      await expectRefused(app, browser(app.url), /Trading accounts <b>only<\/b>/);
      const page = await attempt(browser(app.url), true);
      expect(page.status).toBe(403);
      expect(page.text).toContain('Trading accounts &lt;b&gt;only&lt;/b&gt;');
      expect(page.text).not.toContain('<b>only</b>');
    });
  });

  it('receives the provider, the user, the claims, the request and token metadata, never a token', async () => {
    let seen: Parameters<OAuthSignInHook>[0] | undefined;
    await withApp(
      {
        onSignIn: (context) => {
          seen = context;
        },
      },
      async (app) => {
        const agent = browser(app.url);
        expect((await attempt(agent)).status).toBe(303);
      },
    );
    expect(seen?.provider).toBe('default');
    expect(seen?.user.sub).toBe('alice');
    expect(seen?.claims.groups).toEqual(['ops']);
    expect(seen?.req.method).toBe('GET');
    expect(seen?.tokens).toMatchObject({ tokenType: 'bearer', hasRefreshToken: true });
    expect(JSON.stringify(seen?.tokens)).not.toMatch(/"[A-Za-z0-9_-]{30,}"/);
  });

  it('changes the user before the session is written', async () => {
    await withApp(
      {
        onSignIn: async ({ user }) => ({
          user: { name: 'Alice (trader)', claims: { ...user.claims, plan: 'gold' } },
        }),
      },
      async (app) => {
        const agent = browser(app.url);
        expect((await attempt(agent)).status).toBe(303);
        const me = (await agent.get('/me').expect(200)).body;
        expect(me).toMatchObject({ sub: 'alice', provider: 'default', name: 'Alice (trader)' });
        expect(me.claims.plan).toBe('gold');
      },
    );
  });

  it.each([
    ['changes sub', () => ({ user: { sub: 'mallory' } }) as never],
    ['changes provider', () => ({ user: { provider: 'other' } }) as never],
    ['throws', () => Promise.reject(new Error('accounts database down'))],
    ['answers something else', () => ({ allow: true }) as never],
  ])('gives a clean 500 and writes no session when the hook %s', async (_what, hook) => {
    await withApp({ onSignIn: hook as OAuthSignInHook }, async (app) => {
      const agent = browser(app.url);
      const revocations = provider.count('/revoke');
      const page = await attempt(agent, true);
      expect(page.status).toBe(500);
      expect(page.text).not.toMatch(/at .*\.ts:\d+/);
      expect(page.text).not.toContain('accounts database down');
      expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
      expect(provider.count('/revoke') - revocations).toBe(2);
      expect(app.logs.join('\n')).toContain('onSignIn()');
    });
  });

  it('writes nothing while a slow hook decides', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await withApp({ onSignIn: () => gate }, async (app) => {
      const agent = browser(app.url);
      const callback = await authorize(provider, await startLogin(agent));
      const pending = agent.get(pathOf(callback)).then((response) => response);
      await vi.waitFor(() => expect(provider.count('/token')).toBe(1));
      expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
      release();
      expect((await pending).status).toBe(303);
      await agent.get('/me').expect(200);
    });
  });

  it('runs after the allow rules, which refuse first', async () => {
    let called = false;
    await withApp(
      {
        allow: { emailDomains: ['bank.example'] },
        onSignIn: () => {
          called = true;
        },
      },
      async (app) => {
        await expectRefused(app, browser(app.url), /not allowed/);
      },
    );
    expect(called).toBe(false);
  });
});
