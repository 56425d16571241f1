import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { SessionData, Store } from 'express-session';
import { runExclusive } from '../refresh/exclusive.js';
import type { OAuthRuntime } from '../runtime.js';
import { storedAuthentication } from './sign-in.js';
import type { OAuthAuthentication, OAuthSessionData } from './sign-in.js';
import { boundStoreCall } from './store.js';
import { destroyTokenEntry, readTokenEntry } from './token-entry.js';
import { readTokenSummary } from './token-summary.js';

/**
 * Which sessions belong to which provider user, kept in the session store itself so that a
 * back-channel logout received by any app instance can end sessions created by any other. Two
 * records per login: by the user (`iss` + `sub`) and by the provider session (`iss` + `sid`).
 *
 * Only kept when back-channel logout is on. A record is read, changed and written under the
 * configured lock (`refreshLock`, the Redis one with several instances), so concurrent logins
 * of one user never drop each other's entries.
 */

/** One signed-in session, as an index record lists it. */
interface IndexEntry {
  /** The provider's session id (`sid` claim), when the provider sent one. */
  readonly sid?: string;
  /** Epoch seconds of the login. */
  readonly loginAt: number;
}

interface IndexRecord {
  cookie: { expires: string; originalMaxAge: number };
  oauthIndex: Record<string, IndexEntry>;
}

/** How long an index record lives in the store; logins older than this are not tracked. */
const RECORD_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Logins listed per user at most; the oldest are dropped. */
const MAX_ENTRIES = 50;

/**
 * With providers per tenant the tenant is part of the key: a logout token received on one tenant
 * finds only that tenant's sessions, even when two tenants share an issuer.
 */
function recordKey(
  kind: 'sub' | 'sid',
  issuer: string,
  value: string,
  tenant: string | undefined,
): string {
  const scoped = tenant === undefined ? issuer : `${tenant}\u0000${issuer}`;
  const digest = createHash('sha256').update(`${scoped}\u0000${value}`).digest('base64url');
  return `oauth-index:${kind}:${digest}`;
}

/** The store calls of the index, bounded by `storeTimeout` like every other. */
function caller(runtime: OAuthRuntime) {
  return <T>(operation: string, run: (done: (err: unknown, value?: T) => void) => void) =>
    boundStoreCall<T>(runtime.options.storeTimeout, operation, run);
}
type Call = ReturnType<typeof caller>;

async function readRecord(
  call: Call,
  store: Store,
  key: string,
): Promise<Record<string, IndexEntry>> {
  const record = await call<SessionData | null>('read', (done) => store.get(key, done));
  const entries = (record as unknown as Partial<IndexRecord> | null | undefined)?.oauthIndex;
  return typeof entries === 'object' && entries !== null ? { ...entries } : {};
}

async function writeRecord(
  call: Call,
  store: Store,
  key: string,
  entries: Record<string, IndexEntry>,
): Promise<void> {
  if (Object.keys(entries).length === 0) {
    await call('destroy', (done) => store.destroy(key, done));
    return;
  }
  const record: IndexRecord = {
    cookie: {
      expires: new Date(Date.now() + RECORD_TTL_MS).toISOString(),
      originalMaxAge: RECORD_TTL_MS,
    },
    oauthIndex: entries,
  };
  await call('save', (done) => store.set(key, record as unknown as SessionData, done));
}

function newest(entries: Record<string, IndexEntry>): Record<string, IndexEntry> {
  const cutoff = Date.now() / 1000 - RECORD_TTL_MS / 1000;
  return Object.fromEntries(
    Object.entries(entries)
      .filter(([, entry]) => entry.loginAt > cutoff)
      .sort(([, a], [, b]) => b.loginAt - a.loginAt)
      .slice(0, MAX_ENTRIES),
  );
}

/**
 * Lists the new session under the provider user (and provider session), so a back-channel logout
 * can find it from any app instance. Nothing is done unless back-channel logout is on. A failure
 * here costs only that, not the login.
 */
export async function indexForBackchannelLogout(
  runtime: OAuthRuntime,
  req: Request,
  authentication: OAuthAuthentication,
): Promise<void> {
  if (runtime.options.routes.backchannelLogout === false) return;
  const provider = runtime.providers.find(authentication.user.provider);
  if (provider?.verifyLogoutToken === undefined) return;
  const { iss, sid } = authentication.user.claims;
  if (typeof iss !== 'string') return;
  const entry: IndexEntry = {
    loginAt: Math.floor(Date.now() / 1000),
    ...(typeof sid === 'string' ? { sid } : {}),
  };
  const keys = [recordKey('sub', iss, authentication.user.sub, runtime.tenant)];
  if (typeof sid === 'string') keys.push(recordKey('sid', iss, sid, runtime.tenant));
  const store = req.sessionStore;
  const call = caller(runtime);
  try {
    for (const key of keys) {
      await runExclusive(runtime, key, 'session index', async () => {
        const entries = await readRecord(call, store, key);
        entries[req.sessionID] = entry;
        await writeRecord(call, store, key, newest(entries));
      });
    }
  } catch (error) {
    runtime.options.logger.error('could not record the session for back-channel logout', error);
  }
}

/**
 * Destroys the sessions a logout token names: by `sid` when it has one, else every session of
 * `sub`; only those signed in before the token was issued, so a replayed or delayed token cannot
 * end a newer login. Returns how many sessions were destroyed.
 */
export async function endIndexedSessions(
  runtime: OAuthRuntime,
  store: Store,
  logout: { issuer: string; sub: string | undefined; sid: string | undefined; issuedAt: number },
  onEnded: (signIn: OAuthAuthentication) => Promise<void>,
): Promise<number> {
  const key =
    logout.sid !== undefined
      ? recordKey('sid', logout.issuer, logout.sid, runtime.tenant)
      : recordKey('sub', logout.issuer, logout.sub ?? '', runtime.tenant);
  const endings: OAuthAuthentication[] = [];
  const call = caller(runtime);
  const ended = await runExclusive(runtime, key, 'session index', async () => {
    const entries = await readRecord(call, store, key);
    const kept: Record<string, IndexEntry> = {};
    let ended = 0;
    for (const [sessionId, entry] of Object.entries(entries)) {
      if (entry.loginAt > logout.issuedAt) {
        kept[sessionId] = entry;
        continue;
      }
      const ending = await endedSignIn(runtime, call, store, sessionId);
      await destroyTokenEntry({ store, sessionId, timeout: runtime.options.storeTimeout });
      await call('destroy', (done) => store.destroy(sessionId, done));
      ended += 1;
      if (ending !== undefined) endings.push(ending);
    }
    await writeRecord(call, store, key, kept);
    return ended;
  });
  // Outside the lock: revoking and telling onLogout may take a provider round trip each.
  for (const signIn of endings) await onEnded(signIn);
  return ended;
}

/** The sign-in a stored session holds, read before the session is destroyed. */
async function endedSignIn(
  runtime: OAuthRuntime,
  call: Call,
  store: Store,
  sessionId: string,
): Promise<OAuthAuthentication | undefined> {
  const stored = (await call<SessionData | null>('read', (done) => store.get(sessionId, done))) as
    { oauth?: OAuthSessionData } | null | undefined;
  const user = stored?.oauth?.user;
  if (typeof user?.sub !== 'string' || typeof user.provider !== 'string') return undefined;
  const keys = runtime.options.secretKeys;
  if (readTokenSummary(keys, stored?.oauth?.tokens) === undefined) return undefined;
  const record = await readTokenEntry(
    { store, sessionId, timeout: runtime.options.storeTimeout },
    keys,
  );
  return storedAuthentication(user, record);
}
