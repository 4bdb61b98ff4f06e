/**
 * Calls that arrive together, run as one statement. A call made while fewer than `concurrency`
 * batches are in flight runs at once (a batch of one: no timer, no added wait when the process is
 * idle); calls made meanwhile wait and go together in the next batch, at most `maxBatch` of them.
 * Batches grow with the load, so the round trips to PostgreSQL per call shrink as it grows.
 *
 * At most one call per key is in flight: a call whose key is in a batch being run waits for the
 * next one, so `run` never sees two items of one key and calls of one key run in arrival order.
 * `run` answers every item, in order; if it fails, every call of its batch fails with its error.
 */
export class StatementBatcher<I, O> {
  private waiting: {
    item: I;
    key: string;
    resolve: (o: O) => void;
    reject: (e: unknown) => void;
  }[] = [];
  private readonly keysInFlight = new Set<string>();
  private inFlight = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: { key: (item: I) => string; maxBatch: number; concurrency: number },
  ) {}

  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, key: this.options.key(item), resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.inFlight < this.options.concurrency) {
      const batch: typeof this.waiting = [];
      const rest: typeof this.waiting = [];
      const keys = new Set<string>();
      for (const w of this.waiting) {
        const free = !keys.has(w.key) && !this.keysInFlight.has(w.key);
        if (free && batch.length < this.options.maxBatch) {
          keys.add(w.key);
          batch.push(w);
        } else rest.push(w);
      }
      if (batch.length === 0) return;
      this.waiting = rest;
      this.inFlight++;
      for (const key of keys) this.keysInFlight.add(key);
      void this.settle(batch, keys);
    }
  }

  private async settle(batch: typeof this.waiting, keys: Set<string>): Promise<void> {
    try {
      const out = await this.run(batch.map((w) => w.item));
      if (out.length !== batch.length)
        throw new Error(`a batch of ${batch.length} was answered with ${out.length} results`);
      batch.forEach((w, i) => w.resolve(out[i]!));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.inFlight--;
      for (const key of keys) this.keysInFlight.delete(key);
      this.next();
    }
  }
}

/**
 * A batch statement's rows back in the order of its `count` items: the row whose `i` (the items'
 * `WITH ORDINALITY`, from 1) is each item's place, or undefined where the statement found none.
 */
export function byOrdinal<R extends { i: number }>(
  rows: readonly R[],
  count: number,
): (R | undefined)[] {
  const found = new Map(rows.map((r) => [r.i, r]));
  return Array.from({ length: count }, (_, n) => found.get(n + 1));
}
