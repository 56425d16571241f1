import type { OAuthError } from '../errors.js';

/** Builds the error of a call refused by the gate, `remaining` seconds (or `Infinity`) before it opens. */
export type BlockedError = (remaining: number) => OAuthError;

/**
 * Builds the error of a refusal of the credentials; `stoppedAfter` is the number of refusals in a
 * row once they reached `maxCredentialsRejections` (the client then sends the credentials no more).
 */
export type RejectedError = (remaining: number, stoppedAfter: number | undefined) => OAuthError;

/**
 * Refuses every attempt, without a request, for a while after the provider refused the credentials
 * (or asked to wait with `Retry-After`). Providers such as Algoreg lock an account after repeated
 * wrong passwords, so a wrong password must cost one attempt per cool-down, not one per API call;
 * and since a cool-down only spaces the attempts out, a client that counts `maxRejections`
 * refusals in a row stops sending the credentials at all, until {@link resetCredentials}.
 */
export class AttemptGate {
  readonly #maxRejections: number;
  #blocked: { until: number; error: BlockedError; credentials: boolean } | undefined;
  /** Refusals of the credentials since they were last accepted (or reset). */
  #rejections = 0;

  constructor(maxRejections = Infinity) {
    this.#maxRejections = maxRejections;
  }

  /** Throws the blocking error while the gate is closed. */
  check(): void {
    const blocked = this.#blocked;
    if (blocked === undefined) return;
    const now = Date.now();
    if (now < blocked.until) {
      throw blocked.error(
        blocked.until === Infinity ? Infinity : Math.ceil((blocked.until - now) / 1000),
      );
    }
    this.#blocked = undefined;
  }

  /** Closes the gate for `seconds` (`Infinity`: for good) and returns the error to throw now. */
  close(seconds: number, error: BlockedError, credentials = false): OAuthError {
    if (seconds > 0) this.#blocked = { until: Date.now() + seconds * 1000, error, credentials };
    return error(seconds);
  }

  /**
   * Counts a refusal of the credentials and closes the gate for `cooldown` seconds, or for good
   * once the refusals in a row reach the limit; returns the error to throw now.
   */
  reject(cooldown: number, error: RejectedError): OAuthError {
    this.#rejections += 1;
    const stopped = this.#rejections >= this.#maxRejections ? this.#rejections : undefined;
    const seconds = stopped === undefined ? cooldown : Infinity;
    return this.close(seconds, (remaining) => error(remaining, stopped), true);
  }

  /** The provider accepted the credentials: the refusals no longer count as "in a row". */
  accept(): void {
    this.#rejections = 0;
  }

  /** Forgets the refusals and opens a gate they closed (not a wait a `Retry-After` asked for). */
  resetCredentials(): void {
    this.#rejections = 0;
    if (this.#blocked?.credentials === true) this.#blocked = undefined;
  }
}

/** An access token as the token endpoint issued it. */
export interface IssuedToken {
  readonly accessToken: string;
  /** Seconds, when the token endpoint said. */
  readonly expiresIn: number | undefined;
}

interface CachedToken {
  readonly accessToken: string;
  /** Epoch milliseconds after which the token is renewed; `undefined`: until it is refused. */
  readonly renewAt: number | undefined;
}

/**
 * Keeps one access token until shortly before it expires and renews it once for all callers: while
 * a token request is in flight, every caller waits for that one (single flight).
 */
export class TokenCache {
  readonly #request: () => Promise<IssuedToken>;
  readonly #leewayMs: number;
  #token: CachedToken | undefined;
  #pending: Promise<string> | undefined;

  constructor(request: () => Promise<IssuedToken>, refreshLeewaySeconds: number) {
    this.#request = request;
    this.#leewayMs = refreshLeewaySeconds * 1000;
  }

  get(): Promise<string> {
    const token = this.#token;
    if (token !== undefined && (token.renewAt === undefined || Date.now() < token.renewAt)) {
      return Promise.resolve(token.accessToken);
    }
    this.#pending ??= this.#renew().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Forgets the cached token, or only `accessToken` if it is still the cached one. */
  drop(accessToken?: string): void {
    if (accessToken === undefined || this.#token?.accessToken === accessToken) {
      this.#token = undefined;
    }
  }

  async #renew(): Promise<string> {
    // The lifetime counts from the request, not the response: the token may have been issued
    // at any moment in between.
    const requestedAt = Date.now();
    const issued = await this.#request();
    let renewAt: number | undefined;
    if (issued.expiresIn !== undefined) {
      const lifetimeMs = issued.expiresIn * 1000;
      // A leeway longer than the token's life would renew it at every call: cap it at half.
      renewAt = requestedAt + lifetimeMs - Math.min(this.#leewayMs, lifetimeMs / 2);
    }
    this.#token = { accessToken: issued.accessToken, renewAt };
    return issued.accessToken;
  }
}
