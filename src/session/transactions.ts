/**
 * A login that has been started and not yet completed. It is kept in an encrypted cookie of its
 * own, named after its `state` (see pending-login-cookie.ts), never in the session store.
 */
export interface OAuthTransaction {
  /**
   * The PKCE code verifier, sent with the code at the token endpoint; its S256 challenge went in
   * the authorization request.
   *
   * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
   */
  readonly codeVerifier: string;
  /**
   * Present when the scope asks for an ID token (`openid`); the ID token must repeat it.
   *
   * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
   */
  readonly nonce?: string;
  /** The same-origin path to send the user back to once the login completes. */
  readonly returnTo: string;
  /** Epoch milliseconds at which the login started; older transactions expire. */
  readonly createdAt: number;
  /** The configured provider the login was started with (`"default"` in the single form). */
  readonly provider: string;
  /** A silent login (`prompt=none`): a "login required" answer is not an error then. */
  readonly silent?: boolean;
  /** Seconds, when the request carried `max_age`: the ID token's `auth_time` must satisfy it. */
  readonly maxAge?: number;
  /** A step-up (`requireAuth({ acr })`): the `acr` values one of which the ID token must carry. */
  readonly acr?: readonly string[];
  /** Providers per tenant: the tenant the login started on; its callback is refused elsewhere. */
  readonly tenant?: string;
}

/** A cookie comes from the browser: even once decrypted, its shape is checked on read. */
export function isTransaction(value: unknown): value is OAuthTransaction {
  if (typeof value !== 'object' || value === null) return false;
  const tx = value as Record<string, unknown>;
  return (
    typeof tx.codeVerifier === 'string' &&
    typeof tx.returnTo === 'string' &&
    typeof tx.createdAt === 'number' &&
    typeof tx.provider === 'string' &&
    (tx.nonce === undefined || typeof tx.nonce === 'string') &&
    (tx.silent === undefined || typeof tx.silent === 'boolean') &&
    (tx.maxAge === undefined || typeof tx.maxAge === 'number') &&
    (tx.tenant === undefined || typeof tx.tenant === 'string') &&
    (tx.acr === undefined || (Array.isArray(tx.acr) && tx.acr.every((v) => typeof v === 'string')))
  );
}
