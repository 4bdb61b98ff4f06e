/**
 * Live tracking (README "Tracking"): the job's customer, and staff (audited), see where the
 * assigned technician is while the job is `en_route` — its last trusted position exactly, the fix's
 * age, the distance in 100 m steps and an ETA. Before departure and from arrival on, no position.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { RequestMeta } from '../common/request-meta.js';
import { TransactionRunner } from '../database/transaction.js';
import { distanceM } from '../technicians/domain/location-plausibility.js';
import { currentPositionOf, roundedDistanceM } from '../technicians/technician-presence.service.js';
import { trackingEta } from './domain/repair-tracking.js';
import type { RepairTrackingDto } from './dto/repair-tracking.dto.js';
import { readRepairJob, type RepairJobRow } from './repair-job-store.js';

@Injectable()
export class RepairTracking {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  /** The customer's own job (another's is a 404). */
  async forCustomer(id: string, meta: RequestMeta): Promise<RepairTrackingDto> {
    return this.transactions.run(async (tx) =>
      trackingIn(tx, await readRepairJob(tx, id, { customerId: meta.principal!.userId })),
    );
  }

  /** Any job, for staff: every read is audited in its transaction (whether a position was shown). */
  async forStaff(id: string, meta: RequestMeta): Promise<RepairTrackingDto> {
    return this.transactions.run(async (tx) => {
      const job = await readRepairJob(tx, id, 'any');
      const tracking = await trackingIn(tx, job);
      await this.audit.record(tx, meta, {
        action: 'repair_job.tracking.read',
        targetType: 'repair_job',
        targetId: job.id,
        after: {
          status: job.status,
          technicianId: job.technician_id,
          positionShown: tracking.position !== null,
        },
      });
      return tracking;
    });
  }
}

async function trackingIn(tx: EntityManager, job: RepairJobRow): Promise<RepairTrackingDto> {
  const none: RepairTrackingDto = {
    repairJobId: job.id,
    status: job.status,
    position: null,
    fixAgeSeconds: null,
    distanceM: null,
    etaSeconds: null,
    etaBasis: null,
  };
  if (
    job.status !== 'en_route' ||
    job.technician_id === null ||
    job.lat === null ||
    job.lng === null
  )
    return none;
  const at = await currentPositionOf(tx, job.technician_id);
  if (at === undefined) return none;
  const fixAgeSeconds = Math.max(0, Math.round((Date.now() - at.recordedAt.getTime()) / 1000));
  const metres = distanceM(
    { latE7: Math.round(at.lat * 1e7), lngE7: Math.round(at.lng * 1e7) },
    { latE7: Math.round(job.lat * 1e7), lngE7: Math.round(job.lng * 1e7) },
  );
  const eta = trackingEta(metres, at.speedMps, fixAgeSeconds);
  return {
    ...none,
    position: {
      lat: at.lat,
      lng: at.lng,
      accuracyM: at.accuracyM,
      recordedAt: at.recordedAt.toISOString(),
    },
    fixAgeSeconds,
    distanceM: roundedDistanceM(metres),
    etaSeconds: eta.etaSeconds,
    etaBasis: eta.basis,
  };
}
