/** A login that has been started and not yet completed, stored in the session keyed by `state`. */
export interface OAuthTransaction {
  readonly codeVerifier: string;
  /** Present when the scope asks for an ID token (`openid`). */
  readonly nonce?: string;
  readonly returnTo: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly provider: string;
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
    (tx.nonce === undefined || typeof tx.nonce === 'string')
  );
}
