import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The server's DPoP nonce, without state: the current time window and an HMAC of it, so every
 * instance given the same secret accepts the nonces of the others. A nonce is accepted during its
 * window and the next one.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-8
 */
export interface DpopNonces {
  /** The nonce to hand out now. */
  current(): string;
  /** Whether the proof's nonce was handed out by this server, recently enough. */
  accepts(nonce: unknown): boolean;
}

export function createDpopNonces(secret: string, windowSeconds: number): DpopNonces {
  const windowMs = windowSeconds * 1000;
  const sign = (bucket: number) =>
    `${bucket.toString(36)}.${createHmac('sha256', secret).update(`dpop-nonce:${bucket}`).digest('base64url')}`;
  return {
    current: () => sign(Math.floor(Date.now() / windowMs)),
    accepts(nonce) {
      if (typeof nonce !== 'string' || nonce.length > 128) return false;
      const bucket = Number.parseInt(nonce.split('.')[0] ?? '', 36);
      const now = Math.floor(Date.now() / windowMs);
      if (!Number.isSafeInteger(bucket) || bucket > now || bucket < now - 1) return false;
      const expected = Buffer.from(sign(bucket));
      const given = Buffer.from(nonce);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
