/**
 * Hardware auto-matching (README "Hardware auto-match"): a new hardware job (`matching`) is offered
 * to one technician at a time — the customer's pick first when still eligible, then the best scored
 * approved, active, unflagged hardware technician within the first search ring that has one (5, 10,
 * 20 km), never the same technician twice. An offer lives `MATCHING_OFFER_TTL_SECONDS` (a pg-boss
 * job started at its `expires_at` expires it); a decline, an expiry or a refused acceptance offers
 * the next candidate; after `MATCHING_MAX_CANDIDATES` offers, or when none is left, the job is
 * `exhaust`ed to the staff queue. Accepting is a compare-and-set under the job's row lock: exactly
 * one acceptance of an open, unexpired offer of a job still matching wins. One command = one
 * transaction: the job row locked first, then the offer, then the technician's presence.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import { publishAfterCommit } from '../common/state-transition.js';
import type { RequestMeta } from '../common/request-meta.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { technicianRankings } from '../ratings/technician-rankings.js';
import type { RepairJobDto } from '../repairs/dto/repair-job.dto.js';
import {
  activeJobCountsOf,
  applyRepairTransition,
  lockRepairJob,
  repairJobDto,
  type RepairJobRow,
} from '../repairs/repair-job-store.js';
import { REPAIR_MATCHING_JOBS, type StartMatchingJob } from '../repairs/repair-matching-jobs.js';
import {
  offerUnavailability,
  roundedDistanceM,
  TechnicianPresence,
} from '../technicians/technician-presence.service.js';
import { nearby } from '../technicians/technician-store.js';
import { rankCandidates } from './domain/offer-score.js';
import type { OfferDeclinedDto, RepairOfferDto } from './dto/offer.dto.js';
import { RepairOfferMade } from './offer-events.js';
import {
  acceptanceRatesOf,
  decideOffer,
  findOffer,
  insertOffer,
  lockOffer,
  offeredTechniciansOf,
  offerNotFound,
  openOfferCountsOf,
  openOfferOf,
  openOffersFor,
  type NewOffer,
  type OfferRow,
} from './offer-store.js';

/** How many of the nearest technicians in a ring are scored. */
const RING_SAMPLE = 50;

const conflict = (code: string, detail: string, extensions: Record<string, unknown> = {}) =>
  new AppProblem(409, `offer/${code}`, 'Conflict', detail, extensions);

