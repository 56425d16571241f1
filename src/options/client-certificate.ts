import { createHash, createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import { codedTypeError } from '../errors.js';
import { invalid, isRecord, rejectUnknownKeys } from './readers.js';

/**
 * The client's TLS certificate for mutual TLS (RFC 8705): client authentication with
 * `tls_client_auth` / `self_signed_tls_client_auth`, and certificate-bound access tokens. Read
 * and checked when the middleware is created: a certificate that does not parse, a key that is
 * not the certificate's, or a CA bundle that does not parse is a setup mistake.
 */

/**
 * The client certificate presented on every connection to the provider (and, through
 * `req.oauth.fetch()`, to resource servers), with its private key.
 *
 * @example
 * ```ts
 * clientCertificate: {
 *   cert: readFileSync('tls/client.pem', 'utf8'),
 *   key: readFileSync('tls/client.key', 'utf8'),
 *   ca: readFileSync('tls/bank-ca.pem', 'utf8'),
 * },
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2
 */
export interface OAuthClientCertificate {
  /** The client certificate, PEM; intermediate certificates may follow it in the same text. */
  readonly cert: string | Buffer;
  /** Its private key: PEM (PKCS#8, PKCS#1 or SEC1, unencrypted) or a private `KeyObject`. */
  readonly key: string | Buffer | KeyObject;
  /**
   * The CA certificates that issued the provider's (and resource servers') TLS certificates,
   * PEM; default: Node's bundled root certificates.
   */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
}

/** The certificate after validation, ready for a TLS connection; internal. */
export interface ResolvedClientCertificate {
  readonly cert: string;
  /** PKCS#8 PEM. */
  readonly key: string;
  readonly ca: readonly string[] | undefined;
  /** The certificate's SHA-256 thumbprint, as `cnf.x5t#S256` carries it (RFC 8705 §3.1). */
  readonly thumbprint: string;
}

const CERTIFICATE_KEYS = [
  'cert',
  'key',
  'ca',
] as const satisfies readonly (keyof OAuthClientCertificate)[];

const everyKeyListed: Record<
  Exclude<keyof OAuthClientCertificate, (typeof CERTIFICATE_KEYS)[number]>,
  never
> = {};
void everyKeyListed;

function pemText(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw invalid(name, 'PEM text (a string or a Buffer)');
}

function certificateOf(name: string, value: unknown): X509Certificate {
  const text = pemText(name, value);
  try {
    return new X509Certificate(text);
  } catch (error) {
    throw codedTypeError(
      `"options.${name}" must be a PEM certificate ("-----BEGIN CERTIFICATE-----"), and this one does not parse`,
      'ERR_INVALID_ARG_VALUE',
      error,
    );
  }
}

function privateKeyOf(name: string, value: unknown): KeyObject {
  if (value instanceof KeyObject) {
    if (value.type === 'private') return value;
  } else if (typeof value === 'string' || Buffer.isBuffer(value)) {
    try {
      return createPrivateKey(value);
    } catch {
      // Reported below, with what is expected.
    }
  }
  throw invalid(name, 'an unencrypted private key: PEM text or a private KeyObject');
}

function readCa(name: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw invalid(name, 'a PEM certificate or a non-empty array of them');
  return list.map((entry, index) => {
    const entryName = Array.isArray(value) ? `${name}[${index}]` : name;
    certificateOf(entryName, entry);
    return pemText(entryName, entry);
  });
}

/** `clientCertificate`: the certificate, a key that matches it, and an optional CA bundle. */
export function readClientCertificate(
  name: string,
  value: unknown,
): ResolvedClientCertificate | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw invalid(name, 'an object { cert, key, ca? }');
  rejectUnknownKeys(value, CERTIFICATE_KEYS, `${name}.`);
  if (value.cert === undefined || value.key === undefined) {
    throw codedTypeError(
      `"options.${name}" needs both "cert" and "key": the client certificate and its private key`,
      'ERR_MISSING_OPTION',
    );
  }
  const certificate = certificateOf(`${name}.cert`, value.cert);
  const key = privateKeyOf(`${name}.key`, value.key);
  if (!certificate.checkPrivateKey(key)) {
    throw codedTypeError(
      `"options.${name}.key" is not the private key of "options.${name}.cert"; give the key the certificate was issued for`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return {
    cert: pemText(`${name}.cert`, value.cert),
    key: key.export({ format: 'pem', type: 'pkcs8' }) as string,
    ca: readCa(`${name}.ca`, value.ca),
    thumbprint: createHash('sha256').update(certificate.raw).digest('base64url'),
  };
}
