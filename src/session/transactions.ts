import type { Request } from 'express';
import { sessionData } from './sign-in.js';

/** A login that has been started and not yet completed, stored in the session keyed by `state`. */
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

/**
 * Drops expired transactions and keeps at most `max` of the newest, so a browser opening login
 * pages over and over cannot grow its session without bound.
 */
export function pruneTransactions(
  transactions: Readonly<Record<string, OAuthTransaction>>,
  now: number,
  maxAgeMs: number,
  max: number,
): Record<string, OAuthTransaction> {
  const live = Object.entries(transactions)
    .filter(([, tx]) => isTransaction(tx) && now - tx.createdAt < maxAgeMs)
    .sort(([, a], [, b]) => b.createdAt - a.createdAt)
    .slice(0, max);
  return Object.fromEntries(live);
}

/** Sessions are stored data: a store may hand back anything, so the shape is checked on read. */
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

/** Records a new pending login, dropping expired ones and the oldest beyond `max`. */
export function addTransaction(
  req: Request,
  state: string,
  transaction: OAuthTransaction,
  maxAgeMs: number,
  max: number,
): void {
  const stored = sessionData(req) ?? {};
  const now = transaction.createdAt;
  const all = { ...stored.transactions, [state]: transaction };
  const pending = pruneTransactions(all, now, maxAgeMs, max);
  // Remember what the limit dropped (not what expired), so its callback can say so.
  const dropped = Object.entries(all)
    .filter(([key, tx]) => !Object.hasOwn(pending, key) && isTransaction(tx))
    .filter(([, tx]) => now - tx.createdAt < maxAgeMs)
    .map(([key]) => key);
  const earlier = Array.isArray(stored.droppedStates) ? stored.droppedStates : [];
  const droppedStates = [...dropped, ...earlier.filter((s) => typeof s === 'string')].slice(0, max);
  req.session.oauth = {
    ...stored,
    transactions: pending,
    ...(droppedStates.length === 0 ? {} : { droppedStates }),
  };
}

/** What the session said about a callback's `state`. */
export type TakenTransaction =
  | { found: true; transaction: OAuthTransaction }
  | { found: false; anyPending: boolean; dropped: boolean };

/**
 * Removes the transaction for `state` and returns it. Deleting it before it is validated means a
 * replayed callback finds nothing to reuse, whatever happens next.
 */
export function takeTransaction(req: Request, state: string): TakenTransaction {
  const stored = sessionData(req);
  const pending = stored?.transactions ?? {};
  const transaction = Object.hasOwn(pending, state) ? pending[state] : undefined;
  if (!isTransaction(transaction)) {
    const dropped = Array.isArray(stored?.droppedStates) && stored.droppedStates.includes(state);
    return { found: false, anyPending: Object.keys(pending).length > 0, dropped };
  }
  const rest = Object.fromEntries(Object.entries(pending).filter(([key]) => key !== state));
  req.session.oauth = { ...stored, transactions: rest };
  return { found: true, transaction };
}
