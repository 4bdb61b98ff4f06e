/**
 * Assertions of pre- and post-conditions (TigerStyle). A failed assertion is a programming error,
 * never an expected business outcome: business failures are typed results (see result-codes.ts).
 */
export class LedgerAssertionError extends Error {
  override readonly name = 'LedgerAssertionError';
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new LedgerAssertionError(message);
}
