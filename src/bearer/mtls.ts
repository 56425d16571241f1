import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Request } from 'express';
import { refuseToken } from './jwt-access-token.js';

/**
 * Checks a certificate-bound token (`cnf.x5t#S256`) against the client certificate of this
 * connection. Only a TLS connection the application terminates itself shows that certificate;
 * behind a proxy that terminates TLS there is none, and the token is refused rather than trusted
 * on a header anyone could set.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 */
export function checkCertificateBinding(req: Request, thumbprint: unknown): void {
  if (typeof thumbprint !== 'string') throw refuseToken('"cnf.x5t#S256" must be a string');
  const socket = req.socket as Partial<TLSSocket>;
  const certificate =
    typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  const raw = certificate?.raw;
  if (raw === undefined || raw.length === 0) {
    throw refuseToken('it is bound to a client certificate and the connection presented none');
  }
  if (createHash('sha256').update(raw).digest('base64url') !== thumbprint) {
    throw refuseToken('it is bound to another client certificate');
  }
}
