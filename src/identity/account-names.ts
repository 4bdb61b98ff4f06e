/**
 * How another module names an account to staff (a payee in a review queue): its business name, else
 * the person's name. Read through this function, never by joining `users`.
 */
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';

/** Each account's name (business name, else display name), in the caller's transaction; unknown ids are absent. */
export async function accountNamesIn(
  tx: EntityManager,
  userIds: readonly string[],
): Promise<Map<string, string>> {
  const { rows } = await execute<{ id: string; name: string }>(
    tx,
    `SELECT id::text AS id, coalesce(business_name, display_name) AS name
     FROM users WHERE id = ANY($1::uuid[])`,
    [[...new Set(userIds)]],
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}
