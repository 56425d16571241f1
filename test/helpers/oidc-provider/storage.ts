/** The test provider's storage adapter. */
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

export interface StoredEntry {
  payload: AdapterPayload;
  expiresAt: number;
}

/**
 * A Map-backed adapter, one store per provider. Chosen over oidc-provider's built-in memory
 * adapter because that one is an LRU capped at 1000 entries (a long suite could evict the
 * registered client), it warns on every start, and clients must live in the adapter rather
 * than in static config for {@link TestProvider.setClient} to replace them.
 */
export function createAdapter(store: Map<string, StoredEntry>): AdapterFactory {
  return (model) => new MapAdapter(model, store);
}

class MapAdapter implements Adapter {
  readonly #model: string;
  readonly #store: Map<string, StoredEntry>;

  constructor(model: string, store: Map<string, StoredEntry>) {
    this.#model = model;
    this.#store = store;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const expiresAt = expiresIn === undefined ? Infinity : Date.now() + expiresIn * 1000;
    const entry = { payload, expiresAt };
    this.#store.set(this.#key(id), entry);
    if (payload.uid !== undefined) this.#store.set(`uid:${payload.uid}`, this.#pointer(id, entry));
    if (payload.userCode !== undefined) {
      this.#store.set(`userCode:${payload.userCode}`, this.#pointer(id, entry));
    }
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#live(this.#key(id))?.payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#follow(`uid:${uid}`);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#follow(`userCode:${userCode}`);
  }

  async consume(id: string): Promise<void> {
    const entry = this.#live(this.#key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, entry] of this.#store) {
      if (entry.payload.grantId === grantId) this.#store.delete(key);
    }
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  /** Secondary indexes store the primary key as their payload, with the same expiry. */
  #pointer(id: string, entry: StoredEntry): StoredEntry {
    return { payload: { key: this.#key(id) }, expiresAt: entry.expiresAt };
  }

  #follow(indexKey: string): AdapterPayload | undefined {
    const key = this.#live(indexKey)?.payload.key;
    return typeof key === 'string' ? this.#live(key)?.payload : undefined;
  }

  #live(key: string): StoredEntry | undefined {
    const entry = this.#store.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#store.delete(key);
      return undefined;
    }
    return entry;
  }
}
