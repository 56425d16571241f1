import type { Request } from 'express';
import type { OAuthProviderOptions } from './provider-types.js';

/**
 * The options of providers per tenant, as applications write them; options/tenant.ts validates
 * them and each tenant's answer.
 */

/**
 * What {@link OAuthTenantProviders.resolve} answers for one request: which tenant it is for, and
 * that tenant's providers, in the same form as the static `providers` option.
 */
export interface OAuthTenant {
  /**
   * The tenant's stable key, e.g. `acme`: letters, digits, `.`, `_`, `:` and `-`, at most 128
   * characters. Pending logins and sessions record it, so a login or a session of one tenant is
   * never accepted on another. It also names the configuration: the first one resolved for a key
   * is validated and kept while the key stays cached; give a changed configuration a new key
   * (`acme:v2`).
   */
  tenant: string;
  /**
   * The tenant's public origin and optional path prefix, e.g. `https://acme.app.example.com` or
   * `https://app.example.com/t/acme`: its `redirect_uri`s are `<baseURL>/callback/<provider>`.
   * Default: the middleware's `baseURL`.
   */
  baseURL?: string | URL;
  /** The tenant's providers by name, validated as the static `providers` option is. */
  providers: Readonly<Record<string, OAuthProviderOptions>>;
  /** The provider GET `/login` starts with for this tenant; without it, `/login` lists them. */
  defaultProvider?: string;
}

/**
 * Providers per tenant: the `providers` option of a multi-tenant application, which chooses each
 * request's tenant itself (by host, path, or a header a proxy it trusts sets).
 *
 * @example
 * ```ts
 * const tenants = new Map([
 *   ['acme.app.example.com', { tenant: 'acme', issuer: 'https://acme.idp.example', clientId: 'a', clientSecret: sa }],
 *   ['globex.app.example.com', { tenant: 'globex', issuer: 'https://login.globex.example', clientId: 'g', clientSecret: sg }],
 * ]);
 * app.set('trust proxy', false); // req.hostname is the Host header the server itself received
 * app.use(oauthMiddleware({
 *   baseURL: 'https://app.example.com',
 *   providers: {
 *     resolve(req) {
 *       const found = tenants.get(req.hostname);
 *       if (found === undefined) return undefined; // 404 OAUTH_UNKNOWN_TENANT
 *       const { tenant, ...idp } = found;
 *       return { tenant, baseURL: `https://${req.hostname}`, providers: { idp }, defaultProvider: 'idp' };
 *     },
 *     cacheSize: 500,
 *   },
 * }));
 * ```
 */
export interface OAuthTenantProviders {
  /**
   * Called on every request the middleware sees: the tenant it is for, or `undefined` when it is
   * for none (404 `OAUTH_UNKNOWN_TENANT`). A resolver that throws, or answers an invalid
   * configuration, gives 500 `OAUTH_TENANT_UNAVAILABLE` with its error as `cause`, logged.
   */
  resolve(req: Request): OAuthTenant | undefined | Promise<OAuthTenant | undefined>;
  /**
   * Tenants kept resolved (their validated options, provider clients, discovery metadata and
   * keys), the least recently used dropped first beyond it. Default `100`.
   */
  cacheSize?: number;
}

/** Several tenants, each with its own providers, chosen per request. */
export interface OAuthTenantOptions {
  /** The resolver of each request's tenant and its providers. */
  providers: OAuthTenantProviders;
}
