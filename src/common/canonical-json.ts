/**
 * The two canonical JSON encodings that stored hashes are computed over. Both sort object keys at every
 * level, write no whitespace and omit undefined members; they differ in bigints, and each byte format is
 * frozen by the hashes already stored with it (test/canonical-hashes.e2e-spec.ts recomputes them).
 */

/**
 * The ledger's encoding (entry and seal hashes, idempotency request hashes): a bigint is written as a
 * decimal string with an `n` suffix (so 5n and "5" differ); a non-finite number, and anything JSON
 * cannot write, is `null`.
 */
export function ledgerCanonicalJson(value: unknown): string {
  if (typeof value === 'bigint') return JSON.stringify(`${value.toString()}n`);
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value))
    return `[${value.map((v: unknown) => ledgerCanonicalJson(v)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${ledgerCanonicalJson(record[k])}`);
  return `{${members.join(',')}}`;
}

/**
 * The audit log's encoding (event hashes, signed heads, exports): plain JSON values only, no bigint
 * form (a bigint throws); undefined and null are `null`.
 */
export function auditCanonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(auditCanonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${auditCanonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
