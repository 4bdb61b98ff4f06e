/**
 * The IMEI vault (README "Remote repair"): recorded by the customer when booking a software job or
 * by the technician during a live session; revealed to the job's assigned software technician of an
 * online job under the customer's active consent (`remote-access.ts`), and to staff with a reason
 * (policy: the same consent and an open job; an ops leader may override it, audited as such). Every
 * reveal is audited in its transaction. The IMEI itself never reaches a log, an error or the audit
 * record.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { defineAbilityFor } from '../access/ability.factory.js';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import { TransactionRunner } from '../database/transaction.js';
import { RepairJobImeis } from '../repairs/repair-job-imeis.js';
import { lockRepairJob, readRepairJob, type RepairJobRow } from '../repairs/repair-job-store.js';
import type { ImeiRecordedDto, ImeiRevealDto, SameDeviceJobsDto } from './dto/remote.dto.js';
import { ImeiVault } from './imei-vault.js';
import {
  activeConsentFor,
  conflict,
  forbidden,
  jobRefusal,
  technicianAccess,
} from './remote-access.js';
import { lockLiveSessions, readImei, sameDeviceJobIds, upsertImei } from './remote-store.js';

const notRecorded = (repairJobId: string) =>
  new AppProblem(404, 'remote/imei-not-recorded', 'Not found', 'No IMEI is recorded for this job', {
    repairJobId,
  });

@Injectable()
export class RemoteImeis implements OnModuleInit {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly vault: ImeiVault,
    private readonly bookingImeis: RepairJobImeis,
  ) {}

  /** A software job's booking stores its IMEI here (repairs' `RepairJobImeis` port). */
  onModuleInit(): void {
    this.bookingImeis.register((tx, repairJobId, imei, userId) =>
      this.recordIn(tx, repairJobId, imei, userId),
    );
  }

  /** Stores (or replaces) the job's IMEI, encrypted, in the caller's transaction. */
  async recordIn(
    tx: EntityManager,
    repairJobId: string,
    imei: string,
    recordedBy: string,
  ): Promise<void> {
    await upsertImei(
      tx,
      repairJobId,
      this.vault.seal(repairJobId, imei),
      this.vault.lookupHash(imei),
      recordedBy,
    );
  }

  /** The technician records the IMEI read from the device, during a connected session. */
  async recordByTechnician(
    repairJobId: string,
    imei: string,
    meta: RequestMeta,
  ): Promise<ImeiRecordedDto> {
    const me = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, repairJobId, 'any');
      await technicianAccess(tx, job, me, 'remote_session');
      const live = await lockLiveSessions(tx, { repairJobId });
      if (!live.some((s) => s.status === 'connected' || s.status === 'active'))
        throw conflict(
          'no-live-session',
          'The IMEI is recorded from the device during a connected remote session',
          {
            repairJobId,
          },
        );
      await this.recordIn(tx, repairJobId, imei, me.userId);
      return { repairJobId, recorded: true };
    });
  }

  /** The assigned software technician, under consent (audited `repair_job.imei.reveal`). */
  async revealToTechnician(repairJobId: string, meta: RequestMeta): Promise<ImeiRevealDto> {
    return this.transactions.run(async (tx) => {
      const job = await readRepairJob(tx, repairJobId, 'any');
      const consent = await technicianAccess(tx, job, meta.principal!, 'imei_reveal');
      return this.reveal(tx, job, meta, { consentId: consent.id });
    });
  }

  /**
   * Staff, with a reason. Policy: the job still worked on, under the customer's consent to IMEI
   * reveal; otherwise only an ops leader asking for an override (audited as one).
   */
  async revealToStaff(
    repairJobId: string,
    body: { reason: string; override?: boolean },
    meta: RequestMeta,
  ): Promise<ImeiRevealDto> {
    return this.transactions.run(async (tx) => {
      const job = await readRepairJob(tx, repairJobId, 'any');
      let policy: string | null = jobRefusal(job)?.detail ?? null;
      let consentId: string | null = null;
      if (policy === null)
        try {
          consentId = (await activeConsentFor(tx, job, 'imei_reveal')).id;
        } catch (err) {
          if (!(err instanceof AppProblem)) throw err;
          policy = err.detail ?? err.code;
        }
      if (policy !== null && !body.override)
        throw forbidden(
          'forbidden-by-policy',
          `${policy}; an ops leader may override with a reason`,
          {
            repairJobId,
          },
        );
      if (policy !== null && !defineAbilityFor(meta.principal).can('override', 'RemoteRepairOps'))
        throw forbidden('override-not-permitted', 'Only an ops leader may override this policy', {
          repairJobId,
        });
      return this.reveal(tx, job, meta, {
        consentId,
        reason: body.reason,
        override: policy !== null,
      });
    });
  }

  /** Staff: other jobs of the same device (by the IMEI's HMAC), without revealing it. */
  async sameDevice(repairJobId: string): Promise<SameDeviceJobsDto> {
    return this.transactions.run(async (tx) => {
      const job = await readRepairJob(tx, repairJobId, 'any');
      if ((await readImei(tx, job.id)) === undefined) throw notRecorded(job.id);
      return { repairJobId: job.id, otherRepairJobIds: await sameDeviceJobIds(tx, job.id) };
    });
  }

  private async reveal(
    tx: EntityManager,
    job: RepairJobRow,
    meta: RequestMeta,
    how: { consentId: string | null; reason?: string; override?: boolean },
  ): Promise<ImeiRevealDto> {
    const row = await readImei(tx, job.id);
    if (row === undefined) throw notRecorded(job.id);
    const imei = this.vault.open(job.id, row);
    await this.audit.record(tx, meta, {
      action: 'repair_job.imei.reveal',
      targetType: 'repair_job',
      targetId: job.id,
      ...(how.reason !== undefined ? { reason: how.reason } : {}),
      override: how.override ?? false,
      after: { consentId: how.consentId, keyId: row.keyId, jobStatus: job.status },
    });
    return { repairJobId: job.id, imei };
  }
}
