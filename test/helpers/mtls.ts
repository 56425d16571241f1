// Mutual TLS (RFC 8705) test parts shared by the tests that need them: https servers on loopback
// that ask for client certificates, oidc-provider's mTLS feature reading the certificate from the
// connection, and a requireBearer() API that checks certificate-bound tokens.
import { X509Certificate } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import express from 'express';
import session from 'express-session';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { oauthMiddleware, requireBearer } from '../../src/index.js';
import type { OAuthUser } from '../../src/index.js';
import { TEST_SECRET } from './app.js';
import type { TestCertificates } from './certificates.js';
import { serverLifecycle } from './oidc-provider/server-lifecycle.js';
import type { ServerLifecycle } from './oidc-provider/server-lifecycle.js';

/** An https server on 127.0.0.1, with the server certificate of `certs`. */
export interface HttpsListening {
  server: HttpsServer;
  lifecycle: ServerLifecycle;
  origin: string;
  /** Paths requested, in order. */
  paths: string[];
}

/**
 * An https server on 127.0.0.1; with `requestCert`, it asks for a client certificate and lets the
 * application decide: the provider and the API, not the handshake, so an unknown certificate gets
 * an OAuth answer (and a self-signed one reaches self_signed_tls_client_auth).
 */
export async function listenHttps(
  certs: TestCertificates,
  requestCert = true,
): Promise<HttpsListening> {
  const server = createHttpsServer({
    key: certs.server.key,
    cert: certs.server.cert,
    ca: certs.ca,
    requestCert,
    rejectUnauthorized: false,
  });
  const paths: string[] = [];
  server.on('request', (req: { url?: string }) => {
    paths.push(new URL(req.url ?? '/', 'https://placeholder').pathname);
  });
  const lifecycle = serverLifecycle(server as never);
  const port = await lifecycle.listen(0);
  return { server, lifecycle, origin: `https://127.0.0.1:${port}`, paths };
}

/** The certificate the client presented on the connection of an oidc-provider request. */
function peerCertificate(ctx: KoaContextWithOIDC): X509Certificate | undefined {
  const socket = ctx.req.socket as Partial<TLSSocket>;
  const raw =
    typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate().raw : undefined;
  return raw === undefined || raw.length === 0 ? undefined : new X509Certificate(raw);
}

type MtlsFeature = NonNullable<NonNullable<Configuration['features']>['mTLS']>;

/**
 * oidc-provider's mTLS feature with certificate-bound access tokens and tls_client_auth (and,
 * with `selfSigned`, self_signed_tls_client_auth): the certificate comes from the TLS connection,
 * authorized when the test's CA issued it, its subject matched against `tls_client_auth_subject_dn`.
 */
export function mtlsFeature(options: { selfSigned?: boolean } = {}): MtlsFeature {
  return {
    enabled: true,
    certificateBoundAccessTokens: true,
    tlsClientAuth: true,
    ...(options.selfSigned === true ? { selfSignedTlsClientAuth: true } : {}),
    getCertificate: (ctx) => peerCertificate(ctx) as never,
    certificateAuthorized: (ctx) => (ctx.req.socket as TLSSocket).authorized === true,
    certificateSubjectMatches: (ctx, property, expected) =>
      property === 'tls_client_auth_subject_dn' && peerCertificate(ctx)?.subject === expected,
  };
}

/**
 * The API on `listening`: `GET /orders` behind requireBearer() for `audience`, tokens checked
 * against the provider's keys (reached with the test's CA), answering what `answer` makes of the
 * caller.
 */
export function mountBearerApi(
  listening: HttpsListening,
  options: {
    issuer: string;
    certs: TestCertificates;
    audience: string;
    answer: (user: OAuthUser | undefined) => Record<string, unknown>;
  },
): void {
  const { certs } = options;
  const resourceServer = express();
  resourceServer.use(
    session({ secret: 'api-session-secret-long-enough', resave: false, saveUninitialized: false }),
  );
  resourceServer.use(
    oauthMiddleware({
      baseURL: listening.origin,
      secret: TEST_SECRET,
      issuer: options.issuer,
      clientId: 'orders-api',
      // The API reaches the provider's JWKS with the same CA; its own certificate is the server's.
      clientCertificate: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca },
      logger: false,
    }),
  );
  resourceServer.get('/orders', requireBearer({ audience: options.audience }), (req, res) => {
    res.json(options.answer(req.oauthUser));
  });
  listening.server.on('request', resourceServer);
}
