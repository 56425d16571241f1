import type { CookieOptions, Request, Response } from 'express';
import type { ResolvedOptions } from '../options/resolve.js';
import { routeUrl } from '../options/routes.js';
import type { SecretKeys } from './secret-keys.js';
import { isTransaction } from './transactions.js';
import type { OAuthTransaction } from './transactions.js';
import { appCookiePath, cookieValue, requestCookies } from './browser-cookies.js';

/**
 * Pending logins live in the browser, not in the session store: a request to the login route
 * costs the store nothing, so a flood of them leaves nothing behind. Each pending login is one
 * cookie, named after (the start of) its `state` so several tabs can each log in, encrypted and
 * authenticated with the configured secret (JWE, see secret-keys.ts), scoped to the callback path
 * so it travels on no other request, and expiring with the transaction.
 *
 * The limit of pending logins needs to know the others when a login starts, which may happen on
 * any page (`req.oauth.login()`, a silent login, a step-up): a small index cookie, scoped to the
 * app, lists the tags of the pending logins, newest first. It holds no secret: a login beyond the
 * limit has its cookie replaced by a "dropped" mark, so its callback can say why it failed.
 */

const PREFIX = 'oauth_login_';
const INDEX = 'oauth_logins';
const DROPPED = 'dropped';
const TAG_LENGTH = 16;
/** States this package makes are 43 characters of base64url; a tag is the first 16 (96 bits). */
const STATE_SHAPE = /^[\w-]{16,256}$/;
const TAG_SHAPE = /^[\w-]{16}$/;
/** A little past the transaction's lifetime, so a late callback says "expired", not "unknown". */
const GRACE_SECONDS = 60;
/** The cookie's version: what it holds may change between releases. */
const VERSION = 1;

/** Where and for how long the cookies are kept; built from the resolved options. */
export interface PendingLoginSettings {
  readonly keys: SecretKeys;
  readonly baseURL: URL;
  /** The callback route's path, e.g. `/callback` (with several providers, its `/:provider`s too). */
  readonly callbackPath: string;
  /** Seconds. */
  readonly maxAge: number;
  readonly max: number;
}

const settingsOf = new WeakMap<ResolvedOptions, PendingLoginSettings>();

/** The settings of one middleware's pending-login cookies, worked out once. */
export function pendingLoginSettings(options: ResolvedOptions): PendingLoginSettings {
  let settings = settingsOf.get(options);
  if (settings === undefined) {
    settings = {
      keys: options.secretKeys,
      baseURL: options.baseURL,
      callbackPath: new URL(routeUrl(options.baseURL, options.routes.callback)).pathname,
      maxAge: options.transactionMaxAge,
      max: options.maxTransactions,
    };
    settingsOf.set(options, settings);
  }
  return settings;
}

/** How the provider sends the browser back: `form_post` is a cross-site POST. */
export type PendingLoginDelivery = 'query' | 'form_post';

/** What the browser said about a callback's `state`. */
export type TakenTransaction =
  | { found: true; transaction: OAuthTransaction }
  | { found: false; anyPending: boolean; dropped: boolean };

function tagOf(state: string): string | undefined {
  return STATE_SHAPE.test(state) ? state.slice(0, TAG_LENGTH) : undefined;
}

function pendingOptions(
  settings: PendingLoginSettings,
  delivery: PendingLoginDelivery,
): CookieOptions {
  const secure = settings.baseURL.protocol === 'https:';
  // form_post: the callback is a cross-site POST, which carries only SameSite=None cookies, and
  // browsers take those only with Secure. Over http (local development) a Secure cookie would
  // never come back, so the attribute is left out: Chromium's default then lets a top-level POST
  // through within two minutes, and other browsers send it.
  const sameSite: CookieOptions['sameSite'] =
    delivery === 'form_post' ? (secure ? 'none' : undefined) : 'lax';
  return {
    httpOnly: true,
    secure,
    path: settings.callbackPath,
    maxAge: (settings.maxAge + GRACE_SECONDS) * 1000,
    ...(sameSite === undefined ? {} : { sameSite }),
  };
}

