/**
 * Who may touch a job remotely (the IMEI, sessions, tokens): the one gate, in the order a refusal
 * is explained. The job's assigned technician, who must be a software technician, of an online
 * software job that is still being worked on (assigned … in progress), under the customer's active
 * consent for that technician granting the permission. A former technician of the job (one a consent
 * was once given to) is told why (403); anyone else gets the job's 404.
 */
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import type { Principal } from '../common/roles.js';
import { ACTIVE_STATUSES } from '../repairs/domain/repair-job-state.js';
import { repairJobNotFound, type RepairJobRow } from '../repairs/repair-job-store.js';
import type { ConsentPermission } from './domain/consent-text.js';
import { everConsentedTo, latestConsent, type ConsentRow } from './remote-store.js';

export const forbidden = (code: string, detail: string, extensions: Record<string, unknown> = {}) =>
  new AppProblem(403, `remote/${code}`, 'Forbidden', detail, extensions);

export const conflict = (code: string, detail: string, extensions: Record<string, unknown> = {}) =>
  new AppProblem(409, `remote/${code}`, 'Conflict', detail, extensions);

/** Why the job itself does not allow remote work (null: it does), for anyone asking. */
export function jobRefusal(job: RepairJobRow): { code: string; detail: string } | null {
  if (job.kind !== 'software' || job.mode !== 'online')
    return {
      code: 'not-online-software-job',
      detail: 'Remote access is only for online software repair jobs',
    };
  if (
    job.technician_id === null ||
    job.status === 'matching' ||
    job.status === 'awaiting_assignment'
  )
    return { code: 'no-technician', detail: 'No technician is assigned to this job yet' };
  if (!ACTIVE_STATUSES.includes(job.status))
    return {
      code: 'job-closed',
      detail: `Remote access ends with the job's work; this job is ${job.status}`,
    };
  return null;
}

/**
 * The checks of the technician's remote access to `job` (read or locked by the caller) with
 * `permission`; returns the active consent.
 */
export async function technicianAccess(
  tx: EntityManager,
  job: RepairJobRow,
  me: Principal,
  permission: ConsentPermission,
): Promise<ConsentRow> {
  if (job.technician_id !== me.userId) {
    if (me.role === 'technician' && (await everConsentedTo(tx, job.id, me.userId)))
      throw forbidden('not-assigned-technician', 'You are no longer the technician of this job', {
        repairJobId: job.id,
      });
    throw repairJobNotFound();
  }
  if (me.technicianKind !== 'software')
    throw forbidden('not-software-technician', 'Only a software technician works remotely', {
      repairJobId: job.id,
    });
  const refusal = jobRefusal(job);
  if (refusal)
    throw forbidden(refusal.code, refusal.detail, {
      repairJobId: job.id,
      repairJobStatus: job.status,
    });
  return activeConsentFor(tx, job, permission);
}

/** The customer's active consent for the job's current technician granting `permission`; 403 otherwise. */
export async function activeConsentFor(
  tx: EntityManager,
  job: RepairJobRow,
  permission: ConsentPermission,
): Promise<ConsentRow> {
  const consent =
    job.technician_id === null ? undefined : await latestConsent(tx, job.id, job.technician_id);
  if (consent === undefined || !consent.active || !consent.permissions.includes(permission))
    throw forbidden(
      'consent-required',
      consent?.revoked_at
        ? 'The customer has withdrawn consent'
        : consent?.active === false
          ? 'The customer’s consent has expired'
          : `The customer has not consented to ${permission.replace('_', ' ')}`,
      { repairJobId: job.id, permission },
    );
  return consent;
}
