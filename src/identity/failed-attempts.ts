import type { EntityManager } from 'typeorm';

/**
 * One wrong attempt at a single-use secret (a one-time code, a second-factor challenge): its
 * `attempts` grows by one and at `maxAttempts` it ends (`used_at`), so no further guess is taken.
 * The caller holds the row locked (`FOR UPDATE`).
 */
export async function countFailedAttempt(
  tx: EntityManager,
  table: 'one_time_codes' | 'mfa_challenges',
  id: string,
  maxAttempts: number,
): Promise<void> {
  await tx.query(
    `UPDATE ${table} SET attempts = attempts + 1,
            used_at = CASE WHEN attempts + 1 >= $2 THEN now() ELSE used_at END
      WHERE id = $1`,
    [id, maxAttempts],
  );
}
