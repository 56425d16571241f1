import type { OAuthLogoutEvent } from '../options/policy-types.js';
import type { OAuthRuntime } from '../runtime.js';
import type { OAuthAuthentication } from '../session/sign-in.js';
import { notify } from './events.js';

/**
 * Revokes a sign-in's tokens at its provider (RFC 7009, when `revokeOnLogout` is on and the
 * provider can), bounded by the provider timeout; a failure is logged and never blocks the
 * caller. The one place every ending of a session revokes through.
 */
export async function revokeTokens(
  runtime: OAuthRuntime,
  signIn: OAuthAuthentication,
): Promise<void> {
  const { options } = runtime;
  if (!options.revokeOnLogout) return;
  const provider = runtime.providers.find(signIn.user.provider);
  if (provider === undefined) return;
  try {
    await provider.revoke(signIn.tokens);
  } catch (error) {
    options.logger.error(`could not revoke the tokens at provider "${provider.name}"`, error, {
      provider: provider.name,
    });
  }
}

/** A session ended: its tokens are revoked, then `onLogout` is told. */
export async function sessionEnded(
  runtime: OAuthRuntime,
  signIn: OAuthAuthentication,
  reason: OAuthLogoutEvent['reason'],
): Promise<void> {
  await revokeTokens(runtime, signIn);
  await notify(runtime.options, 'onLogout', runtime.options.onLogout, {
    provider: signIn.user.provider,
    user: signIn.user,
    reason,
  });
}
