/**
 * Child process: the test suite's oidc-provider on 127.0.0.1, so its work (which dominates a
 * login) runs on its own event loop rather than the load generator's.
 */
import { startTestProvider, TEST_CLIENT } from '../test/helpers/oidc-provider.js';
import { serveParent } from './ipc.js';

/** Provider requests of one kind, counted by path prefix. */
export interface ProviderCounts {
  total: number;
  discovery: number;
  jwks: number;
  authorization: number;
  interaction: number;
  token: number;
  userinfo: number;
}

const op = await startTestProvider();

serveParent(
  op.port,
  async (name, payload) => {
    switch (name) {
      case 'setClient': {
        const { redirectUris } = payload as { redirectUris: string[] };
        await op.setClient({ ...TEST_CLIENT, redirect_uris: redirectUris });
        return null;
      }
      case 'reset':
        op.resetCounts();
        return null;
      case 'counts':
        return {
          total: op.requests.length,
          discovery: op.count('/.well-known/'),
          jwks: op.count('/jwks'),
          authorization: op.count('/auth'),
          interaction: op.count('/interaction/'),
          token: op.count('/token'),
          // oidc-provider serves userinfo at /me.
          userinfo: op.count('/me'),
        } satisfies ProviderCounts;
      default:
        throw new Error(`unknown request ${name}`);
    }
  },
  { issuer: op.issuer, clientId: TEST_CLIENT.client_id, clientSecret: TEST_CLIENT.client_secret },
);
