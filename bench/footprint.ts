/**
 * Session footprint after the same real login (alice, `openid profile email`, the provider's
 * real ID token, access token and refresh token): bytes in the session store for the
 * store-backed variants, bytes of cookie for express-openid-connect, which keeps the whole
 * session in its encrypted appSession cookie(s).
 */
import type { ChildHandle } from './ipc.js';
import { checkSignedIn } from './sign-in.js';

export interface FootprintRow {
  variant: string;
  /** Bytes the server keeps for the session (the JSON the MemoryStore holds); 0 for cookies. */
  storedBytes: number;
  /** Bytes of the session carried in cookies (name=value of each session cookie). */
  cookieBytes: number;
  /** The Cookie header each request carries. */
  cookieHeaderBytes: number;
  /** Bytes of Set-Cookie on a read-only authenticated GET (the session rewritten per request). */
  setCookieBytesPerRead: number;
  /** What makes up the stored session, when known. */
  parts: Record<string, number>;
}

interface Stored {
  bytes: number;
  data: Record<string, unknown>;
}

const bytes = (value: unknown): number =>
  value === undefined
    ? 0
    : Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value));

/** Reads the stored session of a store-backed variant (or, with `entry`, the tokens' own entry). */
export async function storedSession(
  app: ChildHandle,
  cookie: string,
  entry?: 'tokens',
): Promise<Stored> {
  const url = new URL('/__bench/stored', app.url);
  if (entry !== undefined) url.searchParams.set('entry', entry);
  const response = await fetch(url, { headers: { cookie } });
  const stored = (await response.json()) as Stored | null;
  if (stored === null)
    throw new Error(`${app.url} has no stored ${entry ?? 'session'} for this cookie`);
  return stored;
}

function partsOf(
  data: Record<string, unknown>,
  tokenEntry: Stored | undefined,
): Record<string, number> {
  const oauth = data.oauth as { user?: unknown; tokens?: unknown } | undefined;
  if (oauth !== undefined) {
    // The ID, access and refresh tokens are sealed together (one JWE) in their own store entry,
    // read only when a handler asks for a token; the session keeps their expiry and scope.
    const { user, tokens, ...times } = oauth;
    return {
      'user (claims)': bytes(user),
      'token expiry and scope': bytes(tokens),
      'sign-in times': bytes(times),
      'express-session cookie record': bytes(data.cookie),
      'tokens entry, not read per request (sealed ID, access, refresh tokens)':
        tokenEntry?.bytes ?? 0,
    };
  }
  const user = (data.passport as { user?: Record<string, unknown> } | undefined)?.user ?? {};
  const { tokens, ...claims } = user;
  const tokenParts = tokens as Record<string, unknown> | undefined;
  return {
    'passport.user claims': bytes(claims),
    ...(tokenParts === undefined
      ? {}
      : {
          'ID token': bytes(tokenParts.id_token),
          'access token': bytes(tokenParts.access_token),
          'refresh token': bytes(tokenParts.refresh_token),
        }),
    'express-session cookie record': bytes(data.cookie),
  };
}

export async function storeFootprint(
  variant: string,
  app: ChildHandle,
  cookie: string,
): Promise<FootprintRow> {
  const stored = await storedSession(app, cookie);
  const tokenEntry =
    stored.data.oauth === undefined ? undefined : await storedSession(app, cookie, 'tokens');
  const { setCookies } = await checkSignedIn(app, cookie);
  return {
    variant,
    storedBytes: stored.bytes,
    cookieBytes: Buffer.byteLength(cookie),
    cookieHeaderBytes: Buffer.byteLength(`cookie: ${cookie}`),
    setCookieBytesPerRead: setCookies.reduce((sum, header) => sum + bytes(header), 0),
    parts: partsOf(stored.data, tokenEntry),
  };
}

export async function cookieFootprint(
  variant: string,
  app: ChildHandle,
  cookie: string,
  sessionCookie: string,
): Promise<FootprintRow> {
  const { setCookies } = await checkSignedIn(app, cookie);
  const sessionCookies = cookie
    .split('; ')
    .filter((pair) => pair.startsWith(`${sessionCookie}=`) || pair.startsWith(`${sessionCookie}.`));
  return {
    variant,
    storedBytes: 0,
    cookieBytes: sessionCookies.reduce((sum, pair) => sum + bytes(pair), 0),
    cookieHeaderBytes: Buffer.byteLength(`cookie: ${cookie}`),
    setCookieBytesPerRead: setCookies.reduce((sum, header) => sum + bytes(header), 0),
    parts: { [`${sessionCookie} cookies`]: sessionCookies.length },
  };
}
