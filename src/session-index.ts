import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { SessionData, Store } from 'express-session';

/**
 * Which sessions belong to which provider user, kept in the session store itself so that a
 * back-channel logout received by any app instance can end sessions created by any other. Two
 * records per login: by the user (`iss` + `sub`) and by the provider session (`iss` + `sid`).
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

function recordKey(kind: 'sub' | 'sid', issuer: string, value: string): string {
  const digest = createHash('sha256').update(`${issuer}\u0000${value}`).digest('base64url');
  return `oauth-index:${kind}:${digest}`;
}

function call<T>(run: (done: (err: unknown, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    run((err, value) =>
      err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(value),
    );
  });
}

async function readRecord(store: Store, key: string): Promise<Record<string, IndexEntry>> {
  const record = await call<SessionData | null>((done) => store.get(key, done));
  const entries = (record as unknown as Partial<IndexRecord> | null | undefined)?.oauthIndex;
  return typeof entries === 'object' && entries !== null ? { ...entries } : {};
}

async function writeRecord(
  store: Store,
  key: string,
  entries: Record<string, IndexEntry>,
): Promise<void> {
  if (Object.keys(entries).length === 0) {
    await call((done) => store.destroy(key, done));
    return;
  }
  const record: IndexRecord = {
    cookie: {
      expires: new Date(Date.now() + RECORD_TTL_MS).toISOString(),
      originalMaxAge: RECORD_TTL_MS,
    },
    oauthIndex: entries,
  };
  await call((done) => store.set(key, record as unknown as SessionData, done));
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

/** Records the session just signed in, for back-channel logout. */
export async function indexSession(
  req: Request,
  login: { issuer: string; sub: string; sid: string | undefined },
): Promise<void> {
  const store = req.sessionStore;
  const entry: IndexEntry = {
    loginAt: Math.floor(Date.now() / 1000),
    ...(login.sid === undefined ? {} : { sid: login.sid }),
  };
  const keys = [recordKey('sub', login.issuer, login.sub)];
  if (login.sid !== undefined) keys.push(recordKey('sid', login.issuer, login.sid));
  for (const key of keys) {
    const entries = await readRecord(store, key);
    entries[req.sessionID] = entry;
    await writeRecord(store, key, newest(entries));
  }
}

/**
 * Destroys the sessions a logout token names: by `sid` when it has one, else every session of
 * `sub`; only those signed in before the token was issued, so a replayed or delayed token cannot
 * end a newer login. Returns how many sessions were destroyed.
 */
export async function endIndexedSessions(
  store: Store,
  logout: { issuer: string; sub: string | undefined; sid: string | undefined; issuedAt: number },
): Promise<number> {
  const key =
    logout.sid !== undefined
      ? recordKey('sid', logout.issuer, logout.sid)
      : recordKey('sub', logout.issuer, logout.sub ?? '');
  const entries = await readRecord(store, key);
  const kept: Record<string, IndexEntry> = {};
  let ended = 0;
  for (const [sessionId, entry] of Object.entries(entries)) {
    if (entry.loginAt > logout.issuedAt) {
      kept[sessionId] = entry;
      continue;
    }
    await call((done) => store.destroy(sessionId, done));
    ended += 1;
  }
  await writeRecord(store, key, kept);
  return ended;
}
