/**
 * `Idempotency-Key` for POSTs that move money or stock. The key (per caller and scope), a SHA-256 of
 * the request and the response are stored in the transaction of the effect:
 * - first use: the key row is inserted, the work runs, the response is stored — all or nothing;
 * - same key + same request: the stored response, without running the work again;
 * - same key + different request: 422 `idempotency/key-reused`;
 * - concurrent duplicates: the second insert waits on the first's unique-key lock; once the first
 *   commits it finds the row and replays (once it rolls back, the second runs the work itself).
 * A failed request stores nothing (its transaction rolled back), so it may be retried with its key.
 */
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import { ledgerCanonicalJson } from '../common/canonical-json.js';
import { execute } from './sql.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY = /^[\x21-\x7e]{1,200}$/;

/** The header's value, validated: 400 when missing or malformed. */
export function requireIdempotencyKey(raw: string | string[] | undefined): string {
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (key === undefined || key === '')
    throw new AppProblem(
      400,
      'idempotency/key-required',
      'Idempotency-Key required',
      'This request moves stock or money: send an Idempotency-Key header (e.g. a UUID) and reuse it when retrying',
    );
  if (!KEY.test(key))
    throw new AppProblem(
      400,
      'idempotency/key-invalid',
      'Invalid Idempotency-Key',
      'The Idempotency-Key must be 1–200 visible ASCII characters',
    );
  return key;
}

export interface IdempotentResult<T> {
  body: T;
  /** True when this is the stored response of an earlier request with the same key. */
  replayed: boolean;
}

export async function idempotent<T>(
  tx: EntityManager,
  scope: { ownerId: string; scope: string; key: string; request: unknown },
  work: () => Promise<T>,
): Promise<IdempotentResult<T>> {
  const hash = createHash('sha256').update(ledgerCanonicalJson(scope.request)).digest('hex');
  const inserted = await execute(
    tx,
    `INSERT INTO idempotency_keys (owner_id, scope, key, request_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING 1`,
    [scope.ownerId, scope.scope, scope.key, hash],
  );
  if (inserted.rows.length === 0) {
    const { rows } = await execute<{ request_hash: string; response_body: T | null }>(
      tx,
      `SELECT request_hash, response_body FROM idempotency_keys
       WHERE owner_id = $1 AND scope = $2 AND key = $3`,
      [scope.ownerId, scope.scope, scope.key],
    );
    const stored = rows[0]!;
    if (stored.request_hash !== hash)
      throw new AppProblem(
        422,
        'idempotency/key-reused',
        'Idempotency-Key reused',
        'This Idempotency-Key was already used for a different request; use a new key for a new request',
      );
    return { body: stored.response_body as T, replayed: true };
  }
  const body = await work();
  await execute(
    tx,
    `UPDATE idempotency_keys SET response_body = $4::jsonb
     WHERE owner_id = $1 AND scope = $2 AND key = $3`,
    [scope.ownerId, scope.scope, scope.key, JSON.stringify(body)],
  );
  return { body, replayed: false };
}

/** Deletes keys older than `retentionDays` (a retry after that long is a new request); the count. */
export async function purgeIdempotencyKeysIn(
  tx: EntityManager,
  retentionDays: number,
): Promise<number> {
  const { affected } = await execute(
    tx,
    `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(days => $1)`,
    [retentionDays],
  );
  return affected;
}
