// What the application decides at sign-in: `allow` rules (top level and per provider) and the
// `onSignIn` hook. Every refusal is checked for what it must not do, from a fresh browser and from
// one already signed in: write to the session store, touch an existing sign-in, keep the tokens
// just issued, or say on the page which rule failed.
import session from 'express-session';
import type { SessionData } from 'express-session';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OAuthOidcProvider, OAuthSharedOptions, OAuthSignInHook } from '../../src/index.js';
import { withTestApp } from '../helpers/app.js';
import type { TestApp, TestAppOptions } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { JsonObject, ScriptedProvider } from '../helpers/scripted-provider.js';

let provider: ScriptedProvider;

const ALICE: JsonObject = {
  email: 'alice@example.com',
  email_verified: true,
  realm_access: { roles: ['viewer', 'trader'] },
  groups: ['ops'],
};

beforeAll(async () => {
  provider = await startScriptedProvider();
});
afterAll(async () => {
  await provider.close();
});
beforeEach(() => {
  provider.reset();
  provider.subject = 'alice';
  provider.claims = ALICE;
});

/** express-session's MemoryStore, counting every write and deletion (the token entry's too). */
class CountingStore extends session.MemoryStore {
  writes = 0;
  override set(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    this.writes += 1;
    super.set(sid, data, callback);
  }
  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.writes += 1;
    super.destroy(sid, callback);
  }
}

type Extra = Partial<Omit<OAuthSharedOptions & OAuthOidcProvider, 'baseURL'>>;

interface Harness {
  app: TestApp;
  store: CountingStore;
}

function withOptions(
  oauth: TestAppOptions['oauth'],
  test: (harness: Harness) => Promise<void>,
): Promise<void> {
  const store = new CountingStore();
  return withTestApp({ oauth, store }, (app) => test({ app, store }));
}

function withApp(extra: Extra, test: (harness: Harness) => Promise<void>): Promise<void> {
  return withOptions(
    () => ({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      ...extra,
    }),
    test,
  );
}

/** One login attempt through the real routes; the callback's response. */
async function attempt(agent: Agent, html = false) {
  const callback = await authorize(provider, await startLogin(agent));
  const request = agent.get(pathOf(callback));
  return html ? request.set('Accept', 'text/html') : request;
}

/** Makes the next sign-in one the rules or hook refuse: mallory, with the given claims. */
function asMallory(claims: JsonObject = {}): void {
  provider.subject = 'mallory';
  provider.claims = claims;
}

/** Makes the next sign-in alice's, which every rule and hook of these tests accepts. */
function asAlice(): void {
  provider.subject = 'alice';
  provider.claims = ALICE;
}

interface Refusal {
  /** 403 for a refusal, 500 for a hook that failed. */
  readonly status: 403 | 500;
  /** What the JSON answer's message says (403 only). */
  readonly message?: RegExp;
  /** Sets up the provider so that the next sign-in is refused. */
  readonly refuse: () => void;
}

/** The refused callback, then what it left: no store write, its tokens revoked, no token logged. */
async function refusedAttempt({ app, store }: Harness, agent: Agent, refusal: Refusal) {
  refusal.refuse();
  const writes = store.writes;
  const revocations = provider.count('/revoke');
  const response = await attempt(agent);
  expect(response.status, response.text).toBe(refusal.status);
  if (refusal.status === 403) {
    expect(response.body.code).toBe('OAUTH_SIGN_IN_REFUSED');
    expect(response.body.message).toMatch(refusal.message ?? /./);
  }
  expect(store.writes - writes).toBe(0);
  // The refresh token, then the access token.
  expect(provider.count('/revoke') - revocations).toBe(2);
  expect(app.logs.join('\n')).not.toMatch(/access_token|refresh_token/);
}

/**
 * A refusal, tried twice: from a fresh browser, which stays signed out with nothing stored, and
 * from a browser already signed in as alice, whose session (id, user, tokens) is left as it was.
 */
async function expectRefused(harness: Harness, refusal: Refusal): Promise<void> {
  const fresh = browser(harness.app.url);
  await refusedAttempt(harness, fresh, refusal);
  expect((await fresh.get('/').expect(200)).body.signedIn).toBe(false);
  expect((await fresh.get('/session').expect(200)).body.oauth).toBeNull();

  asAlice();
  const signedIn = browser(harness.app.url);
  expect((await attempt(signedIn)).status).toBe(303);
  const before = (await signedIn.get('/session').expect(200)).body;
  await refusedAttempt(harness, signedIn, refusal);
  const after = (await signedIn.get('/session').expect(200)).body;
  expect(after.id).toBe(before.id);
  expect(after.oauth.user).toEqual(before.oauth.user);
  expect(after.oauth.tokens).toEqual(before.oauth.tokens);
  expect((await signedIn.get('/me').expect(200)).body.sub).toBe('alice');
}

