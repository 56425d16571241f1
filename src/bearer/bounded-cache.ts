/**
 * A map with a size bound and per-entry expiry: the least recently used entry leaves first when
 * it is full, and an expired entry is never returned. What an attacker can send (random tokens,
 * proofs) can fill it, never grow it.
 */
export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value, unless absent or expired at `now` (ms); a hit becomes the most recently used. */
  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores the value until `expiresAt` (ms), evicting the least recently used entry when full. */
  set(key: string, value: V, expiresAt: number): void {
    this.#entries.delete(key);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Every value not expired at `now` (ms), least recently used first; none becomes used. */
  values(now: number): V[] {
    return [...this.#entries.values()].filter((e) => e.expiresAt > now).map((e) => e.value);
  }
}
