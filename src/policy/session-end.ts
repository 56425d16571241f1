import type { OAuthLogoutEvent } from '../options/policy-types.js';
import type { OAuthProviderClient } from '../providers/client.js';
import type { OAuthRuntime } from '../runtime.js';
import type { OAuthAuthentication } from '../session/sign-in.js';
import { notify, withinTimeout } from './events.js';

/** Providers already logged as having no revocation endpoint: said once, not at every logout. */
const saidUnrevocable = new WeakSet<OAuthProviderClient>();

async function revokeAt(
  runtime: OAuthRuntime,
  provider: OAuthProviderClient,
  signIn: OAuthAuthentication,
): Promise<void> {
  const { logger } = runtime.options;
  try {
    if (await provider.revoke(signIn.tokens)) return;
    if (saidUnrevocable.has(provider)) return;
    saidUnrevocable.add(provider);
    logger.warn(
      `provider "${provider.name}" has no revocation_endpoint: the tokens of ended sessions stay valid there until they expire`,
      { provider: provider.name },
    );
  } catch (error) {
    logger.error(`could not revoke the tokens at provider "${provider.name}"`, error, {
      provider: provider.name,
    });
  }
}

/**
 * Revokes a sign-in's tokens at its provider (RFC 7009, when `revokeOnLogout` is on and the
 * provider can). The caller waits at most the provider timeout for both tokens; a failure, or a
 * provider without the endpoint, is logged and never blocks it. The one place every ending of a
 * session revokes through.
 */
export async function revokeTokens(
  runtime: OAuthRuntime,
  signIn: OAuthAuthentication,
): Promise<void> {
  const { options } = runtime;
  if (!options.revokeOnLogout) return;
  const provider = runtime.providers.find(signIn.user.provider);
  if (provider === undefined) return;
  if (!(await withinTimeout(revokeAt(runtime, provider, signIn), options.timeout))) {
    options.logger.warn(
      `could not revoke the tokens at provider "${provider.name}" within the timeout (${options.timeout} ms); the session ended without waiting`,
      { provider: provider.name },
    );
  }
}

/**
 * A session ended: its tokens are revoked and `onLogout` is told, side by side, so the request
 * waits at most the provider timeout for both.
 */
export async function sessionEnded(
  runtime: OAuthRuntime,
  signIn: OAuthAuthentication,
  reason: OAuthLogoutEvent['reason'],
): Promise<void> {
  await Promise.all([
    revokeTokens(runtime, signIn),
    notify(runtime.options, 'onLogout', runtime.options.onLogout, {
      provider: signIn.user.provider,
      user: signIn.user,
      reason,
    }),
  ]);
}