@Injectable()
export class RepairOffers implements OnModuleInit {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly presence: TechnicianPresence,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.define<StartMatchingJob>({
      name: REPAIR_MATCHING_JOBS.start,
      handler: (data) => this.start(data),
    });
    this.jobs.define<{ offerId: string }>({
      name: REPAIR_MATCHING_JOBS.offerExpired,
      handler: (data) => this.expire(data.offerId),
    });
  }

  /** The first offer of a new hardware job (the `matching.start` job; a repeat does nothing). */
  async start(data: StartMatchingJob): Promise<void> {
    await this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, data.repairJobId, 'any');
      if (job.status !== 'matching' || (await openOfferOf(tx, job.id)) !== undefined) return;
      await this.offerNextIn(tx, job, data.preferredTechnicianId ?? null);
    });
  }

  /** An offer's time is up (the `matching.offer-expired` job): expire it, offer the next one. */
  async expire(offerId: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      const seen = await findOffer(tx, offerId, null);
      if (seen === undefined) return;
      const job = await lockRepairJob(tx, seen.repair_job_id, 'any');
      const offer = await lockOffer(tx, offerId);
      if (offer.status !== 'offered') return;
      if (job.status !== 'matching') {
        await decideOffer(tx, offer.id, 'withdrawn', 'the job left matching');
        return;
      }
      if (!offer.expired) {
        // Early by the database clock: look again when it is due.
        await this.jobs.send(
          REPAIR_MATCHING_JOBS.offerExpired,
          { offerId },
          { tx, startAfter: offer.expires_at },
        );
        return;
      }
      await decideOffer(tx, offer.id, 'expired');
      await this.offerNextIn(tx, job, null);
    });
  }

  /** The job left matching (staff assigned it, it was cancelled): its open offer is withdrawn. */
  async withdrawOpenOffer(repairJobId: string, reason: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, repairJobId, 'any');
      if (job.status === 'matching') return;
      const open = await openOfferOf(tx, job.id);
      if (open !== undefined) await decideOffer(tx, open.id, 'withdrawn', reason);
    });
  }

  // ---- the technician ----

  /** My open offers, newest first: the job's kind, device, problem and a rounded distance. */
  async mine(meta: RequestMeta): Promise<RepairOfferDto[]> {
    const rows = await this.transactions.run((tx) => openOffersFor(tx, meta.principal!.userId));
    return rows.map((r) => ({
      id: r.id,
      repairJobId: r.repair_job_id,
      kind: r.kind,
      mode: r.mode,
      deviceBrand: r.device_brand,
      deviceModel: r.device_model,
      problem: r.problem,
      distanceM: roundedDistanceM(r.distance_m),
      offeredAt: r.offered_at.toISOString(),
      expiresAt: r.expires_at.toISOString(),
    }));
  }

  /**
   * Accepts my offer: the job becomes mine (`accept_offer`) and I become busy. A refusal that
   * changes something (the offer expired, I became unavailable, my location jumped just before)
   * commits it — the offer closed, the next candidate offered; for a jump I am also flagged and my
   * location review opens — and then answers 409.
   */
  async accept(offerId: string, meta: RequestMeta): Promise<RepairJobDto> {
    const p = meta.principal!;
    const outcome = await this.transactions.run(
      async (tx): Promise<{ job: RepairJobDto } | { refused: AppProblem }> => {
        const { job, offer } = await this.lockMine(tx, offerId, p.userId);
        const facts = { offerId, repairJobId: job.id };
        if (job.status !== 'matching') {
          await decideOffer(tx, offer.id, 'withdrawn', 'the job left matching');
          return {
            refused: conflict('job-not-matching', 'The job is no longer looking for a technician', {
              ...facts,
              repairJobStatus: job.status,
            }),
          };
        }
        if (offer.expired) {
          await decideOffer(tx, offer.id, 'expired');
          await this.offerNextIn(tx, job, null);
          return {
            refused: conflict('expired', 'This offer expired before it was accepted', {
              ...facts,
              expiresAt: offer.expires_at.toISOString(),
            }),
          };
        }
        // The jump first: a teleport usually flags the technician too, and is the more telling refusal.
        const { rows } = await execute<{ now: Date }>(tx, `SELECT clock_timestamp() AS now`);
        const teleport = await this.presence.teleportedBeforeAccept(tx, p.userId, rows[0]!.now);
        if (teleport.suspicious) {
          await decideOffer(
            tx,
            offer.id,
            'withdrawn',
            `location-implausible: a ${Math.round(teleport.jumpM)} m jump ${
              teleport.secondsBeforeAccept ?? 0
            } s before accepting`,
          );
          await this.presence.raiseTeleportReview(tx, p.userId);
          await this.offerNextIn(tx, job, null);
          return {
            refused: conflict(
              'location-implausible',
              'The location jumped implausibly just before accepting: the offer was withdrawn',
              facts,
            ),
          };
        }
        const unavailable = await offerUnavailability(tx, p.userId);
        if (unavailable !== null) {
          await decideOffer(tx, offer.id, 'withdrawn', unavailable);
          await this.offerNextIn(tx, job, null);
          return {
            refused: conflict(
              'technician-unavailable',
              `The offer was withdrawn: ${unavailable}`,
              facts,
            ),
          };
        }
        await decideOffer(tx, offer.id, 'accepted');
        const moved = await applyRepairTransition(tx, job, {
          event: 'accept_offer',
          actor: 'technician',
          actorId: p.userId,
          actorRole: p.role,
          technicianId: p.userId,
        });
        return { job: repairJobDto(moved) };
      },
    );
    if ('refused' in outcome) throw outcome.refused;
    return outcome.job;
  }

  /** Declines my open offer: the next candidate is offered. */
  async decline(offerId: string, meta: RequestMeta): Promise<OfferDeclinedDto> {
    return this.transactions.run(async (tx) => {
      const { job, offer } = await this.lockMine(tx, offerId, meta.principal!.userId);
      await decideOffer(tx, offer.id, 'declined');
      if (job.status === 'matching') await this.offerNextIn(tx, job, null);
      return { id: offer.id, status: 'declined' as const };
    });
  }

  /** My offer and its job, locked (the job first); 404 for another's, 409 unless it is open. */
  private async lockMine(
    tx: EntityManager,
    offerId: string,
    technicianId: string,
  ): Promise<{ job: RepairJobRow; offer: OfferRow }> {
    const seen = await findOffer(tx, offerId, technicianId);
    if (seen === undefined) throw offerNotFound();
    const job = await lockRepairJob(tx, seen.repair_job_id, 'any');
    const offer = await lockOffer(tx, offerId);
    if (offer.status !== 'offered')
      throw conflict('not-open', `This offer is ${offer.status}`, {
        offerId,
        offerStatus: offer.status,
      });
    return { job, offer };
  }

  // ---- matching ----

  /**
   * Offers the (locked, matching, without an open offer) job to its next candidate, with its expiry
   * timer; exhausts it to the staff queue after the last candidate or when none is left.
   */
  private async offerNextIn(
    tx: EntityManager,
    job: RepairJobRow,
    preferredTechnicianId: string | null,
  ): Promise<void> {
    const { maxCandidates, offerTtlSeconds } = this.config.matching;
    const offered = await offeredTechniciansOf(tx, job.id);
    const next =
      offered.length >= maxCandidates
        ? undefined
        : await this.nextCandidateIn(tx, job, offered, preferredTechnicianId);
    if (next === undefined) {
      await applyRepairTransition(tx, job, {
        event: 'exhaust',
        actor: 'system',
        actorId: null,
        actorRole: 'matching',
        reason:
          offered.length === 0
            ? 'no technician to offer it to'
            : `no technician accepted (${offered.length} offered)`,
      });
      return;
    }
    const offer = await insertOffer(tx, {
      ...next,
      jobId: job.id,
      position: offered.length + 1,
      ttlSeconds: offerTtlSeconds,
    });
    await this.jobs.send(
      REPAIR_MATCHING_JOBS.offerExpired,
      { offerId: offer.id },
      { tx, startAfter: offer.expires_at },
    );
    publishAfterCommit(
      tx,
      new RepairOfferMade(offer.id, job.id, next.technicianId, offer.expires_at),
    );
  }

  /**
   * The best candidate not offered yet: the customer's pick when it is one within the widest ring;
   * else the best scored in the first ring that has any.
   */
  private async nextCandidateIn(
    tx: EntityManager,
    job: RepairJobRow,
    offered: readonly string[],
    preferredTechnicianId: string | null,
  ): Promise<Omit<NewOffer, 'jobId' | 'position' | 'ttlSeconds'> | undefined> {
    if (job.lat === null || job.lng === null) return undefined;
    const radii = this.config.matching.radiiKm;
    const outerKm = radii.at(-1)!;
    for (const radiusKm of preferredTechnicianId === null ? radii : [outerKm, ...radii]) {
      const ring = (
        await nearby(tx, {
          lat: job.lat,
          lng: job.lng,
          radiusM: radiusKm * 1000,
          kind: 'hardware',
          skill: null,
          brand: null,
          offset: 0,
          limit: RING_SAMPLE + offered.length,
        })
      ).filter((r) => !offered.includes(r.id) && r.id !== job.customer_id);
      const pick =
        preferredTechnicianId === null ? ring : ring.filter((r) => r.id === preferredTechnicianId);
      const preferred = preferredTechnicianId !== null;
      preferredTechnicianId = null;
      if (pick.length === 0) continue;
      const ids = pick.map((r) => r.id);
      const rates = await acceptanceRatesOf(tx, ids);
      const rankings = await technicianRankings(
        tx,
        ids,
        new Map(ids.map((id) => [id, { acceptanceRate: rates.get(id) }])),
      );
      const active = await activeJobCountsOf(tx, ids);
      const open = await openOfferCountsOf(tx, ids, job.id);
      const best = rankCandidates(
        pick.map((r) => ({
          technicianId: r.id,
          distanceM: r.distance_m,
          rankScore: rankings.get(r.id)!.rankScore,
          load: (active.get(r.id) ?? 0) + (open.get(r.id) ?? 0),
        })),
        outerKm * 1000,
        this.config.matching.weights,
      )[0]!;
      return {
        technicianId: best.technicianId,
        preferred,
        distanceM: best.distanceM,
        radiusKm,
        bayesianAverage: rankings.get(best.technicianId)!.bayesianAverage,
        acceptanceRate: rates.get(best.technicianId) ?? null,
        load: best.load,
        score: best.score,
      };
    }
    return undefined;
  }
}
