/**
 * What the repairs need to know of a technician: its kind, whether it is approved, whether it is
 * GST-registered (its quote may charge GST only then) and the brands it repairs (none: its profile
 * is not complete for jobs). Read through this function, never by joining `users`.
 */
import type { EntityManager } from 'typeorm';
import type { TechnicianKind } from '../common/roles.js';
import { execute } from '../database/sql.js';

export interface TechnicianProfile {
  readonly id: string;
  readonly kind: TechnicianKind;
  readonly approved: boolean;
  readonly gstRegistered: boolean;
  readonly brands: readonly string[];
}

/**
 * The technician `userId` (undefined when the account is not a technician), its row share-locked
 * until the caller's transaction ends so an approval cannot be withdrawn under an assignment.
 */
export async function technicianProfileIn(
  tx: EntityManager,
  userId: string,
): Promise<TechnicianProfile | undefined> {
  const { rows } = await execute<{
    kind: TechnicianKind;
    status: string;
    gstin: string | null;
    brands: string[];
  }>(
    tx,
    `SELECT technician_kind AS kind, status, gstin, brands FROM users
     WHERE id = $1 AND role = 'technician' FOR SHARE`,
    [userId],
  );
  const r = rows[0];
  return r === undefined
    ? undefined
    : {
        id: userId,
        kind: r.kind,
        approved: r.status === 'approved',
        gstRegistered: r.gstin !== null,
        brands: r.brands,
      };
}
