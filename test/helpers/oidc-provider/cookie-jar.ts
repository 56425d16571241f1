interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expiresAt: number;
}

/**
 * Just enough of RFC 6265 for the provider's cookies: host-only, path-scoped (the interaction
 * cookies are scoped to `/interaction/<uid>` and `/auth/<uid>`), and expiring (logout clears
 * the session cookie by setting a 1970 date). Pass the same jar to several `completeLogin`
 * calls to keep the provider session, as a browser would (SSO).
 */
export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  /** Records the `Set-Cookie` headers of a response from `url`. */
  store(url: URL, setCookieHeaders: readonly string[]): void {
    for (const header of setCookieHeaders) {
      const cookie = parseSetCookie(header, url);
      if (cookie === undefined) continue;
      const key = `${cookie.host};${cookie.path};${cookie.name}`;
      if (cookie.expiresAt <= Date.now()) this.#cookies.delete(key);
      else this.#cookies.set(key, cookie);
    }
  }

  /** The `Cookie` header a browser would send to `url`, or undefined when none apply. */
  header(url: URL): string | undefined {
    const pairs = this.#matching(url).map((cookie) => `${cookie.name}=${cookie.value}`);
    return pairs.length > 0 ? pairs.join('; ') : undefined;
  }

  /** Value of a live cookie by name, whatever its path (for assertions). */
  get(name: string): string | undefined {
    return this.#live().find((cookie) => cookie.name === name)?.value;
  }

  /** Names of all live cookies (for assertions). */
  names(): string[] {
    return this.#live().map((cookie) => cookie.name);
  }

  clear(): void {
    this.#cookies.clear();
  }

  #live(): StoredCookie[] {
    const now = Date.now();
    return [...this.#cookies.values()].filter((cookie) => cookie.expiresAt > now);
  }

  #matching(url: URL): StoredCookie[] {
    return this.#live()
      .filter((cookie) => cookie.host === url.host && pathMatches(url.pathname, cookie.path))
      .sort((a, b) => b.path.length - a.path.length);
  }
}

function parseSetCookie(header: string, url: URL): StoredCookie | undefined {
  const [pair = '', ...rawAttributes] = header.split(';');
  const separator = pair.indexOf('=');
  if (separator <= 0) return undefined;
  const attributes = new Map(rawAttributes.map(splitAttribute));
  const path = attributes.get('path');
  return {
    name: pair.slice(0, separator).trim(),
    value: pair.slice(separator + 1).trim(),
    host: url.host,
    path: path?.startsWith('/') ? path : defaultCookiePath(url.pathname),
    expiresAt: expiryOf(attributes.get('max-age'), attributes.get('expires')),
  };
}

function splitAttribute(attribute: string): [string, string] {
  const separator = attribute.indexOf('=');
  if (separator === -1) return [attribute.trim().toLowerCase(), ''];
  return [
    attribute.slice(0, separator).trim().toLowerCase(),
    attribute.slice(separator + 1).trim(),
  ];
}

/** Max-Age wins over Expires (RFC 6265 §5.3); neither means a session cookie. */
function expiryOf(maxAge: string | undefined, expires: string | undefined): number {
  if (maxAge !== undefined && /^-?\d+$/.test(maxAge)) return Date.now() + Number(maxAge) * 1000;
  const date = expires === undefined ? NaN : Date.parse(expires);
  return Number.isFinite(date) ? date : Infinity;
}

function defaultCookiePath(requestPath: string): string {
  const lastSlash = requestPath.lastIndexOf('/');
  return lastSlash <= 0 ? '/' : requestPath.slice(0, lastSlash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}