/** A hook that decides only mallory's sign-ins, so alice can sign in first. */
function forMallory(hook: OAuthSignInHook): OAuthSignInHook {
  return (context) => (context.user.sub === 'mallory' ? hook(context) : undefined);
}

describe('allow', () => {
  it('refuses an email outside the allowed domains, and says which rule only in the log', async () => {
    await withApp({ allow: { emailDomains: ['example.com'] } }, async (harness) => {
      const refuse = () => asMallory({ email: 'mallory@bank.example', email_verified: true });
      await expectRefused(harness, { status: 403, message: /not allowed to sign in/, refuse });
      expect(harness.app.logs.join('\n')).toContain('allow.emailDomains');
      refuse();
      const page = await attempt(browser(harness.app.url), true);
      expect(page.status).toBe(403);
      expect(page.text).not.toContain('emailDomains');
      expect(page.text).not.toContain('bank.example');
    });
  });

  it('accepts an allowed domain, whatever its case', async () => {
    await withApp({ allow: { emailDomains: ['EXAMPLE.com'] } }, async ({ app }) => {
      const agent = browser(app.url);
      expect((await attempt(agent)).status).toBe(303);
      await agent.get('/me').expect(200);
    });
  });

  it('refuses an unverified email when emailVerified is required', async () => {
    await withApp({ allow: { emailVerified: true } }, async (harness) => {
      await expectRefused(harness, {
        status: 403,
        message: /not allowed/,
        refuse: () => asMallory({ email: 'mallory@example.com', email_verified: false }),
      });
      expect(harness.app.logs.join('\n')).toContain('allow.emailVerified');
    });
  });

  it('checks nested claims by dotted path, and array claims by membership', async () => {
    await withApp(
      { allow: { claims: { 'realm_access.roles': 'trader', groups: ['risk', 'ops'] } } },
      async (harness) => {
        const agent = browser(harness.app.url);
        expect((await attempt(agent)).status).toBe(303);
        // In the group, but without the nested role.
        await expectRefused(harness, {
          status: 403,
          message: /not allowed/,
          refuse: () => asMallory({ realm_access: { roles: ['viewer'] }, groups: ['ops'] }),
        });
        expect(harness.app.logs.join('\n')).toContain('allow.claims.realm_access.roles');
        // With the role, in no listed group.
        await expectRefused(harness, {
          status: 403,
          message: /not allowed/,
          refuse: () => asMallory({ realm_access: { roles: ['trader'] }, groups: ['guests'] }),
        });
        expect(harness.app.logs.join('\n')).toContain('allow.claims.groups');
        // Without the claims at all.
        await expectRefused(harness, { status: 403, message: /not allowed/, refuse: asMallory });
      },
    );
  });

  it("applies a provider's own rules on top of the top-level ones", async () => {
    await withOptions(
      () => ({
        allow: { emailVerified: true },
        providers: {
          main: {
            issuer: provider.issuer,
            clientId: provider.clientId,
            clientSecret: provider.clientSecret,
            allow: { emailDomains: ['example.com'] },
          },
        },
        defaultProvider: 'main',
      }),
      async (harness) => {
        const agent = browser(harness.app.url);
        expect((await attempt(agent)).status).toBe(303);
        // Passes the top-level rule, fails the provider's.
        await expectRefused(harness, {
          status: 403,
          message: /not allowed/,
          refuse: () => asMallory({ email: 'mallory@other.example', email_verified: true }),
        });
        expect(harness.app.logs.join('\n')).toContain('providers.main.allow.emailDomains');
      },
    );
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
    const onSignIn = forMallory(async () => ({ refuse: 'Trading accounts <b>only</b>' }));
    await withApp({ onSignIn }, async (harness) => {
      await expectRefused(harness, {
        status: 403,
        message: /Trading accounts <b>only<\/b>/,
        refuse: () => asMallory(),
      });
      asMallory();
      const page = await attempt(browser(harness.app.url), true);
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
      async ({ app }) => {
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
      async ({ app }) => {
        const agent = browser(app.url);
        expect((await attempt(agent)).status).toBe(303);
        const me = (await agent.get('/me').expect(200)).body;
        expect(me).toMatchObject({ sub: 'alice', provider: 'default', name: 'Alice (trader)' });
        expect(me.claims.plan).toBe('gold');
      },
    );
  });

  it('keeps the claims the sign-in relies on when the hook replaces the claims', async () => {
    await withApp({ onSignIn: () => ({ user: { claims: { plan: 'gold' } } }) }, async ({ app }) => {
      const agent = browser(app.url);
      expect((await attempt(agent)).status).toBe(303);
      const { claims } = (await agent.get('/me').expect(200)).body;
      expect(claims.plan).toBe('gold');
      // Dropped as the hook asked: an identity claim.
      expect(claims.groups).toBeUndefined();
      // Kept whatever the hook returned: the claims back-channel logout, the lifetimes and
      // step-up read.
      expect(claims).toMatchObject({ iss: provider.issuer, sub: 'alice', aud: provider.clientId });
      expect(claims.iat).toBeTypeOf('number');
    });
  });

  it('gives a clean 500 when the hook changes a claim the sign-in relies on', async () => {
    const onSignIn = forMallory(({ user }) => ({
      user: { claims: { ...user.claims, iss: 'https://elsewhere.example' } },
    }));
    await withApp({ onSignIn }, async (harness) => {
      await expectRefused(harness, { status: 500, refuse: () => asMallory() });
      expect(harness.app.logs.join('\n')).toContain('may not change the "iss" claim');
    });
  });

  it('changes nothing when the hook edits the user it was given in place', async () => {
    await withApp(
      {
        onSignIn: ({ user }) => {
          // A mistake: the context is read-only, and its user a frozen copy.
          (user as { sub: string }).sub = 'mallory';
        },
      },
      async ({ app }) => {
        const agent = browser(app.url);
        const page = await attempt(agent, true);
        expect(page.status).toBe(500);
        expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
        expect(app.logs.join('\n')).toContain('onSignIn() failed');
      },
    );
    await withApp(
      {
        onSignIn: ({ user }) => {
          Reflect.set(user, 'provider', 'other');
          Reflect.set(user.claims, 'sub', 'mallory');
        },
      },
      async ({ app }) => {
        const agent = browser(app.url);
        expect((await attempt(agent)).status).toBe(303);
        const me = (await agent.get('/me').expect(200)).body;
        expect(me).toMatchObject({ sub: 'alice', provider: 'default' });
        expect(me.claims.sub).toBe('alice');
      },
    );
  });

  it.each([
    ['changes sub', () => ({ user: { sub: 'mallory' } }) as never],
    ['changes provider', () => ({ user: { provider: 'other' } }) as never],
    ['throws', () => Promise.reject(new Error('accounts database down'))],
    ['answers something else', () => ({ allow: true }) as never],
    ['refuses without a message', () => ({ refuse: ' ' })],
  ])('gives a clean 500 and writes no session when the hook %s', async (_what, hook) => {
    await withApp({ onSignIn: forMallory(hook as OAuthSignInHook) }, async (harness) => {
      await expectRefused(harness, { status: 500, refuse: () => asMallory() });
      asMallory();
      const page = await attempt(browser(harness.app.url), true);
      expect(page.status).toBe(500);
      expect(page.text).not.toMatch(/at .*\.ts:\d+/);
      expect(page.text).not.toContain('accounts database down');
      expect(harness.app.logs.join('\n')).toContain('onSignIn()');
    });
  });

  it('writes nothing while a slow hook decides, nor when it then refuses', async () => {
    let release: () => void = () => {};
    const gates: Promise<void>[] = [];
    const onSignIn = forMallory(async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
        gates.push(Promise.resolve());
      });
      return { refuse: 'not today' };
    });
    await withApp({ onSignIn }, async ({ app, store }) => {
      const agent = browser(app.url);
      expect((await attempt(agent)).status).toBe(303);
      const before = (await agent.get('/session').expect(200)).body;
      const writes = store.writes;
      asMallory();
      const callback = await authorize(provider, await startLogin(agent));
      const pending = agent.get(pathOf(callback)).then((response) => response);
      await vi.waitFor(() => expect(gates).toHaveLength(1));
      expect((await agent.get('/me').expect(200)).body.sub).toBe('alice');
      release();
      expect((await pending).status).toBe(403);
      expect(store.writes - writes).toBe(0);
      const after = (await agent.get('/session').expect(200)).body;
      expect(after).toEqual(before);
    });
  });

  it('writes the session once a slow hook accepts', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await withApp({ onSignIn: () => gate }, async ({ app }) => {
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
        allow: { emailDomains: ['example.com'] },
        onSignIn: () => {
          called = true;
        },
      },
      async (harness) => {
        called = false;
        await refusedAttempt(harness, browser(harness.app.url), {
          status: 403,
          message: /not allowed/,
          refuse: () => asMallory({ email: 'mallory@bank.example' }),
        });
      },
    );
    expect(called).toBe(false);
  });
});
