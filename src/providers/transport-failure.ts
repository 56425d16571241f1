/**
 * What a failed provider request's cause chain says of the transport: a timeout, a provider that
 * could not be reached (or spoke no HTTP), or a TLS certificate that was refused; by codes only.
 */
import type { ErrorLink } from './error-chain.js';

/** Socket and HTTP-parser codes that mean the provider could not be reached or spoke no HTTP. */
const NETWORK_CODE = /^(E[A-Z]+|UND_ERR_[A-Z_]+|HPE_[A-Z_]+)$/;

/** openid-client's timeout, or the `AbortSignal.timeout()` of the package's own fetch. */
export function isTimeout(links: readonly ErrorLink[]): boolean {
  return links.some((link) => link.code === 'OAUTH_TIMEOUT' || link.name === 'TimeoutError');
}

/** fetch rejects with a TypeError whose cause is the socket's error: the provider was not reached. */
export function isNetworkFailure(links: readonly ErrorLink[]): boolean {
  return links.some(
    (link, index) =>
      (typeof link.code === 'string' && NETWORK_CODE.test(link.code)) ||
      (link instanceof TypeError && link.cause instanceof Error && index < links.length - 1),
  );
}

/** OpenSSL's and Node's codes for a certificate that could not be verified. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

/** The TLS verification failure under a failed fetch, by its code. */
export function tlsFailure(links: readonly ErrorLink[]): string | undefined {
  const link = links.find((l) => typeof l.code === 'string' && TLS_CODE.test(l.code));
  return link?.code as string | undefined;
}
