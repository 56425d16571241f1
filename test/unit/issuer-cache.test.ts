// The discovery metadata and keys shared by providers per tenant: one load per issuer and
// transport, a failed load not kept, the cache bounded, and no sharing between providers that
// would fetch the document differently.
import type { ServerMetadata } from 'openid-client';
import { describe, expect, it } from 'vitest';
import type { ResolvedOidcProvider } from '../../src/options/provider.js';
import { IssuerCache, issuerKey } from '../../src/providers/issuer-cache.js';

const issuer = new URL('https://idp.example');
const provider = (extra: Partial<ResolvedOidcProvider> = {}) =>
  ({ allowInsecureHttp: false, quirks: {}, ...extra }) as ResolvedOidcProvider;
const metadata = (name: string): ServerMetadata => ({ issuer: `https://${name}.example` });

describe('issuerKey', () => {
  it('is the same for two providers that fetch the issuer the same way', () => {
    const shared = async () => new Response('{}');
    expect(issuerKey(issuer, provider(), shared, 5000)).toBe(
      issuerKey(issuer, provider(), shared, 5000),
    );
    expect(issuerKey(issuer, provider(), undefined, 5000)).toBe(
      issuerKey(issuer, provider(), undefined, 5000),
    );
  });

  it.each([
    ['another fetch', provider(), async () => new Response('{}'), 5000],
    ['the plain-http policy', provider({ allowInsecureHttp: true }), undefined, 5000],
    ['another timeout', provider(), undefined, 1000],
    ['other quirks', provider({ quirks: { sendGrantType: false } } as never), undefined, 5000],
  ] as const)('differs with %s', (_what, other, fetchImpl, timeout) => {
    expect(issuerKey(issuer, other, fetchImpl, timeout)).not.toBe(
      issuerKey(issuer, provider(), undefined, 5000),
    );
  });
});

describe('IssuerCache', () => {
  it('loads an issuer once for concurrent and later callers', async () => {
    const cache = new IssuerCache(4);
    let loads = 0;
    const load = async () => {
      loads += 1;
      return metadata('a');
    };
    const answers = await Promise.all([cache.metadata('a', load), cache.metadata('a', load)]);
    await cache.metadata('a', load);
    expect(answers).toEqual([metadata('a'), metadata('a')]);
    expect(loads).toBe(1);
  });

  it('does not keep a failed load, so the next caller tries again', async () => {
    const cache = new IssuerCache(4);
    await expect(cache.metadata('a', () => Promise.reject(new Error('down')))).rejects.toThrow();
    await Promise.resolve();
    expect(cache.size).toBe(0);
    await expect(cache.metadata('a', async () => metadata('a'))).resolves.toEqual(metadata('a'));
  });

  it('keeps at most maxEntries issuers, the least recently used leaving first', async () => {
    const cache = new IssuerCache(2);
    const loads: string[] = [];
    const load = (name: string) => async () => {
      loads.push(name);
      return metadata(name);
    };
    for (const name of ['a', 'b', 'a', 'c', 'a', 'b']) await cache.metadata(name, load(name));
    expect(cache.size).toBe(2);
    // b left when c came (a had just been used); it is loaded again.
    expect(loads).toEqual(['a', 'b', 'c', 'b']);
  });
});