function indexOptions(settings: PendingLoginSettings): CookieOptions {
  return {
    httpOnly: true,
    secure: settings.baseURL.protocol === 'https:',
    sameSite: 'lax',
    path: appCookiePath(settings.baseURL),
    maxAge: (settings.maxAge + GRACE_SECONDS) * 1000,
  };
}

/** clearCookie() sets its own expiry; a maxAge given with it would revive the cookie. */
function forClearing(options: CookieOptions): CookieOptions {
  const { maxAge: _lifetime, ...rest } = options;
  return rest;
}

function readIndex(value: string | undefined, max: number): string[] {
  if (value === undefined) return [];
  // Bounded before it is split: the browser sends what it likes.
  const tags = value.slice(0, (TAG_LENGTH + 1) * max * 2).split('.');
  return [...new Set(tags.filter((tag) => TAG_SHAPE.test(tag)))];
}

function writeIndex(
  res: Response,
  settings: PendingLoginSettings,
  tags: readonly string[],
  had: boolean,
): void {
  if (tags.length > 0) res.cookie(INDEX, tags.join('.'), indexOptions(settings));
  else if (had) res.clearCookie(INDEX, forClearing(indexOptions(settings)));
}

/**
 * Sets the cookie of a new pending login; beyond `max` pending logins, the oldest is marked
 * dropped. Writes nothing to the session.
 */
export async function addPendingLogin(
  settings: PendingLoginSettings,
  req: Request,
  res: Response,
  state: string,
  transaction: OAuthTransaction,
  delivery: PendingLoginDelivery,
): Promise<void> {
  const tag = tagOf(state);
  if (tag === undefined) throw new TypeError('a state of the wrong shape');
  const sealed = await settings.keys.seal('pending-login', { v: VERSION, state, transaction });
  const cookies = requestCookies(req);
  const previous = readIndex(cookieValue(cookies, INDEX), settings.max);
  const tags = [tag, ...previous.filter((t) => t !== tag)];
  for (const dropped of tags.slice(settings.max)) {
    res.cookie(`${PREFIX}${dropped}`, DROPPED, pendingOptions(settings, delivery));
  }
  res.cookie(`${PREFIX}${tag}`, sealed, pendingOptions(settings, delivery));
  writeIndex(res, settings, tags.slice(0, settings.max), true);
}

function isPendingPayload(
  value: unknown,
): value is { v: number; state: string; transaction: OAuthTransaction } {
  if (typeof value !== 'object' || value === null) return false;
  const payload = value as Record<string, unknown>;
  return (
    payload.v === VERSION && typeof payload.state === 'string' && isTransaction(payload.transaction)
  );
}

/**
 * Takes the pending login of `state` out of the browser: its cookie is cleared before it is
 * opened and checked, so a replayed callback finds nothing to reuse, whatever happens next.
 */
export async function takePendingLogin(
  settings: PendingLoginSettings,
  req: Request,
  res: Response,
  state: string,
): Promise<TakenTransaction> {
  const cookies = requestCookies(req);
  const tag = tagOf(state);
  const value = tag === undefined ? undefined : cookieValue(cookies, `${PREFIX}${tag}`);
  if (value === undefined || value === DROPPED) {
    const anyPending = Object.entries(cookies).some(
      ([name, v]) => name.startsWith(PREFIX) && v !== undefined && v !== DROPPED,
    );
    return {
      found: false,
      anyPending: anyPending || value === DROPPED,
      dropped: value === DROPPED,
    };
  }
  // Clear the cookie before validating it, so a replayed callback cannot reuse it. Both
  // deliveries' attributes name the same cookie: a cookie is known by its name and path.
  res.clearCookie(`${PREFIX}${tag as string}`, forClearing(pendingOptions(settings, 'query')));
  const index = cookieValue(cookies, INDEX);
  if (index !== undefined) {
    // The index reaches the callback on a GET; a cross-site form_post leaves it to the next login.
    const rest = readIndex(index, settings.max).filter((t) => t !== tag);
    writeIndex(res, settings, rest, true);
  }
  const payload = await settings.keys.open('pending-login', value);
  // A cookie this app did not seal (or sealed for another state) matches no login started here.
  if (!isPendingPayload(payload) || payload.state !== state) {
    return { found: false, anyPending: true, dropped: false };
  }
  return { found: true, transaction: payload.transaction };
}
