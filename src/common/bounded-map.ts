/**
 * A Map holding at most `limit` entries: setting a key makes it the newest, and past the limit the
 * oldest set is dropped. For per-process hints that may be forgotten at any time.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key); // re-inserted last: a Map keeps insertion order
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
