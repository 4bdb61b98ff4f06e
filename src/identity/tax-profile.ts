/**
 * What the money paths need to know of an account for tax (its PAN decides TDS at 0.1 % or 5 %,
 * its GSTIN whether TCS applies): read through this function, never by joining `users`.
 */
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';

export interface TaxProfile {
  readonly pan: string | null;
  readonly gstin: string | null;
}

/** The PAN and GSTIN on file for each account (null where none), in the caller's transaction. */
export async function taxProfilesIn(
  tx: EntityManager,
  userIds: readonly string[],
): Promise<Map<string, TaxProfile>> {
  const { rows } = await execute<{ id: string; pan: string | null; gstin: string | null }>(
    tx,
    `SELECT id::text AS id, pan, gstin FROM users WHERE id = ANY($1::uuid[])`,
    [[...new Set(userIds)]],
  );
  return new Map(rows.map((r) => [r.id, { pan: r.pan, gstin: r.gstin }]));
}

/** One account's PAN and GSTIN; an unknown account is an error (a payee always exists). */
export async function taxProfileIn(tx: EntityManager, userId: string): Promise<TaxProfile> {
  const profile = (await taxProfilesIn(tx, [userId])).get(userId);
  if (profile === undefined) throw new Error(`no account ${userId}`);
  return profile;
}
