/**
 * Whether a technician's profile is complete for jobs: the brands it repairs on file (identity) and
 * its payee details submitted (payouts tells this module through `notePayeeDetailsIn`, in the
 * submission's transaction). A technician goes active, and staff assign it a job, only when ready;
 * since the readiness migration, active implies ready. PAN and GSTIN are not required: without a
 * PAN the technician's TDS is 5 % instead of 0.1 %, without a GSTIN its quotes carry no GST and no
 * TCS is collected — the readiness answer says so.
 */
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import { execute } from '../database/sql.js';
import type { TechnicianProfile } from '../identity/technician-profile.js';

export const READINESS_ITEMS = ['brands', 'payee_details'] as const;
export type ReadinessItem = (typeof READINESS_ITEMS)[number];

const WHAT: Record<ReadinessItem, string> = {
  brands: 'the brands you repair (PATCH /me {brands})',
  payee_details: 'your payee details (PUT /payees/me/settlement-details)',
};

/** Records, in the caller's transaction, that the technician has submitted payee details (the first time counts). */
export async function notePayeeDetailsIn(tx: EntityManager, technicianId: string): Promise<void> {
  await execute(
    tx,
    `INSERT INTO technician_presence (technician_id, payee_details_at) VALUES ($1, now())
     ON CONFLICT (technician_id) DO UPDATE
       SET payee_details_at = coalesce(technician_presence.payee_details_at, now())`,
    [technicianId],
  );
}

/** What the technician still has to complete before taking jobs (empty: ready). */
export async function missingForJobsIn(
  tx: EntityManager,
  technician: Pick<TechnicianProfile, 'id' | 'brands'>,
): Promise<ReadinessItem[]> {
  const { rows } = await execute<{ payee: boolean }>(
    tx,
    `SELECT payee_details_at IS NOT NULL AS payee FROM technician_presence WHERE technician_id = $1`,
    [technician.id],
  );
  return READINESS_ITEMS.filter((item) =>
    item === 'brands' ? technician.brands.length === 0 : rows[0]?.payee !== true,
  );
}

/** The sentence naming what is missing, for problem details and answers. */
export function describeMissing(missing: readonly ReadinessItem[]): string {
  return `Before taking jobs, complete ${missing.map((m) => WHAT[m]).join(' and ')}`;
}

/** 422 `technician/profile-incomplete` naming what is missing. */
export function profileIncomplete(missing: readonly ReadinessItem[]): AppProblem {
  return new AppProblem(
    422,
    'technician/profile-incomplete',
    'Profile incomplete',
    describeMissing(missing),
    {
      missing,
    },
  );
}
