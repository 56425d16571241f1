import { codedTypeError, OAuthError } from '../errors.js';

/**
 * The one rule about plain `http://`: it leaks codes, tokens and client secrets to the network, so
 * it is accepted only on loopback (local development and tests) unless the application opts in by
 * name with `allowInsecureHttp: true`. Options, provider metadata, every provider request and the
 * token client's API calls all ask this file.
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Whether a request to `url` may be made under the plain-http rule. */
export function allowsTransport(url: URL, allowInsecureHttp: boolean): boolean {
  return url.protocol === 'https:' || allowInsecureHttp || isLoopbackHost(url.hostname);
}

/** At creation time: an option naming a plain-http URL off loopback is a setup mistake. */
export function checkOptionTransport(name: string, url: URL, allowInsecureHttp: boolean): void {
  if (allowsTransport(url, allowInsecureHttp)) return;
  throw codedTypeError(
    `"options.${name}" must use https:// (http:// is allowed only for localhost, 127.0.0.1 and [::1]); set "allowInsecureHttp: true" to accept ${url.origin} anyway`,
    'ERR_INVALID_ARG_VALUE',
  );
}

/** At run time: a provider (or its metadata) pointing to plain http off loopback is refused. */
export function refusePlainHttp(url: URL, allowInsecureHttp: boolean, what = 'the provider'): void {
  if (url.protocol !== 'http:' || allowsTransport(url, allowInsecureHttp)) return;
  throw new OAuthError(
    `${what} points to ${url.origin} over plain http, which is refused off loopback`,
    { code: 'OAUTH_INVALID_RESPONSE' },
  );
}

/**
 * Every endpoint a provider's metadata names must be http(s), and https off loopback: openid-client
 * only checks the ones it calls, and only when `allowInsecureRequests` is off, which a loopback
 * issuer needs. An http authorization or end-session endpoint would send the browser (with an ID
 * token hint) in clear.
 */
export function checkMetadataTransport(
  metadata: Readonly<Record<string, unknown>>,
  allowInsecureHttp: boolean,
): void {
  for (const [name, value] of Object.entries(metadata)) {
    // RFC 8705 §5: the mTLS endpoint aliases obey the same rule as the endpoints they stand for.
    if (name === 'mtls_endpoint_aliases' && typeof value === 'object' && value !== null) {
      checkMetadataTransport(value as Readonly<Record<string, unknown>>, allowInsecureHttp);
      continue;
    }
    if (typeof value !== 'string' || !(name.endsWith('_endpoint') || name.endsWith('_uri'))) {
      continue;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new OAuthError(`the provider metadata's "${name}" is not a URL`, {
        code: 'OAUTH_INVALID_RESPONSE',
      });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new OAuthError(`the provider metadata's "${name}" is not an http(s) URL`, {
        code: 'OAUTH_INVALID_RESPONSE',
      });
    }
    refusePlainHttp(url, allowInsecureHttp, `the provider metadata's "${name}"`);
  }
}
