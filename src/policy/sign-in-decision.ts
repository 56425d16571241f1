import { isDeepStrictEqual } from 'node:util';
import type { Request } from 'express';
import { OAuthError } from '../errors.js';
import type { OAuthUserChanges } from '../options/policy-types.js';
import type { OAuthProviderClient } from '../providers/client.js';
import type { OAuthRuntime } from '../runtime.js';
import type { OAuthAuthentication } from '../session/sign-in.js';
import { failedAllowRule } from './allow-rules.js';
import { tokenInfo } from './events.js';
import { revokeTokens } from './session-end.js';

/** What the person in front of the browser reads when an `allow` rule refuses them. */
const NOT_ALLOWED = 'your account is not allowed to sign in to this application';

const CHANGEABLE = new Set<string>(['name', 'email', 'emailVerified', 'picture', 'claims']);

/**
 * Claims the package itself relies on after the sign-in: who issued it and for whom (`iss`,
 * `sub`, `aud`, `azp`), back-channel logout (`sid`), the lifetimes (`session_expiry`, `exp`,
 * `iat`) and step-up (`acr`, `amr`, `auth_time`). A hook's `claims` may drop or add any other
 * claim; these are always the validated ones.
 */
const KEPT_CLAIMS = [
  'iss',
  'sub',
  'aud',
  'azp',
  'sid',
  'session_expiry',
  'exp',
  'iat',
  'acr',
  'amr',
  'auth_time',
] as const;

function refused(message: string, refusedBy: 'allow' | 'onSignIn'): OAuthError {
  // The structured cause tells the error page whose words the message is.
  return new OAuthError(message, { code: 'OAUTH_SIGN_IN_REFUSED', cause: { refusedBy } });
}

function hookMistake(message: string, cause?: unknown): OAuthError {
  return new OAuthError(`onSignIn() ${message}`, { code: 'OAUTH_INTERNAL_ERROR', cause });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The claims a hook returned, with the validated protocol claims kept as they are. */
function changedClaims(
  validated: Readonly<Record<string, unknown>>,
  returned: Record<string, unknown>,
): Record<string, unknown> {
  const kept: ReadonlySet<string> = new Set(KEPT_CLAIMS);
  for (const name of KEPT_CLAIMS) {
    if (name in returned && !isDeepStrictEqual(returned[name], validated[name])) {
      throw hookMistake(`may not change the "${name}" claim, which the sign-in relies on`);
    }
  }
  return {
    ...Object.fromEntries(Object.entries(returned).filter(([name]) => !kept.has(name))),
    ...Object.fromEntries(
      KEPT_CLAIMS.filter((name) => name in validated).map((name) => [name, validated[name]]),
    ),
  };
}

/** The user with the hook's changes, checked: never `sub` or `provider`, each field its type. */
function changedUser(signIn: OAuthAuthentication, changes: unknown): OAuthAuthentication {
  if (!isObject(changes)) throw hookMistake('returned "user" that is not an object');
  for (const [key, value] of Object.entries(changes)) {
    if (!CHANGEABLE.has(key)) {
      throw hookMistake(`may change name, email, emailVerified, picture and claims, not "${key}"`);
    }
    const expected = key === 'emailVerified' ? 'boolean' : key === 'claims' ? 'object' : 'string';
    if (
      value !== undefined &&
      (expected === 'object' ? !isObject(value) : typeof value !== expected)
    ) {
      throw hookMistake(`returned a "${key}" that is not a ${expected}`);
    }
  }
  const { claims, ...fields } = changes as OAuthUserChanges;
  const user = {
    ...signIn.user,
    ...fields,
    ...(claims === undefined
      ? {}
      : { claims: changedClaims(signIn.user.claims, claims as Record<string, unknown>) }),
    // Whatever the object held, the identity stays the one the provider signed.
    sub: signIn.user.sub,
    provider: signIn.user.provider,
  };
  return { user, tokens: signIn.tokens };
}

/** A copy the hook may read but not change: editing it in place changes nothing stored. */
function frozenCopy<T>(value: T): T {
  const copy = structuredClone(value);
  const freeze = (node: unknown): void => {
    if (typeof node !== 'object' || node === null || Object.isFrozen(node)) return;
    Object.freeze(node);
    for (const child of Object.values(node)) freeze(child);
  };
  freeze(copy);
  return copy;
}

/**
 * What the application decides about a sign-in the callback validated, before anything is
 * written: the `allow` rules (top level, then the provider's), then `onSignIn`. A refusal is
 * 403 `OAUTH_SIGN_IN_REFUSED` and a hook that throws is a 500; either way the tokens just issued
 * are revoked, so nothing of the refused sign-in outlives the request.
 */
export async function decideSignIn(
  runtime: OAuthRuntime,
  provider: OAuthProviderClient,
  req: Request,
  signIn: OAuthAuthentication,
): Promise<OAuthAuthentication> {
  const { options } = runtime;
  const rules = [
    ['allow', options.allow],
    [`providers.${provider.name}.allow`, provider.settings.allow],
  ] as const;
  for (const [where, rule] of rules) {
    if (rule === undefined) continue;
    const failed = failedAllowRule(rule, signIn.user);
    if (failed === undefined) continue;
    options.logger.warn(
      `sign-in of "${signIn.user.sub}" with provider "${provider.name}" refused by ${where}.${failed}`,
    );
    await revokeTokens(runtime, signIn);
    throw refused(NOT_ALLOWED, 'allow');
  }
  if (options.onSignIn === undefined) return signIn;
  let decision: unknown;
  // The hook reads a frozen copy: only what it returns changes the user, within the rules above.
  const user = frozenCopy(signIn.user);
  try {
    decision = await options.onSignIn({
      provider: provider.name,
      user,
      claims: user.claims,
      req,
      tokens: tokenInfo(signIn.tokens),
    });
  } catch (error) {
    options.logger.error(`onSignIn() failed for provider "${provider.name}"`, error, {
      provider: provider.name,
    });
    await revokeTokens(runtime, signIn);
    throw hookMistake('failed', error);
  }
  try {
    if (decision === undefined || decision === null) return signIn;
    if (isObject(decision) && 'refuse' in decision) {
      const message = decision.refuse;
      if (typeof message !== 'string' || message.trim() === '') {
        throw hookMistake('refused without a message ("refuse" must be a non-empty string)');
      }
      options.logger.warn(
        `sign-in of "${signIn.user.sub}" with provider "${provider.name}" refused by onSignIn()`,
      );
      throw refused(message, 'onSignIn');
    }
    if (isObject(decision) && 'user' in decision) return changedUser(signIn, decision.user);
    throw hookMistake('must return nothing, { user } or { refuse }');
  } catch (error) {
    await revokeTokens(runtime, signIn);
    if (error instanceof OAuthError && error.code === 'OAUTH_INTERNAL_ERROR') {
      options.logger.error(error.message);
    }
    throw error;
  }
}
