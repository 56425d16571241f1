/**
 * Algoreg in the example app: the server calls the Algoreg simulator's API on its own behalf (no
 * user signs in) through the package's token client, `createTokenClient(algoreg(...))`.
 *
 * Two clients: one with the right password, whose token is cached for its hour, and one with a
 * wrong password, to show what the token client does about it: the first refusal rejects with
 * OAUTH_CREDENTIALS_REJECTED, every later call fails at once, without a request, until the
 * cool-down has passed, and after 3 refusals in a row (the preset's maxCredentialsRejections) the
 * client stops sending the password at all. Nothing here calls resetCredentials(), so Algoreg sees
 * at most 3 wrong passwords in a row from this app, two fewer than lock the account.
 */
import { algoreg, createTokenClient, OAuthError } from 'express-oauth-rp';
import type { OAuthTokenClient } from 'express-oauth-rp';

import type { AlgoregSimulator } from '../simulators/algoreg.js';

/** What the page shows about one call. */
export interface AlgoregCall {
  readonly at: number;
  /** The API's answer, or the error's code and message. */
  readonly ok: boolean;
  readonly status?: number;
  readonly body?: unknown;
  readonly code?: string;
  readonly message?: string;
  readonly retryAfter?: number;
  /** How many requests this call sent to the token endpoint (0: the cached token, or none). */
  readonly tokenRequests: number;
}

export interface AlgoregView {
  readonly apiBaseURL: string;
  readonly username: string;
  /** When the cached token of the right-password client was issued; undefined before the first. */
  readonly tokenIssuedAt: number | undefined;
  readonly tokenLifetime: number;
  readonly lastCall: AlgoregCall | undefined;
  readonly lastWrongPassword: AlgoregCall | undefined;
  /** The simulator's count of consecutive wrong passwords, and how many would lock the account. */
  readonly failures: number;
  readonly lockThreshold: number;
  readonly locked: boolean;
  readonly cooldown: number;
  /** Refusals in a row after which the wrong-password client stops (the preset's). */
  readonly maxRejections: number;
}

export interface AlgoregDemo {
  view(): AlgoregView;
  /** GET /api/v1/me with the right password (the token from the cache when it is still good). */
  call(): Promise<void>;
  /** The same call by a client whose password is wrong. */
  callWithWrongPassword(): Promise<void>;
}

/** Seconds without a new attempt after a refusal: the token client's default, named for the page. */
const COOLDOWN = 900;

/** The Algoreg preset's maxCredentialsRejections, named for the page. */
const MAX_REJECTIONS = 3;

export function createAlgoregDemo(simulator: AlgoregSimulator): AlgoregDemo {
  const { user } = simulator;
  let tokenIssuedAt: number | undefined;
  let tokenRequests = 0;
  let lastCall: AlgoregCall | undefined;
  let lastWrongPassword: AlgoregCall | undefined;

  // Counts the token requests and remembers when the cached token was issued: the token client
  // keeps its cache to itself, as it should.
  const observed =
    (onToken: (ok: boolean) => void): typeof fetch =>
    async (input, init) => {
      const response = await fetch(input, init);
      const url = new URL(input instanceof Request ? input.url : input);
      if (url.pathname === '/api/v1/token') {
        tokenRequests += 1;
        onToken(response.ok);
      }
      return response;
    };

  const client = createTokenClient(
    algoreg({
      username: user.email,
      password: user.password,
      apiBaseURL: simulator.url,
      fetch: observed((ok) => {
        if (ok) tokenIssuedAt = Date.now();
      }),
    }),
  );
  const wrong = createTokenClient(
    algoreg({
      username: user.email,
      password: `${user.password}-typo`,
      apiBaseURL: simulator.url,
      credentialsCooldown: COOLDOWN,
      maxCredentialsRejections: MAX_REJECTIONS,
      fetch: observed(() => undefined),
    }),
  );

  async function callMe(tokenClient: OAuthTokenClient): Promise<AlgoregCall> {
    const before = tokenRequests;
    const at = Date.now();
    try {
      const response = await tokenClient.fetch('/api/v1/me');
      const body: unknown = await response.json().catch(() => undefined);
      return {
        at,
        ok: response.ok,
        status: response.status,
        body,
        tokenRequests: tokenRequests - before,
      };
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return {
        at,
        ok: false,
        code: error.code,
        message: error.message,
        ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }),
        tokenRequests: tokenRequests - before,
      };
    }
  }

  return {
    view: () => ({
      apiBaseURL: simulator.url,
      username: user.email,
      tokenIssuedAt,
      tokenLifetime: 3600,
      lastCall,
      lastWrongPassword,
      failures: simulator.consecutiveFailures(user.email),
      lockThreshold: simulator.maxFailedAttempts,
      locked: simulator.isLocked(user.email),
      cooldown: COOLDOWN,
      maxRejections: MAX_REJECTIONS,
    }),
    async call() {
      lastCall = await callMe(client);
    },
    async callWithWrongPassword() {
      lastWrongPassword = await callMe(wrong);
    },
  };
}
