/**
 * Providers per tenant: back-channel logout ends the sessions of the tenant that received the
 * logout token, never another tenant's, even when both tenants use the same issuer and client
 * (one provider for several customers, the same user signed in to both).
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, pathOf } from '../helpers/login.js';
import { authorize, clientOf, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';
import { startTenantApp } from './tenant-app.js';
import type { TenantApp } from './tenant-app.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

describe('providers per tenant: back-channel logout', () => {
  let idp: ScriptedProvider;
  let app: TenantApp;

  beforeAll(async () => {
    idp = await startScriptedProvider();
    app = await startTenantApp({
      shared: { routes: { backchannelLogout: '/backchannel-logout' } },
      providers: ({ a, b }) => ({
        resolve(req) {
          const host = req.headers.host;
          const tenant = host === a.host ? 'a' : host === b.host ? 'b' : undefined;
          if (tenant === undefined) return undefined;
          return {
            tenant,
            baseURL: tenant === 'a' ? a.origin : b.origin,
            providers: { idp: { ...clientOf(idp), allowInsecureHttp: true } },
          };
        },
      }),
    });
  });

  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  async function signIn(origin: string) {
    const agent = browser(origin);
    const login = await agent.get('/login/idp');
    expect(login.status).toBe(303);
    const callback = await authorize(idp, new URL(login.headers.location as string));
    expect((await agent.get(pathOf(callback))).status).toBe(303);
    return agent;
  }

  const logoutToken = () =>
    idp.sign({
      iss: idp.issuer,
      aud: idp.clientId,
      iat: Math.floor(Date.now() / 1000) + 1,
      jti: randomUUID(),
      events: { [EVENT]: {} },
      sub: idp.subject,
    });

  const status = async (agent: ReturnType<typeof browser>) =>
    (await agent.get('/me').set('Accept', 'application/json')).status;

  it("ends the user's sessions on the tenant that received the token, and only there", async () => {
    const onA = await signIn(app.a);
    const onB = await signIn(app.b);
    expect([await status(onA), await status(onB)]).toEqual([200, 200]);
    await request(app.b)
      .post('/backchannel-logout/idp')
      .type('form')
      .send({ logout_token: await logoutToken() })
      .expect(200);
    expect([await status(onA), await status(onB)]).toEqual([200, 401]);
    await request(app.a)
      .post('/backchannel-logout/idp')
      .type('form')
      .send({ logout_token: await logoutToken() })
      .expect(200);
    expect(await status(onA)).toBe(401);
  });
});
