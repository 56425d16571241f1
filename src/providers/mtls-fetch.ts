import type * as Undici from 'undici';
import type { ResolvedClientCertificate } from '../options/client-certificate.js';
import type { OAuthFetch } from '../options/types.js';

/**
 * Mutual TLS (RFC 8705) for every request of a provider that has a `clientCertificate`: an undici
 * `Agent` that presents the certificate goes with each request as `init.dispatcher`. Without
 * the application's own `fetch`, undici's `fetch` sends it; with one, that `fetch` receives the
 * dispatcher in `init` and passes it on (or builds its own from the same certificate, to combine
 * it with a proxy). The same transport carries `req.oauth.fetch()` to resource servers, which is
 * what makes certificate-bound access tokens (RFC 8705 §3) work there.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2
 */

// undici takes about 100 ms to load: only applications with a client certificate pay for it,
// on their first provider request.
let undici: Promise<typeof Undici> | undefined;
const loadUndici = (): Promise<typeof Undici> => (undici ??= import('undici'));

/** One connection pool per certificate, shared by every request that presents it. */
const agents = new WeakMap<ResolvedClientCertificate, Undici.Agent>();

/** The undici dispatcher that presents `certificate` on each TLS connection it opens. */
async function certificateDispatcher(
  certificate: ResolvedClientCertificate,
): Promise<Undici.Agent> {
  let agent = agents.get(certificate);
  if (agent === undefined) {
    const { Agent: UndiciAgent } = await loadUndici();
    agent = new UndiciAgent({
      connect: {
        cert: certificate.cert,
        key: certificate.key,
        ...(certificate.ca === undefined ? {} : { ca: [...certificate.ca] }),
      },
    });
    agents.set(certificate, agent);
  }
  return agent;
}

/**
 * The `fetch` of a provider: `userFetch` (or the global `fetch`) as it is without a certificate;
 * with one, every request carries the certificate's dispatcher.
 */
export function withClientCertificate(
  certificate: ResolvedClientCertificate | undefined,
  userFetch: OAuthFetch | undefined,
): OAuthFetch | undefined {
  if (certificate === undefined) return userFetch;
  return async (url, init) => {
    const dispatcher = await certificateDispatcher(certificate);
    // `dispatcher` is undici's extension of RequestInit, which Node's types do not declare.
    const request = { ...init, dispatcher } as unknown as RequestInit;
    if (userFetch !== undefined) return userFetch(url, request);
    // undici's Response has the Fetch API's shape; its types differ from Node's global ones.
    const { fetch: undiciFetch } = await loadUndici();
    return (await undiciFetch(
      url,
      request as Parameters<typeof undiciFetch>[1],
    )) as unknown as Response;
  };
}
