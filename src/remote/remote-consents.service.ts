/**
 * The customer's consent to remote work on an online software job (README "Remote repair"): the
 * notice (`domain/consent-text.ts`) for the job's current technician, accepting the version shown
 * (time, IP, hashed device fingerprint, permissions, expiry), and withdrawing it at any time —
 * which ends every live session under it (`consent_revoked`) and has the relays drop them at once.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { hashFingerprint, type RequestMeta } from '../common/request-meta.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { TransactionRunner } from '../database/transaction.js';
import { lockRepairJob, readRepairJob, type RepairJobRow } from '../repairs/repair-job-store.js';
import {
  CONSENT_TEXT_VERSION,
  consentNotice,
  noticeSha256,
  type ConsentNotice,
} from './domain/consent-text.js';
import type { AcceptConsentDto, ConsentDto, ConsentScreenDto } from './dto/remote.dto.js';
import { conflict, jobRefusal } from './remote-access.js';
import { RemoteSessions } from './remote-sessions.service.js';
import {
  displayName,
  insertConsent,
  latestConsent,
  lockActiveConsentIds,
  revokeConsent,
  type ConsentRow,
} from './remote-store.js';
import { TunnelRelays } from './tunnel-relays.js';

@Injectable()
export class RemoteConsents {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly sessions: RemoteSessions,
    private readonly relays: TunnelRelays,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** What the customer is asked, and the consent already given for this technician. */
  async screen(repairJobId: string, meta: RequestMeta): Promise<ConsentScreenDto> {
    return this.transactions.run(async (tx) => {
      const job = await readRepairJob(tx, repairJobId, { customerId: meta.principal!.userId });
      const notice = await this.noticeFor(tx, job);
      const consent = await latestConsent(tx, job.id, job.technician_id!);
      return {
        notice: { ...notice, sha256: noticeSha256(notice) },
        consent: consent ? consentDto(consent, job) : null,
      };
    });
  }

  async accept(
    repairJobId: string,
    body: AcceptConsentDto,
    meta: RequestMeta,
  ): Promise<ConsentDto> {
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, repairJobId, { customerId: meta.principal!.userId });
      const notice = await this.noticeFor(tx, job);
      if (body.textVersion !== CONSENT_TEXT_VERSION)
        throw conflict(
          'consent-text-outdated',
          'The consent notice has changed: show the current one',
          {
            textVersion: CONSENT_TEXT_VERSION,
          },
        );
      const current = await latestConsent(tx, job.id, job.technician_id!);
      if (current?.active)
        throw conflict(
          'consent-already-given',
          'Consent is already given for this job; withdraw it first to change it',
          {
            consentId: current.id,
          },
        );
      const consent = await insertConsent(tx, {
        repairJobId: job.id,
        customerId: job.customer_id,
        technicianId: job.technician_id!,
        textVersion: CONSENT_TEXT_VERSION,
        textSha256: noticeSha256(notice),
        permissions: body.permissions,
        target: this.config.remote.sessions.target,
        hours: this.config.remote.consentHours,
        ip: meta.ip,
        deviceFingerprint: hashFingerprint(body.deviceFingerprint)!,
      });
      return consentDto(consent, job);
    });
  }

  /** Withdraws the job's active consent: IMEI access stops, live sessions end (`consent_revoked`). */
  async revoke(
    repairJobId: string,
    deviceFingerprint: string | undefined,
    meta: RequestMeta,
  ): Promise<ConsentDto> {
    const { consent, job, revoked } = await this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, repairJobId, { customerId: meta.principal!.userId });
      const active = await lockActiveConsentIds(tx, job.id);
      if (active.length === 0)
        throw conflict('no-active-consent', 'There is no consent to withdraw for this job');
      const by = { ip: meta.ip, deviceFingerprint: hashFingerprint(deviceFingerprint) };
      const revoked: string[] = [];
      let consent: ConsentRow | undefined;
      for (const id of active) {
        consent = await revokeConsent(tx, id, by);
        revoked.push(...(await this.sessions.endAllIn(tx, { consentId: id }, 'consent_revoked')));
      }
      return { consent: consent!, job, revoked };
    });
    this.relays.pushNow(revoked);
    return consentDto(consent, job);
  }

  private async noticeFor(tx: EntityManager, job: RepairJobRow): Promise<ConsentNotice> {
    const refusal = jobRefusal(job);
    if (refusal)
      throw conflict(refusal.code, refusal.detail, {
        repairJobId: job.id,
        repairJobStatus: job.status,
      });
    const technicianId = job.technician_id!; // jobRefusal: a job being worked on has one
    return consentNotice({
      technician: { id: technicianId, name: await displayName(tx, technicianId) },
      target: this.config.remote.sessions.target,
      consentHours: this.config.remote.consentHours,
      sessionMaxMinutes: this.config.remote.sessions.maxMinutes,
    });
  }
}

function consentDto(c: ConsentRow, job: RepairJobRow): ConsentDto {
  return {
    id: c.id,
    repairJobId: c.repair_job_id,
    technicianId: c.technician_id,
    textVersion: c.text_version,
    textSha256: c.text_sha256,
    permissions: c.permissions,
    target: c.target,
    acceptedAt: c.accepted_at.toISOString(),
    expiresAt: c.expires_at.toISOString(),
    revokedAt: c.revoked_at?.toISOString() ?? null,
    active: c.active && c.technician_id === job.technician_id,
  };
}
